"""Delivering updates to a webhook, as Telegram does once setWebhook has given it a URL.

Each pending update is POSTed as JSON to the URL, with the secret in
`X-Telegram-Bot-Api-Secret-Token` when one was set. A 2xx answer confirms it; anything else (or
no answer) leaves it pending, and it is posted again after a pause that grows, as Telegram
retries. One update at a time, in order: Telegram may open up to `max_connections` at once, but
in order is what a test can reason about.

Loopback is the only network here, so the stand-in delivers only to `http://127.0.0.1`: a URL
elsewhere is kept (getWebhookInfo shows it) and its updates wait, with the reason as the last
error.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout

from .updates import Update, UpdateQueue

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
LOOPBACK = "127.0.0.1"
FIRST_RETRY_SECONDS = 0.1  # Telegram waits longer; tests would wait with it
MAX_RETRY_SECONDS = 2.0
POST_TIMEOUT_SECONDS = 60.0  # Telegram gives a webhook about this long to answer


def deliverable(url: str) -> bool:
    """Whether the stand-in can post to `url`: plain http to 127.0.0.1 only."""
    parts = urlsplit(url)
    return parts.scheme == "http" and parts.hostname == LOOPBACK


@dataclass(frozen=True)
class Delivery:
    """One POST of an update: the status the webhook answered, None for no answer."""

    update_id: int
    status: int | None
    secret_sent: bool


class WebhookDelivery:
    """The task that posts pending updates to the webhook while one is set."""

    def __init__(self, updates: UpdateQueue, activity: Callable[[int], None]) -> None:
        self.updates = updates
        self._activity = activity  # +1 when a POST starts, -1 when it ends (for wait_idle)
        self.deliveries: list[Delivery] = []
        self.last_error: tuple[int, str] | None = None
        self._task: asyncio.Task[None] | None = None
        self._posting: asyncio.Task[None] | None = None  # the task whose POST is under way
        self._generation = 0  # a delivery task ends once this is not the one it started with

    def reset(self) -> None:
        self.deliveries = []
        self.last_error = None

    def start(self, url: str, secret: str | None) -> None:
        """Deliver to `url` from now on (a running delivery to another URL stops)."""
        self.stop()
        self.last_error = None
        if not deliverable(url):
            self.last_error = (int(time.time()), "the stand-in delivers only to http://127.0.0.1")
            return
        self._task = asyncio.get_running_loop().create_task(
            self._run(url, secret, self._generation)
        )

    def stop(self) -> None:
        """No more posts (deleteWebhook): what is pending waits for getUpdates. A POST under
        way is answered first, as on Telegram: cutting it would post its update twice."""
        self._generation += 1
        task, self._task = self._task, None
        if task is not None and task is not self._posting:
            task.cancel()

    async def close(self) -> None:
        """Stop at once, a POST under way included (the stand-in is shutting down)."""
        self._generation += 1
        for task in {t for t in (self._task, self._posting) if t is not None}:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = self._posting = None

    async def _run(self, url: str, secret: str | None, generation: int) -> None:
        headers = {"Content-Type": "application/json"}
        if secret:
            headers[SECRET_HEADER] = secret
        pause = FIRST_RETRY_SECONDS
        async with ClientSession(timeout=ClientTimeout(total=POST_TIMEOUT_SECONDS)) as session:
            while generation == self._generation:
                update = self.updates.next_wanted()
                if update is None:
                    await self.updates.wait_arrival()
                    continue
                self._posting = asyncio.current_task()
                try:
                    status = await self._post(session, url, headers, update)
                finally:
                    self._posting = None
                if status is not None and 200 <= status < 300:
                    self.updates.confirm_through(update["update_id"])
                    pause = FIRST_RETRY_SECONDS
                    continue
                reason = f"Wrong response from the webhook: {status}" if status else "no answer"
                self.last_error = (int(time.time()), reason)
                await asyncio.sleep(pause)
                pause = min(pause * 2, MAX_RETRY_SECONDS)

    async def _post(
        self, session: ClientSession, url: str, headers: dict[str, str], update: Update
    ) -> int | None:
        update_id: int = update["update_id"]
        self._activity(+1)
        self.updates.delivering(update_id)
        status: int | None = None
        try:
            async with session.post(url, data=json.dumps(update), headers=headers) as response:
                await response.read()
                status = response.status
        except (ClientError, TimeoutError, OSError):
            status = None
        finally:
            if status is None or not 200 <= status < 300:
                self.updates.undelivered(update_id)
            self._activity(-1)
        self.deliveries.append(Delivery(update_id, status, SECRET_HEADER in headers))
        return status

    def info(self) -> dict[str, Any]:
        """The last error as getWebhookInfo reports it."""
        if self.last_error is None:
            return {}
        return {"last_error_date": self.last_error[0], "last_error_message": self.last_error[1]}
