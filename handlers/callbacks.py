"""Callback data helpers.

Bounded field types: a button's data is client-supplied, so a number in it is checked before any
handler (or SQLite, which holds signed 64-bit integers) sees it. Data that does not fit does not
match the button's filter and gets the "expired" answer.

`ExactButton`: the filter for a button that always carries the same data.
"""

from __future__ import annotations

from typing import Annotated, Any

from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery
from pydantic import Field

PageNumber = Annotated[int, Field(ge=0, le=10_000)]
RowId = Annotated[int, Field(ge=0, le=2**63 - 1)]


class ExactButton(Filter):
    """A press of one of these buttons, compared as packed strings.

    For the fixed buttons of a shared factory (`Nav(to="topics")`, `ReportActCb(action=SKIP)`):
    `Nav.filter(F.to == "topics")` would unpack the data into a new object for every handler
    it is tried on; this compares strings, and the router's gate (handlers.gates) admits exactly
    these strings. The handler gets the matching object as `callback_data`, as with
    `.filter()`; it is shared between presses, so handlers must not change it.
    """

    def __init__(self, *buttons: CallbackData) -> None:
        self.by_data: dict[str, CallbackData] = {button.pack(): button for button in buttons}

    async def __call__(self, query: CallbackQuery) -> bool | dict[str, Any]:
        found = self.by_data.get(query.data or "")
        return False if found is None else {"callback_data": found}
