"""The broadcaster: one long-lived task per instance that drains the alert outbox.

Rows are written by the approval (`bot.storage.outbox.enqueue_alert`), so a crash loses nothing:
`start()` resumes whatever is still pending. The task fetches due rows in bounded batches, paces
every send through one global token bucket, keeps at most `concurrency` requests in flight and
records each outcome as soon as it is known (engineering notes §1.2, §4.4):

- success: the row is marked sent right away, so after a crash only the requests that were in
  flight can be repeated (the Bot API has no idempotency key);
- 429 (TelegramRetryAfter): every send pauses for `retry_after` plus jitter and the row is
  queued again without counting an attempt (aiogram never retries by itself, §2.3);
- 403, or 400 "chat not found": the subscriber is retired (deleted with their regions) and the
  row counts as dropped;
- any other 400: the row failed, for this payload it always will;
- 5xx, network errors and timeouts: exponential backoff with jitter (1, 2, 4 ... 60 s), failed
  after `max_attempts`. A timeout's outcome is unknown, so the retry may be a duplicate: a
  duplicate alert costs less than a missed one.

Nothing identifying is logged: alert ids, counts and error class names only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup

from bot.crypto.sealing import ChatIdCipher, SealError
from bot.logs import fields
from bot.storage.db import Database
from bot.storage.outbox import Delivery, OutboxRepository, Progress
from bot.storage.subscribers import SubscriberRepository

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, Progress, bool], Awaitable[None]]
# (alert id, language, recipient's chat) -> the buttons under a delivered alert (announcements
# get none); they are bound to the recipient, so they are made for each copy.
ButtonsFactory = Callable[[str, str, int], InlineKeyboardMarkup | None]

BACKOFF_BASE = 1.0  # seconds before the first retry of a 5xx / network error; doubles each time
BACKOFF_CAP = 60.0
BURST_SECONDS = 0.1  # the bucket saves up this much sending time (at least 2 tokens, <= 1 s)
MAX_BATCH = 500
SEND_TIMEOUT = 30  # seconds for one sendMessage before it counts as a (retried) network error
STOP_TIMEOUT = 10.0  # how long stop() waits for the sends in flight to be answered and recorded
IN_FLIGHT_POLL = 1.0  # idle with sends in flight: look again at the latest after this long
SAFETY_POLL = 60.0  # idle: look at the outbox at least this often, even without a wake()
MIN_IDLE = 0.05
STALE_BATCH = 2.0  # seconds after which the rest of a fetched batch is read again
RECORD_TRIES = 3  # storing an outcome is retried (a busy database) before the row is set aside
ERROR_PAUSE = 5.0  # after an unexpected error (e.g. the database) in the loop itself
LANG_FALLBACK = "ru"


class TokenBucket:
    """`rate` tokens a second, at most `capacity` saved up; `pause()` halts it (on a 429)."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now
        self.paused_until = now

    def take(self, now: float) -> float:
        """Take a token and return 0, or return how long to wait before asking again."""
        if now < self.paused_until:
            return self.paused_until - now
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate

    def refund(self) -> None:
        """Give back a token that was taken but not used."""
        self.tokens = min(self.capacity, self.tokens + 1)

    def pause(self, until: float) -> None:
        """No token before `until`, and no saved-up burst right after it either."""
        if until > self.paused_until:
            self.paused_until = until
            self.stamp = until
            self.tokens = 0.0


def burst_capacity(rate: float) -> float:
    """Tokens the bucket may hold: enough to absorb event-loop jitter, never over ~1 s worth."""
    return min(max(2.0, rate * BURST_SECONDS), max(1.0, rate))


def backoff_delay(attempts: int, rng: random.Random) -> float:
    """Delay after the `attempts`-th failed attempt: 1, 2, 4 ... capped, times 0.75-1.25."""
    base = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** max(0, attempts - 1))
    return base * rng.uniform(0.75, 1.25)


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
    ) -> None:
        if not rate > 0:
            raise ValueError("rate must be positive")
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._db = db
        self._bot = bot
        self._cipher = cipher
        self._outbox = OutboxRepository(db)
        self._subscribers = SubscriberRepository(db)
        self._rate = float(rate)
        self._concurrency = concurrency
        self._max_attempts = max_attempts
        self._clock = clock
        self._on_progress = on_progress
        self._progress_interval = progress_interval
        self._buttons = buttons
        self._batch = min(MAX_BATCH, max(2 * concurrency, math.ceil(rate)))
        self._rng = random.Random()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._drain_timeout = STOP_TIMEOUT
        # Created in start(): they belong to the running loop.
        self._wakeup: asyncio.Event | None = None
        self._stop_event: asyncio.Event | None = None
        self._slots: asyncio.Semaphore | None = None
        self._bucket: TokenBucket | None = None
        # One connection, one transaction at a time: every write of this service goes through it.
        self._write = asyncio.Lock()
        self._report_lock = asyncio.Lock()
        self._in_flight: dict[int, str] = {}  # outbox id -> alert id, until the outcome is stored
        self._sends: set[asyncio.Task[None]] = set()
        self._reports: set[asyncio.Task[None]] = set()
        self._reporting: set[str] = set()  # alerts with an interim report queued or running
        self._reported: dict[str, float] = {}  # alert id -> monotonic time of the last report
        self._kinds: dict[str, str] = {}  # alert id -> kind (alerts get feedback buttons)
        self._texts: dict[str, dict[str, str]] = {}  # alert id -> texts, while it is sending

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
        await self._finish_alerts(skip=busy | {d.alert_id for d in batch})
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
        if self._reports:
            _, late = await asyncio.wait(set(self._reports), timeout=self._drain_timeout)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)

    # ------------------------------------------------------------------ one send

    async def _deliver(self, delivery: Delivery) -> None:
        try:
            recorded = await self._attempt(delivery)
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
                self._maybe_report(delivery.alert_id)

    async def _attempt(self, delivery: Delivery) -> bool:
        """Send one row and store the outcome; True once the outcome is in the database."""
        alert_id = delivery.alert_id
        texts = await self._alert_texts(alert_id, delivery.action)
        text = texts.get(delivery.lang) or texts.get(LANG_FALLBACK)
        if not text:
            log.error("alert has no text", extra=fields(alert=alert_id))
            return await self._fail(delivery, "MissingText", count_attempt=False)
        try:
            chat_id = (
                delivery.channel_id
                if delivery.channel_id is not None
                else self._cipher.decrypt(delivery.chat_ct, delivery.ref)
            )
        except SealError as exc:
            log.error(
                "subscriber chat id does not decrypt",
                extra=fields(alert=alert_id, error=type(exc).__name__),
            )
            return await self._fail(delivery, type(exc).__name__, count_attempt=False)
        if delivery.action == "edit":
            # Change a delivered copy to say the alert was withdrawn or expired (buttons go).
            request: Awaitable[Any] = self._bot.edit_message_text(
                text=text,
                chat_id=chat_id,
                message_id=delivery.target_message_id,
                reply_markup=None,
                request_timeout=SEND_TIMEOUT,
            )
        else:
            request = self._bot.send_message(
                chat_id,
                text,
                disable_notification=delivery.silent,
                reply_markup=(
                    None
                    if delivery.channel_id is not None  # a channel post: no answers from there
                    else await self._markup(alert_id, delivery.lang, chat_id)
                ),
                request_timeout=SEND_TIMEOUT,
            )
        try:
            message = await request
        except TelegramRetryAfter as exc:
            return await self._rate_limited(delivery, exc)
        except TelegramForbiddenError as exc:
            return await self._retire(delivery, type(exc).__name__)
        except TelegramBadRequest as exc:
            return await self._refused(delivery, exc)
        except (TelegramServerError, TelegramNetworkError, TimeoutError) as exc:
            return await self._retry(delivery, type(exc).__name__)
        except TelegramAPIError as exc:  # 401, 404, 409, 413 ...: unexpected here, bounded retry
            log.warning(
                "unexpected Bot API error", extra=fields(alert=alert_id, error=type(exc).__name__)
            )
            return await self._retry(delivery, type(exc).__name__)
        sent_id = message.message_id if delivery.action == "send" else delivery.target_message_id
        await self._store(self._outbox.mark_sent, delivery.id, sent_id)
        return True

    async def _refused(self, delivery: Delivery, exc: TelegramBadRequest) -> bool:
        """A 400: permanent for this row, whatever it was."""
        reason = exc.message.lower()
        if delivery.action == "edit":
            if "not modified" in reason:  # edited already (a repeat after a crash)
                await self._store(self._outbox.mark_sent, delivery.id, delivery.target_message_id)
            else:  # deleted by the person: nothing left to change
                await self._store(self._outbox.mark_dropped, delivery.id, type(exc).__name__)
            return True
        if "chat not found" in reason:
            return await self._retire(delivery, type(exc).__name__)
        log.warning(
            "alert refused by the Bot API",
            extra=fields(alert=delivery.alert_id, error=type(exc).__name__),
        )
        return await self._fail(delivery, type(exc).__name__)

    async def _rate_limited(self, delivery: Delivery, exc: TelegramRetryAfter) -> bool:
        assert self._bucket is not None
        loop = asyncio.get_running_loop()
        pause = max(0.0, float(exc.retry_after)) + self._rng.uniform(0.05, 0.25)
        if loop.time() + pause > self._bucket.paused_until:
            log.warning(
                "broadcast paused by a 429",
                extra=fields(alert=delivery.alert_id, retry_after=exc.retry_after),
            )
        self._bucket.pause(loop.time() + pause)
        resume_at = self._clock() + (self._bucket.paused_until - loop.time())
        await self._store(
            self._outbox.reschedule, delivery.id, resume_at, type(exc).__name__,
            count_attempt=False,
        )  # fmt: skip
        return True

    async def _retire(self, delivery: Delivery, error_class: str) -> bool:
        """The chat is gone for good (blocked, deleted): forget the subscriber. Deleting by ref,
        not by row id, can never hit someone who subscribed since under a reused row id."""
        if not await self._store(self._subscribers.delete, delivery.ref):
            # Already gone: make sure this row does not stay pending.
            await self._store(self._outbox.mark_dropped, delivery.id, error_class)
        log.info("subscriber retired", extra=fields(alert=delivery.alert_id, error=error_class))
        return True

    async def _retry(self, delivery: Delivery, error_class: str) -> bool:
        attempts = delivery.attempts + 1
        if attempts >= self._max_attempts:
            log.warning(
                "alert delivery failed",
                extra=fields(alert=delivery.alert_id, error=error_class, attempts=attempts),
            )
            return await self._fail(delivery, error_class)
        next_at = self._clock() + backoff_delay(attempts, self._rng)
        await self._store(
            self._outbox.reschedule, delivery.id, next_at, error_class, count_attempt=True
        )
        return True

    async def _fail(
        self, delivery: Delivery, error_class: str, *, count_attempt: bool = True
    ) -> bool:
        await self._store(
            self._outbox.mark_failed, delivery.id, error_class, count_attempt=count_attempt
        )
        return True

    async def _store(
        self, write: Callable[..., Awaitable[bool]], *args: Any, **kwargs: Any
    ) -> bool:
        """Run one repository write under the service's write lock; a failure (a database
        busy beyond its timeout) is retried briefly, then raised to `_deliver`."""
        for attempt in range(1, RECORD_TRIES + 1):
            try:
                async with self._write:
                    return await write(*args, **kwargs)
            except Exception:
                if attempt == RECORD_TRIES:
                    raise
                await asyncio.sleep(0.1 * attempt)
        raise AssertionError("unreachable")

    async def _markup(self, alert_id: str, lang: str, chat_id: int) -> InlineKeyboardMarkup | None:
        if self._buttons is None:
            return None
        kind = self._kinds.get(alert_id)
        if kind is None:
            kind = self._kinds[alert_id] = await self._outbox.kind(alert_id) or "alert"
        return self._buttons(alert_id, lang, chat_id) if kind == "alert" else None

    async def _alert_texts(self, alert_id: str, action: str = "send") -> dict[str, str]:
        if action == "edit":  # rare and short-lived: not cached
            return await self._outbox.texts(alert_id, action)
        texts = self._texts.get(alert_id)
        if texts is None:
            texts = self._texts[alert_id] = await self._outbox.texts(alert_id)
        return texts

    # ------------------------------------------------------------------ finishing, progress

    async def _finish_alerts(self, skip: set[str]) -> None:
        """Alerts with no pending row left go to 'sent'; each gets its final progress call."""
        for alert_id in await self._outbox.active_alerts():
            if alert_id in skip:
                continue
            async with self._write:
                finished = await self._outbox.finish_if_done(alert_id)
            if not finished:
                continue
            self._texts.pop(alert_id, None)
            self._kinds.pop(alert_id, None)
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
                self._spawn_report(self._report(alert_id, finished=True))

    def _maybe_report(self, alert_id: str) -> None:
        """An interim progress call, at most every `progress_interval` seconds per alert."""
        if self._on_progress is None or alert_id in self._reporting:
            return
        now = time.monotonic()
        last = self._reported.get(alert_id)
        if last is not None and now - last < self._progress_interval:
            return
        self._reported[alert_id] = now
        self._reporting.add(alert_id)
        self._spawn_report(self._report(alert_id, finished=False))

    def _spawn_report(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._reports.add(task)
        task.add_done_callback(self._reports.discard)

    async def _report(self, alert_id: str, *, finished: bool) -> None:
        # One call at a time, first come first served: a final call always comes last.
        async with self._report_lock:
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
