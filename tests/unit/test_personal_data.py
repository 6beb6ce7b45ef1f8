"""The personal-data detector: its test set both ways (ordinary raid reports stay quiet, texts
with a phone, a name, a flat… warn with the right kinds), and bounded work on hostile text."""

from __future__ import annotations

import itertools
import time
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.personal_data import PersonalDataKind, find_personal_data, kinds_of

ROOT = Path(__file__).resolve().parents[2]
TEST_SET = tomllib.loads((ROOT / "tests" / "data" / "personal_data.toml").read_text("utf-8"))


def test_the_test_set_is_big_enough_both_ways() -> None:
    assert len(TEST_SET["quiet"]) >= 30 and len(TEST_SET["warn"]) >= 30
    named = {kind for case in TEST_SET["warn"] for kind in case["kinds"]}
    assert named == {kind.value for kind in PersonalDataKind}  # every kind is tested


def test_ordinary_reports_do_not_warn() -> None:
    false_alarms = [
        f"{case['text']!r}: {[(f.kind.value, case['text'][f.start : f.end]) for f in found]}"
        for case in TEST_SET["quiet"]
        if (found := find_personal_data(case["text"]))
    ]
    assert not false_alarms, "\n".join(false_alarms)


def test_personal_data_warns_with_its_kinds() -> None:
    wrong = []
    for case in TEST_SET["warn"]:
        got = [kind.value for kind in kinds_of(find_personal_data(case["text"]))]
        if set(got) != set(case["kinds"]):
            wrong.append(f"{case['text']!r}: expected {case['kinds']}, got {got}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("звоните +7 (916) 123-45-67 вечером", "+7 (916) 123-45-67"),
        ("почта a.b@mail.ru и всё", "a.b@mail.ru"),
        ("кв. 12, второй этаж", "кв. 12"),
    ],
)
def test_a_finding_spans_what_was_found(text: str, fragment: str) -> None:
    [finding] = find_personal_data(text)
    assert text[finding.start : finding.end] == fragment


def test_typographic_dashes_and_spaces_count_as_plain_ones() -> None:
    """Phones pasted from elsewhere carry en dashes and no-break spaces; positions stay right."""
    text = "тел. 8\u00a0916\u00a0123\u201345\u201367"
    [finding] = find_personal_data(text)
    assert finding.kind is PersonalDataKind.PHONE and text[finding.start :] == text[5:]


def test_a_finding_inside_another_is_not_listed_twice() -> None:
    [finding] = find_personal_data("пишите 89161234567@mail.ru")
    assert finding.kind is PersonalDataKind.EMAIL


def test_kinds_are_listed_once_in_a_fixed_order() -> None:
    found = find_personal_data("кв. 5, +79161234567, кв. 6, Иван Петрович")
    assert kinds_of(found) == [
        PersonalDataKind.NAME,
        PersonalDataKind.PHONE,
        PersonalDataKind.FLAT,
    ]


def test_hostile_text_is_read_in_bounded_time() -> None:
    """The form caps a text at 1,000 characters; far longer ones still take milliseconds."""
    hostile = [
        "1 " * 2000,
        "1-" * 2000,
        "Иван " * 800,
        "А.Б. " * 800,
        "@" * 4000,
        "a" * 4000 + "@",
        "паспорт " + "1 " * 2000,
        "Ивановичевич" * 300,
        "+(" * 2000,
    ]
    for text in hostile:
        started = time.perf_counter()
        find_personal_data(text)
        assert time.perf_counter() - started < 0.5, text[:20]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_findings_within_it(text: str) -> None:
    found = find_personal_data(text)
    for before, after in itertools.pairwise(found):
        assert before.end <= after.start  # in order, none inside another
    assert all(0 <= f.start < f.end <= len(text) for f in found)
