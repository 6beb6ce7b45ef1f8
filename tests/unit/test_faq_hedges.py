"""FAQ answers are written for a frightened reader, not as research notes (issue #15).

A person in danger needs to hear what is known, what is not settled and what to do anyway,
not that "we have not checked" something. And an entry that relies on a fact the fact base
corrected on 2026-12-05 must have been re-checked since. Run one entry's checks with
`-k admin-liability` (the test ids are the entry ids).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bot.config import REPO_ROOT
from bot.content.faq import Entry, FaqCatalog

CONTENT = REPO_ROOT / "content"
CATALOG = FaqCatalog.load(CONTENT)
IDS = CATALOG.ids()

# Research-note phrasing: first-person statements about what the authors did or did not check,
# read or find, and references to "our (fact) base". Each pattern is matched case-insensitively
# against an entry's title and body. "Это пока не подтверждено официально — поэтому …" is the
# wording to use instead.
RESEARCH_NOTES_RU = (
    r"\bне проверил[иа]?\b",
    r"\bне проверен[аоы]?\b",
    r"\bмы\b(?:\s+\S+){0,4}?\s+не\s+(?:знаем|читали|прочитали|нашли|подтвердили|смогли|можем)\b",
    r"\bне\s+знаем\b",  # «не прочитали» alone is also advice: «бумаги, которые не прочитали»
    r"\bподтвердить\s+(?:это\s+)?не\s+смогли\b",
    r"\bнашей\s+баз[еыу]\b",
    r"\bв\s+базе\s+нет\b",
    r"\bнасколько\s+нам\s+известно\b",
    # The same note said of the bot: «… бот не знает», «бот пока не знает».
    r"\bбот(?:\s+\S+){0,2}?\s+не\s+знает\b",
)
RESEARCH_NOTES_EN = (
    r"\bwe\s+(?:have\s+not|haven't|did\s+not|didn't|could\s+not|couldn't|cannot|can't|"
    r"do\s+not|don't)\s+(?:\w+\s+){0,2}?(?:check|verif|read|confirm|know|find|found|say)\w*",
    r"\bnot\s+(?:been\s+)?verified\b",
    r"\bcould\s+not\s+(?:be\s+)?(?:check|verif|confirm)\w*",
    r"\b(?:our|the)\s+fact\s+base\b",
    r"\bas\s+far\s+as\s+we\s+know\b",
    r"\bwhat\s+we\s+do\s+not\s+know\b",
    r"\bthe\s+bot\s+(?:does\s+not|doesn't)\s+(?:\w+\s+)?know\b",
    r"\bthe\s+bot\s+knows\s+of\s+no(?:ne)?\b",
)
PATTERNS = {
    "ru": [re.compile(p, re.IGNORECASE) for p in RESEARCH_NOTES_RU],
    "en": [re.compile(p, re.IGNORECASE) for p in RESEARCH_NOTES_EN],
}

# Fact ids that the fact base's changelog entry of 2026-12-05 corrected, clarified or replaced
# (shared/legal-facts.md, "Changelog"). An entry relying on one must be re-checked after that.
CORRECTED_FACTS = frozenset(
    [
        "1.7",
        "1.8",
        "3.2",
        "3.6",
        "3.10",
        "4.3",
        "5.2",
        "5.10",
        "6.1",
        "6.6",
        "6.7",
        "7.4",
        "7.5",
        "7.6",
        "9.4",
        "9.5",
        "11.6",
        "12.3",
        "12.9",
        "13.5",
    ]
)
CORRECTIONS_REVIEWED = dt.date(2026, 12, 6)


def research_notes(text: str, lang: str) -> list[str]:
    """The research-note phrases found in `text`, as written there."""
    return [m.group(0) for pattern in PATTERNS[lang] for m in pattern.finditer(text)]


def entries(entry_id: str) -> list[Entry]:
    found = [CATALOG.entry(lang, entry_id) for lang in ("ru", "en")]
    return [e for e in found if e is not None]


@pytest.mark.parametrize("entry_id", IDS)
def test_no_research_notes_in_answers(entry_id: str) -> None:
    problems = {
        f"{e.lang}/{e.id}.md": notes
        for e in entries(entry_id)
        if (notes := research_notes(f"{e.title}\n{e.body}", e.lang))
    }
    assert not problems, f"research notes left in the answer: {problems}"


@pytest.mark.parametrize("entry_id", IDS)
def test_entries_on_corrected_facts_were_reviewed_after_the_corrections(entry_id: str) -> None:
    for entry in entries(entry_id):
        corrected = sorted(set(entry.facts) & CORRECTED_FACTS)
        if corrected:
            assert entry.reviewed >= CORRECTIONS_REVIEWED, (
                f"{entry.lang}/{entry.id}.md cites corrected facts {corrected} "
                f"but was reviewed on {entry.reviewed}"
            )


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("ru", "Какие наказания по ней действуют сейчас, мы не проверили."),
        ("ru", "Номер этого закона мы подтвердить не смогли."),
        ("ru", "**Принят ли он, мы не знаем.**"),
        ("ru", "Новую формулировку мы сами не прочитали."),
        ("ru", "Как вставать на учёт, в нашей базе не проверено."),
        ("ru", "Статус не проверен, контакта в базе нет."),
        ("ru", "## Чего мы не знаем"),
        ("ru", "Законна ли отправка в тот же день, мы сказать не можем."),
        ("ru", "Что изменилось после февраля 2026 года, бот не знает."),
        ("ru", "Будет ли такой указ на 2027 год, бот пока не знает."),
        ("en", "We have not checked the penalties it currently sets."),
        ("en", "We could not confirm the number of this law."),
        ("en", "We do not know whether this bill became law."),
        ("en", "It is not verified in our fact base."),
        ("en", "As far as we know, it removes the chat."),
        ("en", "We cannot say whether same-day dispatch is lawful."),
        ("en", "The bot does not yet know whether a similar decree will follow."),
        ("en", "The bot knows of no law that obliges you to open the door."),
    ],
)
def test_research_notes_are_caught(lang: str, text: str) -> None:
    assert research_notes(text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("ru", "Если вы не смогли прийти по уважительной причине, сохраните документ."),
        ("ru", "Это пока не подтверждено официально — поэтому подайте жалобу сразу."),
        ("ru", "Вы можете не знать о повестке: она всё равно считается врученной."),
        ("ru", "Проверьте, нет ли повестки в реестре."),
        ("ru", "Не подписывайте документы, которые не прочитали."),
        ("en", "Police bring a man in because a summons could not be served."),
        ("en", "This is not officially confirmed yet, so file the complaint at once."),
        ("en", "Check the register before you travel."),
    ],
)
def test_plain_hedges_pass(lang: str, text: str) -> None:
    assert research_notes(text, lang) == []
