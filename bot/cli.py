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

from bot import __version__
from bot.config import ConfigError, Settings, keys_dir_problem, load_settings
from bot.content.faq import ContentError
from bot.crypto.keyring import KeyringError, UnlockedKeyring
from bot.crypto.passphrase import PassphraseUnavailable
from bot.i18n import CatalogError
from bot.logs import setup_logging
from bot.storage.db import StorageError

EXIT_OK, EXIT_PROBLEMS, EXIT_CONFIG = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="helpline-bot",
        description="Anonymous Telegram helpline for people facing conscription.",
        epilog="Configuration comes from environment variables or a .env file; see README.md.",
    )
    parser.add_argument("--version", action="version", version=f"helpline-bot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    # Imported here, not at the top: the group modules import this module's shared helpers.
    from bot import (
        backup_cli,
        demo_cli,
        keys_cli,
        move_cli,
        panic_cli,
        reports_cli,
        run_cli,
        status_cli,
        team_cli,
        verify_cli,
    )
    from bot.documents import cli as documents_cli

    run_cli.add_commands(commands)
    status_cli.add_commands(commands)
    demo_cli.add_commands(commands)
    keys_cli.add_commands(commands)
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


if __name__ == "__main__":
    raise SystemExit(main())
