"""Notices to the moderators' group (MODERATOR_CHAT_ID) and to the team in private.

A group's history is readable by anyone who ever gets in, so a notice never carries report text,
places or times: it says that the queue has something and where, and moderators open /queue in a
private chat. Report notices are coalesced (at most one a minute) to respect the group's rate
limit. What the whole team must see happen (someone joins or is removed, an announcement waits,
an alert is withdrawn, a report group is rejected) also goes to every admin and moderator in
private, so that one account cannot act unseen: `tell_staff`.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.logs import fields

log = logging.getLogger("helpline.notices")

MIN_INTERVAL = 60.0


class ModeratorNotices:
    def __init__(
        self,
        bot: Bot,
        chat_id: int | None,
        translator: Translator,
        lang: str,
        queue_counts: Callable[[], Awaitable[dict[str, int]]],
        *,
        staff_chats: Callable[[], Awaitable[list[tuple[bytes, int]]]] | None = None,
        min_interval: float = MIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bot = bot
        self._staff_chats = staff_chats
        self._chat_id = chat_id
        self._translator = translator
        self.lang = lang
        self._queue_counts = queue_counts
        self._min_interval = min_interval
        self._clock = clock
        self._last = -min_interval
        self._pending: asyncio.Task[None] | None = None

    async def report_received(self) -> None:
        """A report arrived: tell the group soon (coalesced with others arriving meanwhile)."""
        if self._chat_id is None or (self._pending is not None and not self._pending.done()):
            return
        delay = max(0.0, self._last + self._min_interval - self._clock())
        self._pending = asyncio.create_task(self._queue_notice(delay))

    async def approval_wanted(self, region_name: str, approver: bytes) -> None:
        """A draft has an approval and needs more: the rest of the team is asked, so that an
        alert does not wait for someone to look at the queue."""
        await self.tell_staff("notice-approval", besides=approver, region=region_name)

    async def announcement_wanted(self, drafter: bytes) -> None:
        await self.tell_staff("notice-announcement", besides=drafter)

    async def tell_staff(
        self,
        key: str,
        *,
        besides: bytes | Collection[bytes] = (),
        markup: InlineKeyboardMarkup | None = None,
        **args: Any,
    ) -> int:
        """The group, and every admin and active moderator in private except `besides` (the
        refs of whoever acted, or was acted on), get the catalogue text `key`; `markup` goes
        with the private copies only (a button pressed in a group is never acted on). How many
        were told."""
        skip = [besides] if isinstance(besides, bytes) else list(besides)
        text = self._translator(self.lang, key, **args)
        await self.send(text)
        told = 0
        for ref, chat in await self._staff_chats() if self._staff_chats else []:
            if any(hmac.compare_digest(ref, other) for other in skip):
                continue
            try:
                await self._bot.send_message(chat, text, reply_markup=markup)
                told += 1
            except TelegramAPIError as exc:
                log.warning("staff notice failed", extra=fields(error=type(exc).__name__))
        return told

    async def send(self, text: str) -> None:
        if self._chat_id is None:
            return
        try:
            await self._bot.send_message(self._chat_id, text, protect_content=True)
        except TelegramAPIError as exc:
            log.warning("moderator notice failed", extra=fields(error=type(exc).__name__))

    async def _queue_notice(self, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        self._last = self._clock()
        counts = await self._queue_counts()
        if not counts:
            return
        where = ", ".join(f"{name} ({n})" for name, n in sorted(counts.items()))
        total = sum(counts.values())
        await self.send(self._translator(self.lang, "notice-reports", count=total, regions=where))

    async def close(self) -> None:
        if self._pending is not None and not self._pending.done():
            self._pending.cancel()


class ProgressReporter:
    """Edits the approving moderator's message in place with a broadcast's progress."""

    def __init__(
        self,
        bot: Bot,
        translator: Translator,
        default_lang: str,
        rate: float,
        alert_progress_target: Callable[[str], Awaitable[tuple[int, int, str | None] | None]],
    ) -> None:
        self._bot = bot
        self._translator = translator
        self._default_lang = default_lang
        self._rate = rate
        self._target = alert_progress_target

    async def __call__(self, alert_id: str, progress: Any, finished: bool) -> None:
        """`progress` has sent, failed, dropped and pending counts (bot.storage.outbox)."""
        target = await self._target(alert_id)
        if target is None:
            return
        chat_id, message_id, lang = target
        key = "progress-done" if finished else "progress-sending"
        text = self._translator(
            lang or self._default_lang,
            key,
            sent=progress.sent,
            failed=progress.failed,
            dropped=progress.dropped,
            pending=progress.pending,
            seconds=int(progress.pending / self._rate) + 1,
        )
        try:
            await self._bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id)
        except TelegramAPIError as exc:
            if "not modified" not in str(exc):
                log.warning("progress edit failed", extra=fields(error=type(exc).__name__))
