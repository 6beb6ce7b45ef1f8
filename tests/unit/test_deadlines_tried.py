"""Deadline rules on cases found by trying the calculator (trycalc, issue #15)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.services.deadlines import Kind, self_report

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
