"""Per-person limits without identities: sliding windows keyed by in-memory daily tags.

Every check here is a reservation: `reserve()` checks and records the hit in one step, with no
`await` in between, so that twenty simultaneous taps cannot all pass a check made before any of
them is recorded. An action that then fails gives its hit back with `release()`.

Each table is bounded. A full table refuses new keys (`LimiterFull`, shown as "busy") rather
than forgetting old ones: forgetting would let the same person act again at once.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

DEFAULT_MAX_ENTRIES = 200_000


class LimiterFull(Exception):
    """Too many people are being tracked at once: refuse (busy) instead of forgetting anyone."""


class SlidingLimiter:
    """At most `limit` hits per key in any sliding `window` seconds; memory only, bounded."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if limit < 1 or window <= 0 or max_entries < 1:
            raise ValueError("limit, window and max_entries must be positive")
        self.limit = limit
        self.window = window
        self.max_entries = max_entries
        self._clock = clock
        # Ordered by each key's latest hit, oldest first, so expired keys are found at the front.
        # A short list a key (limits are small): a deque would cost 600 bytes even when empty.
        self._hits: OrderedDict[Hashable, list[float]] = OrderedDict()

    def reserve(self, key: Hashable) -> int:
        """0 when the hit is allowed and recorded now; else the whole seconds until one is.

        Raises LimiterFull when the key is new and the table is full of keys still in use.
        """
        now = self._clock()
        # A few expired keys go on every call, so a spike's entries do not linger until the cap.
        self._forget_expired(now, at_most=2)
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_entries:
                self._forget_expired(now)
                if len(self._hits) >= self.max_entries:
                    raise LimiterFull(type(self).__name__)
            hits = self._hits[key] = []
        cutoff = now - self.window
        while hits and hits[0] <= cutoff:
            del hits[0]
        if len(hits) >= self.limit:
            return max(1, math.ceil(hits[0] + self.window - now))
        hits.append(now)
        self._hits.move_to_end(key)
        return 0

    def wait_seconds(self, key: Hashable) -> int:
        """Like `reserve`, without recording anything."""
        hits = self._hits.get(key)
        if not hits:
            return 0
        now = self._clock()
        live = [t for t in hits if t > now - self.window]
        if len(live) < self.limit:
            return 0
        return max(1, math.ceil(live[0] + self.window - now))

    def release(self, key: Hashable) -> None:
        """Give back the latest hit: the action it was reserved for did not happen."""
        hits = self._hits.get(key)
        if hits:
            hits.pop()
            if not hits:
                del self._hits[key]

    def _forget_expired(self, now: float, at_most: int | None = None) -> None:
        cutoff = now - self.window
        forgotten = 0
        while self._hits and (at_most is None or forgotten < at_most):
            key, hits = next(iter(self._hits.items()))
            if hits and hits[-1] > cutoff:
                break
            del self._hits[key]
            forgotten += 1

    def __len__(self) -> int:
        return len(self._hits)
