"""Bounded field types for callback data: a button's data is client-supplied, so a number in it
is checked before any handler (or SQLite, which holds signed 64-bit integers) sees it. Data that
does not fit does not match the button's filter and gets the "expired" answer."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

PageNumber = Annotated[int, Field(ge=0, le=10_000)]
RowId = Annotated[int, Field(ge=0, le=2**63 - 1)]
