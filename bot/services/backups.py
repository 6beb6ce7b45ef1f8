"""Backups and moves: `backup`/`restore` (the database, sealed to the offline backup key) and
`export`/`import` (database, keyring, content and settings, to move to another server).

Where the plaintext copy lives: the database is copied with SQLite's backup API into a
temporary directory made 0700 *inside DATA_DIR* (the same disk and the same protection as the
live database, whose content the copy is: report texts and chat ids in it are ciphertext
already), sealed from there chunk by chunk, and every file in that directory is overwritten and
removed afterwards, whatever happens. Restore unpacks into such a directory too, checks
everything there, and only then replaces the live file. Nothing is written outside DATA_DIR
but the sealed file itself (and, for `import`, the keyring into KEYS_DIR and the content and
settings into the directory the operator names).
"""

from __future__ import annotations

import contextlib
import os
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Final

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from bot.config import ConfigError, Settings
from bot.crypto.backup import (
    BackupError,
    BackupHeader,
    SealedReader,
    SealedWriter,
    read_header,
)
from bot.crypto.keyring import (
    KEYRING_FILE,
    BackupPublicKey,
    KeyringError,
    KeyringMissing,
    PublicKeyring,
    install_keyring_file,
    parse_keyring_public,
    replace_shredding_old,
    shred_file,
)
from bot.services.keytrust import check_fingerprint, compact
from bot.storage import migrations, runlock, snapshot
from bot.storage.db import StorageError, ensure_private_dir

DATABASE_MEMBER: Final = "helpline.sqlite3"
KEYRING_MEMBER: Final = "keyring.json"
SETTINGS_MEMBER: Final = "settings.env"
CONTENT_PREFIX: Final = "content/"
_MAX_MEMBERS: Final = 10_000
# Settings that belong to one machine or are secrets: never exported.
_NOT_EXPORTED: Final = frozenset(
    {"bot_token", "key_passphrase", "key_passphrase_file", "data_dir", "keys_dir", "content_dir"}
)


class LiveDatabase(BackupError):
    """The target database holds data (or the bot runs): nothing was changed."""


@dataclass(frozen=True)
class Unpacked:
    """A checked backup or export, unpacked in a private temporary directory."""

    header: BackupHeader
    root: Path

    @property
    def database(self) -> Path:
        return self.root / DATABASE_MEMBER


def hour_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H")


@contextlib.contextmanager
def private_workdir(data_dir: Path) -> Iterator[Path]:
    """A 0700 directory inside DATA_DIR whose files are all shredded when it is left."""
    ensure_private_dir(data_dir)
    root = Path(tempfile.mkdtemp(prefix=".backup-", dir=data_dir))
    try:
        yield root
    finally:
        for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                shred_file(path)
        root.rmdir()


def backup_recipient(settings: Settings) -> tuple[PublicKeyring, BackupPublicKey]:
    """The keyring's backup key, trusted only once the signing key vouches for it (and the
    signing key is the configured one, when SIGNING_KEY_FINGERPRINT is set)."""
    public = PublicKeyring.load(settings.keyring_dir)
    check_fingerprint(public, settings.signing_key_fingerprint)
    return public, public.trusted_backup_key()


def _safe_info(name: str, size: int) -> tarfile.TarInfo:
    """A member that says nothing about the machine (no owner, no time)."""
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, 0
    return info


Extra = Callable[[tarfile.TarFile], None]


def seal_database(
    settings: Settings,
    out: Path,
    *,
    kind: str,
    bot_id: int | None = None,
    extra: Extra | None = None,
) -> BackupHeader:
    """Copy the database online, check it, and seal it (with `extra` members) to `out`."""
    public, key = backup_recipient(settings)
    if os.path.lexists(out):
        raise ConfigError(f"{out} exists; choose a new file name (a backup never overwrites)")
    if not out.parent.is_dir():
        raise ConfigError(f"{out.parent} is not a directory")
    with private_workdir(settings.data_dir) as work:
        copy = work / DATABASE_MEMBER
        snapshot.copy_database(settings.database_path, copy)
        found = snapshot.facts(copy)
        if found.integrity != "ok":
            raise BackupError(
                f"the live database fails SQLite's integrity check: {found.integrity}"
            )
        header = BackupHeader(
            kind=kind,
            schema=found.schema,
            backup_key=key.key_id,
            signing_key=compact(public.fingerprint()),
            created=hour_now(),
            bot_id=bot_id,
        )
        _write_sealed(out, key, header, copy, extra)
    return header


def _write_sealed(
    out: Path,
    key: BackupPublicKey,
    header: BackupHeader,
    database: Path,
    extra: Extra | None,
) -> None:
    """Sealed into `out`.partial (0600, created anew), fsynced, then renamed: a file named
    `out` is always whole."""
    partial = out.with_name(out.name + ".partial")
    fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    done = False
    try:
        with os.fdopen(fd, "wb") as file:
            writer = SealedWriter(file, key.public, header)
            with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                with database.open("rb") as source:
                    tar.addfile(_safe_info(DATABASE_MEMBER, database.stat().st_size), source)
                if extra is not None:
                    extra(tar)
            writer.close()
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, out)
        done = True
    finally:
        if not done:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    tar.addfile(_safe_info(name, len(data)), io.BytesIO(data))


def read_sealed_header(path: Path) -> BackupHeader:
    try:
        with path.open("rb") as file:
            return read_header(file)[0]
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a directory, not a backup") from None


def check_header(header: BackupHeader, kind: str) -> None:
    """Refuse the wrong kind or a schema newer than this program, before any key is asked."""
    if header.kind != kind:
        other = {"backup": "`restore`", "export": "`import`"}[header.kind]
        raise BackupError(f"this file is not a {kind} but an {header.kind}: use {other} for it")
    newest = migrations.discover()[-1].version
    if header.schema > newest:
        raise BackupError(
            f"the backup's database is at schema version {header.schema}, newer than this "
            f"program knows ({newest}); restore it with a newer helpline-bot"
        )


def _member_path(root: Path, name: str, allowed: Callable[[str], bool]) -> Path:
    parts = name.split("/")
    if not allowed(name) or any(p in ("", ".", "..") for p in parts) or name.startswith("/"):
        raise BackupError(f"the backup holds an unexpected entry ({name[:60]!r}); not using it")
    return root.joinpath(*parts)


def unpack(
    path: Path, private: X25519PrivateKey, work: Path, allowed: Callable[[str], bool]
) -> BackupHeader:
    """Decrypt and unpack every member into `work`; the whole file is authenticated (to its
    sealed end) before this returns, so nothing from a damaged file is ever used."""
    with path.open("rb") as file:
        reader = SealedReader(file, private)
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
                for count, member in enumerate(tar):
                    if count >= _MAX_MEMBERS or not member.isfile():
                        raise BackupError("the backup holds an unexpected entry; not using it")
                    target = _member_path(work, member.name, allowed)
                    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                    _copy_member(tar.extractfile(member), target)
        except tarfile.TarError:
            raise BackupError("the backup is damaged (its archive does not read)") from None
        reader.drain()
    return reader.header


def _copy_member(source: IO[bytes] | None, target: Path) -> None:
    if source is None:
        raise BackupError("the backup holds an unexpected entry; not using it")
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as out:
        while block := source.read(1 << 16):
            out.write(block)


def check_database(unpacked: Unpacked, ring: PublicKeyring) -> snapshot.Facts:
    """The unpacked database against its header and the keyring that must read it."""
    try:
        found = snapshot.facts(unpacked.database)
    except StorageError as exc:
        raise BackupError(f"the backup's database is damaged: {exc}") from None
    if found.integrity != "ok":
        raise BackupError(
            f"the backup's database fails SQLite's integrity check: {found.integrity}"
        )
    if found.schema != unpacked.header.schema:
        raise BackupError("the backup's database does not match its header (schema version)")
    signing = ring.signing_public.public_bytes_raw().hex()
    if found.pinned_signing is not None and found.pinned_signing != signing:
        raise BackupError(
            "the backup's database belongs to another keyring (its pinned signing key differs): "
            "restore the keyring that goes with it first"
        )
    missing = sorted(found.review_key_ids - set(ring.review_keys))
    if missing:
        raise BackupError(
            f"the backup's reports are sealed to review key(s) {', '.join(missing)} that this "
            "keyring does not hold: put back the keyring copy that goes with the backup"
        )
    return found


def check_instance(header: BackupHeader, ring: PublicKeyring) -> None:
    """A backup of another instance (another signing key) is foreign: refused."""
    if header.signing_key != compact(ring.fingerprint()):
        raise BackupError(
            f"this backup is from another instance (signing key {_spaced(header.signing_key)}; "
            f"this keyring's is {ring.fingerprint()}): not restoring it here"
        )


def _spaced(hex32: str) -> str:
    return " ".join(hex32[i : i + 4] for i in range(0, len(hex32), 4))


def refuse_live(settings: Settings, *, force: bool) -> None:
    """Holding the run lock: an existing database with data needs --force."""
    if not force and snapshot.has_data(settings.database_path):
        raise LiveDatabase(
            f"{settings.database_path} holds data; refusing to overwrite it (add --force to "
            "replace it with the backup)"
        )


def replace_database(settings: Settings, new: Path) -> None:
    """Put `new` in place of the live database (the run lock held): the old file's -wal and
    -shm go first (SQLite would replay an old WAL into the new file), then an atomic rename,
    then the old file's bytes are overwritten."""
    target = settings.database_path
    for suffix in ("-wal", "-shm", "-journal"):
        shred_file(target.with_name(target.name + suffix))
    replace_shredding_old(new, target)


@contextlib.contextmanager
def locked_data_dir(settings: Settings) -> Iterator[None]:
    """The run lock: a running bot (or another restore) refuses, and none starts meanwhile.
    A running bot is never overwritten, --force or not: its open connection would go on
    writing to the replaced file."""
    try:
        ensure_private_dir(settings.data_dir)
    except OSError as exc:
        raise ConfigError(f"DATA_DIR {settings.data_dir}: {exc.strerror}") from None
    try:
        fd = runlock.take(settings.data_dir)
    except runlock.DataDirBusy as exc:
        raise LiveDatabase(f"{exc}: stop it first; nothing was changed") from None
    try:
        yield
    finally:
        os.close(fd)


def restore(settings: Settings, path: Path, private: X25519PrivateKey, *, force: bool) -> Unpacked:
    """Check a backup completely, then replace the live database with it (see module doc)."""
    header = read_sealed_header(path)
    check_header(header, "backup")
    ring = PublicKeyring.load(settings.keyring_dir)
    check_fingerprint(ring, settings.signing_key_fingerprint)
    check_instance(header, ring)
    with locked_data_dir(settings):
        refuse_live(settings, force=force)
        with private_workdir(settings.data_dir) as work:
            unpack(path, private, work, lambda name: name == DATABASE_MEMBER)
            unpacked = Unpacked(header, work)
            check_database(unpacked, ring)
            replace_database(settings, unpacked.database)
    return unpacked


# --- export / import -------------------------------------------------------------------------


def exported_settings(settings: Settings) -> bytes:
    """The settings this instance sets (not secrets, not paths), as .env lines."""
    import json

    lines = []
    for name in sorted(settings.model_fields_set - _NOT_EXPORTED):
        value = getattr(settings, name)
        if isinstance(value, frozenset):
            text = ",".join(str(v) for v in sorted(value))
        elif isinstance(value, dict):
            text = json.dumps(value, sort_keys=True)
        elif value is None:
            text = ""
        else:
            text = str(value)
        lines.append(f"{name.upper()}={text}\n")
    return "".join(lines).encode("utf-8")


def export_members(settings: Settings) -> Extra:
    """The keyring file (as it is: wrapped under its passphrase), content and settings."""
    keyring_raw = (settings.keyring_dir / KEYRING_FILE).read_bytes()
    content = settings.content_dir

    def add(tar: tarfile.TarFile) -> None:
        add_bytes(tar, KEYRING_MEMBER, keyring_raw)
        add_bytes(tar, SETTINGS_MEMBER, exported_settings(settings))
        for path in sorted(content.rglob("*")):
            if path.is_file() and not path.is_symlink():
                name = CONTENT_PREFIX + path.relative_to(content).as_posix()
                add_bytes(tar, name, path.read_bytes())

    return add


def _export_member(name: str) -> bool:
    return name in (DATABASE_MEMBER, KEYRING_MEMBER, SETTINGS_MEMBER) or name.startswith(
        CONTENT_PREFIX
    )


@dataclass(frozen=True)
class Imported:
    header: BackupHeader
    keyring_written: bool
    settings_dir: Path


def import_export(
    settings: Settings,
    path: Path,
    private: X25519PrivateKey,
    *,
    settings_dir: Path,
    force: bool,
) -> Imported:
    """Check an export completely, then put its database and keyring in place and its content
    and settings into `settings_dir` (for the operator to review: never applied silently)."""
    header = read_sealed_header(path)
    check_header(header, "export")
    if os.path.lexists(settings_dir) and any(settings_dir.iterdir()):
        raise ConfigError(f"{settings_dir} is not empty; name a new directory with --to")
    current = _target_keyring(settings)
    with locked_data_dir(settings):
        refuse_live(settings, force=force)
        with private_workdir(settings.data_dir) as work:
            unpack(path, private, work, _export_member)
            unpacked = Unpacked(header, work)
            raw = (work / KEYRING_MEMBER).read_bytes()
            try:
                ring = parse_keyring_public(raw)
            except KeyringError as exc:
                raise BackupError(f"the export's keyring is damaged: {exc}") from None
            check_instance(header, ring)
            check_fingerprint(ring, settings.signing_key_fingerprint)
            if current is not None:
                check_instance(header, current)
            check_database(unpacked, ring)
            _move_tree(work / "content", settings_dir / "content", work / SETTINGS_MEMBER)
            if current is None:
                install_keyring_file(settings.keyring_dir, raw)
            replace_database(settings, unpacked.database)
    return Imported(header, current is None, settings_dir)


def _target_keyring(settings: Settings) -> PublicKeyring | None:
    """The keyring already on the target, if any (a destroyed one refuses the import)."""
    try:
        return PublicKeyring.load(settings.keyring_dir)
    except KeyringMissing:
        return None


def _move_tree(content: Path, target: Path, settings_file: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    if content.is_dir():
        for path in sorted(content.rglob("*")):
            if path.is_file():
                dest = target / path.relative_to(content)
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(path.read_bytes())
    (target.parent / SETTINGS_MEMBER).write_bytes(settings_file.read_bytes())
    (target.parent / SETTINGS_MEMBER).chmod(0o600)
