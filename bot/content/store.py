"""All guidance content, loaded and validated together, swappable at run time (`/reload`).

The bot serves one immutable `Content` snapshot; a reload builds a new one from disk and swaps
it in only if it validates, so a broken edit never replaces working content.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from bot.content.calendar import WorkCalendar, load_calendar
from bot.content.emergency import (
    Contact,
    Emergency,
    load_all_contacts,
    load_emergency,
    render_card,
)
from bot.content.faq import ContentError, FaqCatalog, Translate, check_rendering, validate
from bot.content.markup import MESSAGE_LIMIT, visible_length
from bot.content.questionnaire import Questionnaire
from bot.content.search import SearchIndex
from bot.content.telegram_html import EntityParseError, parse_html
from bot.documents.templates import TemplateCatalog
from bot.i18n import LANGUAGES

T = TypeVar("T")
MAX_DERIVED = 1024  # keyboards kept per snapshot: topics pages, search results (see derived())


@dataclass(frozen=True)
class Content:
    faq: FaqCatalog
    search: SearchIndex
    contacts: tuple[Contact, ...]
    emergency: Emergency
    questionnaire: Questionnaire
    templates: TemplateCatalog  # /documents (content/templates)
    calendar: WorkCalendar  # non-working days, for the deadline calculator


def load_content(content_dir: Path, translate: Callable[[str], Translate]) -> Content:
    """Everything under `content_dir`, or ContentError listing every problem found."""
    problems = validate(content_dir, translate)
    if problems:
        raise ContentError(problems)
    faq = FaqCatalog.load(content_dir)
    known = set(faq.ids())
    parts: dict[str, object] = {}
    loaders: dict[str, Callable[[], object]] = {
        "search": lambda: SearchIndex.build(faq, content_dir / "faq" / "synonyms.toml"),
        "contacts": lambda: load_all_contacts(content_dir),
        "emergency": lambda: load_emergency(content_dir / "emergency.toml", known),
        "questionnaire": lambda: Questionnaire.load(content_dir / "questionnaire.toml", known),
        "templates": lambda: TemplateCatalog.load(content_dir / "templates"),
        "calendar": lambda: load_calendar(content_dir),
    }
    for name, loader in loaders.items():
        try:
            parts[name] = loader()
        except ContentError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ContentError(problems)
    content = Content(faq=faq, **parts)  # type: ignore[arg-type]
    problems.extend(_check_screens(content_dir, content, translate))
    if problems:
        raise ContentError(problems)
    return content


def _check_screens(
    content_dir: Path, content: Content, translate: Callable[[str], Translate]
) -> list[str]:
    """Render the emergency card as the bot would and check it as Telegram would."""
    problems = []
    for lang in LANGUAGES:
        card = render_card(content.emergency, content.contacts, translate(lang), lang)
        try:
            parse_html(card)
        except EntityParseError as exc:
            problems.append(
                f"{content_dir / 'emergency.toml'}: {lang} card is not valid HTML: {exc}"
            )
        if visible_length(card) > MESSAGE_LIMIT:
            problems.append(
                f"{content_dir / 'emergency.toml'}: {lang} card with contacts is longer than "
                f"{MESSAGE_LIMIT} characters"
            )
    return problems


def content_problems(content_dir: Path, translate: Callable[[str], Translate]) -> list[str]:
    try:
        load_content(content_dir, translate)
    except ContentError as exc:
        return exc.problems
    return []


class ContentStore:
    """Holds the current content snapshot for the running bot."""

    def __init__(self, content_dir: Path, translate: Callable[[str], Translate]) -> None:
        self._dir = content_dir
        self._translate = translate
        self.current = load_content(content_dir, translate)
        self.loaded_at = dt.datetime.now(dt.UTC)
        self._derived: OrderedDict[Hashable, Any] = OrderedDict()

    def derived(self, key: Hashable, build: Callable[[Content], T]) -> T:
        """What `build` makes of the current snapshot, built once per snapshot: keyboards that
        depend only on the content, the language and a page are not rebuilt for every press.
        At most MAX_DERIVED values are kept, the least recently used going first."""
        try:
            self._derived.move_to_end(key)
            return cast(T, self._derived[key])
        except KeyError:
            value = self._derived[key] = build(self.current)
            if len(self._derived) > MAX_DERIVED:  # the least recently used goes
                self._derived.popitem(last=False)
            return value

    def reload(self) -> list[str]:
        """Load from disk again; on problems keep serving the old content and return them."""
        try:
            fresh = load_content(self._dir, self._translate)
        except ContentError as exc:
            return exc.problems
        self.current = fresh
        self.loaded_at = dt.datetime.now(dt.UTC)
        self._derived = OrderedDict()
        return []


__all__ = [
    "Content",
    "ContentStore",
    "check_rendering",
    "content_problems",
    "load_content",
]
