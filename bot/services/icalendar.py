"""An iCalendar file (RFC 5545) of all-day events, built in memory with the standard library.

For the deadline calculator's "Add to my calendar": the bytes go straight into the Telegram
upload and are never written to disk. Nothing in the file names the person: each event's UID
is random, and the only times in it are the deadlines and the moment the file was made.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

PRODID = "-//Helpline//Deadlines//EN"
MAX_LINE_OCTETS = 75  # RFC 5545 3.1: lines longer than this are folded


@dataclass(frozen=True)
class AllDay:
    day: dt.date
    summary: str
    description: str


def escape_text(text: str) -> str:
    """TEXT values (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """One content line, folded at 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size = " ", 1  # a continuation line starts with one space
            limit = MAX_LINE_OCTETS
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def build_calendar(events: list[AllDay], now: dt.datetime) -> bytes:
    """The whole file: VCALENDAR with one VEVENT per deadline, CRLF line ends."""
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uuid.uuid4()}@helpline.invalid",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{event.day + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape_text(event.summary)}",
            f"DESCRIPTION:{escape_text(event.description)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
