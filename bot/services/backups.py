"""Backups: `backup`/`restore` (the database, sealed to the offline backup key), and what
`export`/`import` (bot.services.moving) share with them.

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
    BackupPublicKey,
    KeyringMissing,
    PublicKeyring,
    backup_key_id,
    replace_shredding_old,
    shred_file,
)
from bot.services.keytrust import check_fingerprint, compact
from bot.storage import migrations, runlock, snapshot
from bot.storage.db import StorageError, ensure_private_dir

DATABASE_MEMBER: Final = "helpline.sqlite3"
_MAX_MEMBERS: Final = 10_000


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
        if found.pinned_signing not in (None, public.signing_public.public_bytes_raw().hex()):
            # A keyring swapped behind the bot's back must not receive the backups either.
            raise BackupError(
                "the keyring's signing key differs from the one this database has pinned: the "
                "keyring file was replaced; not sealing a backup to its backup key"
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
        made_by = {"backup": "`backup`", "export": "`export`"}
        use = {"backup": "`restore`", "export": "`import`"}[header.kind]
        raise BackupError(
            f"this file was made by {made_by[header.kind]}, not {made_by[kind]}: use {use} for it"
        )
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


def check_key(header: BackupHeader, private: X25519PrivateKey) -> None:
    """The private half must be the one the file is sealed to (told before anything else)."""
    have = backup_key_id(private.public_key())
    if have != header.backup_key:
        raise BackupError(
            f"this file is sealed to backup key {header.backup_key}, not to the key in the key "
            f"file ({have})"
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
        raise LiveDatabase(f"{exc}: stop it first") from None
    try:
        yield
    finally:
        os.close(fd)


def restore(settings: Settings, path: Path, private: X25519PrivateKey, *, force: bool) -> Unpacked:
    """Check a backup completely, then replace the live database with it (see module doc)."""
    header = read_sealed_header(path)
    check_header(header, "backup")
    try:
        ring = PublicKeyring.load(settings.keyring_dir)
    except KeyringMissing:
        raise ConfigError(
            f"no keyring in {settings.keyring_dir}: put back the keyring copy that goes with this "
            "backup first (a new `keys init` cannot read what the backup holds)"
        ) from None
    check_fingerprint(ring, settings.signing_key_fingerprint)
    check_instance(header, ring)
    check_key(header, private)
    with locked_data_dir(settings):
        refuse_live(settings, force=force)
        with private_workdir(settings.data_dir) as work:
            unpack(path, private, work, lambda name: name == DATABASE_MEMBER)
            unpacked = Unpacked(header, work)
            check_database(unpacked, ring)
            replace_database(settings, unpacked.database)
    return unpacked
