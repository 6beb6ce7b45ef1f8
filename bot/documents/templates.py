"""Document templates (`content/templates/<id>.toml`): loaded and validated like FAQ entries.

A template is a Russian document body with `{placeholders}`, the questions that fill some of
them, and the blanks («[ФИО — заполните сами]») that stand for the rest: what the person must
write in on his own device. The bot never asks for a name, a passport or an address, so a
question with such an id is a content error, as is a placeholder nobody fills.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.content.faq import ContentError
from bot.content.toml_file import read_toml
from bot.i18n import LANGUAGES

LANGS = LANGUAGES
KINDS = ("choice", "text", "date", "region")
ID_RE = re.compile(r"^[a-z0-9-]{1,32}$")
SLOT_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
FILENAME_RE = re.compile(r"^[a-z0-9-]{1,48}$")
FACT_RE = re.compile(r"^\d{1,2}\.\d{1,2}$")
PLACEHOLDER_RE = re.compile(r"\{([^{}\s]*)\}")
# What identifies a person is never a question: the document leaves a blank for it instead.
IDENTIFYING = frozenset(
    {"name", "fio", "surname", "passport", "address", "birth", "birthday", "phone", "email"}
)
MAX_TEXT = 4000  # characters a typed answer may have: about one Telegram message
MAX_OPTIONS = 8
MAX_BUTTON = 40  # characters of an option's button
TOP_KEYS = frozenset(
    {
        "id",
        "order",
        "filename",
        "sources",
        "facts",
        "reviewed",
        "body",
        "title",
        "summary",
        "where",
        "deadline",
        "warning",
        "blanks",
        "questions",
    }
)
QUESTION_KEYS = frozenset({"id", "kind", "blank", "prompt", "options"})


@dataclass(frozen=True)
class Option:
    id: str
    label: Mapping[str, str]  # the button, per language
    text: str  # what goes into the (Russian) document


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # one of KINDS
    prompt: Mapping[str, str]
    blank: str  # what the document says when the person leaves it empty
    options: tuple[Option, ...] = ()
    free_text: bool = False  # typed words: the bot warns about names before asking

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Template:
    id: str
    order: int
    title: Mapping[str, str]
    summary: Mapping[str, str]  # what it is for, shown before the first question
    where: Mapping[str, str]  # where to file it
    deadline: Mapping[str, str]  # by when (the rule, never a computed day)
    warning: Mapping[str, str]  # what filing it does not do (a complaint does not stop dispatch)
    sources: tuple[str, ...]
    facts: tuple[str, ...]
    reviewed: dt.date
    filename: str
    body: str
    questions: tuple[Question, ...]
    blanks: Mapping[str, str]
    path: Path

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def placeholders(self) -> list[str]:
        return PLACEHOLDER_RE.findall(self.body)


class TemplateCatalog:
    """Every template, in menu order."""

    def __init__(self, templates: list[Template]) -> None:
        self.templates = tuple(sorted(templates, key=lambda t: (t.order, t.id)))

    @classmethod
    def load(cls, directory: Path) -> TemplateCatalog:
        """All templates under `directory`, or ContentError listing every problem found."""
        templates: list[Template] = []
        problems: list[str] = []
        for path in sorted(directory.glob("*.toml")) if directory.is_dir() else []:
            try:
                templates.append(parse_template(path))
            except ContentError as exc:
                problems.extend(exc.problems)
        if problems:
            raise ContentError(problems)
        return cls(templates)

    def get(self, template_id: str) -> Template | None:
        return next((t for t in self.templates if t.id == template_id), None)

    def stale(self, today: dt.date, days: int) -> list[Template]:
        return [t for t in self.templates if (today - t.reviewed).days > days]


def parse_template(path: Path) -> Template:
    raw = read_toml(path)
    problems: list[str] = [f"unknown key `{key}`" for key in raw if key not in TOP_KEYS]
    template = _build(path, raw, problems)
    if template is not None:
        problems.extend(_placeholder_problems(template))
    if problems or template is None:
        raise ContentError([f"{path}: {p}" for p in problems] or [f"{path}: invalid"])
    return template


def _texts(raw: Mapping[str, Any], key: str, problems: list[str]) -> dict[str, str]:
    value = raw.get(key)
    if not isinstance(value, Mapping):
        problems.append(f"`{key}` must be a table with ru and en")
        return {lang: "" for lang in LANGS}
    out = {}
    for lang in LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"`{key}.{lang}` is missing or empty")
            text = ""
        out[lang] = text.strip()
    return out


def _strings(raw: Mapping[str, Any], key: str, problems: list[str]) -> tuple[str, ...]:
    value = raw.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        problems.append(f"`{key}` must be a non-empty list of strings")
        return ()
    return tuple(value)


def _build(path: Path, raw: Mapping[str, Any], problems: list[str]) -> Template | None:
    template_id = raw.get("id")
    if not isinstance(template_id, str) or not ID_RE.match(template_id):
        problems.append("`id` must be [a-z0-9-]{1,32}")
        return None
    if template_id != path.stem:
        problems.append(f"`id` {template_id!r} differs from the file name")
    reviewed = raw.get("reviewed")
    if not isinstance(reviewed, dt.date) or isinstance(reviewed, dt.datetime):
        problems.append("`reviewed` must be a date (reviewed = 2026-12-06)")
        reviewed = dt.date.min
    facts = _strings(raw, "facts", problems)
    problems.extend(
        f"fact {f!r} is not an entry number like 16.1" for f in facts if not FACT_RE.match(f)
    )
    filename = raw.get("filename")
    if not isinstance(filename, str) or not FILENAME_RE.match(filename):
        problems.append("`filename` must be [a-z0-9-]{1,48} (the file's name without extension)")
        filename = template_id
    body = raw.get("body")
    if not isinstance(body, str) or not body.strip():
        problems.append("`body` is missing or empty")
        body = ""
    order = raw.get("order", 100)
    blanks = raw.get("blanks", {})
    if not isinstance(blanks, Mapping) or not all(
        isinstance(v, str) and _is_blank(v) for v in blanks.values()
    ):
        problems.append("`blanks` must map names to texts in square brackets («[ФИО …]»)")
        blanks = {}
    return Template(
        id=template_id,
        order=order if isinstance(order, int) else 100,
        title=_texts(raw, "title", problems),
        summary=_texts(raw, "summary", problems),
        where=_texts(raw, "where", problems),
        deadline=_texts(raw, "deadline", problems),
        warning=_texts(raw, "warning", problems),
        sources=_strings(raw, "sources", problems),
        facts=facts,
        reviewed=reviewed,
        filename=filename,
        body=body.strip(),
        questions=_questions(raw.get("questions"), problems),
        blanks=dict(blanks),
        path=path,
    )


def _is_blank(text: str) -> bool:
    """A blank is clearly marked: in square brackets, saying what to write."""
    return text.startswith("[") and text.endswith("]") and len(text) > 4


def _questions(raw: Any, problems: list[str]) -> tuple[Question, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append("`questions` must be a non-empty array of tables")
        return ()
    questions = []
    seen: set[str] = set()
    for number, item in enumerate(raw, 1):
        where = f"question {number}"
        if not isinstance(item, Mapping):
            problems.append(f"{where} is not a table")
            continue
        question_id = item.get("id")
        if not isinstance(question_id, str) or not SLOT_RE.match(question_id):
            problems.append(f"{where}: `id` must be [a-z][a-z0-9_]{{0,31}}")
            continue
        where = f"question {question_id!r}"
        if question_id in seen:
            problems.append(f"{where} appears twice")
        seen.add(question_id)
        problems.extend(
            f"{where}: unknown key `{key}` (a top-level key after [[questions]]?)"
            for key in item
            if key not in QUESTION_KEYS
        )
        if question_id in IDENTIFYING:
            problems.append(f"{where} asks what identifies the person: make it a blank")
        kind = item.get("kind")
        if kind not in KINDS:
            problems.append(f"{where}: `kind` must be one of {', '.join(KINDS)}")
            continue
        blank = item.get("blank")
        if not isinstance(blank, str) or not _is_blank(blank):
            problems.append(f"{where}: `blank` must be a text in square brackets")
            blank = "[—]"
        inner: list[str] = []
        question = Question(
            id=question_id,
            kind=kind,
            prompt=_texts(item, "prompt", inner),
            blank=blank,
            options=_options(item.get("options"), kind, inner),
            free_text=kind == "text",
        )
        problems.extend(f"{where}: {p}" for p in inner)
        questions.append(question)
    return tuple(questions)


def _options(raw: Any, kind: str, problems: list[str]) -> tuple[Option, ...]:
    if kind != "choice":
        if raw:
            problems.append("only a choice has `options`")
        return ()
    if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_OPTIONS:
        problems.append(f"a choice needs 2 to {MAX_OPTIONS} options")
        return ()
    options = []
    for item in raw:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            problems.append("an option needs an `id`")
            continue
        text = item.get("text")
        if not isinstance(text, str):
            problems.append(f"option {item['id']!r}: `text` (the document's words) is missing")
            text = ""
        label = _texts(item, "label", problems)
        problems.extend(
            f"option {item['id']!r}: the {lang} button is longer than {MAX_BUTTON} characters"
            for lang in LANGS
            if len(label[lang]) > MAX_BUTTON
        )
        options.append(Option(id=item["id"], label=label, text=text.strip()))
    return tuple(options)


def _placeholder_problems(template: Template) -> list[str]:
    """Every placeholder is filled by a question or a blank, and every question is used."""
    used = template.placeholders()
    questions = {q.id for q in template.questions}
    problems = [
        f"placeholder {{{name}}} has no question and no blank"
        for name in dict.fromkeys(used)
        if name not in questions and name not in template.blanks
    ]
    problems.extend(
        f"placeholder {{{name}}} is both a question and a blank"
        for name in questions & set(template.blanks)
    )
    problems.extend(
        f"question {q!r} is never used in the body" for q in sorted(questions - set(used))
    )
    problems.extend(
        f"blank {{{b}}} is never used in the body" for b in sorted(set(template.blanks) - set(used))
    )
    return problems
