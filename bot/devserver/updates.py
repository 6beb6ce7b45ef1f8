"""The update queue and getUpdates' long poll, as Telegram runs them (engineering notes §1.3).

Updates wait until a getUpdates call with a higher offset confirms them. A poll with nothing to
fetch waits up to its timeout for the next update; a second poll terminates the first with 409,
and so does setting a webhook. While a webhook is set, webhook.py takes updates from here one at
a time and confirms each the webhook accepted.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Mapping
from typing import Any

from .protocol import CONFLICT_POLL, ApiError, as_int

Update = dict[str, Any]

# What a waiting long poll is woken with.
_WAKE = "wake"
_CONFLICT = "conflict"
_STOP = "stop"
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def _update_type(update: Mapping[str, Any]) -> str:
    return next((k for k in update if k != "update_id"), "")


class UpdateQueue:
    """Updates not yet confirmed by the bot, and the one long poll that may be waiting for them."""

    def __init__(self) -> None:
        self.next_update_id = 1
        # getUpdates requests received so far (a call is logged only when it is answered, and a
        # long poll is answered only after its timeout): lets a test see a bot start polling.
        self.polls_started = 0
        self._poller: asyncio.Future[str] | None = None
        self._closing = False
        self._arrived = asyncio.Event()  # set by every push: a webhook delivery waits on it
        self.reset()

    def reset(self) -> None:
        """Forget every pending update. update_id keeps growing: a running bot still holds its
        old offset and would otherwise drop the new updates."""
        self._updates: deque[Update] = deque()
        self.delivered_upto = 0
        self._allowed_updates: frozenset[str] | None = None

    @property
    def pending(self) -> int:
        return len(self._updates)

    def push(self, kind: str, payload: Any) -> Update:
        """Queue an update with the next update_id and wake a waiting poll."""
        update = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        self._updates.append(update)
        self._wake_poller(_WAKE)
        self._arrived.set()
        return update

    def drop_pending(self) -> None:
        """What `drop_pending_updates` asks for."""
        self._updates.clear()

    def drained(self) -> bool:
        """Whether the bot has fetched every update pushed so far."""
        return not self._updates or self._updates[-1]["update_id"] <= self.delivered_upto

    # ----------------------------------------------------------------- webhook delivery

    def set_allowed(self, allowed: Any) -> None:
        """allowed_updates, as setWebhook or getUpdates passes it (absent: keep the last)."""
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None

    def next_wanted(self) -> Update | None:
        """The oldest pending update of a type the bot asked for."""
        batch = self._collect(1)
        return batch[0] if batch else None

    async def wait_arrival(self) -> None:
        """Until the next push (call right after `next_wanted` found nothing)."""
        self._arrived.clear()
        await self._arrived.wait()

    def delivering(self, update_id: int) -> None:
        """Posted to the webhook: counts as fetched while the post is under way."""
        self.delivered_upto = max(self.delivered_upto, update_id)

    def undelivered(self, update_id: int) -> None:
        """The webhook did not accept it: pending again, and not fetched."""
        self.delivered_upto = min(self.delivered_upto, update_id - 1)

    def confirm_through(self, update_id: int) -> None:
        """The webhook accepted `update_id`: it and everything before it are gone."""
        self._confirm(update_id + 1)

    def open(self) -> None:
        self._closing = False

    def close(self) -> None:
        """Answer a waiting poll now: the server is shutting down."""
        self._closing = True
        self._wake_poller(_STOP)

    def terminate_poll(self) -> None:
        """A waiting poll ends with 409, as on Telegram when a webhook is set."""
        self._wake_poller(_CONFLICT)

    async def poll(
        self,
        offset: Any,
        limit: int,
        timeout: int,  # noqa: ASYNC109 - getUpdates' own parameter, in seconds
        allowed: Any,
    ) -> list[Update]:
        """getUpdates: confirm up to `offset`, then return pending updates or wait for some."""
        self.set_allowed(allowed)
        self.polls_started += 1
        self._wake_poller(_CONFLICT)  # a poll already waiting is terminated, as on Telegram
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[str] = loop.create_future()
        self._poller = waiter
        try:
            if offset is not None:
                self._confirm(as_int(offset, "offset"))
            batch = self._collect(limit)
            deadline = loop.time() + timeout
            while not batch and not self._closing:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                done, _ = await asyncio.wait({waiter}, timeout=remaining)
                if not done:
                    break
                outcome = waiter.result()
                if outcome == _CONFLICT:
                    raise ApiError(409, CONFLICT_POLL)
                if outcome == _STOP:
                    break
                waiter = loop.create_future()
                self._poller = waiter
                batch = self._collect(limit)
        finally:
            if self._poller is waiter:
                self._poller = None
        if batch:
            self.delivered_upto = max(self.delivered_upto, batch[-1]["update_id"])
        return batch

    def _wake_poller(self, outcome: str) -> None:
        poller = self._poller
        if poller is not None and not poller.done():
            poller.set_result(outcome)

    def _confirm(self, offset: int) -> None:
        """An update is confirmed once getUpdates is called with a higher offset."""
        queue = self._updates
        if offset < 0:
            while len(queue) > -offset:
                queue.popleft()
            return
        while queue and queue[0]["update_id"] < offset:
            queue.popleft()

    def _wanted(self, update: Mapping[str, Any]) -> bool:
        kind = _update_type(update)
        if self._allowed_updates is None:
            return kind not in _DEFAULT_EXCLUDED_UPDATES
        return kind in self._allowed_updates

    def _collect(self, limit: int) -> list[Update]:
        batch: list[Update] = []
        unwanted = False
        for update in self._updates:
            if len(batch) >= limit:
                break
            if self._wanted(update):
                batch.append(update)
            else:
                unwanted = True
        if unwanted:  # Telegram never stores updates of types the bot did not ask for
            self._updates = deque(u for u in self._updates if self._wanted(u))
        return batch
