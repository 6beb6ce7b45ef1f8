"""The .ics file of the deadline calculator: RFC 5545 text, parsed back with a small reader."""

from __future__ import annotations

import datetime as dt

from bot.services.icalendar import AllDay, build_calendar, escape_text, fold

NOW = dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.UTC)


def unfold(data: bytes) -> list[str]:
    """RFC 5545 3.1: CRLF followed by one space or tab continues the previous line."""
    text = data.decode("utf-8")
    assert "\n" not in text.replace("\r\n", "")  # every line ends in CRLF
    return text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            nxt = next(chars)
            out.append("\n" if nxt in "nN" else nxt)
        else:
            out.append(char)
    return "".join(out)


def events(lines: list[str]) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            found.append(current)
            current = None
        elif current is not None:
            name, value = line.split(":", 1)
            current[name] = value
    return found


def test_the_file_parses_back() -> None:
    long = "Жалоба; в призывную комиссию, региона\n" + "очень длинное описание " * 10
    data = build_calendar(
        [
            AllDay(dt.date(2027, 2, 28), "Последний день: жалоба", long),
            AllDay(dt.date(2026, 12, 31), "Fine, appeal", "KoAP art. 30.3"),
        ],
        NOW,
    )
    raw = data.decode("utf-8").split("\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in raw)
    lines = unfold(data)
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"] and lines[-1] == "END:VCALENDAR"
    assert any(line.startswith("PRODID:") for line in lines)
    first, second = events(lines)
    assert first["DTSTART;VALUE=DATE"] == "20270228"
    assert first["DTEND;VALUE=DATE"] == "20270301"  # all-day: the end is exclusive
    assert unescape(first["SUMMARY"]) == "Последний день: жалоба"
    assert unescape(first["DESCRIPTION"]) == long
    assert second["DTSTART;VALUE=DATE"] == "20261231"
    assert second["DTEND;VALUE=DATE"] == "20270101"
    assert unescape(second["SUMMARY"]) == "Fine, appeal"
    assert first["DTSTAMP"] == "20261206T093000Z"
    assert first["UID"] != second["UID"]


def test_escaping_and_folding() -> None:
    assert escape_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"
    folded = fold("X:" + "я" * 100)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == "X:" + "я" * 100
