"""How fast the broadcaster may send: one global token bucket, and the backoff between retries.

Pure arithmetic on the times and the random source passed in: no clock, no event loop. The
bucket keeps the broadcast under the Bot API's global limit and holds every send during a 429
pause; the backoff spaces out retries after a 5xx or a network error.
"""

from __future__ import annotations

import random

BACKOFF_BASE = 1.0  # seconds before the first retry of a 5xx / network error; doubles each time
BACKOFF_CAP = 60.0
BURST_SECONDS = 0.1  # the bucket saves up this much sending time (at least 2 tokens, <= 1 s)


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
