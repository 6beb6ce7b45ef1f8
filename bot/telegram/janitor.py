"""Deleting the bot's messages later, or at once, from one long-lived task.

Some messages must leave a person's chat on their own, such as the neutral "received" after a
report, deleted after a minute. The janitor keeps (due time, chat, message ids) in memory only,
in one heap, and deletes what is due. It holds at most `max_pending` lists: at the cap
`schedule` refuses, and the caller deletes the messages at once instead. At shutdown everything
still pending is deleted before the bot stops, so a restart leaves nothing behind that was meant
to go.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections.abc import Callable

from aiogram import Bot

from bot.logs import fields
from bot.telegram.commands import delete_messages

log = logging.getLogger("helpline.janitor")


class MessageJanitor:
    def __init__(
        self,
        bot: Bot,
        *,
        max_pending: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bot = bot
        self.max_pending = max_pending
        self._clock = clock
        self._heap: list[tuple[float, int, int, list[int]]] = []
        self._order = itertools.count()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def schedule(self, chat_id: int, message_ids: list[int], delay: float) -> bool:
        """Delete these messages of one chat after `delay` seconds; False at the cap (then the
        caller deletes them now)."""
        if not message_ids:
            return True
        if len(self._heap) >= self.max_pending:
            return False
        due = self._clock() + max(delay, 0.0)
        heapq.heappush(self._heap, (due, next(self._order), chat_id, list(message_ids)))
        if self._heap[0][0] == due:
            self._wake.set()
        return True

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="message-janitor")

    async def stop(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Stop the task, then delete everything still pending (within `timeout`)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            async with asyncio.timeout(timeout):
                while self._heap:
                    _, _, chat_id, ids = heapq.heappop(self._heap)
                    await delete_messages(self._bot, chat_id, ids)
        except TimeoutError:
            log.warning("messages left undeleted at shutdown", extra=fields(lists=len(self._heap)))

    def __len__(self) -> int:
        return len(self._heap)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            if not self._heap:
                await self._wake.wait()
                continue
            wait = self._heap[0][0] - self._clock()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
                continue
            _, _, chat_id, ids = heapq.heappop(self._heap)
            try:
                await delete_messages(self._bot, chat_id, ids)
            except Exception as exc:  # never let one chat stop the janitor
                log.warning("messages not deleted", extra=fields(error=type(exc).__name__))
