"""Numbers meet nouns through Fluent's plural selectors: «34 ответов», «1 people» and «from 1
independent reporters» were each a message that put a number before a fixed noun."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fluent.syntax import FluentParser, ast

from bot.config import REPO_ROOT
from bot.services.team import rule_weaknesses
from tests.support.parsed_content import parsed_translator

LOCALES = REPO_ROOT / "content" / "locales"
TRANSLATOR = parsed_translator(LOCALES)

# Russian's three forms for 1, 2, 5, 11, 21, 22, 25 (CLDR: one, few, many).
RU_NUMBERS = {1: 0, 2: 1, 5: 2, 11: 2, 21: 0, 22: 1, 25: 2}
EN_NUMBERS = {1: 0, 2: 1}

# key, the number's variable, the other arguments, Russian forms (one, few, many), English
# forms (one, other); "N" stands for the number.
CASES: list[tuple[str, str, dict[str, object], tuple[str, str, str], tuple[str, str]]] = [
    (
        "reload-ok",
        "entries",
        {},
        ("N ответ.", "N ответа.", "N ответов."),
        ("N answer.", "N answers."),
    ),
    (
        "mod-group-button",
        "reporters",
        {"region": "R", "window": "W", "reports": 3},
        ("/ N человек", "/ N человека", "/ N человек"),
        ("/ N person", "/ N people"),
    ),
    (
        "mod-group",
        "reporters",
        {"region": "R", "window": "W", "reports": 3, "places": "P"},
        ("авторов: N", "авторов: N", "авторов: N"),
        ("from N independent reporter (", "from N independent reporters ("),
    ),
    (
        "mod-withdrawn",
        "copies",
        {},
        ("исправлению — N.", "исправлению — N.", "исправлению — N."),
        ("N delivered copy will", "N delivered copies will"),
    ),
    (
        "mod-sending",
        "recipients",
        {},
        ("подписчикам: N…", "подписчикам: N…", "подписчикам: N…"),
        ("to N subscriber…", "to N subscribers…"),
    ),
    (
        "admin-invite",
        "hours",
        {"alias": "a", "link": "l"},
        ("действует N час:", "действует N часа:", "действует N часов:"),
        ("valid for N hour:", "valid for N hours:"),
    ),
    (
        "audit-rechained",
        "entries",
        {},
        ("записей: N)", "записей: N)", "записей: N)"),
        ("(N earlier entry)", "(N earlier entries)"),
    ),
    (
        "audit-legacy-broken",
        "entries",
        {"seq": "7"},
        ("записей: N)", "записей: N)", "записей: N)"),
        ("(N entry)", "(N entries)"),
    ),
    (
        "audit-rekeyed",
        "entries",
        {},
        ("ключами (N)", "ключами (N)", "ключами (N)"),
        ("the N audit log entry written", "the N audit log entries written"),
    ),
    (
        "notice-group-rejected",
        "count",
        {"alias": "a", "region": "R", "window": "W", "reason": "x"},
        ("N сообщение из", "N сообщения из", "N сообщений из"),
        ("N report from", "N reports from"),
    ),
    (
        "announce-prompt",
        "needed",
        {"limit": 3000},
        (
            "одобрит N человек (это можете быть вы).",
            "одобрят N разных человека (вы можете быть одним из них).",
            "одобрят N разных человек (вы можете быть одним из них).",
        ),
        ("once N person (it may be you) has approved", "once N different people (you may"),
    ),
    (
        "announce-prompt",
        "limit",
        {"needed": 2},
        ("до N символа,", "до N символов,", "до N символов,"),
        ("up to N character,", "up to N characters,"),
    ),
    (
        "announce-too-long",
        "length",
        {"limit": 3000},
        ("длинно: N символ,", "длинно: N символа,", "длинно: N символов,"),
        ("Too long: N character,", "Too long: N characters,"),
    ),
    (
        "announce-preview",
        "needed",
        {"text": "t"},
        ("одобрит N человек;", "одобрят N человека;", "одобрят N человек;"),
        ("once N person has approved", "once N people have approved"),
    ),
    (
        "mod-announcement-rules",
        "needed",
        {},
        ("одобрит N человек.", "одобрят N разных человека.", "одобрят N разных человек."),
        ("once N person has approved", "once N different people have approved"),
    ),
    (
        "admin-moderators",
        "needed",
        {"count": 3, "admins": 1},
        ("разных людей: N.", "разных людей: N.", "разных людей: N."),
        ("needs N approval.", "needs N approvals from different people."),
    ),
    (
        "report-text",
        "limit",
        {},
        ("До N символа.", "До N символов.", "До N символов."),
        ("Up to N character.", "Up to N characters."),
    ),
    (
        "report-text-too-long",
        "length",
        {"limit": 1000},
        ("длинно: N символ,", "длинно: N символа,", "длинно: N символов,"),
        ("Too long: N character,", "Too long: N characters,"),
    ),
    (
        "report-add-kept-too-long",
        "limit",
        {},
        ("длиннее N символа.", "длиннее N символов.", "длиннее N символов."),
        ("longer than N character.", "longer than N characters."),
    ),
    (
        "mod-locked-copies",
        "copies",
        {},
        ("остановки: N.", "остановки: N.", "остановки: N."),
        ("N decrypted report shown before the last stop is", "N decrypted reports shown"),
    ),
    (
        "mod-undone",
        "copies",
        {"id": "a1"},
        (
            "N разосланная копия возвращается",
            "N разосланные копии возвращаются",
            "N разосланных копий возвращаются",
        ),
        ("N delivered copy is", "N delivered copies are"),
    ),
]


@pytest.mark.parametrize(("key", "variable", "args", "ru", "en"), CASES, ids=[c[0] for c in CASES])
def test_a_number_takes_the_right_noun_form(
    key: str, variable: str, args: dict[str, object], ru: tuple[str, ...], en: tuple[str, ...]
) -> None:
    for lang, numbers, forms in (("ru", RU_NUMBERS, ru), ("en", EN_NUMBERS, en)):
        for number, form in numbers.items():
            text = TRANSLATOR(lang, key, **{**args, variable: number})
            expected = forms[form].replace("N", str(number))
            assert expected in text, (lang, number, text)


# Every variable of every message is a number or not; a new variable must be classified, so
# the check below cannot be dodged by a name it does not know.
NUMERIC = frozenset(
    [
        "outbox",
        "minutes",
        "idle",
        "needed",
        "count",
        "reports",
        "limit",
        "entries",
        "approvals",
        "report_days",
        "decided_days",
        "audit_days",
        "alert_days",
        "total",
        "seq",
        "sent",
        "failed",
        "dropped",
        "copies",
        "week",
        "day",
        "seconds",
        "reporters",
        "pending",
        "number",
        "length",
        "first",
        "last",
        "hours",
        "pages",
        "page",
        "groups",
        "drafts",
        "admins",
        "recipients",
        "still",
        "gone",
        "month",  # the deadline calculator's month names (a selector, no noun)
    ]
)
TEXT = frozenset(
    [
        "where",  # /documents: where and by when to file, and the warning, as sentences
        "deadline",
        "warning",
        "say",  # /sos: a phrase to say to officers, and the law it rests on
        "law",
        "address",  # a contact's site or Telegram handle
        "kinds",
        "date",
        "who",
        "keyring",
        "region",
        "alias",
        "id",
        "bot",
        "window",
        "value",
        "at",
        "when",
        "reviewed",
        "place",
        "sources",
        "regions",
        "reason",
        "places",
        "link",
        "hour",
        "by",
        "words",
        "what",
        "username",
        "topic",
        "time",
        "text",
        "status",
        "own",
        "name",
        "mode",
        "mac",
        "fingerprint",
        "contact",
        "area",
        "zone",
        "offset",
        "language",
        "dates",  # the deadline calculator: the dates given, as text
        "year",  # passed as text: a year is never "2 026"
    ]
)
# Words that may follow a number in any form: abbreviations, verbs that do not agree, "of".
INVARIANT = frozenset(
    [
        "min",
        "s",
        "sent",
        "delivered",
        "failed",
        "skipped",
        "left",
        "idle",
        "of",
        "rep",
        "мин",
        "с",
        "из",
        "сообщ",
    ]
)


def _messages() -> Iterator[tuple[str, str, ast.Message]]:
    for lang in ("ru", "en"):
        for path in sorted((LOCALES / lang).glob("*.ftl")):
            for entry in FluentParser().parse(path.read_text(encoding="utf-8")).body:
                if isinstance(entry, ast.Message):
                    yield lang, path.name, entry


def _bare_numbers(pattern: ast.Pattern, selected: frozenset[str]) -> Iterator[str]:
    """'$var word' where a number meets a word outside a selector on that number."""
    elements = pattern.elements
    for i, element in enumerate(elements):
        if not isinstance(element, ast.Placeable):
            continue
        inner = element.expression
        if isinstance(inner, ast.SelectExpression):
            chosen = selected
            if isinstance(inner.selector, ast.VariableReference):
                chosen = selected | {inner.selector.id.name}
            for variant in inner.variants:
                yield from _bare_numbers(variant.value, chosen)
            continue
        if not isinstance(inner, ast.VariableReference):
            continue
        name = inner.id.name
        after = elements[i + 1] if i + 1 < len(elements) else None
        if name not in NUMERIC or name in selected or not isinstance(after, ast.TextElement):
            continue
        words = after.value.lstrip(" ").split(maxsplit=1)
        word = words[0].rstrip(".,;:)") if words and words[0][:1].isalpha() else ""
        if word and word not in INVARIANT:
            yield f"${name} {word}"


def _variables(pattern: ast.Pattern) -> Iterator[str]:
    for element in pattern.elements:
        if isinstance(element, ast.Placeable):
            inner = element.expression
            if isinstance(inner, ast.VariableReference):
                yield inner.id.name
            elif isinstance(inner, ast.SelectExpression):
                if isinstance(inner.selector, ast.VariableReference):
                    yield inner.selector.id.name
                for variant in inner.variants:
                    yield from _variables(variant.value)


def test_no_number_meets_a_noun_without_a_selector() -> None:
    found = [
        f"{lang}/{name}: {entry.id.name}: {bare}"
        for lang, name, entry in _messages()
        if entry.value is not None
        for bare in _bare_numbers(entry.value, frozenset())
    ]
    assert found == []


def test_every_variable_is_classified() -> None:
    unknown = {
        f"{entry.id.name}: ${variable}"
        for _, _, entry in _messages()
        if entry.value is not None
        for variable in _variables(entry.value)
        if variable not in NUMERIC | TEXT
    }
    assert unknown == set()


def test_the_check_finds_a_bare_number() -> None:
    source = (
        "a = Loaded { $entries } answers.\n"
        "b = { $entries ->\n    [one] 1 answer\n   *[other] { $entries } answers\n}\n"
    )
    entries = [e for e in FluentParser().parse(source).body if isinstance(e, ast.Message)]
    found = [list(_bare_numbers(e.value, frozenset())) for e in entries if e.value is not None]
    assert found == [["$entries answers"], []]


def test_the_operator_is_told_who_can_approve_in_words() -> None:
    """`check` and the start-up log: not "only 0 person can approve"."""
    assert rule_weaknesses(2, 0)[0].startswith("nobody can approve")
    assert rule_weaknesses(2, 1)[0].startswith("only 1 person can approve")
    assert rule_weaknesses(2, 2) == []
