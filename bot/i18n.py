"""Message catalogues: Fluent files in `content/locales/<lang>/*.ftl`.

Every user-facing string has an explicit key in every language; `check` compares the key sets
(and the variables each message uses) so a missing translation is caught before release.
Catalogue text may contain Telegram HTML; values passed in are escaped here, so a name or a query
can never inject markup.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from fluent.runtime import FluentBundle, FluentResource
from fluent.syntax import FluentParser, ast
from fluent.syntax.visitor import Visitor

# The languages every catalogue and every content file exists in; the first is the fallback.
LANGUAGES = ("ru", "en")


class CatalogError(Exception):
    """A catalogue file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class _Message:
    variables: frozenset[str]
    attributes: frozenset[str]


def _variables(node: object) -> set[str]:
    found: set[str] = set()

    class _Visitor(Visitor):
        def visit_VariableReference(self, child: ast.VariableReference) -> None:
            found.add(child.id.name)
            self.generic_visit(child)

    if isinstance(node, ast.BaseNode):
        _Visitor().visit(node)
    return found


# A message with markup is sent as HTML, where Telegram refuses a bare "&".
_HTML_TAG = re.compile(r"</?(b|i|u|s|a|code|pre|blockquote|tg-spoiler)\b")
_BARE_AMPERSAND = re.compile(r"&(?!(amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);)")


def _parse_dir(directory: Path) -> tuple[list[str], dict[str, _Message], list[str]]:
    """Read every .ftl file of one language: (sources, messages by id, problems)."""
    parser = FluentParser(with_spans=True)
    sources: list[str] = []
    messages: dict[str, _Message] = {}
    problems: list[str] = []
    files = sorted(directory.glob("*.ftl"))
    if not files:
        problems.append(f"{directory}: no .ftl files")
    for path in files:
        text = path.read_text(encoding="utf-8")
        sources.append(text)
        for entry in parser.parse(text).body:
            if isinstance(entry, ast.Junk):
                line = text.count("\n", 0, entry.span.start if entry.span else 0) + 1
                problems.append(f"{path}:{line}: syntax error in Fluent message")
            elif isinstance(entry, ast.Message):
                key = entry.id.name
                if key in messages:
                    problems.append(f"{path}: message '{key}' defined twice")
                source = text[entry.span.start : entry.span.end] if entry.span else ""
                if _HTML_TAG.search(source) and _BARE_AMPERSAND.search(source):
                    problems.append(
                        f"{path}: message '{key}' is HTML and has a bare '&' (write &amp;)"
                    )
                messages[key] = _Message(
                    frozenset(_variables(entry)),
                    frozenset(a.id.name for a in entry.attributes),
                )
    return sources, messages, problems


_LONG_ARGUMENT = 1000


class Translator:
    """Formats catalogue messages for one of the supported languages."""

    def __init__(self, bundles: dict[str, FluentBundle], keys: dict[str, frozenset[str]]) -> None:
        self._bundles = bundles
        self._keys = keys

    @classmethod
    def load(cls, locales_dir: Path) -> Translator:
        problems = check_catalogs(locales_dir)
        if problems:
            raise CatalogError(problems[0])
        bundles: dict[str, FluentBundle] = {}
        keys: dict[str, frozenset[str]] = {}
        for lang in LANGUAGES:
            sources, messages, _ = _parse_dir(locales_dir / lang)
            # use_isolating=False: Unicode isolation marks show up as garbage in some clients.
            bundle = FluentBundle([lang], use_isolating=False)
            for source in sources:
                bundle.add_resource(FluentResource(source))
            bundles[lang] = bundle
            keys[lang] = frozenset(messages)
        return cls(bundles, keys)

    def has(self, key: str) -> bool:
        return key in self._keys[LANGUAGES[0]]

    def __call__(self, lang: str, key: str, /, **args: object) -> str:
        """The message `key` in `lang` with HTML-escaped string arguments."""
        bundle = self._bundles.get(lang) or self._bundles[LANGUAGES[0]]
        if not bundle.has_message(key):
            raise KeyError(f"no catalogue message '{key}'")
        message = bundle.get_message(key)
        if message.value is None:
            raise KeyError(f"catalogue message '{key}' has no value")
        safe = {
            k: html.escape(v, quote=False) if isinstance(v, str) else v for k, v in args.items()
        }
        # fluent.runtime refuses a placeable longer than 2,500 characters, and an escaped
        # report text or announcement can be longer: such values are put in after formatting,
        # in place of a marker (long values are never selector keys).
        long_values: dict[str, str] = {}
        for name, value in safe.items():
            if isinstance(value, str) and len(value) > _LONG_ARGUMENT:
                marker = f"\ue000{len(long_values)}\ue001"
                long_values[marker] = value
                safe[name] = marker
        text, errors = bundle.format_pattern(message.value, safe)
        if errors:
            raise KeyError(f"catalogue message '{key}': {errors[0]}")
        result = str(text)
        for marker, value in long_values.items():
            result = result.replace(marker, value)
        return result


def check_catalogs(locales_dir: Path) -> list[str]:
    """Problems with the catalogues, one line each; empty when they are usable."""
    problems: list[str] = []
    parsed: dict[str, dict[str, _Message]] = {}
    for lang in LANGUAGES:
        directory = locales_dir / lang
        if not directory.is_dir():
            problems.append(f"{directory}: missing catalogue directory")
            continue
        _, messages, errors = _parse_dir(directory)
        problems.extend(errors)
        parsed[lang] = messages
    if len(parsed) == len(LANGUAGES):
        base_lang, other_lang = LANGUAGES
        base, other = parsed[base_lang], parsed[other_lang]
        for key in sorted(base.keys() - other.keys()):
            problems.append(
                f"{locales_dir / other_lang}: message '{key}' missing (present in {base_lang})"
            )
        for key in sorted(other.keys() - base.keys()):
            problems.append(
                f"{locales_dir / base_lang}: message '{key}' missing (present in {other_lang})"
            )
        for key in sorted(base.keys() & other.keys()):
            if base[key].variables != other[key].variables:
                problems.append(
                    f"{locales_dir}: message '{key}' uses different variables in "
                    f"{base_lang} {sorted(base[key].variables)} and {other_lang} "
                    f"{sorted(other[key].variables)}"
                )
    return problems


def pick_language(language_code: str | None, default: str) -> str:
    """Russian or English from Telegram's language_code ('en-US' -> 'en'); else the default."""
    if language_code:
        short = language_code.split("-")[0].lower()
        if short in LANGUAGES:
            return short
    return default


class Tr:
    """The translator bound to one update's language; what handlers receive as `tr`."""

    __slots__ = ("_translator", "lang")

    def __init__(self, translator: Translator, lang: str) -> None:
        self._translator = translator
        self.lang = lang

    @property
    def translator(self) -> Translator:
        return self._translator

    def __call__(self, key: str, /, **args: object) -> str:
        return self._translator(self.lang, key, **args)
