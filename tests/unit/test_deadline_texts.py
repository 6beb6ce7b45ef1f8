"""The calculator's texts: every event, kind, counting and problem has its words in both
languages, and every answer is valid Telegram HTML that fits in one message."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config import REPO_ROOT
from bot.content.calendar import load_calendar
from bot.content.markup import MESSAGE_LIMIT, visible_length
from bot.content.telegram_html import parse_html
from bot.i18n import LANGUAGES, Tr, Translator
from bot.services.deadlines import Counting, Dates, Event, Kind, deadlines
from bot.services.typed_dates import Problem
from handlers.deadlines import render

TRANSLATOR = Translator.load(REPO_ROOT / "content" / "locales")
CALENDAR = load_calendar(REPO_ROOT / "content")
TODAY = dt.date(2026, 12, 6)
D = dt.date
EVERY_DATE = {
    Event.ESUMMONS: {"placed": D(2026, 11, 29), "appearance": D(2026, 12, 20)},
    Event.PAPER: {"appearance": D(2026, 12, 20)},
    Event.DECISION: {"decided": D(2026, 11, 30), "learned": D(2026, 12, 2)},
    Event.FINE: {"fine_copy": D(2026, 11, 18)},
    Event.AGS: {},
    Event.SELF_REPORT: {},
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_value_has_its_words(lang: str) -> None:
    keys = [f"dl-event-{e.value}" for e in Event] + [f"dl-title-{e.value}" for e in Event]
    for kind in Kind:
        keys += [f"dl-kind-{kind.value}", f"dl-basis-{kind.value}", f"dl-note-{kind.value}"]
    keys += [f"dl-counting-{c.value}" for c in Counting]
    keys += [f"dl-problem-{p.value}" for p in Problem]
    for key in keys:
        assert TRANSLATOR(lang, key).strip(), key


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("event", list(Event))
def test_every_answer_is_valid_html_within_one_message(lang: str, event: Event) -> None:
    given = EVERY_DATE[event]
    found = deadlines(event, Dates(**given, today=TODAY), CALENDAR)
    text = render(Tr(TRANSLATOR, lang), event, given, found, TODAY)
    parse_html(text)
    assert visible_length(text) <= MESSAGE_LIMIT
    for deadline in found:
        assert f"{deadline.day:%d.%m.%Y}" in text


def test_no_research_notes_in_the_answers() -> None:
    """Hedges for a frightened reader, not notes to ourselves (issue #15)."""
    banned = ("мы не проверили", "мы не знаем", "не смогли", "we could not", "we do not know")
    for lang in LANGUAGES:
        tr = Tr(TRANSLATOR, lang)
        for event, given in EVERY_DATE.items():
            found = deadlines(event, Dates(**given, today=TODAY), CALENDAR)
            text = render(tr, event, given, found, TODAY).casefold()
            assert not [b for b in banned if b in text], (lang, event)


def test_every_offered_appeal_says_it_does_not_stop_dispatch() -> None:
    for lang, words in (("ru", "не останавливает отправку"), ("en", "does not stop dispatch")):
        tr = Tr(TRANSLATOR, lang)
        given = EVERY_DATE[Event.DECISION]
        found = deadlines(Event.DECISION, Dates(**given, today=TODAY), CALENDAR)
        assert words in render(tr, Event.DECISION, given, found, TODAY)
