"""`helpline-bot announce-move @NEW_BOT`: a signed notice that the helpline moves to a new
bot, queued once per subscriber (and region channel) in the outbox the running bot sends
from (bot/services/bot_move.py keeps it idempotent)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from bot.cli import EXIT_OK, EXIT_PROBLEMS, audit_operator, command_settings
from bot.config import ConfigError, Settings, require_data_dir
from bot.crypto.keyring import UnlockedKeyring

if TYPE_CHECKING:
    from bot.storage.moves import Queued


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    move = commands.add_parser(
        "announce-move",
        help="tell every subscriber, once, that the helpline moves to a new bot",
        description="Queue a signed announcement naming the new bot for every subscriber, "
        "through the outbox the running bot sends from (each subscriber gets it once, even if "
        "this is run again or interrupted; a run later adds only those who subscribed since). "
        "Needs the passphrase and BOT_TOKEN (getMe: the notice is signed as issued by this "
        "bot). Recorded in the audit log.",
    )
    move.add_argument("new_bot", metavar="@NEW_BOT", help="the new bot's username")
    move.set_defaults(handler=cmd_announce_move)


def cmd_announce_move(args: argparse.Namespace) -> int:
    from bot.crypto.passphrase import obtain_passphrase
    from bot.services.bot_move import bot_username

    settings = command_settings()
    new_bot = bot_username(args.new_bot)
    if new_bot is None:
        raise ConfigError(
            f"{args.new_bot!r} is not a bot's username (like @helpline_new_bot: 5-32 letters, "
            "digits or _, starting with a letter, ending in bot)"
        )
    require_data_dir(settings)
    if not settings.database_path.exists():
        raise ConfigError(f"no database in {settings.data_dir}: nobody to tell")
    passphrase = obtain_passphrase(settings.key_passphrase, settings.key_passphrase_file)
    ring = UnlockedKeyring.unlock(settings.keyring_dir, passphrase)
    issuer = asyncio.run(_own_username(settings))
    if issuer is None:
        return EXIT_PROBLEMS
    queued = asyncio.run(_queue_move(settings, ring, new_bot, issuer))
    if queued.purged:
        print(
            f"the move to @{new_bot} was announced before ({queued.alert_id}) and its delivery "
            "records are gone with retention: nothing is queued again"
        )
        return EXIT_OK
    done = "queued" if queued.created else "already queued; now also queued"
    print(
        f"notice {queued.alert_id} of the move to @{new_bot} {done} for {queued.added} "
        "recipient(s) (subscribers, region channels); the running bot sends it (at start, "
        "or within a minute)"
    )
    audit_operator(settings, ring, "announce.move", f"@{new_bot} added={queued.added}")
    return EXIT_OK


async def _own_username(settings: Settings) -> str | None:
    """This bot's username from getMe (the notice is signed as issued by it), or None after
    one line saying why not."""
    from aiogram.exceptions import TelegramAPIError, TelegramNetworkError

    from bot.app import build_bot
    from bot.lifecycle import refusal

    bot = build_bot(settings)
    try:
        me = await bot.get_me(request_timeout=20)
    except TelegramNetworkError as exc:
        print(f"helpline-bot: the Bot API is unreachable ({type(exc).__name__})", file=sys.stderr)
        return None
    except TelegramAPIError as exc:
        raise ConfigError(refusal(exc)) from None
    finally:
        await bot.session.close()
    if me.username is None:
        print("helpline-bot: getMe gave no username for this bot", file=sys.stderr)
    return me.username


async def _queue_move(
    settings: Settings, ring: UnlockedKeyring, new_bot: str, issuer: str
) -> Queued:
    from bot.i18n import Translator
    from bot.services.bot_move import MoveNotices
    from bot.storage import migrations
    from bot.storage.db import Database

    db = await Database.open(settings.database_path)
    try:
        await migrations.apply(db)
        notices = MoveNotices(db, Translator.load(settings.content_dir / "locales"))
        try:
            # One post in each region channel too: its readers are nobody's subscribers.
            channels = sorted(
                {(c, settings.default_language) for c in settings.region_channels.values()}
            )
            return await notices.announce(ring, new_bot, issuer, channels)
        except ValueError:
            raise ConfigError(f"@{new_bot} is this bot itself: name the new bot") from None
    finally:
        await db.close()
