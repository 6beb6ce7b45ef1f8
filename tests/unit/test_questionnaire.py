"""The questionnaire engine on the shipped content and on broken copies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from bot.content.faq import ContentError, FaqCatalog
from bot.content.questionnaire import Questionnaire

CONTENT = REPO_ROOT / "content"
KNOWN = set(FaqCatalog.load(CONTENT).ids())


@pytest.fixture(scope="module")
def quiz() -> Questionnaire:
    return Questionnaire.load(CONTENT / "questionnaire.toml", KNOWN)


def walk(
    quiz: Questionnaire, choose: dict[str, str], default_index: int = -1
) -> tuple[list[str], frozenset[str]]:
    """Answer every question (with `choose`, else the option at `default_index`)."""
    answers: list[tuple[str, str]] = []
    asked: list[str] = []
    for _ in range(50):
        step = quiz.advance(answers)
        if step.question is None:
            return asked, step.flags
        asked.append(step.question.id)
        options = step.question.options
        option = choose.get(step.question.id, options[min(default_index, len(options) - 1)].id)
        answers.append((step.question.id, option))
    raise AssertionError("questionnaire does not end")


def outcome_ids(quiz: Questionnaire, flags: frozenset[str]) -> list[str]:
    return [o.id for o in quiz.results(flags)]


def test_detained_now_ends_at_once(quiz: Questionnaire) -> None:
    asked, flags = walk(quiz, {"now": "yes"})
    assert asked == ["now"]
    assert outcome_ids(quiz, flags)[0] == "detained_now"


def test_student_with_electronic_summons(quiz: Questionnaire) -> None:
    _, flags = walk(
        quiz,
        {"now": "no", "age": "a18_26", "citizen": "birth", "study": "full", "summons": "el"},
        -1,
    )
    ids = outcome_ids(quiz, flags)
    assert "student" in ids and "general" in ids
    assert any(i.startswith("summons") for i in ids)


def test_foreigner_stops_after_citizenship(quiz: Questionnaire) -> None:
    asked, flags = walk(quiz, {"now": "no", "age": "a18_26", "citizen": "foreign"})
    assert asked == ["now", "age", "citizen"]
    assert "foreigner" in outcome_ids(quiz, flags)


def test_every_path_ends_with_the_general_advice(quiz: Questionnaire) -> None:
    for index in range(0, 4):
        _, flags = walk(quiz, {"now": "no"}, default_index=index)
        results = quiz.results(flags)
        assert results and results[-1].id == "general"
        for outcome in results:
            assert outcome.entries and set(outcome.entries) <= KNOWN


def test_stale_answer_cannot_skip_ahead(quiz: Questionnaire) -> None:
    # An answer to a later question, with nothing answered before it, changes nothing.
    step = quiz.advance([("summons", quiz.questions[-2].options[0].id)])
    assert step.question is not None and step.question.id == quiz.questions[0].id
    assert step.flags == frozenset()


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "questionnaire.toml"
    shutil.copy(CONTENT / "questionnaire.toml", path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('entries = ["', 'entries = ["no-such-entry", "', "no-such-entry"),
        ('if_all = ["', 'if_all = ["never_set_flag", "', "never_set_flag"),
        ('text_en = "No"', 'text_x = "No"', "text_en"),
        ('text_en = "Under 18"', 'text_en = "' + "x" * 41 + '"', "longer than 40"),
    ],
)
def test_broken_questionnaire_is_refused(tmp_path: Path, old: str, new: str, expected: str) -> None:
    with pytest.raises(ContentError) as info:
        Questionnaire.load(_broken(tmp_path, old, new), KNOWN)
    assert any(expected in p and "questionnaire.toml" in p for p in info.value.problems), (
        info.value.problems
    )
