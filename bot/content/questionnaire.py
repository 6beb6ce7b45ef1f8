""" "Check my situation": a questionnaire defined as data (`content/questionnaire.toml`).

Questions set flags; outcomes are shown when their flags match. The engine is pure: the answers
so far go in, the next question (or the result) comes out, so the bot can keep them in the
memory-only FSM and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.content.faq import ContentError
from bot.content.toml_file import read_toml
from bot.i18n import LANGUAGES

_QUESTION_ID = re.compile(r"^[a-z0-9_]{1,12}$")
_OUTCOME_ID = re.compile(r"^[a-z0-9_]{1,24}$")
_FLAG = re.compile(r"^[a-z0-9_]{1,32}$")
BUTTON_TEXT_LIMIT = 40


@dataclass(frozen=True)
class Option:
    id: str
    text: dict[str, str]
    flags: frozenset[str]
    end: bool


@dataclass(frozen=True)
class Question:
    id: str
    text: dict[str, str]
    options: tuple[Option, ...]
    ask_if: frozenset[str]
    skip_if: frozenset[str]

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Outcome:
    id: str
    if_all: frozenset[str]
    if_none: frozenset[str]
    priority: int
    title: dict[str, str]
    text: dict[str, str]
    documents: dict[str, tuple[str, ...]]
    steps: dict[str, tuple[str, ...]]
    entries: tuple[str, ...]

    def applies(self, flags: frozenset[str]) -> bool:
        return self.if_all <= flags and not (self.if_none & flags)


@dataclass(frozen=True)
class Step:
    """Where the questionnaire stands: the next question, or None when it is finished."""

    question: Question | None
    number: int  # 1-based position of the question among those asked
    flags: frozenset[str]


class Questionnaire:
    def __init__(
        self, questions: list[Question], outcomes: list[Outcome], reviewed: dt.date
    ) -> None:
        self.questions = questions
        self.outcomes = sorted(outcomes, key=lambda o: (o.priority, o.id))
        self.reviewed = reviewed
        self._by_id = {q.id: q for q in questions}

    def question(self, question_id: str) -> Question | None:
        return self._by_id.get(question_id)

    def advance(self, answers: Iterable[tuple[str, str]]) -> Step:
        """Replay the answers given so far (question id, option id) and find the next step.

        Answers that do not fit the current question (a stale button) are ignored, so a replayed
        or forged callback can never skip a question or set a flag it should not.
        """
        flags: frozenset[str] = frozenset()
        given = iter(answers)  # in the order given: each answers the question then on screen
        asked = 0
        for question in self.questions:
            if not self._should_ask(question, flags):
                continue
            asked += 1
            option = next(
                (
                    found
                    for question_id, option_id in given
                    if question_id == question.id
                    and (found := question.option(option_id)) is not None
                ),
                None,
            )
            if option is None:
                return Step(question, asked, flags)
            flags = flags | option.flags
            if option.end:
                break
        return Step(None, asked, flags)

    def remaining(self, flags: frozenset[str], after: str) -> int:
        """An estimate of questions still to come, for the "question N of M" line."""
        index = next((i for i, q in enumerate(self.questions) if q.id == after), -1)
        return sum(1 for q in self.questions[index + 1 :] if self._should_ask(q, flags))

    def results(self, flags: frozenset[str]) -> list[Outcome]:
        return [o for o in self.outcomes if o.applies(flags)]

    @staticmethod
    def _should_ask(question: Question, flags: frozenset[str]) -> bool:
        return question.ask_if <= flags and not (question.skip_if & flags)

    @classmethod
    def load(cls, path: Path, known_entries: set[str]) -> Questionnaire:
        data = read_toml(path)
        problems: list[str] = []
        questions = [_question(q, path, problems) for q in data.get("question", [])]
        outcomes = [_outcome(o, path, problems, known_entries) for o in data.get("outcome", [])]
        if not questions:
            problems.append(f"{path}: no [[question]] entries")
        if not any(not o.if_all for o in outcomes):
            problems.append(f"{path}: needs one outcome with if_all = [] (shown to everyone)")
        _check_ids(path, [q.id for q in questions], "question", problems)
        _check_ids(path, [o.id for o in outcomes], "outcome", problems)
        set_flags = {f for q in questions for o in q.options for f in o.flags}
        used = {f for q in questions for f in q.ask_if | q.skip_if}
        used |= {f for o in outcomes for f in o.if_all | o.if_none}
        for flag in sorted(used - set_flags):
            problems.append(f"{path}: flag '{flag}' is used but no answer sets it")
        reviewed = data.get("reviewed")
        if not isinstance(reviewed, dt.date):
            problems.append(f"{path}: reviewed must be a date (YYYY-MM-DD)")
            reviewed = dt.date.min
        if problems:
            raise ContentError(problems)
        return cls(questions, outcomes, reviewed)


def _check_ids(path: Path, ids: list[str], kind: str, problems: list[str]) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            problems.append(f"{path}: {kind} id '{item}' is used twice")
        seen.add(item)


def _texts(item: dict[str, object], name: str, where: str, problems: list[str]) -> dict[str, str]:
    found = {}
    for lang in LANGUAGES:
        value = item.get(f"{name}_{lang}")
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: needs a non-empty {name}_{lang}")
        else:
            found[lang] = value.strip()
    return found


def _lists(
    item: dict[str, object], name: str, where: str, problems: list[str]
) -> dict[str, tuple[str, ...]]:
    found = {}
    for lang in LANGUAGES:
        value = item.get(f"{name}_{lang}", [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            problems.append(f"{where}: {name}_{lang} must be a list of non-empty strings")
            value = []
        found[lang] = tuple(value)
    if len(found[LANGUAGES[0]]) != len(found[LANGUAGES[1]]):
        problems.append(f"{where}: {name}_ru and {name}_en have different lengths")
    return found


def _flags(item: dict[str, object], name: str, where: str, problems: list[str]) -> frozenset[str]:
    value = item.get(name, [])
    if not isinstance(value, list) or not all(isinstance(f, str) and _FLAG.match(f) for f in value):
        problems.append(f"{where}: {name} must be a list of flags ([a-z0-9_]+)")
        return frozenset()
    return frozenset(value)


def _question(item: dict[str, object], path: Path, problems: list[str]) -> Question:
    qid = str(item.get("id", ""))
    where = f"{path}: question '{qid}'"
    if not _QUESTION_ID.match(qid):
        problems.append(f"{where}: id must match [a-z0-9_]{{1,12}}")
    options = []
    raw_options = item.get("option", [])
    if not isinstance(raw_options, list) or len(raw_options) < 2:
        problems.append(f"{where}: needs at least two options")
        raw_options = []
    seen: set[str] = set()
    for raw in raw_options:
        oid = str(raw.get("id", ""))
        owhere = f"{where} option '{oid}'"
        if not _QUESTION_ID.match(oid):
            problems.append(f"{owhere}: id must match [a-z0-9_]{{1,12}}")
        if oid in seen:
            problems.append(f"{owhere}: used twice")
        seen.add(oid)
        text = _texts(raw, "text", owhere, problems)
        for lang, value in text.items():
            if len(value) > BUTTON_TEXT_LIMIT:
                problems.append(f"{owhere}: text_{lang} longer than {BUTTON_TEXT_LIMIT} characters")
        options.append(
            Option(oid, text, _flags(raw, "flags", owhere, problems), bool(raw.get("end", False)))
        )
    return Question(
        id=qid,
        text=_texts(item, "text", where, problems),
        options=tuple(options),
        ask_if=_flags(item, "ask_if", where, problems),
        skip_if=_flags(item, "skip_if", where, problems),
    )


def _outcome(item: dict[str, object], path: Path, problems: list[str], known: set[str]) -> Outcome:
    oid = str(item.get("id", ""))
    where = f"{path}: outcome '{oid}'"
    if not _OUTCOME_ID.match(oid):
        problems.append(f"{where}: id must match [a-z0-9_]{{1,24}}")
    entries = item.get("entries", [])
    if not isinstance(entries, list) or not entries:
        problems.append(f"{where}: needs at least one FAQ entry id in entries")
        entries = []
    for entry_id in entries:
        if entry_id not in known:
            problems.append(f"{where}: entry '{entry_id}' does not exist in content/faq")
    priority = item.get("priority", 50)
    if not isinstance(priority, int):
        problems.append(f"{where}: priority must be a whole number")
        priority = 50
    return Outcome(
        id=oid,
        if_all=_flags(item, "if_all", where, problems),
        if_none=_flags(item, "if_none", where, problems),
        priority=priority,
        title=_texts(item, "title", where, problems),
        text=_texts(item, "text", where, problems),
        documents=_lists(item, "documents", where, problems),
        steps=_lists(item, "steps", where, problems),
        entries=tuple(entries),
    )
