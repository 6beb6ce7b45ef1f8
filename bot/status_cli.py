"""`helpline-bot check` and `status`: what is wrong with this instance, before it starts (the
checks in bot/checks.py) and while it runs (the status row and the database, read without the
passphrase)."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from bot.cli import EXIT_OK, EXIT_PROBLEMS, command_settings
from bot.config import Settings, load_settings
from bot.crypto.keyring import KeyringError, PublicKeyring
from bot.logs import setup_logging
from bot.storage.db import StorageError

if TYPE_CHECKING:
    from bot.services.health import Observed


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "check",
        help="validate configuration, content and database; exit non-zero on problems",
        description="Validate configuration, message catalogues and the database. Prints one "
        "line per problem and exits 1 if there is any.",
    )
    check.add_argument(
        "--offline", action="store_true", help="skip asking the Bot API (getMe) for the token"
    )
    check.add_argument(
        "--webhook",
        action="store_true",
        help="also check what `run --webhook` needs: WEBHOOK_URL, WEBHOOK_SECRET, a free port",
    )
    check.set_defaults(handler=cmd_check)

    status = commands.add_parser(
        "status",
        help="one screen of health: is the bot running, what waits, the audit head",
        description="Read the database (and the status row the running bot writes every "
        "minute): the bot running or when it was last seen, the last successful getUpdates, "
        "the keyring's state, reports waiting, drafts awaiting approval, the outbox backlog, "
        "the scheduler's next runs and the audit log's head. Works whether or not the bot "
        "runs; needs no passphrase. Exit 0 when healthy, 1 when something is wrong.",
    )
    status.set_defaults(handler=cmd_status)


def cmd_check(args: argparse.Namespace) -> int:
    from bot.checks import run_checks

    settings = load_settings()  # not command_settings(): every problem is reported, none raised
    setup_logging(settings.log_level)
    report = asyncio.run(run_checks(settings, offline=args.offline, webhook=args.webhook))
    for line in report.notes:
        print(f"ok: {line}")
    for line in report.warnings:
        print(f"warning: {line}")
    for line in report.problems:
        print(f"problem: {line}")
    return EXIT_PROBLEMS if report.problems else EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    import datetime as dt

    from bot.services.health import status_view

    settings = command_settings()
    seen = asyncio.run(_observe_health(settings))
    view = status_view(seen, dt.datetime.now(dt.UTC))
    for line in view.lines:
        print(line)
    for problem in view.problems:
        print(f"problem: {problem}")
    print("status: healthy" if not view.problems else f"status: {len(view.problems)} problem(s)")
    return EXIT_PROBLEMS if view.problems else EXIT_OK


async def _observe_health(settings: Settings) -> Observed:
    """What `status` shows, read without the passphrase and without changing anything."""
    from bot.services.audit_trail import AuditHead
    from bot.services.health import Observed
    from bot.storage import migrations
    from bot.storage.audit import AuditRepository
    from bot.storage.db import Database
    from bot.storage.health import StatusRepository

    keyring = _keyring_on_disk(settings)
    path = settings.database_path
    if not path.is_file():
        missing = f"missing: no {path} (start the bot, or run `helpline-bot migrate`)"
        return Observed(missing, None, None, None, keyring)
    try:
        db = await Database.open(path)
    except StorageError as exc:
        return Observed(f"{path}: {exc}", None, None, None, keyring)
    try:
        try:
            todo = await migrations.pending(db, migrations.discover())
        except StorageError as exc:
            return Observed(str(exc), None, None, None, keyring)
        repo = StatusRepository(db)
        if todo:  # the tables counted below may not exist yet
            pending = f"{len(todo)} migration(s) pending (start the bot, or `helpline-bot migrate`)"
            return Observed(pending, await repo.read(), None, None, keyring)
        schema = "ok"
        backlog = await repo.backlog()
        head = AuditHead.of(await AuditRepository(db).head())
        return Observed(schema, await repo.read(), backlog, head, keyring)
    finally:
        await db.close()


def _keyring_on_disk(settings: Settings) -> str:
    from bot.crypto.keyring import KeyringDestroyed, KeyringMissing

    try:
        PublicKeyring.load(settings.keyring_dir)
    except KeyringMissing:
        return "none"
    except KeyringDestroyed:
        return "destroyed"
    except KeyringError as exc:
        return f"{settings.keyring_dir}: {exc}"
    return "present"
