"""`helpline-bot keys backup-key`, `backup`, `restore`, `export` and `import`: encrypted copies
of an instance for recovery (backup/restore: the database) and for moving to another server
with the same bot (export/import: database, keyring, content and settings).

Not to be confused with `reports export`, which decrypts reports for reading. Every file these
commands write is sealed to the offline backup key; opening one needs that key's private half
(a file kept off the server) and its own passphrase.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from bot.cli import EXIT_OK, EXIT_PROBLEMS, audit_operator, command_settings
from bot.config import ConfigError, Settings
from bot.crypto.backup import BackupError, new_backup_key, unwrap_private_key, wrap_private_key
from bot.crypto.keyring import PublicKeyring, UnlockedKeyring, set_backup_key
from bot.crypto.passphrase import configured_passphrase, generate_passphrase, weakness

_MAX_KEY_FILE = 16 * 1024

_KEY_HELP = "the backup key's private half, as `keys backup-key` wrote it"
_FILE_HELP = "read the backup key's passphrase from this file (default: asked on the terminal)"


def add_key_command(keys: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup_key = keys.add_parser(
        "backup-key",
        help="make the backup key pair; its private half goes off the server",
        description="Make the key pair backups are sealed to. The public half goes into the "
        "keyring (needs the keyring passphrase); the private half is written once, wrapped "
        "under a passphrase of its own, to --out FILE (or printed with --print), for you to "
        "keep offline: it is never kept on the server, and `restore` and `import` need it.",
    )
    where = backup_key.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", metavar="FILE", help="write the private half to this new file")
    where.add_argument("--print", action="store_true", help="print the private half instead")
    backup_key.add_argument("--passphrase-file", metavar="FILE", help="its new passphrase")
    backup_key.add_argument(
        "--replace",
        action="store_true",
        help="replace an existing backup key (older backups still need the old private half)",
    )
    backup_key.set_defaults(handler=cmd_backup_key)


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = commands.add_parser(
        "backup",
        help="an encrypted copy of the database, taken while the bot runs",
        description="Copy the database with SQLite's online backup API (the bot may keep "
        "running) and seal it to the backup key (`keys backup-key`) into FILE, a new file. No "
        "passphrase needed; the keyring is not included (keep its offline copy).",
    )
    backup.add_argument("file", help="the new backup file")
    backup.set_defaults(handler=cmd_backup)

    restore = commands.add_parser(
        "restore",
        help="check a backup and put its database back (needs the backup key's private half)",
        description="Open FILE with the backup key's private half, check it (format, schema "
        "version, SQLite integrity, that it belongs to this keyring and its key ids), then "
        "replace the database. Refuses while the bot runs, and over a database that holds "
        "data unless --force. A damaged or foreign backup changes nothing (exit 1).",
    )
    restore.add_argument("file", help="a file made by `helpline-bot backup`")
    restore.add_argument("--key", metavar="FILE", required=True, help=_KEY_HELP)
    restore.add_argument("--passphrase-file", metavar="FILE", help=_FILE_HELP)
    restore.add_argument("--force", action="store_true", help="replace a database with data")
    restore.set_defaults(handler=cmd_restore)

    export = commands.add_parser(
        "export",
        help="a sealed copy of the whole instance, to move servers (not `reports export`)",
        description="Everything a new server with the same bot token needs, sealed to the "
        "backup key into FILE: the database (subscriptions stay encrypted), the keyring file "
        "(still under its passphrase), the content directory and the settings you set "
        "(never BOT_TOKEN nor the passphrase). Not `reports export`, which decrypts reports "
        "for reading.",
    )
    export.add_argument("file", help="the new export file")
    export.set_defaults(handler=cmd_export)

    imp = commands.add_parser(
        "import",
        help="set up this server from an `export` of the same bot",
        description="Open FILE with the backup key's private half, check it, refuse when this "
        "server's bot (getMe with BOT_TOKEN; --offline: the token's bot id) is not the one "
        "exported, then put the database and the keyring in place and the content and "
        "settings into --to DIR for you to review.",
    )
    imp.add_argument("file", help="a file made by `helpline-bot export`")
    imp.add_argument("--key", metavar="FILE", required=True, help=_KEY_HELP)
    imp.add_argument("--passphrase-file", metavar="FILE", help=_FILE_HELP)
    imp.add_argument("--force", action="store_true", help="replace a database with data")
    imp.add_argument("--offline", action="store_true", help="do not ask the Bot API (getMe)")
    imp.add_argument(
        "--to", metavar="DIR", default="helpline-import", help="where content and settings go"
    )
    imp.set_defaults(handler=cmd_import)


def _failed(exc: BackupError) -> int:
    print(f"helpline-bot: {exc}; nothing was changed", file=sys.stderr)
    return EXIT_PROBLEMS


def _one_line(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A failed check is exit 1; a file that cannot be read or written (a full disk, a missing
    directory) is one line and exit 2, never a traceback."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except BackupError as exc:
            return _failed(exc)
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            reason = exc.strerror or type(exc).__name__
            raise ConfigError(f"cannot use{where}: {reason}; nothing was changed") from None

    return run


# --- passphrases -------------------------------------------------------------------------


def _read_passphrase_file(name: str) -> bytes:
    try:
        return Path(name).read_bytes().rstrip(b"\r\n")
    except OSError as exc:
        raise ConfigError(f"cannot read {name}: {exc.strerror}") from None


def _ask(prompt: str) -> bytes:
    if not sys.stdin.isatty():
        raise ConfigError("no backup key passphrase: give --passphrase-file or run on a terminal")
    try:
        return getpass.getpass(prompt).encode()
    except EOFError:
        raise ConfigError("no passphrase was entered") from None


def _new_backup_passphrase(args: argparse.Namespace, keyring_passphrase: bytes) -> bytes:
    if args.passphrase_file:
        chosen = _read_passphrase_file(args.passphrase_file)
    else:
        suggestion = generate_passphrase()
        if sys.stdin.isatty():
            print(f"Suggested passphrase for the backup key: {suggestion}")
            print("Write it down (not on the server); press Enter to use it, or type your own.")
        chosen = _ask("New backup key passphrase: ") or suggestion.encode()
        if _ask("Type it again to confirm: ") != chosen:
            raise ConfigError("the two passphrases differ; nothing was created")
    try:
        problem = weakness(chosen.decode())
    except UnicodeDecodeError:
        problem = "the passphrase is not valid UTF-8"
    if problem is None and chosen == keyring_passphrase:
        problem = "it is the keyring's passphrase: the backup key needs one of its own"
    if problem is not None:
        raise ConfigError(f"backup key passphrase refused: {problem}; nothing was created")
    return chosen


def _private_key(args: argparse.Namespace) -> X25519PrivateKey:
    try:
        with Path(args.key).open("rb") as file:
            raw = file.read(_MAX_KEY_FILE + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read the backup key file {args.key}: {exc.strerror}") from None
    if args.passphrase_file:
        passphrase = _read_passphrase_file(args.passphrase_file)
    else:
        passphrase = _ask("Backup key passphrase: ")
    return unwrap_private_key(raw, passphrase)


# --- commands ----------------------------------------------------------------------------


@_one_line
def cmd_backup_key(args: argparse.Namespace) -> int:
    from bot.crypto.passphrase import obtain_passphrase

    settings = command_settings()
    public = PublicKeyring.load(settings.keyring_dir)
    if public.backup_key is not None and not args.replace:
        raise ConfigError(
            f"the keyring already has backup key {public.backup_key.key_id}; add --replace to "
            "make a new one (backups sealed to the old key need its private half)"
        )
    keyring_passphrase = obtain_passphrase(settings.key_passphrase, settings.key_passphrase_file)
    ring = UnlockedKeyring.unlock(settings.keyring_dir, keyring_passphrase)
    chosen = _new_backup_passphrase(args, keyring_passphrase)
    private = new_backup_key()
    wrapped = wrap_private_key(private, chosen, dt.date.today())
    out = None if args.print else Path(args.out)
    if out is not None:
        try:
            fd = os.open(out, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except OSError as exc:
            raise ConfigError(f"cannot create {out}: {exc.strerror}; nothing was changed") from None
        with os.fdopen(fd, "wb") as file:
            file.write(wrapped)
            file.flush()
            os.fsync(file.fileno())
    try:
        key = set_backup_key(
            settings.keyring_dir, keyring_passphrase, private.public_key(), dt.date.today()
        )
    except BaseException:
        if out is not None:
            out.unlink()
        raise
    if out is None:
        sys.stdout.write(wrapped.decode("ascii"))
    print(f"backup key {key.key_id}: the public half is in the keyring", file=sys.stderr)
    print(
        f"its private half is {'printed above' if out is None else f'in {out}'}: move it off "
        "this server now, with its passphrase kept apart from it; `restore` needs both",
        file=sys.stderr,
    )
    if settings.database_path.exists():
        audit_operator(settings, ring, "keys.backup-key", key.key_id)
    return EXIT_OK


def _audit(settings: Settings, action: str, subject: str) -> None:
    """Recorded when the keyring passphrase is configured (unattended mode); otherwise said."""
    passphrase = configured_passphrase(settings.key_passphrase, settings.key_passphrase_file)
    if passphrase is None or not settings.database_path.exists():
        print(
            f"audit log: {action} not recorded (no keyring passphrase configured)",
            file=sys.stderr,
        )
        return
    ring = UnlockedKeyring.unlock(settings.keyring_dir, passphrase)
    audit_operator(settings, ring, action, subject)


@_one_line
def cmd_backup(args: argparse.Namespace) -> int:
    from bot.services.backups import seal_database

    settings = command_settings()
    try:
        header = seal_database(settings, Path(args.file), kind="backup")
    except BackupError as exc:
        return _failed(exc)
    print(
        f"backup written to {args.file}: schema {header.schema}, sealed to backup key "
        f"{header.backup_key}, {Path(args.file).stat().st_size} bytes"
    )
    _audit(settings, "backup", header.backup_key)
    return EXIT_OK


@_one_line
def cmd_restore(args: argparse.Namespace) -> int:
    from bot.services.backups import read_sealed_header, restore

    settings = command_settings()
    try:
        read_sealed_header(Path(args.file))  # a foreign file is refused before a passphrase
        private = _private_key(args)
        done = restore(settings, Path(args.file), private, force=args.force)
    except BackupError as exc:
        return _failed(exc)
    print(
        f"restored {settings.database_path} from the backup of {done.header.created}:00 UTC "
        f"(schema {done.header.schema}); `helpline-bot run` upgrades it if needed"
    )
    _audit(settings, "restore", done.header.created)
    return EXIT_OK


def _token_bot_id(settings: Settings) -> int:
    if settings.bot_token is None:
        raise ConfigError("BOT_TOKEN is not set: it names the bot whose subscribers move")
    head = settings.bot_token.get_secret_value().split(":", 1)[0]
    if not head.isdigit():
        raise ConfigError("BOT_TOKEN is malformed (it starts with the bot's numeric id)")
    return int(head)


@_one_line
def cmd_export(args: argparse.Namespace) -> int:
    from bot.services.backups import seal_database
    from bot.services.moving import export_members

    settings = command_settings()
    bot_id = _token_bot_id(settings)
    PublicKeyring.load(settings.keyring_dir)  # no keyring: said as every keys command says it
    try:
        header = seal_database(
            settings, Path(args.file), kind="export", bot_id=bot_id, extra=export_members(settings)
        )
    except BackupError as exc:
        return _failed(exc)
    print(
        f"export written to {args.file} (bot id {bot_id}, schema {header.schema}), sealed to "
        f"backup key {header.backup_key}: database, keyring, content and settings; BOT_TOKEN "
        "and the passphrase are not in it"
    )
    _audit(settings, "export", header.backup_key)
    return EXIT_OK


def _target_bot_id(settings: Settings, offline: bool) -> int:
    """This server's bot: getMe with its BOT_TOKEN, or with --offline the token's own id."""
    token_id = _token_bot_id(settings)
    if offline:
        return token_id
    import asyncio

    from bot.checks import GET_ME_SECONDS

    async def ask() -> int:
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer
        from aiogram.exceptions import ClientDecodeError, TelegramAPIError, TelegramNetworkError

        from bot.lifecycle import refusal

        assert settings.bot_token is not None  # _token_bot_id said so
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.bot_api_url))
        try:
            bot = Bot(settings.bot_token.get_secret_value(), session=session)
            async with asyncio.timeout(GET_ME_SECONDS):
                return (await bot.get_me(request_timeout=GET_ME_SECONDS)).id
        except (TelegramNetworkError, TimeoutError) as exc:
            raise ConfigError(
                f"the Bot API is unreachable ({type(exc).__name__}); `import --offline` takes "
                "the bot id from BOT_TOKEN instead"
            ) from None
        except (TelegramAPIError, ClientDecodeError) as exc:
            raise ConfigError(refusal(exc)) from None
        finally:
            await session.close()

    return asyncio.run(ask())


@_one_line
def cmd_import(args: argparse.Namespace) -> int:
    from bot.services.backups import check_header, read_sealed_header
    from bot.services.moving import import_export

    settings = command_settings()
    try:
        header = read_sealed_header(Path(args.file))
        check_header(header, "export")
        target = _target_bot_id(settings, args.offline)
        if header.bot_id != target:
            raise BackupError(
                f"this export is of bot id {header.bot_id}, and this server's BOT_TOKEN is of "
                f"bot id {target}: subscriptions cannot move to another bot (people must press "
                "Start in it); use the same token, or see docs/operations.md"
            )
        private = _private_key(args)
        done = import_export(
            settings,
            Path(args.file),
            private,
            settings_dir=Path(args.to),
            force=args.force,
        )
    except BackupError as exc:
        return _failed(exc)
    kept = "written to" if done.keyring_written else "already in"
    print(
        f"imported the database into {settings.database_path}; "
        f"keyring {kept} {settings.keyring_dir}"
    )
    print(
        f"content and settings are in {done.settings_dir}: set CONTENT_DIR="
        f"{done.settings_dir / 'content'} and copy what applies from "
        f"{done.settings_dir / 'settings.env'} into this server's .env, then "
        "`helpline-bot check` and `run` (with the keyring's passphrase, as before)"
    )
    _audit(settings, "import", str(header.bot_id))
    return EXIT_OK
