"""The deadline rules of legal-facts §15, on tricky dates, with the real calendar file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from bot.content.calendar import WorkCalendar, load_calendar
from bot.content.faq import ContentError
from bot.services.deadlines import (
    Counting,
    Dates,
    Deadline,
    Event,
    Kind,
    add_months,
    ags_application,
    deadlines,
    draft_decision,
    electronic_summons,
    fine_appeal,
    missed_appearance,
    self_report,
)

CALENDAR = load_calendar(REPO_ROOT / "content")
D = dt.date


def by_kind(found: list[Deadline]) -> dict[Kind, Deadline]:
    return {d.kind: d for d in found}


# --- the month rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2026, 3, 15), 3, D(2026, 6, 15)),  # legal-facts 15.4's own example
        (D(2027, 1, 31), 1, D(2027, 2, 28)),  # no 31 February: the month's last day
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # a leap year
        (D(2026, 11, 30), 3, D(2027, 2, 28)),  # across the end of a year
        (D(2026, 10, 31), 3, D(2027, 1, 31)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # 29 February + a year
        (D(2026, 12, 31), 12, D(2027, 12, 31)),
    ],
)
def test_months_end_on_the_same_date_or_the_month_s_last_day(
    start: dt.date, months: int, end: dt.date
) -> None:
    assert add_months(start, months) == end


# --- 15.1-15.3: summonses ---------------------------------------------------------------------


def test_electronic_summons_dates_follow_from_placement() -> None:
    found = by_kind(electronic_summons(D(2026, 11, 20), None))
    assert found[Kind.EXIT_BAN].day == D(2026, 11, 20)
    assert found[Kind.EXIT_BAN].certain
    delivered = found[Kind.DELIVERED]
    assert delivered.day == D(2026, 11, 27)
    assert not delivered.certain  # D + 7 or D + 8: the earlier one
    assert delivered.counting is Counting.CALENDAR_DAYS
    assert found[Kind.LATEST_APPEARANCE].day == D(2026, 12, 20)
    assert Kind.MEASURES not in found


def test_electronic_summons_across_the_end_of_the_year() -> None:
    found = by_kind(electronic_summons(D(2026, 12, 28), D(2027, 1, 20)))
    assert found[Kind.DELIVERED].day == D(2027, 1, 4)
    assert found[Kind.LATEST_APPEARANCE].day == D(2027, 1, 27)
    assert found[Kind.MEASURES].day == D(2027, 2, 9)


def test_measures_may_apply_from_the_twentieth_day_the_earlier_reading() -> None:
    (measures,) = missed_appearance(D(2026, 2, 9))
    assert measures.day == D(2026, 3, 1)  # 20 calendar days, not A + 21; weekends count
    assert not measures.certain
    assert measures.facts == ("3.2", "15.3")
    assert "7.1" in measures.law


def test_a_weekend_does_not_move_summons_dates() -> None:
    # 15.1-15.3 count calendar days and move nothing: placed on a Saturday, delivered a
    # Saturday later.
    found = by_kind(electronic_summons(D(2026, 12, 5), None))
    assert found[Kind.DELIVERED].day == D(2026, 12, 12)


# --- 15.4-15.6: a draft decision --------------------------------------------------------------


def test_decision_deadlines() -> None:
    found = by_kind(draft_decision(D(2026, 11, 30), D(2026, 12, 2)))
    regional = found[Kind.REGIONAL_APPEAL]
    assert regional.day == D(2027, 2, 28)
    assert regional.counting is Counting.MONTHS
    assert not regional.certain
    court = found[Kind.COURT_CLAIM]
    assert court.day == D(2027, 3, 2)  # from the day he learned
    assert court.certain  # KAS art. 92-93: VERIFIED
    valid = found[Kind.VALID_UNTIL]
    assert valid.day == D(2027, 11, 30)
    assert not valid.certain


def test_regional_appeal_is_not_moved_off_a_weekend() -> None:
    # 13 March 2027 is a Saturday: 15.4 applies no weekend shift.
    found = by_kind(draft_decision(D(2026, 12, 13), None))
    assert found[Kind.REGIONAL_APPEAL].day == D(2027, 3, 13)
    assert found[Kind.REGIONAL_APPEAL].day.weekday() == 5


def test_without_the_day_he_learned_the_court_period_counts_from_the_decision() -> None:
    found = by_kind(draft_decision(D(2026, 8, 31), None))
    assert found[Kind.COURT_CLAIM].day == D(2026, 11, 30)


def test_decision_of_29_february() -> None:
    found = by_kind(draft_decision(D(2028, 2, 29), None))
    assert found[Kind.VALID_UNTIL].day == D(2029, 2, 28)
    assert found[Kind.REGIONAL_APPEAL].day == D(2028, 5, 29)


# --- 15.8: a fine, with the calendar ----------------------------------------------------------


def test_fine_appeal_on_a_working_day_is_f_plus_10() -> None:
    (appeal,) = fine_appeal(D(2026, 11, 20), CALENDAR)
    assert appeal.day == D(2026, 11, 30)  # a Monday
    assert appeal.certain and appeal.moved_from is None and appeal.calendar_known


def test_fine_appeal_moves_off_a_weekend() -> None:
    (appeal,) = fine_appeal(D(2026, 11, 18), CALENDAR)  # F + 10 = Saturday 28 November
    assert appeal.day == D(2026, 11, 30)
    assert appeal.moved_from == D(2026, 11, 28)
    assert appeal.certain


def test_fine_appeal_moves_off_the_may_holidays() -> None:
    (appeal,) = fine_appeal(D(2026, 4, 29), CALENDAR)  # F + 10 = Saturday 9 May 2026
    assert appeal.day == D(2026, 5, 12)  # 9-11 May are days off (11 May: moved Victory Day)
    assert appeal.moved_from == D(2026, 5, 9)


def test_fine_appeal_moves_off_a_transferred_day_off() -> None:
    (appeal,) = fine_appeal(D(2025, 12, 21), CALENDAR)  # F + 10 = 31 December 2025 (moved)
    assert appeal.day == D(2026, 1, 12)  # 1-11 January 2026 are days off
    assert appeal.certain


def test_a_working_saturday_is_a_working_day() -> None:
    (appeal,) = fine_appeal(D(2025, 10, 22), CALENDAR)  # F + 10 = Saturday 1 November 2025
    assert appeal.day == D(2025, 11, 1)
    assert appeal.moved_from is None


def test_fine_appeal_into_a_year_without_calendar_data_stays_at_f_plus_10() -> None:
    # 31 December 2026 is a day off; the next working day would be in 2027, which the file
    # does not have: the earliest day stays, and the answer says it may move.
    (appeal,) = fine_appeal(D(2026, 12, 21), CALENDAR)
    assert appeal.day == D(2026, 12, 31)
    assert not appeal.calendar_known and not appeal.certain
    assert appeal.unknown_year == 2027
    (later,) = fine_appeal(D(2027, 3, 1), CALENDAR)
    assert later.day == D(2027, 3, 11) and not later.calendar_known


def test_an_empty_calendar_knows_no_year() -> None:
    (appeal,) = fine_appeal(D(2026, 11, 18), WorkCalendar())
    assert appeal.day == D(2026, 11, 28) and not appeal.calendar_known


# --- 15.7, 15.9 ---------------------------------------------------------------------------------


def test_ags_deadlines_are_31_march_and_30_september() -> None:
    assert [d.day for d in ags_application(D(2026, 12, 6))] == [D(2027, 3, 31), D(2027, 9, 30)]
    assert [d.day for d in ags_application(D(2027, 3, 31))] == [D(2027, 3, 31), D(2027, 9, 30)]
    assert [d.day for d in ags_application(D(2027, 4, 1))] == [D(2027, 9, 30), D(2028, 3, 31)]
    assert not any(d.certain for d in ags_application(D(2027, 1, 1)))


def test_self_report_is_14_april_or_14_october() -> None:
    assert self_report(D(2026, 12, 6))[-1].day == D(2027, 4, 14)
    assert self_report(D(2027, 4, 14))[0].day == D(2027, 4, 14)
    assert self_report(D(2027, 4, 15))[-1].day == D(2027, 10, 14)
    assert self_report(D(2027, 4, 15))[0].counting is Counting.CALENDAR_DAYS_FIRST


def test_every_deadline_names_its_law_and_facts() -> None:
    today = D(2026, 12, 6)
    cases = [
        (Event.ESUMMONS, Dates(placed=D(2026, 12, 1), appearance=D(2026, 12, 20))),
        (Event.PAPER, Dates(appearance=D(2026, 12, 20))),
        (Event.DECISION, Dates(decided=D(2026, 12, 1), learned=D(2026, 12, 3))),
        (Event.FINE, Dates(fine_copy=D(2026, 12, 1))),
        (Event.AGS, Dates()),
        (Event.SELF_REPORT, Dates()),
    ]
    for event, dates in cases:
        found = deadlines(event, Dates(**{**dates.__dict__, "today": today}), CALENDAR)
        assert found, event
        for deadline in found:
            assert deadline.law and deadline.facts and all("." in f for f in deadline.facts)


def test_without_its_date_an_event_gives_nothing() -> None:
    assert deadlines(Event.FINE, Dates(), CALENDAR) == []


# --- the calendar file ------------------------------------------------------------------------


def test_the_calendar_file_cites_a_decree_for_each_year() -> None:
    assert set(CALENDAR.years) == {2025, 2026}
    for year in CALENDAR.years.values():
        assert "Правительства" in year.decree and year.sources
    assert CALENDAR.is_working(D(2026, 1, 9)) is False  # moved from 3 January
    assert CALENDAR.is_working(D(2026, 1, 12)) is True
    assert CALENDAR.is_working(D(2027, 1, 12)) is None


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "calendar").mkdir()
    (tmp_path / "calendar" / "ru-nonworking.toml").write_text(text, encoding="utf-8")
    return tmp_path


GOOD_2026 = """
[[year]]
year = 2026
decree = "Постановление Правительства РФ от 24.09.2025"
sources = ["https://example.org/a"]
days_off = ["2026-01-01", "2026-01-02", "2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08",
            "2026-02-23", "2026-03-09", "2026-05-01", "2026-05-11", "2026-06-12", "2026-11-04"]
working_weekends = []
checked = 2026-12-06
"""


def test_a_valid_file_loads(tmp_path: Path) -> None:
    assert load_calendar(_write(tmp_path, GOOD_2026)).knows(2026)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (('"2026-11-04"]', '"2026-11-07"]'), "2026-11-07 is a Saturday"),
        (('"2026-11-04"]', "]"), "2026-11-04 is a public holiday"),
        (("working_weekends = []", 'working_weekends = ["2026-11-05"]'), "is a weekday"),
        (('decree = "Постановление Правительства РФ от 24.09.2025"', 'decree = ""'), "decree"),
        (('["https://example.org/a"]', "[]"), "sources"),
        (("checked = 2026-12-06", ""), "checked"),
        (('"2026-06-12"', '"2025-06-12"'), "outside 2026"),
        (('"2026-06-12"', '"12.06.2026"'), "not a YYYY-MM-DD"),
    ],
)
def test_check_finds_mistakes_in_the_calendar_file(
    tmp_path: Path, change: tuple[str, str], problem: str
) -> None:
    text = GOOD_2026.replace(*change)
    assert text != GOOD_2026
    with pytest.raises(ContentError) as raised:
        load_calendar(_write(tmp_path, text))
    assert any(problem in p for p in raised.value.problems), raised.value.problems


def test_a_year_listed_twice_is_a_mistake(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="twice"):
        load_calendar(_write(tmp_path, GOOD_2026 + GOOD_2026))


def test_broken_toml_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="not valid TOML"):
        load_calendar(_write(tmp_path, "[[year]\n"))


def test_no_calendar_file_is_a_calendar_without_years(tmp_path: Path) -> None:
    assert load_calendar(tmp_path).years == {}
