"""Which reports came from one person, known to the running process only.

The queue counts independent reporters per group (region + two-hour window), and a draft is
"corroborated" only when two or more people reported. That needs to know which reports share a
reporter, and anything on disk that says so would let whoever seizes the disk link one
person's reports (even a stored count would: three reports and a count of one). So the
database holds no tag and no count; this map from report id to its per-day tag (EpochTagger)
lives in memory only, bounded, and a report's tag is kept for its day and the next (a group
never crosses midnight, so its reports' tags are comparable). A report whose tag is not here
(sent before a restart, past the cap, or older) makes its group's count unknown.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from bot.services.limits import DEFAULT_MAX_ENTRIES

DAY_SECONDS = 24 * 3600
KEPT_EPOCHS = 2  # a report's tag is kept on its own day and the next


class ReporterMemory:
    """Report id -> (day, tag), in insertion order; at most `max_entries` (the oldest go)."""

    def __init__(
        self,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.time,
        epoch_seconds: int = DAY_SECONDS,
    ) -> None:
        if max_entries < 1 or epoch_seconds < 1:
            raise ValueError("max_entries and epoch_seconds must be positive")
        self.max_entries = max_entries
        self._clock = clock
        self._epoch_seconds = epoch_seconds
        self._tags: OrderedDict[str, tuple[int, bytes]] = OrderedDict()

    def remember(self, report_id: str, tag: bytes, epoch: int) -> None:
        """A stored report's tag. At the cap the oldest is forgotten: only its group's count
        becomes unknown (nobody may act again because of it, unlike a limiter's entry)."""
        self._forget_old()
        self._tags[report_id] = (epoch, tag)
        self._tags.move_to_end(report_id)
        while len(self._tags) > self.max_entries:
            self._tags.popitem(last=False)

    def count(self, report_ids: Iterable[str]) -> int | None:
        """How many different people sent these reports; None when any of them is unknown."""
        self._forget_old()
        seen = set()
        for report_id in report_ids:
            entry = self._tags.get(report_id)
            if entry is None:
                return None
            seen.add(entry)
        return len(seen)

    def _forget_old(self) -> None:
        oldest = int(self._clock() // self._epoch_seconds) - KEPT_EPOCHS + 1
        while self._tags:
            epoch, _ = next(iter(self._tags.values()))
            if epoch >= oldest:
                break
            self._tags.popitem(last=False)

    def __len__(self) -> int:
        return len(self._tags)

    def __repr__(self) -> str:
        return f"ReporterMemory(entries={len(self._tags)}, max_entries={self.max_entries})"
