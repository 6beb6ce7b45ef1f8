"""Deadlines that follow from a date, by the rules of legal-facts §15. Pure: no I/O, no aiogram.

§15's rule, obeyed throughout: «where the counting is UNVERIFIED, show the EARLIEST plausible
end as the deadline, say that the exact day is uncertain, and never tell a user that he still
has time on an uncertain last day». So every `Deadline` says whether its day is `certain`; an
uncertain one is the earliest day the rule could mean, and its text says so. The one-year
validity of a draft decision is the exception in direction: there the danger is to think it
over too early, so the day shown is the end the Civil Code rule gives and the text says the
decision may be carried out up to it.

Nothing here is stored or logged; the dates come from the person and go back to him.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from bot.content.calendar import WorkCalendar
from bot.services.typed_dates import moscow_today

REVIEWED = dt.date(2026, 12, 6)  # the day these rules were last checked against legal-facts §15


class Event(StrEnum):
    """What happened: each asks for its own dates (handlers.deadlines)."""

    ESUMMONS = "es"  # an electronic summons placed in the register
    PAPER = "ps"  # a paper summons with an appearance date
    DECISION = "dc"  # a draft-commission decision
    FINE = "fn"  # a fine under KoAP
    AGS = "ags"  # applying for alternative civilian service: no date needed
    SELF_REPORT = "sr"  # reporting without a summons: no date needed


class Counting(StrEnum):
    """How the days are counted, as a catalogue key's last part (dl-counting-...)."""

    CALENDAR_DAYS = "calendar-days"  # calendar days, from the next day (GK art. 191)
    CALENDAR_DAYS_FIRST = "calendar-days-first"  # calendar days, the first day counted as day 1
    SAME_DAY = "same-day"  # from the day itself, no counting
    MONTHS = "months"  # same date of the last month, or its last day (GK 192, KAS 93)
    YEAR = "year"  # same month and date of the next year (GK 192)
    DAYS_NEXT_WORKING = "days-next-working"  # calendar days, moved off a non-working day
    FIXED_DATE = "fixed-date"  # a date set in the law


class Kind(StrEnum):
    """Which date a deadline is; names its catalogue keys (dl-kind-...)."""

    DELIVERED = "delivered"
    EXIT_BAN = "exit-ban"
    LATEST_APPEARANCE = "latest-appearance"
    MEASURES = "measures"
    REGIONAL_APPEAL = "regional-appeal"
    VALID_UNTIL = "valid-until"
    COURT_CLAIM = "court-claim"
    FINE_APPEAL = "fine-appeal"
    AGS_APRIL = "ags-april"
    AGS_OCTOBER = "ags-october"
    SELF_REPORT = "self-report"


@dataclass(frozen=True)
class Deadline:
    """One date that follows, with its legal basis and how it was counted."""

    kind: Kind
    day: dt.date
    law: str  # the legal basis, neutral form ("53-FZ art. 7.1"); the texts say it per language
    facts: tuple[str, ...]  # legal-facts.md entries it rests on
    counting: Counting
    certain: bool  # False: the counting is UNVERIFIED and `day` is the earliest plausible end
    moved_from: dt.date | None = None  # the day it moved from (a non-working day)
    unknown_year: int | None = None  # a year without calendar data the day may move into

    @property
    def calendar_known(self) -> bool:
        return self.unknown_year is None


@dataclass(frozen=True)
class Dates:
    """What the person gave: the dates each rule counts from (None: not asked or skipped)."""

    placed: dt.date | None = None  # D: the summons placed in the register (15.1, 15.2)
    appearance: dt.date | None = None  # A: the appearance date in the summons (15.3)
    decided: dt.date | None = None  # R: the day the commission took the decision (15.4, 15.6)
    learned: dt.date | None = None  # L: the day he learned of it (15.5)
    fine_copy: dt.date | None = None  # F: the day he received the fine decision's copy (15.8)
    today: dt.date | None = None  # for the rules that count from the calendar year (15.7, 15.9)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same date `months` later, or that month's last day if it has no such date
    (Civil Code art. 192 p. 3, KAS art. 93 p. 1): 31 January + 1 month = 28/29 February."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def electronic_summons(placed: dt.date, appearance: dt.date | None) -> list[Deadline]:
    """15.1, 15.2 (and 15.3 when the appearance date is known)."""
    found = [
        Deadline(Kind.EXIT_BAN, placed, "53-FZ art. 7.1; 114-FZ art. 15.1", ("3.1",),
                 Counting.SAME_DAY, certain=True),
        # «спустя семь дней»: D + 7 under the next-day rule; D + 8 is the other reading.
        Deadline(Kind.DELIVERED, placed + dt.timedelta(days=7), "53-FZ art. 31",
                 ("2.1", "15.1"), Counting.CALENDAR_DAYS, certain=False),
        Deadline(Kind.LATEST_APPEARANCE, placed + dt.timedelta(days=30), "53-FZ art. 7.1",
                 ("2.4", "15.2"), Counting.CALENDAR_DAYS, certain=False),
    ]  # fmt: skip
    if appearance is not None:
        found.extend(missed_appearance(appearance))
    return sorted(found, key=lambda d: d.day)


def missed_appearance(appearance: dt.date) -> list[Deadline]:
    """15.3: measures may apply from A + 20 (A + 21 under the next-day rule: the earlier one)."""
    return [
        Deadline(Kind.MEASURES, appearance + dt.timedelta(days=20), "53-FZ art. 7.1",
                 ("3.2", "15.3"), Counting.CALENDAR_DAYS, certain=False),
    ]  # fmt: skip


def draft_decision(decided: dt.date, learned: dt.date | None) -> list[Deadline]:
    """15.4 and 15.6 from the day of the decision, 15.5 from the day he learned of it (the
    day of the decision when he does not know: the earlier start gives the earlier end)."""
    found = [
        # No weekend shift: whether one applies to this period was not confirmed (15.4).
        Deadline(Kind.REGIONAL_APPEAL, add_months(decided, 3), "53-FZ art. 28 p. 7",
                 ("6.1", "15.4"), Counting.MONTHS, certain=False),
        # KAS art. 92-93: months counted as above (VERIFIED); a weekend shift is not (15.5).
        Deadline(Kind.COURT_CLAIM, add_months(learned or decided, 3), "KAS art. 219 p. 1",
                 ("6.6", "15.5"), Counting.MONTHS, certain=True),
        Deadline(Kind.VALID_UNTIL, add_months(decided, 12), "53-FZ; Government decree of "
                 "August 2025", ("1.7", "15.6"), Counting.YEAR, certain=False),
    ]  # fmt: skip
    return sorted(found, key=lambda d: d.day)


def fine_appeal(received: dt.date, work_calendar: WorkCalendar) -> list[Deadline]:
    """15.8: F + 10 calendar days (KoAP art. 4.8), moved to the next working day when it falls
    on a non-working day. For a year without calendar data the day stays F + 10 (the earliest
    it can be) and says that it may move."""
    tenth = received + dt.timedelta(days=10)
    last, known = work_calendar.next_working(tenth)
    unknown_year = None if known else last.year  # `last`: the first day it could not judge
    if not known:
        last = tenth
    return [
        Deadline(
            Kind.FINE_APPEAL,
            last,
            "KoAP art. 30.3 p. 1; art. 4.8",
            ("3.10", "15.8"),
            Counting.DAYS_NEXT_WORKING,
            certain=known,
            moved_from=tenth if last != tenth else None,
            unknown_year=unknown_year,
        )
    ]


def ags_application(today: dt.date) -> list[Deadline]:
    """15.7: «до 1 апреля» / «до 1 октября», so 31 March and 30 September; the next of each."""
    march = dt.date(today.year, 3, 31)
    september = dt.date(today.year, 9, 30)
    if march < today:
        march = dt.date(today.year + 1, 3, 31)
    if september < today:
        september = dt.date(today.year + 1, 9, 30)
    found = [
        Deadline(Kind.AGS_APRIL, march, "113-FZ art. 11 p. 1", ("8.4", "15.7"),
                 Counting.FIXED_DATE, certain=False),
        Deadline(Kind.AGS_OCTOBER, september, "113-FZ art. 11 p. 1", ("8.4", "15.7"),
                 Counting.FIXED_DATE, certain=False),
    ]  # fmt: skip
    return sorted(found, key=lambda d: d.day)


# The dispatch windows (legal-facts 1.3) as (first month, first day, last month, last day).
DISPATCH_WINDOWS = ((4, 1, 7, 15), (10, 1, 12, 31))


def self_report(today: dt.date) -> list[Deadline]:
    """15.9: two weeks from the start of the dispatch period (1 April / 1 October for most
    men): 14 April / 14 October, counting the first day as day 1 (the earlier reading). The
    one still ahead, or today's; inside a dispatch window whose 14th is behind, that one too
    (shown as passed), so a man who missed it is not told only of the next one."""
    found: list[Deadline] = []
    for first_month, first_day, last_month, last_day in DISPATCH_WINDOWS:
        start = dt.date(today.year, first_month, first_day)
        end = dt.date(today.year, last_month, last_day)
        fourteenth = start + dt.timedelta(days=13)
        if fourteenth < today <= end:
            found.append(_self_report_day(fourteenth))
    for year in (today.year, today.year + 1):
        for month in (4, 10):
            day = dt.date(year, month, 14)
            if day >= today:
                return [*found, _self_report_day(day)]
    raise AssertionError("unreachable: 14 April of next year is always ahead")


def _self_report_day(day: dt.date) -> Deadline:
    return Deadline(Kind.SELF_REPORT, day, "53-FZ art. 31 p. 2.1", ("1.8", "15.9"),
                    Counting.CALENDAR_DAYS_FIRST, certain=False)  # fmt: skip


def deadlines(event: Event, dates: Dates, work_calendar: WorkCalendar) -> list[Deadline]:
    """Every date that follows from what the person gave for this event."""
    today = dates.today or moscow_today()  # not the machine's date: it runs in UTC
    if event is Event.ESUMMONS and dates.placed is not None:
        return electronic_summons(dates.placed, dates.appearance)
    if event is Event.PAPER and dates.appearance is not None:
        return missed_appearance(dates.appearance)
    if event is Event.DECISION and dates.decided is not None:
        return draft_decision(dates.decided, dates.learned)
    if event is Event.FINE and dates.fine_copy is not None:
        return fine_appeal(dates.fine_copy, work_calendar)
    if event is Event.AGS:
        return ags_application(today)
    if event is Event.SELF_REPORT:
        return self_report(today)
    return []
