"""Dates as people type them: «вчера», «3 дня назад», «12.11», «12 ноября», "yesterday", ISO.

`parse_date` never guesses between two readings: "11/12" could be 11 December or 12 November,
so it is `AMBIGUOUS` and the person is asked again (or uses the calendar keyboard). A date the
question rules out (a future one where only the past makes sense) is `FUTURE`, not accepted.
"Today" is the caller's: the bot's rule is Moscow time (bot.services.local_time).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from bot.services.local_time import MOSCOW, zone

EARLIEST_YEAR = 2000  # older dates cannot matter to a deadline here
FUTURE_YEARS = 2  # how far ahead an appearance date may be


class Problem(StrEnum):
    UNKNOWN = "unknown"  # not a date in any form we read
    NO_SUCH_DAY = "no-such-day"  # 31.02, 30 February
    AMBIGUOUS = "ambiguous"  # two readings (11/12)
    FUTURE = "future"  # in the future, where only the past makes sense
    OUT_OF_RANGE = "out-of-range"  # before 2000 or years ahead
    WEEKDAY = "weekday"  # «в прошлый понедельник» when this week's Monday is also past


@dataclass(frozen=True)
class Parsed:
    day: dt.date | None
    problem: Problem | None = None


MONTHS = {
    # Russian stems (any case ending: «ноября», «ноябрь», «ноя»), English names and short forms.
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "мая": 5, "май": 5, "мае": 5, "июн": 6, "июл": 7,
    "авг": 8, "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
WORDS = {
    "сегодня": 0, "today": 0, "вчера": 1, "yesterday": 1, "позавчера": 2,
    "day before yesterday": 2, "the day before yesterday": 2,
}  # fmt: skip
_NUMBER_WORDS = {
    "один": 1, "одну": 1, "одна": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5,
    "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10, "пару": 2, "пара": 2,
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "couple of": 2,
}  # fmt: skip
WEEKDAYS = {
    # Stems of every case («в понедельник», «во вторник», «в среду», «в пятницу»…).
    "понед": 0, "вторн": 1, "сред": 2, "четв": 3, "пятн": 4, "суббот": 5, "воскр": 6,
}  # fmt: skip
WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Words after a day that say nothing about the date: «вчера вечером», "yesterday morning".
_TIME_OF_DAY = re.compile(
    r"\s+(?:утром|днем|вечером|ночью|в обед|morning|afternoon|evening|night|at night)$"
)
_WEEKDAY = re.compile(r"^(?:(?:в|во|on)\s+)?(?P<last>(?:прошл\w*|last)\s+)?(?P<day>[a-zа-я]+)$")
_AGO = re.compile(
    r"^(?:(?P<n>\d{1,3}|[a-zа-я]+|a couple of|couple of)\s+)?"
    r"(?P<unit>дн\w*|день|недел\w*|days?|weeks?)\s+(?:назад|ago)$"
)
# «12.11», «12/11/26», «12-11-2026», «12,11», «12 11 2026», «2026.11.12», «12.11.2026 г.»
_YEAR_WORD = r"(?:\s*г(?:ода?)?\.?)?"
_NUMERIC = re.compile(r"^(\d{1,4})([./, -])(\d{1,2})(?:\2(\d{2,4}))?" + _YEAR_WORD + "$")
# «12 ноября», «12ноября 26», «12 ноября 2026 г.», "12th of November 2026"
_NAMED = re.compile(
    r"^(\d{1,2})(?:st|nd|rd|th)?\s*(?:of\s+)?([a-zа-я]+)\.?,?(?:\s+(\d{4}|\d{2}))?"
    + _YEAR_WORD
    + "$"
)
_NAMED_EN = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?(?:\s+(\d{4}))?$")


def moscow_today(now: dt.datetime | None = None) -> dt.date:
    """Today in Moscow: the bot does not know where the person is (and does not ask)."""
    moment = now or dt.datetime.now(dt.UTC)
    return moment.astimezone(zone(MOSCOW)).date()


def parse_date(text: str, today: dt.date, *, past_only: bool = True) -> Parsed:
    """The date `text` names, or why it names none we can use."""
    clean = " ".join(_letters(text).casefold().replace("ё", "е").split()).strip(" .!?")
    if not clean:
        return Parsed(None, Problem.UNKNOWN)
    found = _relative(clean, today, past_only)
    if found is None:
        found = _absolute(clean, today, past_only)
    if found.day is None:
        return found
    return _in_range(found.day, today, past_only)


# Emoji, their modifiers and invisible format marks: a phone keyboard adds them around a date.
_SYMBOLS = frozenset({"So", "Sk", "Co", "Cn"})  # read as a space
_MARKS = frozenset({"Cf", "Mn", "Me"})  # dropped: a keycap "1️⃣" is the digit 1


def _letters(text: str) -> str:
    """`text` without emoji and invisible marks ("📅 12.11 👍" reads as "12.11")."""
    normal = unicodedata.normalize("NFC", text)
    kept = (c for c in normal if unicodedata.category(c) not in _MARKS)
    return "".join(" " if unicodedata.category(c) in _SYMBOLS else c for c in kept)


def check_day(day: dt.date, today: dt.date, *, past_only: bool = True) -> Parsed:
    """The same bounds for a day picked in the calendar (its button data can be forged)."""
    return _in_range(day, today, past_only)


def last_day_allowed(today: dt.date, *, past_only: bool) -> dt.date:
    """The latest day a question accepts: today, or the end of the last year ahead allowed."""
    return today if past_only else dt.date(today.year + FUTURE_YEARS, 12, 31)


def _in_range(day: dt.date, today: dt.date, past_only: bool) -> Parsed:
    if day.year < EARLIEST_YEAR or day.year > today.year + FUTURE_YEARS:
        return Parsed(None, Problem.OUT_OF_RANGE)
    if past_only and day > today:
        return Parsed(None, Problem.FUTURE)
    return Parsed(day)


def _relative(clean: str, today: dt.date, past_only: bool) -> Parsed | None:
    clean = _TIME_OF_DAY.sub("", clean)
    if clean in WORDS:
        return Parsed(today - dt.timedelta(days=WORDS[clean]))
    match = _AGO.match(clean)
    if match is None:
        return _weekday(clean, today, past_only)
    raw = match["n"] or "1"
    count = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw)
    if count is None:
        return Parsed(None, Problem.UNKNOWN)
    unit = match["unit"]
    days = count * 7 if unit.startswith(("недел", "week")) else count
    return Parsed(today - dt.timedelta(days=days))


def _weekday(clean: str, today: dt.date, past_only: bool) -> Parsed | None:
    """«в понедельник»: the last Monday before today; «в прошлый понедельник»: last week's,
    unless this week's is past too. Two readings are asked again: that case, and a plain
    «в понедельник» where the date may be ahead (last Monday or next?)."""
    match = _WEEKDAY.match(clean)
    if match is None:
        return None
    name = match["day"]
    weekday = next((n for stem, n in WEEKDAYS.items() if name.startswith(stem)), None)
    if weekday is None:
        english = [n for n, full in enumerate(WEEKDAYS_EN) if name in (full, full[:3])]
        if not english:
            return None
        weekday = english[0]
    if match["last"] and weekday < today.weekday():
        return Parsed(None, Problem.WEEKDAY)  # this week's Monday, or the one before?
    if not match["last"] and not past_only:
        return Parsed(None, Problem.WEEKDAY)  # the Monday before, or the next one?
    back = (today.weekday() - weekday) % 7 or 7  # 1..7 days before today
    return Parsed(today - dt.timedelta(days=back))


def _absolute(clean: str, today: dt.date, past_only: bool) -> Parsed:
    numeric = _NUMERIC.match(clean)
    if numeric is not None:
        return _numeric(numeric, today, past_only)
    named = _NAMED.match(clean)
    if named is not None:
        return _named(named[1], named[2], named[3], today, past_only)
    named = _NAMED_EN.match(clean)
    if named is not None:
        return _named(named[2], named[1], named[3], today, past_only)
    return Parsed(None, Problem.UNKNOWN)


def _numeric(match: re.Match[str], today: dt.date, past_only: bool) -> Parsed:
    first, separator, second, year_text = match.groups()
    if len(first) == 4:  # ISO: 2026-11-12 (the regex gave "2026", "11", then the day)
        if year_text is None or len(year_text) > 2 or separator in ", ":
            return Parsed(None, Problem.UNKNOWN)
        return _make(int(first), int(second), int(year_text))
    day, month = int(first), int(second)
    if separator == "/" and day <= 12 and month <= 12 and day != month:
        return Parsed(None, Problem.AMBIGUOUS)  # 11/12: day first or month first?
    if year_text is None:
        return _without_year(day, month, today, past_only)
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000
    elif len(year_text) != 4:
        return Parsed(None, Problem.UNKNOWN)
    return _make(year, month, day)


def _named(day_text: str, month_text: str, year_text: str | None, today: dt.date,
           past_only: bool) -> Parsed:  # fmt: skip
    month = MONTHS.get(month_text[:3])
    if month is None:
        return Parsed(None, Problem.UNKNOWN)
    if year_text is None:
        return _without_year(int(day_text), month, today, past_only)
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)  # «12 ноября 26»
    return _make(year, month, int(day_text))


def _make(year: int, month: int, day: int) -> Parsed:
    try:
        return Parsed(dt.date(year, month, day))
    except ValueError:
        return Parsed(None, Problem.NO_SUCH_DAY if 1 <= month <= 12 else Problem.UNKNOWN)


def _without_year(day: int, month: int, today: dt.date, past_only: bool) -> Parsed:
    """«12.11»: this year's, last year's or next year's, whichever the question allows and is
    nearest to today (the latest one not after today, where only the past makes sense)."""
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        made = _make(year, month, day)
        if made.day is not None and not (past_only and made.day > today):
            candidates.append(made.day)
    if not candidates:
        # 29.02 in a run of years without one, or 31.04: say which.
        return (
            _make(today.year, month, day)
            if _make(2024, month, day).day is None
            else Parsed(None, Problem.NO_SUCH_DAY)
        )
    return Parsed(min(candidates, key=lambda d: abs((d - today).days)))
