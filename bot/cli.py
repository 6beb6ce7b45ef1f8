"""The `helpline-bot` command line (also `python -m bot`): the parser's skeleton, main() with
its one-line errors and exit codes, and the helpers every command group shares. Each group of
commands is a module of its own (bot/*_cli.py) that registers its subcommands in add_commands()
and holds their handlers; `_parser` calls them in the order `--help` lists the commands."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from bot import __version__, backup_cli, team_cli
from bot.config import (
    ConfigError,
    Settings,
    keys_dir_problem,
    load_settings,
)
from bot.content.faq import ContentError
from bot.crypto.keyring import KeyringError, PublicKeyring, UnlockedKeyring
from bot.crypto.passphrase import PassphraseUnavailable
from bot.documents import cli as documents_cli
from bot.i18n import CatalogError
from bot.logs import setup_logging
from bot.storage.db import StorageError

if TYPE_CHECKING:
    pass


EXIT_OK, EXIT_PROBLEMS, EXIT_CONFIG = 0, 1, 2
T = TypeVar("T")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="helpline-bot",
        description="Anonymous Telegram helpline for people facing conscription.",
        epilog="Configuration comes from environment variables or a .env file; see README.md.",
    )
    parser.add_argument("--version", action="version", version=f"helpline-bot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    # Imported here, not at the top: each group module imports this module's shared helpers.
    from bot import demo_cli, move_cli, panic_cli, reports_cli, run_cli, status_cli, verify_cli

    run_cli.add_commands(commands)
    status_cli.add_commands(commands)
    demo_cli.add_commands(commands)
    keys = commands.add_parser(
        "keys",
        help="create or rotate the instance keyring",
        description="Manage the keyring in KEYS_DIR (default DATA_DIR/keys). The passphrase is "
        "read from KEY_PASSPHRASE or KEY_PASSPHRASE_FILE when set, otherwise asked on the "
        "terminal without echo.",
    )
    keys_commands = keys.add_subparsers(dest="keys_command", metavar="KEYS_COMMAND", required=True)
    keys_init = keys_commands.add_parser(
        "init",
        help="create the keyring (refuses to overwrite one)",
        description="Create the review key pair, the master secret and the alert signing key, "
        "wrapped with Argon2id under the passphrase. On a terminal it offers a generated "
        "passphrase (seven words, about 90 bits). A weak passphrase is refused: fewer than 16 "
        "characters or 8 different ones, one dictionary word, or mostly keyboard runs.",
    )
    keys_init.set_defaults(handler=_cmd_keys_init)
    keys_passphrase = keys_commands.add_parser(
        "passphrase",
        help="print a generated passphrase (seven words, about 90 bits)",
        description="Print a passphrase of seven words drawn from the EFF large word list with "
        "a secure random generator, e.g. to put into KEY_PASSPHRASE_FILE (chmod 600).",
    )
    keys_passphrase.set_defaults(handler=_cmd_keys_passphrase)
    keys_destroy = keys_commands.add_parser(
        "destroy",
        help="destroy the keyring on purpose (panic switch; cannot be undone)",
        description="Overwrite the keyring file's bytes, fsync and delete it, leaving only a "
        "note of when it was destroyed. Stored reports and the subscriber list become "
        "unreadable for good; the bot then serves guidance only. Needs no passphrase. Asks "
        "for confirmation unless --yes is given.",
    )
    keys_destroy.add_argument(
        "--yes", action="store_true", help="do not ask: destroy at once (for scripts)"
    )
    keys_destroy.set_defaults(handler=panic_cli.cmd_destroy)
    keys_rotate = keys_commands.add_parser(
        "rotate",
        help="add a new review key pair; old reports stay readable",
        description="Add a new review key pair for new reports; the previous one is retired "
        "but kept for reading the reports it protects.",
    )
    keys_rotate.set_defaults(handler=_cmd_keys_rotate)
    keys_status = keys_commands.add_parser(
        "status",
        help="show the public part of the keyring (no passphrase needed)",
        description="Show key ids, dates and the alert signing key fingerprint.",
    )
    keys_status.set_defaults(handler=_cmd_keys_status)
    backup_cli.add_key_command(keys_commands)

    panic_cli.add_commands(commands)
    move_cli.add_commands(commands)
    verify_cli.add_commands(commands)
    reports_cli.add_commands(commands)
    team_cli.add_commands(commands)
    backup_cli.add_commands(commands)
    documents_cli.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ConfigError as exc:
        print(f"helpline-bot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StorageError as exc:
        print(f"helpline-bot: database error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except sqlite3.DatabaseError as exc:  # damage SQLite finds only past the first pages
        print(f"helpline-bot: database error: {exc}; restore the latest backup", file=sys.stderr)
        return EXIT_PROBLEMS
    except (KeyringError, PassphraseUnavailable) as exc:
        print(f"helpline-bot: keyring error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except CatalogError as exc:
        print(f"helpline-bot: content error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except ContentError as exc:
        for problem in exc.problems:
            print(f"helpline-bot: content error: {problem}", file=sys.stderr)
        print(
            "helpline-bot: not starting on broken content; `check` lists every problem",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return EXIT_OK


def command_settings() -> Settings:
    """Settings for a command that may use the keyring: a KEYS_DIR that is a file is refused
    here, before it could be mistaken for a destroyed keyring."""
    settings = load_settings()
    setup_logging(settings.log_level)
    problem = keys_dir_problem(settings)
    if problem is not None:
        raise ConfigError(problem)
    return settings


def _cmd_keys_init(args: argparse.Namespace) -> int:
    import datetime as dt

    from bot.crypto.keyring import KeyringExists, KeyringMissing, PublicKeyring, init_keyring

    settings = command_settings()
    try:
        PublicKeyring.load(settings.keyring_dir)
    except KeyringMissing:
        pass
    else:
        raise KeyringExists(
            f"a keyring already exists in {settings.keyring_dir}; not overwriting it"
        )
    passphrase = _new_passphrase(settings)
    ring = init_keyring(settings.keyring_dir, passphrase, dt.date.today())
    if settings.database_path.exists():
        # A new keyring for an existing database: forget the old keys' pins, pin the new ones.
        asyncio.run(_pin_keys(settings, ring, reset=True))
    print(f"keyring created in {settings.keyring_dir}")
    print(f"review key: {ring.current_review_key.key_id}")
    print(f"alert signing key fingerprint: {ring.fingerprint()}")
    print(
        "Set SIGNING_KEY_FINGERPRINT to that fingerprint outside DATA_DIR (environment or the "
        "service unit), and publish it."
    )
    print("Keep the passphrase safe: without it nobody, including you, can read the reports.")
    return EXIT_OK


def _new_passphrase(settings: Settings) -> bytes:
    """KEY_PASSPHRASE / KEY_PASSPHRASE_FILE when set, else the terminal (offering a generated
    one); a weak passphrase from any of them is refused with the rule it breaks."""
    from bot.crypto.passphrase import (
        configured_passphrase,
        generate_passphrase,
        obtain_passphrase,
        weakness,
    )

    configured = configured_passphrase(settings.key_passphrase, settings.key_passphrase_file)
    if configured is None and sys.stdin.isatty():
        suggestion = generate_passphrase()
        print(f"Suggested passphrase (seven words, about 90 bits): {suggestion}")
        print("Write it down now; press Enter to use it, or type your own.")
        typed = obtain_passphrase(None, None, prompt="New keyring passphrase: ")
        chosen = typed or suggestion.encode()
        again = obtain_passphrase(None, None, prompt="Type it again to confirm: ")
        if again != chosen:
            raise PassphraseUnavailable("the two passphrases differ; nothing was created")
        configured = chosen
    passphrase = configured or obtain_passphrase(None, None)
    try:
        problem = weakness(passphrase.decode())
    except UnicodeDecodeError:
        problem = "the passphrase is not valid UTF-8"
    if problem is not None:
        raise ConfigError(
            f"{problem}; nothing was created (`helpline-bot keys passphrase` prints a strong one)"
        )
    return passphrase


def _cmd_keys_passphrase(args: argparse.Namespace) -> int:
    from bot.crypto.passphrase import generate_passphrase

    print(generate_passphrase())
    return EXIT_OK


def _cmd_keys_rotate(args: argparse.Namespace) -> int:
    import datetime as dt

    from bot.crypto.keyring import destroy_retired_keys, rotate_review_key
    from bot.crypto.passphrase import obtain_passphrase

    settings = command_settings()
    passphrase = obtain_passphrase(settings.key_passphrase, settings.key_passphrase_file)
    # A running bot may still seal to the key that is current now: it is kept until the next
    # rotation, so that nothing sealed in the meantime becomes unreadable.
    previous = PublicKeyring.load(settings.keyring_dir).current_review_key.key_id
    key = rotate_review_key(settings.keyring_dir, passphrase, dt.date.today())
    print(f"new review key {key.key_id}; earlier keys are retired and still read old reports")
    if settings.database_path.exists():
        ring = UnlockedKeyring.unlock(settings.keyring_dir, passphrase)
        asyncio.run(_pin_keys(settings, ring, reset=False))
    in_use = asyncio.run(_key_ids_in_use(settings)) if settings.database_path.exists() else set()
    keep = in_use | {key.key_id, previous}
    destroyed = destroy_retired_keys(settings.keyring_dir, passphrase, keep=keep)
    if destroyed:
        print(
            f"destroyed retired key(s) {', '.join(destroyed)}: no stored report used them "
            "(crypto-shredding: copies of old reports anywhere are now unreadable)"
        )
    if settings.database_path.exists():
        gone = f" destroyed={','.join(destroyed)}" if destroyed else ""
        audit_operator(settings, ring, "keys.rotate", f"new={key.key_id}{gone}")
    return EXIT_OK


def audit_operator(settings: Settings, ring: UnlockedKeyring, action: str, subject: str) -> None:
    """Record a command run on the server with the passphrase in the audit log: the operator's
    actions are outside the two-person rule, so each is audited (actor `operator`; `subject`
    holds counts or key ids, never content). One call in every such command."""
    from bot.services.audit_trail import record_operator_action
    from bot.storage import migrations
    from bot.storage.db import Database

    async def record() -> None:
        db = await Database.open(settings.database_path)
        try:
            await migrations.apply(db)
            upgrade, head = await record_operator_action(db, ring, action, subject)
        finally:
            await db.close()
        if upgrade is not None:
            said = {
                "rechained": f"{upgrade.entries} entries re-chained under the key",
                "legacy-broken": f"the old unkeyed chain was broken at seq {upgrade.broken_at}; "
                "it is kept as evidence and a keyed chain starts after it",
                "rekeyed": f"{upgrade.entries} entries written under a previous keyring are "
                "kept unverified; a new chain starts after them",
            }
            print(f"audit log: {said[upgrade.outcome]}", file=sys.stderr)
        print(f"audit log: {action} recorded as entry {head}", file=sys.stderr)

    asyncio.run(record())


async def _pin_keys(settings: Settings, ring: PublicKeyring, *, reset: bool) -> None:
    from bot.services.keypins import check_and_pin, forget_pins
    from bot.storage import migrations
    from bot.storage.audit import AuditRepository
    from bot.storage.db import Database
    from bot.storage.instance import InstanceRepository

    db = await Database.open(settings.database_path)
    try:
        await migrations.apply(db)
        repo = InstanceRepository(db)
        if reset:
            await forget_pins(repo)
            await AuditRepository(db).mark_rekeyed()  # the old chain cannot verify any more
        await check_and_pin(repo, ring, authenticated=True)
    finally:
        await db.close()


async def _key_ids_in_use(settings: Settings) -> set[str]:
    from bot.reports_cli import with_reports

    return await with_reports(settings, lambda repo: repo.key_ids_in_use())


def _cmd_keys_status(args: argparse.Namespace) -> int:
    from bot.crypto.keyring import KeyringDestroyed, PublicKeyring, revoked_signing_key

    settings = command_settings()
    try:
        ring = PublicKeyring.load(settings.keyring_dir)
    except KeyringDestroyed as exc:
        print(f"keyring: {settings.keyring_dir} destroyed on purpose at {exc.destroyed_at}")
        revoked = revoked_signing_key(settings.keyring_dir)
        if revoked is not None:
            print(
                f"alert signing key {revoked.fingerprint()}: revoked at {revoked.revoked_at} "
                "(texts it signed before then were genuine; nothing signed after it is)"
            )
            print(f"revoked public key: {revoked.public.public_bytes_raw().hex()}")
        return EXIT_OK
    print(f"keyring: {settings.keyring_dir} (created {ring.created.isoformat()})")
    for key in ring.review_keys.values():
        state = "destroyed" if key.destroyed else ("retired" if key.retired else "current")
        print(f"review key {key.key_id}: {state}, created {key.created.isoformat()}")
    print(f"alert signing key fingerprint: {ring.fingerprint()}")
    print(f"alert signing public key: {ring.signing_public.public_bytes_raw().hex()}")
    backup = ring.backup_key
    if backup is None:
        print("backup key: none (`helpline-bot keys backup-key` makes it)")
    else:
        print(f"backup key {backup.key_id}: created {backup.created.isoformat()}")
    if ring.signature_state() == "signed":
        print("review keys: each signed by the alert signing key")
    else:
        print("review keys: not signed yet (the next start with the passphrase signs them)")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
