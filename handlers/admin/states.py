"""An announcement is typed, previewed, then sent or cancelled."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class AnnounceForm(StatesGroup):
    text = State()
    confirm = State()
