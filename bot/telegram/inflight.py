"""Counts updates being handled, so shutdown can wait for them.

aiogram confirms an update to Telegram as soon as its handler task starts and does not await
running handler tasks at shutdown; without this drain, a SIGTERM loses the reply to whatever the
user just sent.
"""

from __future__ import annotations

import asyncio


class InFlight:
    """A counter with an awaitable "reached zero"."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def count(self) -> int:
        return self._count

    def enter(self) -> None:
        self._count += 1
        self._idle.clear()

    def leave(self) -> None:
        self._count -= 1
        if self._count <= 0:
            self._count = 0
            self._idle.set()

    async def wait_idle(self) -> None:
        """Return once nothing is in flight (callers bound it with `asyncio.timeout`)."""
        await self._idle.wait()
