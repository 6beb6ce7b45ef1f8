"""Turning what a person typed or pressed into the words a document carries.

Answers live only in the memory-only draft storage while the form is open; nothing here
stores or logs them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping

from bot.documents.templates import MAX_TEXT, Question, Template
from bot.services.typed_dates import parse_date as parse_typed_date

DATE_RE = re.compile(r"^\s*(\d{1,2})[./\-\s](\d{1,2})[./\-\s](\d{4})\s*(?:г\.?|года?)?\s*$")
EARLIEST_YEAR = 2000  # a date in a conscription document; earlier is a typo
SAMPLE_DATE = "15.03.2026"
SAMPLE_REGION = "Республика Татарстан"
SAMPLE_TEXT = "[Пример ответа: здесь будет текст, который человек напишет боту своими словами.]"


def parse_date(text: str, today: dt.date) -> str | None:
    """DD.MM.YYYY (dots, slashes, dashes or spaces) of a real day not after tomorrow (the
    person's today may be Moscow's tomorrow), or a past date as /deadlines reads it («вчера»,
    «12.11», «12 ноября», «3 дня назад»; never an ambiguous one), written back as DD.MM.YYYY;
    None for anything else."""
    match = DATE_RE.match(text)
    if match is None:
        typed = parse_typed_date(text, today).day
        return None if typed is None else f"{typed:%d.%m.%Y}"
    day, month, year = (int(part) for part in match.groups())
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None
    if date.year < EARLIEST_YEAR or date > today + dt.timedelta(days=1):
        return None
    return f"{date:%d.%m.%Y}"


def _printable(char: str) -> str:
    """A tab is a space; other control and format characters (NUL, vertical tab, bidi marks,
    zero-width spaces) go: python-docx refuses control characters, the PDF font has no glyph
    for either, and neither belongs in a paper document."""
    if char in "\n\t":
        return " " if char == "\t" else char
    return "" if unicodedata.category(char) in ("Cc", "Cf") else char


def clean_text(text: str) -> str | None:
    """A typed answer as a document paragraph: trimmed, printable, no runs of empty lines
    (they would split the paragraph), at most MAX_TEXT characters; None when nothing is
    left."""
    text = "".join(_printable(char) for char in text.replace("\r\n", "\n"))
    lines = [line.rstrip() for line in text.strip().split("\n")]
    joined = "\n".join(line for line in lines if line.strip())
    return joined[:MAX_TEXT] or None


def sample_answers(template: Template, variant: int) -> dict[str, str | None]:
    """Answers for a reviewer's render: option `variant` of every choice (the last one when
    a question has fewer), a sample date, region and text."""
    answers: dict[str, str | None] = {}
    for question in template.questions:
        answers[question.id] = _sample(question, variant)
    return answers


def _sample(question: Question, variant: int) -> str:
    if question.kind == "choice":
        return question.options[min(variant, len(question.options) - 1)].text
    return {"date": SAMPLE_DATE, "region": SAMPLE_REGION}.get(question.kind, SAMPLE_TEXT)


def variants(template: Template) -> int:
    """How many renders show every option of every choice at least once."""
    return max((len(q.options) for q in template.questions), default=1) or 1


def answered(template: Template, raw: Mapping[str, object]) -> dict[str, str | None]:
    """The draft's answers for `template`'s questions (a missing or odd value: left blank)."""
    return {
        q.id: value if isinstance(value := raw.get(q.id), str) else None for q in template.questions
    }
