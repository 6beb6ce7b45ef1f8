"""Faults a sender must survive, injected on purpose: errors, 429s, latency, lost connections.

Each request passes `Faults.answer` on its way to its Bot API method: latency first, then a
queued failure (`fail_next`, `drop_next`), then the random failure rate. Sends also pass the
token-bucket rate limit (`throttle`), which answers 429 with Telegram's retry_after.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .protocol import BLOCKED, ApiError, bad_request, phrase, too_many_requests


@dataclass
class _FailRule:
    remaining: int
    status: int
    method: str | None
    retry_after: int | None = None
    description: str | None = None
    drop: bool = False
    after_processing: bool = False


@dataclass
class _Bucket:
    """Token bucket: `capacity` tokens, refilled at `rate` per second."""

    rate: float
    capacity: float
    tokens: float
    stamp: float

    def wait(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


@dataclass
class _FaultRate:
    p: float
    status: int
    rng: random.Random
    methods: frozenset[str]


class ConnectionDropped(Exception):
    """Raised inside dispatch to close the connection instead of answering."""

    def __init__(self, status: int = 0, response: dict[str, Any] | None = None) -> None:
        super().__init__("connection dropped")
        self.status = status
        self.response = response or {}


class Faults:
    """The faults currently set; `reset()` clears them all."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._fail_rules: list[_FailRule] = []
        self._latency: dict[str | None, float] = {}
        self._global_bucket: _Bucket | None = None
        self._chat_rate: tuple[float, float] | None = None
        self._chat_buckets: dict[int, _Bucket] = {}
        self._fault_rate: _FaultRate | None = None

    # ----------------------------------------------------------------- setting faults

    def fail_next(
        self,
        n: int,
        *,
        status: int = 500,
        method: str | None = None,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """The next `n` matching requests fail; retry_after makes them 429s with that value.

        With no `method`, any method but getUpdates matches: the polling loop is left alone
        unless named explicitly.
        """
        if retry_after is not None:
            status = 429
        self._fail_rules.append(
            _FailRule(n, status, method.lower() if method else None, retry_after, description)
        )

    def drop_next(
        self, n: int, *, method: str | None = None, after_processing: bool = False
    ) -> None:
        """Close the connection on the next `n` matching requests. With `after_processing` the
        request takes effect first (a message is delivered) and only the answer is lost: the
        "outcome unknown" case of engineering notes §1.2."""
        method_lower = method.lower() if method else None
        rule = _FailRule(n, 0, method_lower, drop=True, after_processing=after_processing)
        self._fail_rules.append(rule)

    def set_latency(self, seconds: float, method: str | None = None) -> None:
        """Delay answers; with no `method`, every method but getUpdates."""
        self._latency[method.lower() if method else None] = seconds

    def set_rate_limit(
        self,
        per_second: float | None,
        *,
        per_chat_per_second: float | None = None,
        burst: float | None = None,
        chat_burst: float | None = None,
    ) -> None:
        """Token buckets for sends (send*, copy*, forward*): one for all chats, one per chat.

        A send over a limit gets 429 with retry_after (whole seconds, at least 1) and is not
        delivered. Bucket sizes default to one second's worth (at least one message).
        """
        now = time.monotonic()
        self._global_bucket = None
        if per_second:
            capacity = burst if burst is not None else max(1.0, per_second)
            self._global_bucket = _Bucket(per_second, capacity, capacity, now)
        self._chat_rate = None
        self._chat_buckets.clear()
        if per_chat_per_second:
            capacity = chat_burst if chat_burst is not None else max(1.0, per_chat_per_second)
            self._chat_rate = (per_chat_per_second, capacity)

    def set_fault_rate(
        self,
        p: float,
        *,
        status: int = 502,
        seed: int = 0,
        methods: Iterable[str] = ("sendMessage", "copyMessage", "sendPhoto"),
    ) -> None:
        """Fail each request of `methods` with probability `p` (seeded, so runs repeat)."""
        if p <= 0:
            self._fault_rate = None
            return
        self._fault_rate = _FaultRate(
            p, status, random.Random(seed), frozenset(m.lower() for m in methods)
        )

    # ----------------------------------------------------------------- applying them

    async def answer(
        self, name: str, call: Callable[[], Awaitable[Any]]
    ) -> tuple[int, dict[str, Any]]:
        """Status and body for one request to method `name`: what `call` returns, unless a fault
        answers first. Raises ConnectionDropped when the connection is to be closed instead."""
        lower = name.lower()
        polling = lower == "getupdates"
        delay = self._latency.get(lower, 0.0 if polling else self._latency.get(None, 0.0))
        if delay > 0:
            await asyncio.sleep(delay)
        rule = self._take_fail_rule(lower, polling)
        if rule is not None and not rule.after_processing:
            if rule.drop:
                raise ConnectionDropped()
            error = self._injected(rule)
            return error.status, error.body()
        fault = self._fault_rate
        if fault is not None and lower in fault.methods and fault.rng.random() < fault.p:
            return fault.status, ApiError(fault.status, phrase(fault.status)).body()
        result = await call()
        body = {"ok": True, "result": result}
        if rule is not None and rule.drop:
            raise ConnectionDropped(200, body)
        return 200, body

    def throttle(self, chat_id: int) -> None:
        """Rate emulator: refuse with 429 when either bucket is empty, else take a token."""
        if self._global_bucket is None and self._chat_rate is None:
            return
        now = time.monotonic()
        wait = 0.0
        buckets: list[_Bucket] = []
        if self._global_bucket is not None:
            buckets.append(self._global_bucket)
        if self._chat_rate is not None:
            rate, capacity = self._chat_rate
            bucket = self._chat_buckets.get(chat_id)
            if bucket is None:
                bucket = self._chat_buckets[chat_id] = _Bucket(rate, capacity, capacity, now)
            buckets.append(bucket)
        for bucket in buckets:
            wait = max(wait, bucket.wait(now))
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.tokens -= 1

    def _take_fail_rule(self, lower: str, polling: bool) -> _FailRule | None:
        for rule in self._fail_rules:
            if rule.method == lower or (rule.method is None and not polling):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._fail_rules.remove(rule)
                return rule
        return None

    @staticmethod
    def _injected(rule: _FailRule) -> ApiError:
        if rule.retry_after is not None:
            error = too_many_requests(rule.retry_after)
            if rule.description:
                error.description = rule.description
            return error
        if rule.description:
            return ApiError(rule.status, rule.description)
        if rule.status == 400:
            return bad_request("injected failure")
        if rule.status == 403:
            return ApiError(403, BLOCKED)
        return ApiError(rule.status, phrase(rule.status))
