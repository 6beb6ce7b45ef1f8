"""The one hand-set clock the unit tests use: a test moves `now` instead of sleeping."""

from __future__ import annotations

import datetime as dt

# 2026-11-25 12:00 UTC: the date the moderation and report tests are written against.
DEFAULT_START = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC).timestamp()


class ManualClock:
    """Seconds since the epoch, as `time.time()` gives them, but only as the test sets them."""

    def __init__(self, now: float = DEFAULT_START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
