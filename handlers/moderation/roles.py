"""Who gets past the moderation router: the role, checked on the server for every update.

The role needs a database look-up, so the router first checks, for free, that the update is
one of its own (a moderation command or button, or the area a moderator is typing): every
other update passes this router at the cost of a string comparison.
"""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message

from bot.services.team import ModeratorTeam
from handlers.admin.callbacks import AdminCb
from handlers.filters import command_name
from handlers.moderation.callbacks import ModCb, ReportCb
from handlers.moderation.states import ModForm

COMMANDS = frozenset({"queue", "stats"})
BUTTON_PREFIXES = frozenset({ModCb.__prefix__, ReportCb.__prefix__})
# What the gate refuses: moderation buttons, and admin buttons the admin router did not take.
STAFF_PREFIXES = BUTTON_PREFIXES | {AdminCb.__prefix__}


class ModeratorRole(Filter):
    """Passes only for a current moderator or admin, and hands the handler `moderator`."""

    async def __call__(
        self, event: Message | CallbackQuery, team: ModeratorTeam
    ) -> bool | dict[str, Any]:
        if event.from_user is None:
            return False
        moderator = await team.identify(event.from_user.id)
        return {"moderator": moderator} if moderator is not None else False


async def is_moderation_message(message: Message, raw_state: str | None = None) -> bool:
    """/queue, /stats, or what a moderator types for a draft's area."""
    return raw_state == ModForm.area.state or command_name(message) in COMMANDS


async def is_moderation_button(query: CallbackQuery) -> bool:
    """A button made by the moderation screens (whoever presses it)."""
    return (query.data or "").split(":", 1)[0] in BUTTON_PREFIXES


async def is_staff_button(query: CallbackQuery) -> bool:
    """A moderation or admin button (whoever presses it)."""
    return (query.data or "").split(":", 1)[0] in STAFF_PREFIXES


async def is_locked(message: Message, team: ModeratorTeam) -> bool:
    """The bot runs locked: nobody can be recognised as a moderator."""
    return team.locked
