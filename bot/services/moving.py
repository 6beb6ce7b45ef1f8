"""Moving to another server with the same bot: `export` seals the database, the keyring file
(still under its own passphrase), the content directory and the settings this instance sets to
the offline backup key; `import` checks all of it as `restore` does, then puts the database and
the keyring in place and the content and settings where the operator reviews them.

Why the keyring travels inside the sealed file: its passphrase alone would protect it
(Argon2id), but sealed, a copied export file gives nothing without the backup key's private
half as well, which is never on either server.
"""

from __future__ import annotations

import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from bot.config import ConfigError, Settings
from bot.crypto.backup import BackupError, BackupHeader
from bot.crypto.keyring import (
    KEYRING_FILE,
    KeyringError,
    KeyringMissing,
    PublicKeyring,
    install_keyring_file,
    parse_keyring_public,
)
from bot.services.backups import (
    DATABASE_MEMBER,
    Extra,
    Unpacked,
    add_bytes,
    check_database,
    check_header,
    check_instance,
    check_key,
    locked_data_dir,
    private_workdir,
    read_sealed_header,
    refuse_live,
    replace_database,
    unpack,
)
from bot.services.keytrust import check_fingerprint

KEYRING_MEMBER: Final = "keyring.json"
SETTINGS_MEMBER: Final = "settings.env"
CONTENT_PREFIX: Final = "content/"
# Settings that belong to one machine or are secrets: never exported.
_NOT_EXPORTED: Final = frozenset(
    {"bot_token", "key_passphrase", "key_passphrase_file", "data_dir", "keys_dir", "content_dir"}
)


def exported_settings(settings: Settings) -> bytes:
    """The settings this instance sets (not secrets, not paths), as .env lines."""
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
    check_key(header, private)
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
