"""The broadcaster: one long-lived task per instance that drains the alert outbox.

Rows are written by the approval (`bot.storage.outbox.enqueue_alert`), so a crash loses nothing:
`start()` resumes whatever is still pending. The task fetches due rows in bounded batches, paces
every send through one global token bucket (`bot.telegram.pacing`), keeps at most `concurrency`
requests in flight and records each outcome as soon as it is known (engineering notes §1.2,
§4.4). What each Bot API answer means for its row (sent, retried, paused by a 429, retired,
failed) is decided in `bot.telegram.courier`; the progress calls to the moderators are made by
`bot.telegram.broadcast_progress`.

Nothing identifying is logged: alert ids, counts and error class names only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable

from aiogram import Bot

from bot.crypto.sealing import ChatIdCipher
from bot.logs import fields
from bot.services.health import Activity
from bot.storage.db import Database
from bot.storage.outbox import Delivery, OutboxRepository
from bot.storage.subscribers import SubscriberRepository
from bot.telegram.broadcast_progress import BroadcastProgress, ProgressCallback
from bot.telegram.courier import ButtonsFactory, Courier
from bot.telegram.pacing import TokenBucket, burst_capacity

# What other modules import from here; the pieces live in the modules named above.
__all__ = ["Broadcaster", "ButtonsFactory", "ProgressCallback", "TokenBucket", "burst_capacity"]

log = logging.getLogger(__name__)

MAX_BATCH = 500
STOP_TIMEOUT = 10.0  # how long stop() waits for the sends in flight to be answered and recorded
IN_FLIGHT_POLL = 1.0  # idle with sends in flight: look again at the latest after this long
SAFETY_POLL = 60.0  # idle: look at the outbox at least this often, even without a wake()
MIN_IDLE = 0.05
STALE_BATCH = 2.0  # seconds after which the rest of a fetched batch is read again
ERROR_PAUSE = 5.0  # after an unexpected error (e.g. the database) in the loop itself


class Broadcaster:
    """Drains the outbox; `start()` once, `wake()` after an approval, `await stop()` at shutdown."""

    def __init__(
        self,
        db: Database,
        bot: Bot,
        cipher: ChatIdCipher,
        *,
        rate: float,
        concurrency: int = 8,
        max_attempts: int = 8,
        clock: Callable[[], float] = time.time,
        on_progress: ProgressCallback | None = None,
        progress_interval: float = 5.0,
        buttons: ButtonsFactory | None = None,
        activity: Activity | None = None,
    ) -> None:
        if not rate > 0:
            raise ValueError("rate must be positive")
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._outbox = OutboxRepository(db)
        self.activity = activity if activity is not None else Activity()  # counts: the metrics
        self._rate = float(rate)
        self._concurrency = concurrency
        self._clock = clock
        self._batch = min(MAX_BATCH, max(2 * concurrency, math.ceil(rate)))
        # One connection, one transaction at a time: every write of this service goes through it.
        self._write = asyncio.Lock()
        self._courier = Courier(
            bot,
            cipher,
            self._outbox,
            SubscriberRepository(db),
            self._write,
            max_attempts=max_attempts,
            clock=clock,
            buttons=buttons,
            activity=self.activity,
        )
        self._progress = BroadcastProgress(
            self._outbox, self._write, on_progress, progress_interval
        )
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._drain_timeout = STOP_TIMEOUT
        # Created in start(): they belong to the running loop.
        self._wakeup: asyncio.Event | None = None
        self._stop_event: asyncio.Event | None = None
        self._slots: asyncio.Semaphore | None = None
        self._bucket: TokenBucket | None = None
        self._in_flight: dict[int, str] = {}  # outbox id -> alert id, until the outcome is stored
        self._sends: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ lifecycle

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the task (idempotent). Pending rows left by a crash are picked up at once."""
        if self.running:
            return
        loop = asyncio.get_running_loop()
        self._stopping = False
        self._in_flight.clear()  # whatever a previous run left here is not in flight any more
        self._wakeup = asyncio.Event()
        self._stop_event = asyncio.Event()
        self._slots = asyncio.Semaphore(self._concurrency)
        self._bucket = TokenBucket(self._rate, burst_capacity(self._rate), loop.time())
        self._task = loop.create_task(self._run(), name="broadcaster")

    def wake(self) -> None:
        """Look at the outbox now (call after an approval has committed its rows)."""
        if self._wakeup is not None:
            self._wakeup.set()

    async def stop(self, timeout: float = STOP_TIMEOUT) -> None:  # noqa: ASYNC109
        """Take no new rows, let the sends in flight finish and be recorded (up to `timeout`
        seconds; the rest are cancelled and stay pending), then end the task."""
        task = self._task
        if task is None:
            return
        self._stopping = True
        self._drain_timeout = timeout
        if self._stop_event is not None:
            self._stop_event.set()
        try:
            # The task itself waits at most `timeout` for the sends; give it a margin for the
            # database round trips around that before cancelling it outright.
            await asyncio.wait_for(asyncio.shield(task), timeout + 5.0)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        finally:
            self._task = None

    # ------------------------------------------------------------------ the loop

    async def _run(self) -> None:
        log.info(
            "broadcaster started",
            extra=fields(rate=self._rate, concurrency=self._concurrency, batch=self._batch),
        )
        try:
            while not self._stopping:
                try:
                    await self._step()
                except Exception as exc:  # the database, most likely: keep the service alive
                    log.error("broadcaster loop failed", extra=fields(error=type(exc).__name__))
                    await self._sleep(ERROR_PAUSE)
        finally:
            await self._drain()
            log.info("broadcaster stopped", extra=fields(unrecorded=len(self._in_flight)))

    async def _step(self) -> None:
        """One round: finish alerts with nothing left, then send one batch or sleep."""
        assert self._wakeup is not None
        self._wakeup.clear()
        busy = set(self._in_flight.values())
        # In-flight rows are still 'pending' in the database: ask for enough to skip them.
        rows = await self._due(self._batch + len(self._in_flight))
        batch = [d for d in rows if d.id not in self._in_flight][: self._batch]
        await self._progress.finish_alerts(
            skip=busy | {d.alert_id for d in batch}, forget=self._finished
        )
        if not batch:
            await self._idle()
            return
        loop = asyncio.get_running_loop()
        fetched = loop.time()
        for delivery in batch:
            if not await self._acquire_slot():
                return
            if not await self._take_token():
                self._release_slot()
                return
            if loop.time() - fetched > STALE_BATCH:
                # After a 429 pause (or a slow spell) rows may have been dropped or retired
                # meanwhile: read the outbox again rather than send from an old snapshot.
                self._bucket_refund()
                self._release_slot()
                return
            self._in_flight[delivery.id] = delivery.alert_id
            task = asyncio.create_task(self._deliver(delivery))
            self._sends.add(task)
            task.add_done_callback(self._sends.discard)

    def _finished(self, alert_id: str) -> None:
        """A broadcast is over: counted, and the courier forgets its texts."""
        self.activity.alerts_sent += 1
        self._courier.forget(alert_id)

    async def _due(self, limit: int) -> list[Delivery]:
        async with self._write:  # due() may mark orphaned rows dropped
            return await self._outbox.due(self._clock(), limit)

    async def _idle(self) -> None:
        """Nothing to send now: sleep until the next row is due, a wake(), or stop()."""
        if self._in_flight:
            # Their outcomes may finish an alert or bring a row due; each one sets the wakeup.
            await self._sleep(IN_FLIGHT_POLL)
            return
        next_at = await self._outbox.next_due_at()
        timeout = SAFETY_POLL if next_at is None else next_at - self._clock()
        # At least MIN_IDLE: a row due now that due() did not return must not make a busy loop.
        await self._sleep(min(max(timeout, MIN_IDLE), SAFETY_POLL))

    async def _sleep(self, seconds: float) -> None:
        """Sleep up to `seconds`; a wake() or stop() ends it early."""
        assert self._wakeup is not None and self._stop_event is not None
        if self._stopping or seconds <= 0:
            await asyncio.sleep(0)
            return
        waiters = {
            asyncio.ensure_future(self._wakeup.wait()),
            asyncio.ensure_future(self._stop_event.wait()),
        }
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _acquire_slot(self) -> bool:
        """A free place among `concurrency` sends; False if stop() came first."""
        assert self._slots is not None and self._stop_event is not None
        if self._stopping:
            return False
        if not self._slots.locked():
            await self._slots.acquire()
            return True
        acquire = asyncio.ensure_future(self._slots.acquire())
        stopped = asyncio.ensure_future(self._stop_event.wait())
        try:
            await asyncio.wait({acquire, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            if not acquire.done():
                acquire.cancel()
        if acquire.done() and not acquire.cancelled():
            if self._stopping:
                self._slots.release()
                return False
            return True
        return False

    def _bucket_refund(self) -> None:
        assert self._bucket is not None
        self._bucket.refund()

    def _release_slot(self) -> None:
        assert self._slots is not None
        self._slots.release()

    async def _take_token(self) -> bool:
        """Wait for the global bucket (and out any 429 pause); False if stop() came first."""
        assert self._bucket is not None and self._stop_event is not None
        loop = asyncio.get_running_loop()
        while not self._stopping:
            wait = self._bucket.take(loop.time())
            if wait <= 0:
                return True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop_event.wait(), wait)
        return False

    async def _drain(self) -> None:
        """At stop: wait (bounded) for the sends in flight to be answered and recorded."""
        if self._sends:
            _, late = await asyncio.wait(set(self._sends), timeout=self._drain_timeout)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
                log.warning(
                    "broadcast sends cancelled at stop; they stay pending",
                    extra=fields(count=len(late)),
                )
        await self._progress.drain(self._drain_timeout)

    # ------------------------------------------------------------------ one send

    async def _deliver(self, delivery: Delivery) -> None:
        """Send one row through the courier, then free its slot and wake the loop."""
        try:
            assert self._bucket is not None  # set in start(), before the first send
            recorded = await self._courier.attempt(delivery, self._bucket)
        except asyncio.CancelledError:
            raise  # stop() ran out of time: the row stays pending for the next start
        except Exception as exc:  # recording failed: do not send this row again in this run
            log.error(
                "broadcast outcome not recorded",
                extra=fields(alert=delivery.alert_id, error=type(exc).__name__),
            )
            recorded = False
        finally:
            self._release_slot()
            if self._wakeup is not None:
                self._wakeup.set()
        if recorded:
            self._in_flight.pop(delivery.id, None)
            if delivery.action == "send":  # edits of a closed alert are not its broadcast
                self._progress.maybe_report(delivery.alert_id)
