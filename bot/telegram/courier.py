"""One outbox row, sent and recorded: the broadcaster's courier.

`Courier.attempt()` sends one row (`bot.storage.outbox.Delivery`) and stores its outcome as soon
as it is known, so after a crash only the requests that were in flight can be repeated (the Bot
API has no idempotency key). What the broadcaster decides (which rows, when, how many at once)
is in `bot.telegram.broadcast`; what each answer means for the row is here:

- success: the row is marked sent right away;
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
import logging
import random
from collections.abc import Awaitable, Callable
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
from bot.services.health import Activity
from bot.storage.outbox import Delivery, OutboxRepository
from bot.storage.subscribers import SubscriberRepository
from bot.telegram.pacing import TokenBucket, backoff_delay

log = logging.getLogger(__name__)

# (alert id, language, recipient's chat) -> the buttons under a delivered alert (announcements
# get none); they are bound to the recipient, so they are made for each copy.
ButtonsFactory = Callable[[str, str, int], InlineKeyboardMarkup | None]

SEND_TIMEOUT = 30  # seconds for one sendMessage before it counts as a (retried) network error
RECORD_TRIES = 3  # storing an outcome is retried (a busy database) before the row is set aside
LANG_FALLBACK = "ru"


class Courier:
    """Sends one row at a time and records its outcome; keeps each alert's texts while it sends."""

    def __init__(
        self,
        bot: Bot,
        cipher: ChatIdCipher,
        outbox: OutboxRepository,
        subscribers: SubscriberRepository,
        write: asyncio.Lock,
        *,
        max_attempts: int,
        clock: Callable[[], float],
        buttons: ButtonsFactory | None,
        activity: Activity | None = None,
    ) -> None:
        self._bot = bot
        self._activity = activity if activity is not None else Activity()  # outcome counts
        self._cipher = cipher
        self._outbox = outbox
        self._subscribers = subscribers
        # The broadcaster's write lock: one connection, one transaction at a time.
        self._write = write
        self._max_attempts = max_attempts
        self._clock = clock
        self._buttons = buttons
        self._rng = random.Random()
        self._kinds: dict[str, str] = {}  # alert id -> kind (alerts get feedback buttons)
        self._texts: dict[str, dict[str, str]] = {}  # alert id -> texts, while it is sending

    def forget(self, alert_id: str) -> None:
        """The alert's broadcast is over: drop what was kept for it."""
        self._texts.pop(alert_id, None)
        self._kinds.pop(alert_id, None)

    async def attempt(self, delivery: Delivery, bucket: TokenBucket) -> bool:
        """Send one row and store the outcome; True once the outcome is in the database.
        A 429 pauses `bucket`, the one every send of the broadcaster waits for."""
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
        request = await self._request(delivery, chat_id, text)
        try:
            message = await request
        except TelegramRetryAfter as exc:
            return await self._rate_limited(delivery, exc, bucket)
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
        self._activity.delivered("sent")
        return True

    async def _request(self, delivery: Delivery, chat_id: int, text: str) -> Awaitable[Any]:
        """The Bot API call for this row, not yet sent."""
        if delivery.action == "edit":
            # Change a delivered copy to say the alert was withdrawn or expired (buttons go),
            # or back to the alert itself when a withdrawal was undone (buttons return).
            standing = delivery.channel_id is None and await self._outbox.is_open(delivery.alert_id)
            return self._bot.edit_message_text(
                text=text,
                chat_id=chat_id,
                message_id=delivery.target_message_id,
                reply_markup=(
                    await self._markup(delivery.alert_id, delivery.lang, chat_id)
                    if standing
                    else None
                ),
                request_timeout=SEND_TIMEOUT,
            )
        return self._bot.send_message(
            chat_id,
            text,
            disable_notification=delivery.silent,
            reply_markup=(
                None
                if delivery.channel_id is not None  # a channel post: no answers from there
                else await self._markup(delivery.alert_id, delivery.lang, chat_id)
            ),
            request_timeout=SEND_TIMEOUT,
        )

    async def _refused(self, delivery: Delivery, exc: TelegramBadRequest) -> bool:
        """A 400: permanent for this row, whatever it was."""
        reason = exc.message.lower()
        if delivery.action == "edit":
            if "not modified" in reason:  # edited already (a repeat after a crash)
                await self._store(self._outbox.mark_sent, delivery.id, delivery.target_message_id)
                self._activity.delivered("sent")
            else:  # deleted by the person: nothing left to change
                await self._store(self._outbox.mark_dropped, delivery.id, type(exc).__name__)
                self._activity.delivered("dropped")
            return True
        if "chat not found" in reason:
            return await self._retire(delivery, type(exc).__name__)
        log.warning(
            "alert refused by the Bot API",
            extra=fields(alert=delivery.alert_id, error=type(exc).__name__),
        )
        return await self._fail(delivery, type(exc).__name__)

    async def _rate_limited(
        self, delivery: Delivery, exc: TelegramRetryAfter, bucket: TokenBucket
    ) -> bool:
        loop = asyncio.get_running_loop()
        pause = max(0.0, float(exc.retry_after)) + self._rng.uniform(0.05, 0.25)
        if loop.time() + pause > bucket.paused_until:
            self._activity.rate_limit_pauses += 1
            log.warning(
                "broadcast paused by a 429",
                extra=fields(alert=delivery.alert_id, retry_after=exc.retry_after),
            )
        bucket.pause(loop.time() + pause)
        resume_at = self._clock() + (bucket.paused_until - loop.time())
        await self._store(
            self._outbox.reschedule,
            delivery.id,
            resume_at,
            type(exc).__name__,
            count_attempt=False,
        )
        return True

    async def _retire(self, delivery: Delivery, error_class: str) -> bool:
        """The chat is gone for good (blocked, deleted): forget the subscriber. Deleting by ref,
        not by row id, can never hit someone who subscribed since under a reused row id."""
        if not await self._store(self._subscribers.delete, delivery.ref):
            # Already gone: make sure this row does not stay pending.
            await self._store(self._outbox.mark_dropped, delivery.id, error_class)
        self._activity.delivered("dropped")
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
        self._activity.delivered("retried")
        return True

    async def _fail(
        self, delivery: Delivery, error_class: str, *, count_attempt: bool = True
    ) -> bool:
        await self._store(
            self._outbox.mark_failed, delivery.id, error_class, count_attempt=count_attempt
        )
        self._activity.delivered("failed")
        return True

    async def _store(
        self, write: Callable[..., Awaitable[bool]], *args: Any, **kwargs: Any
    ) -> bool:
        """Run one repository write under the broadcaster's write lock; a failure (a database
        busy beyond its timeout) is retried briefly, then raised to the broadcaster."""
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
