"""The stand-in's text formatting: every parse_mode a bot may send, checked as Telegram does.

HTML is the production parser (`bot.content.telegram_html`), since content is checked with it
before it is served. MarkdownV2 is checked loosely here: reserved characters that are not escaped
and entities that are never closed are refused, which covers the mistakes bots make in practice.
Legacy Markdown is accepted as Telegram accepts it.
"""

from __future__ import annotations

import re
from typing import Any

from bot.content.telegram_html import (
    EntityParseError,
    ParsedText,
    byte_offset,
    parse_html,
    utf16_len,
)

__all__ = [
    "UnsupportedParseModeError",
    "parse_markdown",
    "parse_markdown_v2",
    "parse_text",
]

_SPACE = " \t\n\r\f\v"
_MD2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD2_NAMES = {
    "*": "Bold",
    "_": "Italic",
    "__": "Underline",
    "~": "Strikethrough",
    "||": "Spoiler",
    "[": "TextUrl",
}
_MD2_TYPES = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}
_EMOJI_LINK = "tg://emoji?id="


class UnsupportedParseModeError(ValueError):
    """A parse_mode Telegram does not know."""


class _MarkdownV2Parser:
    """A single pass over the source, building visible text and entities."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.out: list[str] = []
        self.utf16 = 0
        self.entities: list[dict[str, Any]] = []
        self.stack: list[tuple[str, int, int]] = []  # marker, utf16 offset, source index

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.utf16 += utf16_len(text)

    def run(self) -> ParsedText:
        i = 0
        line_start = True
        while i < len(self.src):
            ch = self.src[i]
            at_line_start = line_start
            line_start = ch == "\n"
            i = self.step(i, ch, at_line_start)
        if self.stack:
            marker, _start, src_index = self.stack[-1]
            raise EntityParseError(
                f"Can't find end of {_MD2_NAMES[marker]} entity at byte offset "
                f"{byte_offset(self.src, src_index)}"
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedText("".join(self.out), self.entities)

    def step(self, i: int, ch: str, at_line_start: bool) -> int:
        """Consume what starts at `i`; returns where the next step starts."""
        source = self.src
        if ch == "\\" and i + 1 < len(source):
            self.emit(source[i + 1])
            return i + 2
        if ch == "`":
            return self.code(i)
        if ch == ">" and at_line_start:
            return i + 1
        if ch == "[" or (ch == "!" and source.startswith("![", i)):
            self.stack.append(("[", self.utf16, i))
            return i + (2 if ch == "!" else 1)
        if ch == "]" and self.stack and self.stack[-1][0] == "[":
            return self.link(i)
        marker = self.marker_at(i)
        if marker:
            return self.toggle(marker, i)
        if ch in _MD2_RESERVED:
            raise EntityParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        self.emit(ch)
        return i + 1

    def code(self, i: int) -> int:
        """`code` or a ```pre``` block, whose first line may name its language."""
        source = self.src
        n = len(source)
        fence = source.startswith("```", i)
        marker = "```" if fence else "`"
        j = i + len(marker)
        body: list[str] = []
        while j < n and not source.startswith(marker, j):
            if source[j] == "\\" and j + 1 < n:
                body.append(source[j + 1])
                j += 2
                continue
            body.append(source[j])
            j += 1
        if j >= n:
            kind = "Pre" if fence else "Code"
            raise EntityParseError(
                f"Can't find end of {kind} entity at byte offset {byte_offset(source, i)}"
            )
        text = "".join(body)
        entity: dict[str, Any] = {"type": "pre" if fence else "code", "offset": self.utf16}
        if fence and "\n" in text:
            first, rest = text.split("\n", 1)
            if first and not any(c in _SPACE for c in first):
                entity["language"] = first
                text = rest
        self.emit(text)
        entity["length"] = utf16_len(text)
        if entity["length"]:
            self.entities.append(entity)
        return j + len(marker)

    def link(self, i: int) -> int:
        """The `](url)` that closes a `[text` opened earlier."""
        source = self.src
        n = len(source)
        _, start, src_index = self.stack.pop()
        if not source.startswith("(", i + 1):
            raise EntityParseError(
                f"Can't find end of TextUrl entity at byte offset {byte_offset(source, src_index)}"
            )
        j = i + 2
        url: list[str] = []
        while j < n and source[j] != ")":
            if source[j] == "\\" and j + 1 < n:
                j += 1
            url.append(source[j])
            j += 1
        if j >= n:
            raise EntityParseError(
                f"Can't find end of a URL at byte offset {byte_offset(source, i + 1)}"
            )
        if self.utf16 > start:
            link = "".join(url)
            span = {"offset": start, "length": self.utf16 - start}
            if link.startswith(_EMOJI_LINK):
                emoji_id = link.removeprefix(_EMOJI_LINK)
                self.entities.append({"type": "custom_emoji", **span, "custom_emoji_id": emoji_id})
            else:
                self.entities.append({"type": "text_link", **span, "url": link})
        return j + 1

    def marker_at(self, i: int) -> str:
        """The emphasis marker starting at `i`, or ""."""
        if self.src.startswith("||", i):
            return "||"
        if self.src.startswith("__", i):
            return "__"
        ch = self.src[i]
        return ch if ch in "*_~" else ""

    def toggle(self, marker: str, i: int) -> int:
        """Close the innermost entity if `marker` opened it, else open a new one."""
        if self.stack and self.stack[-1][0] == marker:
            _, start, _src = self.stack.pop()
            if self.utf16 > start:
                self.entities.append(
                    {"type": _MD2_TYPES[marker], "offset": start, "length": self.utf16 - start}
                )
        else:
            self.stack.append((marker, self.utf16, i))
        return i + len(marker)


def parse_markdown_v2(source: str) -> ParsedText:
    """Loose MarkdownV2: visible text plus simple entities; refuses the common mistakes."""
    return _MarkdownV2Parser(source).run()


def parse_markdown(source: str) -> ParsedText:
    """Legacy Markdown, accepted as Telegram accepts it; markers are stripped, nothing refused."""
    out: list[str] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\" and i + 1 < len(source) and source[i + 1] in "_*`[":
            out.append(source[i + 1])
            i += 2
            continue
        if ch in "*_`":
            i += 1
            continue
        if ch == "[":
            close = source.find("](", i)
            end = source.find(")", close) if close != -1 else -1
            if close != -1 and end != -1:
                out.append(source[i + 1 : close])
                i = end + 1
                continue
        out.append(ch)
        i += 1
    return ParsedText("".join(out))


def parse_text(text: str, parse_mode: str | None) -> ParsedText:
    """Dispatch on parse_mode (case-insensitive, like Telegram); None or "" means plain text.
    Bare addresses and @mentions then become entities, as Telegram makes them."""
    return with_detected_links(_parse(text, parse_mode))


def _parse(text: str, parse_mode: str | None) -> ParsedText:
    if not parse_mode:
        return ParsedText(text)
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise UnsupportedParseModeError(parse_mode)


# Top-level domains as Telegram knows them: Latin ones, and the Cyrillic ones in use.
_TLD = "(?:[a-z]{2,24}|рф|рус|москва|онлайн|сайт|орг|ком|дети|бел|укр|срб|қаз)"
# Telegram links these without any markup (written independently of bot.services.defang, so
# that a test against the stand-in does not just agree with the code it checks).
_AUTO_LINKS = (
    ("url", re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s<>\"]+")),
    ("email", re.compile(rf"(?i)[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.{_TLD}\b")),
    ("url", re.compile(rf"(?i)(?<![\w@.])(?:[\w-]+\.)+{_TLD}\b(?:/[^\s<>\"]*)?")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}\b")),
)
_NO_LINKS_IN = frozenset({"code", "pre", "url", "email", "mention", "text_link", "text_mention"})


def with_detected_links(parsed: ParsedText) -> ParsedText:
    """The parsed text with Telegram's automatic url, email and mention entities added (never
    inside code, pre or an existing link)."""
    text = parsed.text
    taken: list[tuple[int, int]] = [
        (e["offset"], e["offset"] + e["length"])
        for e in parsed.entities
        if e.get("type") in _NO_LINKS_IN
    ]
    found: list[dict[str, Any]] = []
    for kind, pattern in _AUTO_LINKS:
        for match in pattern.finditer(text):
            start = utf16_len(text[: match.start()])
            end = start + utf16_len(match.group(0))
            if any(start < b and a < end for a, b in taken):
                continue
            taken.append((start, end))
            found.append({"type": kind, "offset": start, "length": end - start})
    if not found:
        return parsed
    entities = sorted([*parsed.entities, *found], key=lambda e: (e["offset"], -e["length"]))
    return ParsedText(text, entities)
