"""Who gets past the moderation router: the role, checked on the server for every update.

The role needs a database look-up, so the router first checks, for free, that the update is
one of its own (a moderation command or button, or the area a moderator is typing): every
other update passes this router at the cost of a string comparison.
"""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message

from bot.services.team import ModeratorTeam
from handlers.admin import callbacks as admin_buttons
from handlers.filters import command_name
from handlers.moderation import callbacks as moderation_buttons
from handlers.moderation.states import ModForm

COMMANDS = frozenset({"queue", "stats"})
# What the gate refuses to anyone not recognised: moderation buttons, and admin buttons the
# admin router did not take.
_STAFF_FACTORIES: dict[str, type[CallbackData]] = {
    factory.__prefix__: factory
    for factory in (*moderation_buttons.FACTORIES, *admin_buttons.FACTORIES)
}


def _prefix(query: CallbackQuery) -> str:
    return (query.data or "").split(":", 1)[0]


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
    """A button of the moderation screens, by its prefix (its fields are the handlers')."""
    return _prefix(query) in moderation_buttons.PREFIXES


async def is_staff_button(query: CallbackQuery) -> bool:
    """A well-formed moderation or admin button, whoever presses it. Data that does not fit
    its factory is no button of ours: it gets the "expired" answer like any other."""
    factory = _STAFF_FACTORIES.get(_prefix(query))
    if factory is None or query.data is None:
        return False
    try:
        factory.unpack(query.data)
    except (TypeError, ValueError):
        return False
    return True


async def is_pending_member(message: Message, team: ModeratorTeam) -> bool:
    """Joined through an invite, not confirmed yet (bot.services.team)."""
    return message.from_user is not None and await team.is_pending(message.from_user.id)


async def is_locked(message: Message, team: ModeratorTeam) -> bool:
    """The bot runs locked: nobody can be recognised as a moderator."""
    return team.locked
