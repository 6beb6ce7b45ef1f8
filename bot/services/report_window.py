"""The two-hour window reports are grouped by: one value type instead of "YYYY-MM-DDTHH" strings.

The queue groups reports by region and the window of their creation hour (UTC, starting at an
even hour; see bot.storage.reports). A window travels through the database, the audit log and
button data as its first hour, "2026-11-25T14"; `parse` and `str()` convert both ways.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.services.local_time import from_hour, from_minute

WINDOW_HOURS = 2
_TEXT = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2})")


@dataclass(frozen=True, order=True)
class ReportWindow:
    """Two hours of report creation, from `start` (UTC, an even hour)."""

    start: dt.datetime

    @classmethod
    def parse(cls, text: str) -> ReportWindow:
        """'2026-11-25T14' -> the window; ValueError for anything else (an odd hour too)."""
        match = _TEXT.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError("a report window is YYYY-MM-DDTHH")
        year, month, day, hour = (int(part) for part in match.groups())
        if hour % WINDOW_HOURS:
            raise ValueError("a report window starts at an even hour")
        return cls(dt.datetime(year, month, day, hour, tzinfo=dt.UTC))

    @classmethod
    def of(cls, moment: dt.datetime) -> ReportWindow:
        """The window a moment falls in."""
        utc = moment.astimezone(dt.UTC)
        hour = utc.hour // WINDOW_HOURS * WINDOW_HOURS
        return cls(dt.datetime(utc.year, utc.month, utc.day, hour, tzinfo=dt.UTC))

    def __str__(self) -> str:
        start = self.start
        return f"{start.year:04d}-{start.month:02d}-{start.day:02d}T{start.hour:02d}"


def group_key(region: str, window: ReportWindow) -> str:
    """A report group's name in the audit log and on an alert drafted from it: 'moscow|...'."""
    return f"{region}|{window}"


def window_of_group(key: str | None) -> ReportWindow | None:
    """The window named in a group key; None when there is none or it does not parse."""
    if not key or "|" not in key:
        return None
    try:
        return ReportWindow.parse(key.split("|", 1)[1])
    except ValueError:
        return None


def reported_span(
    group: str | None, first_hour: str | None, last_hour: str | None, drafted_at: str
) -> tuple[dt.datetime, dt.datetime | None] | None:
    """When the reports behind an alert were sent: from the start of the first one's hour to
    the end of the last one's, never past the moment the draft was made (no report in it can
    be later); no end when the draft was made in the first minute of it. As precise as the
    reports' stored hour, no more. An alert drafted before the hours were kept uses its
    group's window; None when there is neither."""
    first, last = from_hour(first_hour), from_hour(last_hour)
    if first is None or last is None:
        window = window_of_group(group)
        if window is None:
            return None
        first, last = window.start, window.start + dt.timedelta(hours=WINDOW_HOURS - 1)
    end = last + dt.timedelta(hours=1)
    drafted = from_minute(drafted_at)
    if drafted is not None and first <= drafted < end:
        return first, (drafted if drafted > first else None)
    return first, end
