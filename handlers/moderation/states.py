"""The one thing a moderator types: an alert draft's area."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class ModForm(StatesGroup):
    area = State()
