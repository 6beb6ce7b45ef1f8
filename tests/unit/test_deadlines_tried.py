"""Deadline rules on cases found by trying the calculator (trycalc, issue #15)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config import REPO_ROOT
from bot.content.calendar import load_calendar
from bot.services.deadlines import Dates, Event, Kind, deadlines, fine_appeal, self_report

CALENDAR = load_calendar(REPO_ROOT / "content")

D = dt.date


@pytest.mark.parametrize(
    ("today", "days"),
    [
        (D(2026, 4, 14), [D(2026, 4, 14)]),
        # Missed in spring: the passed 14 April is shown, not only 14 October.
        (D(2026, 4, 15), [D(2026, 4, 14), D(2026, 10, 14)]),
        (D(2026, 7, 15), [D(2026, 4, 14), D(2026, 10, 14)]),
        (D(2026, 7, 16), [D(2026, 10, 14)]),  # outside a dispatch window: only the next
        (D(2026, 12, 31), [D(2026, 10, 14), D(2027, 4, 14)]),
        (D(2027, 1, 5), [D(2027, 4, 14)]),
    ],
)
def test_self_report_inside_a_window_shows_the_day_it_missed(
    today: dt.date, days: list[dt.date]
) -> None:
    found = self_report(today)
    assert [d.day for d in found] == days
    assert all(d.kind is Kind.SELF_REPORT and not d.certain for d in found)


def test_today_by_default_is_moscow_s(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a given "today" the rules took the machine's (UTC) date: at 22:30 UTC on 31
    March it is already 1 April in Moscow, and 31 March is no longer a day to apply on."""
    monkeypatch.setattr("bot.services.deadlines.moscow_today", lambda: D(2026, 4, 1))
    found = deadlines(Event.AGS, Dates(), CALENDAR)
    assert D(2026, 3, 31) not in [d.day for d in found]


@pytest.mark.parametrize(
    ("received", "last"),
    [
        (D(2026, 4, 24), D(2026, 5, 4)),  # Friday before the May holidays: Monday 4 May works
        (D(2026, 4, 29), D(2026, 5, 12)),  # 9 May (Sat), 10, 11 (moved day off) -> 12 May
        (D(2025, 4, 25), D(2025, 5, 5)),
        (D(2025, 4, 28), D(2025, 5, 12)),  # 8 May (moved day off), 9, 10, 11 -> 12 May
    ],
)
def test_fine_across_the_may_holidays(received: dt.date, last: dt.date) -> None:
    (found,) = fine_appeal(received, CALENDAR)
    assert found.day == last and found.certain
