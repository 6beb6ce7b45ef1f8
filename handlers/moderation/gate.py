"""What someone who is not (or cannot be recognised as) a moderator gets: the moderation
commands say why they do not open while the bot is locked, and a moderation or admin button
is refused politely, logged without ids, and never acts. A button from before the versioned
prefixes answers "expired" to anyone."""

from __future__ import annotations

import logging

from aiogram.types import CallbackQuery, Message

from bot.i18n import Tr
from bot.logs import fields
from bot.services.review import ReviewQueue
from bot.services.team import ModeratorTeam

log = logging.getLogger("helpline.handlers.moderation")


async def queue_locked_for_admin(message: Message, tr: Tr, review: ReviewQueue) -> None:
    """Only reached while locked: an admin is recognised from the configuration alone, and is
    told how many reports wait for the unlock."""
    await message.answer(tr("mod-locked", reports=await review.waiting_reports()))


async def locked(message: Message, tr: Tr) -> None:
    """While locked nobody can be recognised as a moderator (that needs the keys); whoever has
    /queue or /stats in their menu is told why it does not open, and nothing more."""
    await message.answer(tr("mod-locked-short"))


async def refused(query: CallbackQuery, tr: Tr, team: ModeratorTeam) -> None:
    """Not a moderator or admin (or no longer one): nothing is done, and the log says so
    without saying who. While locked nobody can be recognised: say why instead."""
    if team.locked:
        await query.answer(tr("mod-locked-short"), show_alert=True)
        return
    log.warning("moderation button refused", extra=fields(reason="role"))
    await query.answer(tr("mod-refused"), show_alert=True)


async def old_button(query: CallbackQuery, tr: Tr) -> None:
    """A moderation or admin button in the format before the versioned prefixes (md:, mr:,
    ad:): it never acts; the screen is opened again with /queue or /moderators."""
    await query.answer(tr("button-expired"))
