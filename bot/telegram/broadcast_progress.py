"""The broadcaster's progress calls: interim ones while an alert sends, a final one when it is done.

Held to three promises, because the callback (`bot.telegram.notices.ProgressReporter`) edits
the approving moderator's message in place: one call at a time, first come first served, so an
alert's final call always comes last; at most one interim call per `interval` seconds per alert;
and no interim call queued while one for the same alert is still waiting or running. A failing
callback changes nothing but a log line.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.logs import fields
from bot.storage.outbox import OutboxRepository, Progress

log = logging.getLogger(__name__)

# (alert id, progress, finished) -> None; called for interim progress and once at the end.
ProgressCallback = Callable[[str, Progress, bool], Awaitable[None]]


class BroadcastProgress:
    """Finishes alerts with nothing left to send and makes the progress calls, in order."""

    def __init__(
        self,
        outbox: OutboxRepository,
        write: asyncio.Lock,
        on_progress: ProgressCallback | None,
        interval: float,
    ) -> None:
        self._outbox = outbox
        # The broadcaster's write lock: one connection, one transaction at a time.
        self._write = write
        self._on_progress = on_progress
        self._interval = interval
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._reporting: set[str] = set()  # alerts with an interim report queued or running
        self._reported: dict[str, float] = {}  # alert id -> monotonic time of the last report

    async def finish_alerts(self, skip: set[str], forget: Callable[[str], None]) -> None:
        """Alerts with no pending row left go to 'sent'; each gets its final progress call.
        `forget(alert_id)` is called for each one as soon as it is finished."""
        for alert_id in await self._outbox.active_alerts():
            if alert_id in skip:
                continue
            async with self._write:
                finished = await self._outbox.finish_if_done(alert_id)
            if not finished:
                continue
            forget(alert_id)
            self._reported.pop(alert_id, None)
            progress = await self._outbox.progress(alert_id)
            log.info(
                "alert broadcast finished",
                extra=fields(
                    alert=alert_id,
                    sent=progress.sent,
                    failed=progress.failed,
                    dropped=progress.dropped,
                ),
            )
            if self._on_progress is not None:
                self._spawn(self._report(alert_id, finished=True))

    def maybe_report(self, alert_id: str) -> None:
        """An interim progress call, at most every `interval` seconds per alert."""
        if self._on_progress is None or alert_id in self._reporting:
            return
        now = time.monotonic()
        last = self._reported.get(alert_id)
        if last is not None and now - last < self._interval:
            return
        self._reported[alert_id] = now
        self._reporting.add(alert_id)
        self._spawn(self._report(alert_id, finished=False))

    async def drain(self, seconds: float) -> None:
        """At stop: wait up to `seconds` for the calls queued; the late ones are cancelled."""
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=seconds)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _report(self, alert_id: str, *, finished: bool) -> None:
        # One call at a time, first come first served: a final call always comes last.
        async with self._lock:
            try:
                if self._on_progress is not None:
                    progress = await self._outbox.progress(alert_id)
                    await self._on_progress(alert_id, progress, finished)
            except Exception as exc:
                log.warning(
                    "broadcast progress callback failed",
                    extra=fields(alert=alert_id, error=type(exc).__name__),
                )
            finally:
                if not finished:
                    self._reporting.discard(alert_id)
