"""The admin screens' buttons' data."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from handlers.callbacks import RowId


class AdminCb(CallbackData, prefix="ad"):
    """action: ask (confirm removal), remove, list, announce, announce-cancel."""

    action: str
    moderator: RowId = 0
