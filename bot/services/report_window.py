"""The two-hour window reports are grouped by: one value type instead of "YYYY-MM-DDTHH" strings.

The queue groups reports by region and the window of their creation hour (UTC, starting at an
even hour; see bot.storage.reports). A window travels through the database, the audit log and
button data as its first hour, "2026-11-25T14"; `parse` and `str()` convert both ways.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

WINDOW_HOURS = 2
# Alerts give times in Moscow time (UTC+3 all year since 2014): the reference people in Russia
# use, where a UTC time would mislead. The region's own zone is not in the data yet.
MOSCOW = dt.timezone(dt.timedelta(hours=3))
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

    def label(self) -> str:
        """How moderators see it: '25.11 14:00–16:00 UTC'."""
        end = self.start + dt.timedelta(hours=WINDOW_HOURS)
        return f"{self.start:%d.%m %H:%M}–{end:%H:%M} UTC"

    def in_zone(self, zone: dt.tzinfo = MOSCOW) -> tuple[str, str]:
        """('30.11', '17:00–19:00'): the day and hours as people in `zone` read them."""
        local = self.start.astimezone(zone)
        end = local + dt.timedelta(hours=WINDOW_HOURS)
        return f"{local:%d.%m}", f"{local:%H:%M}–{end:%H:%M}"


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
