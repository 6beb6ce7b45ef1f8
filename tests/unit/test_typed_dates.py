"""Dates as people type them (bot.services.typed_dates), against a fixed "today"."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.typed_dates import Problem, moscow_today, parse_date

TODAY = dt.date(2026, 12, 6)  # a Sunday
D = dt.date


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("сегодня", TODAY),
        ("Сегодня!", TODAY),
        ("вчера", D(2026, 12, 5)),
        ("позавчера", D(2026, 12, 4)),
        ("3 дня назад", D(2026, 12, 3)),
        ("5 дней назад", D(2026, 12, 1)),
        ("день назад", D(2026, 12, 5)),
        ("неделю назад", D(2026, 11, 29)),
        ("2 недели назад", D(2026, 11, 22)),
        ("две недели назад", D(2026, 11, 22)),
        ("12.11", D(2026, 11, 12)),
        ("12.11.2026", D(2026, 11, 12)),
        ("12.11.26", D(2026, 11, 12)),
        ("1.2.2026", D(2026, 2, 1)),
        ("12 ноября", D(2026, 11, 12)),
        ("12 Ноября 2026 г.", D(2026, 11, 12)),
        ("12 ноя", D(2026, 11, 12)),
        ("12 ноя.", D(2026, 11, 12)),
        ("1 мая", D(2026, 5, 1)),
        ("1 марта 2025", D(2025, 3, 1)),
        ("12 November", D(2026, 11, 12)),
        ("November 12", D(2026, 11, 12)),
        ("Nov 12th, 2026", D(2026, 11, 12)),
        ("12 nov 2025", D(2025, 11, 12)),
        ("yesterday", D(2026, 12, 5)),
        ("today", TODAY),
        ("the day before yesterday", D(2026, 12, 4)),
        ("3 days ago", D(2026, 12, 3)),
        ("a week ago", D(2026, 11, 29)),
        ("2026-11-12", D(2026, 11, 12)),
        ("12/11/2026", None),  # ambiguous, checked below
        ("25/11/2026", D(2026, 11, 25)),  # only one reading: day first
        ("7.12", D(2025, 12, 7)),  # past only: last year's 7 December, not next week's
        ("31.12", D(2025, 12, 31)),  # across the end of the year
    ],
)
def test_typed_dates(text: str, day: dt.date | None) -> None:
    parsed = parse_date(text, TODAY)
    if day is None:
        assert parsed.problem is Problem.AMBIGUOUS
    else:
        assert parsed.day == day, text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", Problem.UNKNOWN),
        ("не помню", Problem.UNKNOWN),
        ("hello", Problem.UNKNOWN),
        ("12", Problem.UNKNOWN),
        ("12 абырвалг", Problem.UNKNOWN),
        ("12.13", Problem.UNKNOWN),
        ("31.02", Problem.NO_SUCH_DAY),
        ("30 февраля", Problem.NO_SUCH_DAY),
        ("29.02.2026", Problem.NO_SUCH_DAY),
        ("29.02", Problem.NO_SUCH_DAY),  # no 29 February from 2025 to 2027
        ("11/12", Problem.AMBIGUOUS),
        ("3/4/2026", Problem.AMBIGUOUS),
        ("завтра", Problem.UNKNOWN),
        ("07.12.2026", Problem.FUTURE),
        ("15 января 2027", Problem.FUTURE),
        ("01.01.1999", Problem.OUT_OF_RANGE),
        ("01.01.2035", Problem.OUT_OF_RANGE),
        ("много дней назад", Problem.UNKNOWN),
    ],
)
def test_what_is_not_a_usable_date(text: str, problem: Problem) -> None:
    parsed = parse_date(text, TODAY)
    assert parsed.day is None and parsed.problem is problem, parsed


def test_an_appearance_date_may_be_ahead() -> None:
    assert parse_date("07.12.2026", TODAY, past_only=False).day == D(2026, 12, 7)
    # Without a year: the nearest one, next week's rather than last year's.
    assert parse_date("7.12", TODAY, past_only=False).day == D(2026, 12, 7)
    assert parse_date("15 января", TODAY, past_only=False).day == D(2027, 1, 15)
    assert parse_date("29.02.2028", TODAY, past_only=False).day == D(2028, 2, 29)


def test_29_february_in_a_leap_year() -> None:
    assert parse_date("29.02", D(2028, 3, 10)).day == D(2028, 2, 29)


def test_today_is_moscow_s() -> None:
    # 22:30 UTC on 5 December is already 6 December in Moscow (UTC+3).
    late = dt.datetime(2026, 12, 5, 22, 30, tzinfo=dt.UTC)
    assert moscow_today(late) == D(2026, 12, 6)


@given(st.text(max_size=40))
def test_any_text_gives_a_date_or_a_problem_never_an_exception(text: str) -> None:
    parsed = parse_date(text, TODAY)
    assert (parsed.day is None) != (parsed.problem is None)
    if parsed.day is not None:
        assert parsed.day <= TODAY


@given(st.dates(min_value=D(2000, 1, 1), max_value=TODAY))
def test_every_past_date_written_three_ways_reads_back(day: dt.date) -> None:
    for text in (f"{day:%d.%m.%Y}", day.isoformat(), f"{day.day} {day:%B %Y}"):
        assert parse_date(text, TODAY).day == day, text


@pytest.mark.parametrize("text", ["📅 12.11", "12.11 👍", "1️⃣2️⃣.11", "\u200b12.11\u200b"])
def test_emoji_and_invisible_marks_around_a_date(text: str) -> None:
    assert parse_date(text, TODAY).day == D(2026, 11, 12), text


def test_a_picked_day_has_the_typed_bounds() -> None:
    from bot.services.typed_dates import check_day, last_day_allowed

    assert check_day(D(2099, 5, 1), TODAY, past_only=False).problem is Problem.OUT_OF_RANGE
    assert check_day(D(2026, 12, 7), TODAY).problem is Problem.FUTURE
    assert check_day(D(2028, 12, 31), TODAY, past_only=False).day == D(2028, 12, 31)
    # On 29 February the calendar's reach is still a day (it was replace(year=+2): no day).
    assert last_day_allowed(D(2028, 2, 29), past_only=False) == D(2030, 12, 31)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("12th November", D(2026, 11, 12)),
        ("12th of November", D(2026, 11, 12)),
        ("12 ноября 26", D(2026, 11, 12)),
        ("12ноября", D(2026, 11, 12)),
        ("12.11.2026г.", D(2026, 11, 12)),
        ("12.11.2026 г", D(2026, 11, 12)),
        ("12,11", D(2026, 11, 12)),
        ("12 11", D(2026, 11, 12)),
        ("12 11 2026", D(2026, 11, 12)),
        ("2026.11.12", D(2026, 11, 12)),
        ("2026/11/12", D(2026, 11, 12)),
        ("вчера вечером", D(2026, 12, 5)),
        ("сегодня утром", TODAY),
        ("yesterday evening", D(2026, 12, 5)),
        ("пару дней назад", D(2026, 12, 4)),
        ("десять дней назад", D(2026, 11, 26)),
        ("a couple of days ago", D(2026, 12, 4)),
        ("в понедельник", D(2026, 11, 30)),
        ("в субботу", D(2026, 12, 5)),
        ("во вторник", D(2026, 12, 1)),
        ("в прошлое воскресенье", D(2026, 11, 29)),  # today is Sunday: a week ago
        ("on Friday", D(2026, 12, 4)),
        ("last sunday", D(2026, 11, 29)),
    ],
)
def test_more_ways_people_type_a_date(text: str, day: dt.date) -> None:
    assert parse_date(text, TODAY).day == day, text


def test_a_weekday_with_two_readings_is_asked_again() -> None:
    # On Sunday, «в прошлый понедельник» is 30 November or 23 November.
    assert parse_date("в прошлый понедельник", TODAY).problem is Problem.WEEKDAY
    # On Wednesday 9 December «в прошлый четверг» has one reading: 3 December.
    assert parse_date("в прошлый четверг", D(2026, 12, 9)).day == D(2026, 12, 3)
    # A summons date may be ahead: «в понедельник» is last Monday or next Monday.
    assert parse_date("в понедельник", TODAY, past_only=False).problem is Problem.WEEKDAY
    assert parse_date("wedding", TODAY).problem is Problem.UNKNOWN
