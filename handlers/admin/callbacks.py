"""The admin screens' buttons' data: one CallbackData factory per purpose.

The prefixes are versioned ("a1."): the moderator list stays in admins' chats, and the buttons
made before these (`ad:`, LegacyAdminCb) only ever answer "expired".
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from handlers.callbacks import RowId


class ModeratorsCb(CallbackData, prefix="a1.list"):
    """The moderator list again."""


class RemoveAskCb(CallbackData, prefix="a1.ask"):
    """Ask before removing this moderator (their row id)."""

    moderator: RowId


class RemoveCb(CallbackData, prefix="a1.remove"):
    """Remove this moderator (confirmed)."""

    moderator: RowId


class AnnounceSendCb(CallbackData, prefix="a1.announce"):
    """Send the previewed announcement."""


class AnnounceCancelCb(CallbackData, prefix="a1.cancel"):
    """Drop the previewed announcement."""


class LegacyAdminCb(CallbackData, prefix="ad"):
    """The old format of every admin button: answered "expired", never acted on."""

    action: str
    moderator: RowId = 0


FACTORIES: tuple[type[CallbackData], ...] = (
    ModeratorsCb,
    RemoveAskCb,
    RemoveCb,
    AnnounceSendCb,
    AnnounceCancelCb,
)
PREFIXES = frozenset(factory.__prefix__ for factory in FACTORIES)
