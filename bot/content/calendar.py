"""Russia's non-working days (`content/calendar/ru-nonworking.toml`), one year per decree.

A last day that falls on a non-working day moves to the next working day for some periods
(the fine appeal, legal-facts 15.8). The Government moves days off every year by decree, so
the days come from a content file that cites the decree, not from a rule: a year without one
is *unknown*, and the deadline calculator says that its days may move.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content.faq import ContentError
from bot.content.toml_file import read_toml

CALENDAR_FILE = Path("calendar") / "ru-nonworking.toml"
# Labour Code art. 112 p. 1: the public holidays, as (month, day).
PUBLIC_HOLIDAYS = (
    *((1, day) for day in range(1, 9)),
    (2, 23),
    (3, 8),
    (5, 1),
    (5, 9),
    (6, 12),
    (11, 4),
)


@dataclass(frozen=True)
class YearDays:
    """One year's days as its decree set them."""

    year: int
    decree: str
    sources: tuple[str, ...]
    days_off: frozenset[dt.date]  # non-working days that are not a Saturday or Sunday
    working_weekends: frozenset[dt.date]  # Saturdays or Sundays made working days


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days, for the years a decree is known for."""

    years: dict[int, YearDays] = field(default_factory=dict)

    def knows(self, year: int) -> bool:
        return year in self.years

    def is_working(self, day: dt.date) -> bool | None:
        """True or False; None for a year without data (a weekday may be a moved day off)."""
        known = self.years.get(day.year)
        if known is None:
            return None
        if day.weekday() >= 5:
            return day in known.working_weekends
        return day not in known.days_off

    def next_working(self, day: dt.date) -> tuple[dt.date, bool]:
        """The first working day from `day` on, and whether every day looked at was known."""
        current = day
        for _ in range(60):  # no run of days off is this long
            working = self.is_working(current)
            if working is None:
                return current, False
            if working:
                return current, True
            current += dt.timedelta(days=1)
        return current, False


def load_calendar(content_dir: Path) -> WorkCalendar:
    """The calendar file, checked; a missing file is a calendar that knows no year."""
    path = content_dir / CALENDAR_FILE
    if not path.exists():
        return WorkCalendar()
    data = read_toml(path)
    problems: list[str] = []
    years: dict[int, YearDays] = {}
    for item in data.get("year", []):
        parsed = _year(item, path, problems)
        if parsed is None:
            continue
        if parsed.year in years:
            problems.append(f"{path}: year {parsed.year} is listed twice")
        years[parsed.year] = parsed
    if problems:
        raise ContentError(problems)
    return WorkCalendar(years)


def _year(item: Any, path: Path, problems: list[str]) -> YearDays | None:
    if not isinstance(item, dict) or not isinstance(item.get("year"), int):
        problems.append(f"{path}: every [[year]] needs a year = 2026-style number")
        return None
    year: int = item["year"]
    where = f"{path}: year {year}"
    decree = item.get("decree")
    if not isinstance(decree, str) or "Правительств" not in decree:
        problems.append(f"{where}: decree must name the Government decree the days follow")
    sources = item.get("sources")
    if (
        not isinstance(sources, list)
        or not sources
        or not all(isinstance(s, str) and s.startswith("https://") for s in sources)
    ):
        problems.append(f"{where}: sources must list the https:// pages the days were read in")
        sources = []
    if not isinstance(item.get("checked"), dt.date):
        problems.append(f"{where}: checked = YYYY-MM-DD (the day the days were last checked)")
    days_off = _dates(item.get("days_off"), year, where, "days_off", problems)
    weekends = _dates(item.get("working_weekends"), year, where, "working_weekends", problems)
    for day in days_off:
        if day.weekday() >= 5:
            problems.append(f"{where}: {day} is a Saturday or Sunday; days_off lists weekdays")
    for day in weekends:
        if day.weekday() < 5:
            problems.append(f"{where}: {day} is a weekday; working_weekends lists weekend days")
    for month, number in PUBLIC_HOLIDAYS:
        holiday = dt.date(year, month, number)
        if holiday.weekday() < 5 and holiday not in days_off:
            problems.append(f"{where}: {holiday} is a public holiday (Labour Code art. 112)")
    return YearDays(
        year=year,
        decree=str(decree or ""),
        sources=tuple(str(s) for s in sources),
        days_off=frozenset(days_off),
        working_weekends=frozenset(weekends),
    )


def _dates(value: Any, year: int, where: str, name: str, problems: list[str]) -> set[dt.date]:
    if not isinstance(value, list):
        problems.append(f"{where}: {name} must be a list of dates (may be empty)")
        return set()
    days = set()
    for text in value:
        try:
            day = dt.date.fromisoformat(str(text))
        except ValueError:
            problems.append(f"{where}: {name} has {text!r}, not a YYYY-MM-DD date")
            continue
        if day.year != year:
            problems.append(f"{where}: {name} has {day}, outside {year}")
        days.add(day)
    return days
