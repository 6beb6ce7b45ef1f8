"""`helpline-bot moderators list|confirm`: the operator's side of the two-person rule.

A one-admin instance starts here: the admin invites someone in Telegram, and the operator, on
the server with the passphrase, confirms them. This is outside the two-person rule by design
(whoever holds the server and the passphrase holds the instance anyway), and every confirmation
is recorded in the audit log as the operator's.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.cli import EXIT_OK, EXIT_PROBLEMS
from bot.config import Settings, load_settings
from bot.crypto.keyring import UnlockedKeyring
from bot.crypto.passphrase import obtain_passphrase
from bot.logs import setup_logging
from bot.services.review_keys import ReviewKeys
from bot.services.team import CannotConfirm, ModeratorTeam, clean_alias
from bot.storage import migrations
from bot.storage.db import Database, StorageError

T = TypeVar("T")


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    moderators = commands.add_parser(
        "moderators",
        help="list moderators, or confirm one who joined (the operator, with the passphrase)",
        description="The operator's side of the two-person rule: someone who opened an "
        "invite becomes a moderator only when someone other than the admin who invited them "
        "confirms them. Needs the passphrase; recorded in the audit log as the operator's.",
    )
    sub = moderators.add_subparsers(
        dest="moderators_command", metavar="MODERATORS_COMMAND", required=True
    )
    listing = sub.add_parser(
        "list",
        help="every moderator, active or waiting for confirmation",
        description="Print one line per moderator: alias and state (active or pending).",
    )
    listing.set_defaults(handler=cmd_list)
    confirm = sub.add_parser(
        "confirm",
        help="confirm a moderator who is waiting (by alias)",
        description="Confirm the pending moderator ALIAS (as `moderators list` shows it). Do "
        "this only once you know, through another channel, that the invite reached the right "
        "person.",
    )
    confirm.add_argument("alias", help="the alias shown by `helpline-bot moderators list`")
    confirm.set_defaults(handler=cmd_confirm)


def cmd_list(args: argparse.Namespace) -> int:
    settings = _settings()
    members = asyncio.run(_with_team(settings, lambda team: team.members()))
    if not members:
        print("no moderators yet (admins come from ADMIN_IDS); invite one with /invite")
    for member in members:
        print(f"{member.alias}\t{'active' if member.active else 'pending confirmation'}")
    return EXIT_OK


def cmd_confirm(args: argparse.Namespace) -> int:
    settings = _settings()
    alias = clean_alias(str(args.alias))
    if alias is None:
        print("helpline-bot: not an alias: use the one `helpline-bot moderators list` shows")
        return EXIT_PROBLEMS
    try:
        confirmed = asyncio.run(_with_team(settings, lambda team: team.confirm_by_operator(alias)))
    except CannotConfirm:
        print(
            f"helpline-bot: no moderator waits for confirmation as {alias!r} "
            "(`helpline-bot moderators list` shows who does)"
        )
        return EXIT_PROBLEMS
    print(
        f"confirmed {confirmed.alias}: they can moderate now (their /queue opens); "
        "recorded in the audit log as the operator's"
    )
    return EXIT_OK


def _settings() -> Settings:
    settings = load_settings()
    setup_logging(settings.log_level)
    return settings


async def _with_team(settings: Settings, use: Callable[[ModeratorTeam], Awaitable[T]]) -> T:
    """Run `use` with the team over the instance's database, unlocked with the passphrase."""
    if not settings.database_path.exists():
        raise StorageError(f"{settings.database_path} does not exist: nobody has joined yet")
    passphrase = obtain_passphrase(settings.key_passphrase, settings.key_passphrase_file)
    unlocked = UnlockedKeyring.unlock(settings.keyring_dir, passphrase)
    db = await Database.open(settings.database_path)
    try:
        await migrations.apply(db)
        team = ModeratorTeam(db, ReviewKeys(unlocked), admin_ids=settings.admin_ids)
        return await use(team)
    finally:
        await db.close()
