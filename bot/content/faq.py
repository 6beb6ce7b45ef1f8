"""The FAQ: entries loaded from `content/faq/<lang>/<id>.md`, validated, and rendered.

Legal guidance is a safety matter, so the loader is strict: a bad entry names its file and the
problem, and the bot refuses to start on it (`check` prints the same lines).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.content.markup import MESSAGE_LIMIT, paginate, render_blocks, visible_length
from bot.content.telegram_html import EntityParseError, parse_html
from bot.i18n import LANGUAGES
from bot.protection import Protection, every_mode

ENTRY_ID = re.compile(r"^[a-z0-9-]{1,32}$")
TITLE_LIMIT = 64
REQUIRED = {
    "id": str,
    "title": str,
    "topic": str,
    "order": int,
    "keywords": list,
    "sources": list,
    "reviewed": dt.date,
    "related": list,
}
# Fields that must be equal in the two language versions of an entry.
SHARED_FIELDS = ("topic", "order", "related", "reviewed")

Translate = Callable[..., str]

# What a FAQ body may write in braces, each filled when the entry is rendered with a catalogue
# message (texts.ftl) given the instance's Protection: an answer about the bot's own safety must
# say what holds on *this* instance, which the editor cannot know. Anything else in braces of
# this form is a content error (docs/content-format.md).
PLACEHOLDERS = {"protection": "protection-mode", "retention": "protection-retention"}
PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_-]*)\}")


class ContentError(Exception):
    """Content that must not be served; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if problems else "invalid content")
        self.problems = problems


@dataclass(frozen=True)
class Topic:
    id: str
    titles: dict[str, str]

    def title(self, lang: str) -> str:
        return self.titles[lang]


@dataclass(frozen=True)
class Entry:
    id: str
    lang: str
    title: str
    topic: str
    order: int
    keywords: tuple[str, ...]
    sources: tuple[str, ...]
    facts: tuple[str, ...]
    reviewed: dt.date
    related: tuple[str, ...]
    body: str
    path: Path


@dataclass
class FaqCatalog:
    topics: list[Topic]
    entries: dict[str, dict[str, Entry]]  # lang -> id -> entry

    @classmethod
    def load(cls, content_dir: Path) -> FaqCatalog:
        catalog, problems = _load(content_dir)
        if problems:
            raise ContentError(problems)
        return catalog

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def entry(self, lang: str, entry_id: str) -> Entry | None:
        return self.entries.get(lang, {}).get(entry_id)

    def in_topic(self, lang: str, topic_id: str) -> list[Entry]:
        found = [e for e in self.entries.get(lang, {}).values() if e.topic == topic_id]
        return sorted(found, key=lambda e: (e.order, e.id))

    def ids(self) -> list[str]:
        return sorted(self.entries.get(LANGUAGES[0], {}))

    def stale(self, today: dt.date, max_age_days: int) -> list[Entry]:
        """Entries whose legal review is older than allowed: stale advice must be noticed."""
        limit = today - dt.timedelta(days=max_age_days)
        return [e for by_id in self.entries.values() for e in by_id.values() if e.reviewed < limit]


def fill_placeholders(body: str, tr: Translate, protection: Protection) -> str:
    """The body with each known placeholder replaced by its catalogue text (plain text, which
    the Markdown renderer then escapes); loading has already refused unknown ones."""
    args = protection.args()

    def value(match: re.Match[str]) -> str:
        key = PLACEHOLDERS.get(match.group(1))
        return match.group(0) if key is None else tr(key, **args)

    return PLACEHOLDER.sub(value, body)


def render_entry(entry: Entry, tr: Translate, protection: Protection) -> list[str]:
    """The entry as Telegram HTML pages; sources, review date and disclaimer end the last page."""
    header = f"<b>{_escape(entry.title)}</b>"
    footer = tr(
        "faq-footer",
        sources="; ".join(entry.sources),
        reviewed=entry.reviewed.strftime("%d.%m.%Y"),
    )
    body = fill_placeholders(entry.body, tr, protection)
    return paginate(header, render_blocks(body), footer, MESSAGE_LIMIT)


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=False)


def parse_file(path: Path) -> tuple[dict[str, object], str]:
    """Split a `+++` TOML front matter from the Markdown body."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("+++"):
        raise ValueError("does not start with a +++ front-matter block")
    try:
        _, front, body = text.split("+++", 2)
    except ValueError:
        raise ValueError("front matter is not closed with +++") from None
    try:
        meta = tomllib.loads(front)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"front matter is not valid TOML: {exc}") from None
    return meta, body.strip("\n")


def _load_topics(path: Path, problems: list[str]) -> list[Topic]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"{path}: cannot read topics: {exc}")
        return []
    topics = []
    for item in data.get("topic", []):
        if not all(isinstance(item.get(k), str) and item.get(k) for k in ("id", *LANGUAGES)):
            problems.append(f"{path}: every topic needs id, ru and en")
            continue
        topics.append(Topic(item["id"], {lang: item[lang] for lang in LANGUAGES}))
    return topics


def _entry_from(path: Path, lang: str, problems: list[str]) -> Entry | None:
    try:
        meta, body = parse_file(path)
    except (OSError, ValueError) as exc:
        problems.append(f"{path}: {exc}")
        return None
    bad = False
    for name, kind in REQUIRED.items():
        if name not in meta:
            problems.append(f"{path}: missing field '{name}'")
            bad = True
        elif not isinstance(meta[name], kind) or (
            kind is list and not meta[name] and name != "related"
        ):
            problems.append(f"{path}: field '{name}' must be a non-empty {kind.__name__}")
            bad = True
    if bad:
        return None
    for name in ("keywords", "sources", "related", "facts"):
        values = meta.get(name, [])
        if not isinstance(values, list) or not all(
            isinstance(v, str) and v.strip() for v in values
        ):
            problems.append(f"{path}: field '{name}' must be a list of non-empty strings")
            return None
    if not body.strip():
        problems.append(f"{path}: the answer is empty")
        return None
    return Entry(
        id=str(meta["id"]),
        lang=lang,
        title=str(meta["title"]),
        topic=str(meta["topic"]),
        order=int(meta["order"]),  # type: ignore[call-overload]
        keywords=tuple(meta["keywords"]),  # type: ignore[arg-type]
        sources=tuple(meta["sources"]),  # type: ignore[arg-type]
        facts=tuple(meta.get("facts", [])),  # type: ignore[arg-type]
        reviewed=meta["reviewed"],  # type: ignore[arg-type]
        related=tuple(meta["related"]),  # type: ignore[arg-type]
        body=body,
        path=path,
    )


def _load(content_dir: Path) -> tuple[FaqCatalog, list[str]]:
    problems: list[str] = []
    faq_dir = content_dir / "faq"
    topics = _load_topics(faq_dir / "topics.toml", problems)
    topic_ids = {t.id for t in topics}
    entries: dict[str, dict[str, Entry]] = {lang: {} for lang in LANGUAGES}
    for lang in LANGUAGES:
        _load_language(faq_dir / lang, lang, topic_ids, entries[lang], problems)
    for lang in LANGUAGES:
        _check_related(entries[lang], problems)
    _check_parity(faq_dir, entries, problems)
    return FaqCatalog(topics, entries), problems


def _load_language(
    directory: Path,
    lang: str,
    topic_ids: set[str],
    found: dict[str, Entry],
    problems: list[str],
) -> None:
    """Every entry of one language into `found`; an entry with a bad id is left out."""
    if not directory.is_dir():
        problems.append(f"{directory}: missing directory")
        return
    for path in sorted(directory.glob("*.md")):
        entry = _entry_from(path, lang, problems)
        if entry is None:
            continue
        if not ENTRY_ID.match(entry.id):
            problems.append(f"{path}: id '{entry.id}' must match [a-z0-9-]{{1,32}}")
            continue
        if entry.id != path.stem:
            problems.append(f"{path}: id '{entry.id}' differs from the file name")
        if entry.id in found:
            problems.append(f"{path}: id '{entry.id}' is used twice")
            continue
        _check_fields(entry, topic_ids, problems)
        found[entry.id] = entry


def _check_fields(entry: Entry, topic_ids: set[str], problems: list[str]) -> None:
    path = entry.path
    if entry.topic not in topic_ids:
        problems.append(f"{path}: unknown topic '{entry.topic}'")
    if len(entry.title) > TITLE_LIMIT:
        problems.append(f"{path}: title longer than {TITLE_LIMIT} characters")
    if entry.reviewed > dt.date.today():
        problems.append(f"{path}: review date {entry.reviewed} is in the future")
    for name in sorted(
        {m.group(1) for m in PLACEHOLDER.finditer(entry.body)} - PLACEHOLDERS.keys()
    ):
        known = ", ".join(f"{{{known}}}" for known in PLACEHOLDERS)
        problems.append(f"{path}: unknown placeholder '{{{name}}}' (known: {known})")


def _check_related(entries: dict[str, Entry], problems: list[str]) -> None:
    for entry in entries.values():
        for other in entry.related:
            if other not in entries:
                problems.append(f"{entry.path}: related id '{other}' does not exist")
            elif other == entry.id:
                problems.append(f"{entry.path}: an entry cannot be related to itself")


def _check_parity(faq_dir: Path, entries: dict[str, dict[str, Entry]], problems: list[str]) -> None:
    first, second = LANGUAGES
    for lang, other in ((first, second), (second, first)):
        for entry_id in sorted(entries[lang].keys() - entries[other].keys()):
            problems.append(
                f"{entries[lang][entry_id].path}: no {other} twin "
                f"(expected {faq_dir / other / (entry_id + '.md')})"
            )
    for entry_id in sorted(entries[first].keys() & entries[second].keys()):
        a, b = entries[first][entry_id], entries[second][entry_id]
        for name in SHARED_FIELDS:
            if getattr(a, name) != getattr(b, name):
                problems.append(f"{b.path}: '{name}' differs from {a.path}")


def check_rendering(catalog: FaqCatalog, translate: Callable[[str], Translate]) -> list[str]:
    """Render every entry as the bot would and validate it as Telegram would (HTML and length);
    an entry with placeholders is rendered in every protection mode, since each reads
    differently."""
    problems = []
    modes = every_mode()
    for lang, by_id in catalog.entries.items():
        tr = translate(lang)
        for entry in by_id.values():
            variants = modes if PLACEHOLDER.search(entry.body) else modes[:1]
            for protection in variants:
                problems.extend(_check_pages(entry, render_entry(entry, tr, protection)))
    return list(dict.fromkeys(problems))  # one line per problem, not one per mode


def _check_pages(entry: Entry, pages: list[str]) -> list[str]:
    problems = []
    for number, page in enumerate(pages, start=1):
        try:
            parse_html(page)
        except EntityParseError as exc:
            problems.append(f"{entry.path}: page {number} is not valid Telegram HTML: {exc}")
        if visible_length(page) > MESSAGE_LIMIT:
            problems.append(f"{entry.path}: page {number} is longer than {MESSAGE_LIMIT}")
    return problems


def validate(content_dir: Path, translate: Callable[[str], Translate]) -> list[str]:
    """Every problem with the FAQ, one line each (what `check` prints)."""
    catalog, problems = _load(content_dir)
    if not problems:
        problems.extend(check_rendering(catalog, translate))
    return problems


SUMMARY_LIMIT = 1500


def render_summary(
    entry: Entry, tr: Translate, protection: Protection, limit: int = SUMMARY_LIMIT
) -> str:
    """A short form for sharing: title, the first blocks that fit `limit`, then the footer."""
    header = f"<b>{_escape(entry.title)}</b>"
    kept: list[str] = []
    used = visible_length(header)
    for block in render_blocks(fill_placeholders(entry.body, tr, protection)):
        size = visible_length(block) + 2
        if kept and used + size > limit:
            kept.append("…")
            break
        kept.append(block)
        used += size
    footer = tr(
        "faq-footer",
        sources="; ".join(entry.sources),
        reviewed=entry.reviewed.strftime("%d.%m.%Y"),
    )
    return "\n\n".join([header, *kept, footer])
