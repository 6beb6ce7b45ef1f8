"""Telegram HTML, parsed as the Bot API parses it, so text Telegram would refuse is never served.

`check` and start-up render every FAQ page and the emergency card and parse them here; the local
Bot API stand-in (`bot.devserver`) refuses the same text with the same 400. The parser follows
tdlib's `parse_html` (tag names, attribute rules, error wording with UTF-8 byte offsets), with one
deliberate difference asked for by the project: an `&` that does not start a known entity is an
error here, while tdlib keeps it literally. Bot API docs say such an `&` must be escaped, so the
stricter check catches text that only works by accident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EntityParseError",
    "ParsedText",
    "byte_offset",
    "parse_html",
    "utf16_len",
]

_SIMPLE_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
}
# The simple tags, and those whose entity carries more than a type.
_HTML_TAGS = frozenset({*_SIMPLE_ENTITY, "a", "code", "pre", "blockquote", "tg-emoji"})
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACE = " \t\n\r\f\v"
_SPECIAL = re.compile("[<&]")


class EntityParseError(ValueError):
    """Text that Telegram would refuse; `str(exc)` is the part after "can't parse entities: "."""


@dataclass(frozen=True)
class ParsedText:
    """What a client sees: the visible text, its entities and its length in UTF-16 code units."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)

    @property
    def length(self) -> int:
        """Length as Telegram counts it for the 4096/1024 limits."""
        return utf16_len(self.text)


def utf16_len(text: str) -> int:
    """Telegram counts text and entity offsets in UTF-16 code units, not code points."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def byte_offset(source: str, index: int) -> int:
    """Telegram's error messages count positions in UTF-8 bytes."""
    return len(source[:index].encode("utf-8"))


@dataclass
class _Open:
    tag: str
    offset: int  # UTF-16 offset in the visible text
    start: int  # index in the source, for error messages
    argument: str = ""
    expandable: bool = False


class _HtmlParser:
    """A single pass over the source, building visible text and entities as tdlib does."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.out: list[str] = []
        self.utf16 = 0
        self.entities: list[dict[str, Any]] = []
        self.stack: list[_Open] = []

    def at(self, i: int) -> str:
        return self.src[i] if i < len(self.src) else ""

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.utf16 += utf16_len(text)

    def run(self) -> ParsedText:
        src = self.src
        i = 0
        n = len(src)
        while i < n:
            match = _SPECIAL.search(src, i)
            stop = match.start() if match else n
            if stop > i:
                self.emit(src[i:stop])
                i = stop
                continue
            i = self.entity(i) if src[i] == "&" else self.tag(i)
        if self.stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedText("".join(self.out), self.entities)

    def decode_entity(self, i: int) -> tuple[str, int] | None:
        """Decode `&...;` at `i`; None when it is not an entity Telegram knows."""
        src = self.src
        j = i + 1
        if self.at(j) == "#":
            j += 1
            base = 10
            if self.at(j) in ("x", "X"):
                base = 16
                j += 1
            digits = "0123456789abcdefABCDEF" if base == 16 else "0123456789"
            k = j
            while k < len(src) and src[k] in digits and k - j < 8:
                k += 1
            if k == j or self.at(k) != ";":
                return None
            code = int(src[j:k], base)
            if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                return None
            return chr(code), k + 1
        k = j
        while k < len(src) and src[k].isascii() and src[k].isalpha():
            k += 1
        name = src[j:k]
        if name not in _NAMED_ENTITIES or self.at(k) != ";":
            return None
        return _NAMED_ENTITIES[name], k + 1

    def entity(self, i: int) -> int:
        decoded = self.decode_entity(i)
        if decoded is None:
            raise EntityParseError(
                f"Unsupported HTML entity at byte offset {byte_offset(self.src, i)}: "
                "escape '&' as &amp;"
            )
        self.emit(decoded[0])
        return decoded[1]

    def skip_space(self, i: int) -> int:
        while i < len(self.src) and self.src[i] in _SPACE:
            i += 1
        return i

    def tag(self, begin: int) -> int:
        if self.at(begin + 1) == "/":
            return self.end_tag(begin)
        src = self.src
        i = begin + 1
        while i < len(src) and src[i] not in _SPACE and src[i] != ">":
            i += 1
        boff = byte_offset(src, begin)
        if i >= len(src):
            raise EntityParseError(f"Unclosed start tag at byte offset {boff}")
        name = src[begin + 1 : i].lower()
        if name not in _HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {boff}')
        attrs, i = self.attributes(i, name, boff)
        self.open_tag(name, attrs, begin, boff)
        return i

    def attributes(self, i: int, name: str, boff: int) -> tuple[dict[str, str], int]:
        """The attributes of a start tag, read from `i` up to and including its `>`."""
        src = self.src
        attrs: dict[str, str] = {}
        while True:
            i = self.skip_space(i)
            if i >= len(src):
                raise EntityParseError(f"Unclosed start tag at byte offset {boff}")
            if src[i] == ">":
                return attrs, i + 1
            attr_begin = i
            while i < len(src) and src[i] not in _SPACE and src[i] not in "=>":
                i += 1
            attr = src[attr_begin:i].lower()
            if not attr:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {boff}'
                )
            i = self.skip_space(i)
            if self.at(i) != "=":
                if name == "blockquote" and attr == "expandable":
                    attrs[attr] = ""
                    continue
                raise EntityParseError(
                    'Expected equal sign in declaration of an attribute of the tag "'
                    f'{name}" at byte offset {boff}'
                )
            i = self.skip_space(i + 1)
            if i >= len(src):
                raise EntityParseError(f'Unclosed start tag "{name}" at byte offset {boff}')
            value, i = self.attribute_value(i, boff)
            attrs[attr] = value

    def attribute_value(self, i: int, boff: int) -> tuple[str, int]:
        src = self.src
        quote = src[i]
        if quote not in "'\"":
            start = i
            while i < len(src) and ((src[i].isascii() and src[i].isalnum()) or src[i] in ".-"):
                i += 1
            if i >= len(src) or (src[i] not in _SPACE and src[i] != ">"):
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {byte_offset(src, start)}"
                )
            return src[start:i].lower(), i
        i += 1
        value: list[str] = []
        while i < len(src) and src[i] != quote:
            if src[i] == "&":
                decoded = self.decode_entity(i)
                if decoded is not None:
                    value.append(decoded[0])
                    i = decoded[1]
                    continue
            value.append(src[i])
            i += 1
        if i >= len(src):
            raise EntityParseError(f"Unclosed start tag at byte offset {boff}")
        return "".join(value), i + 1

    def open_tag(self, name: str, attrs: dict[str, str], begin: int, boff: int) -> None:
        entry = _Open(name, self.utf16, begin)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {boff}')
        if name == "a":
            href = attrs.get("href", "")
            if not href:
                raise EntityParseError(f'Tag "a" must have attribute "href" at byte offset {boff}')
            entry.argument = href
        elif name == "code":
            cls = attrs.get("class", "")
            if cls.startswith("language-"):
                entry.argument = cls[len("language-") :]
        elif name == "tg-emoji":
            emoji_id = attrs.get("emoji-id", "")
            if not emoji_id.isdigit():
                raise EntityParseError(
                    f"Invalid custom emoji identifier specified at byte offset {boff}"
                )
            entry.argument = emoji_id
        elif name == "blockquote":
            entry.expandable = "expandable" in attrs
        self.stack.append(entry)

    def end_tag(self, begin: int) -> int:
        src = self.src
        boff = byte_offset(src, begin)
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {boff}")
        i = begin + 2
        while i < len(src) and src[i] not in _SPACE and src[i] != ">":
            i += 1
        name = src[begin + 2 : i].lower()
        while i < len(src) and src[i] in _SPACE:
            i += 1
        if self.at(i) != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {boff}")
        top = self.stack.pop()
        if name and name != top.tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {boff}, expected "</{top.tag}>", '
                f'found "</{name}>"'
            )
        self.close_entity(top)
        return i + 1

    def close_entity(self, top: _Open) -> None:
        length = self.utf16 - top.offset
        if length <= 0:
            return  # Telegram drops empty entities
        extra: dict[str, Any] = {}
        if top.tag in _SIMPLE_ENTITY:
            kind = _SIMPLE_ENTITY[top.tag]
        elif top.tag == "a":
            kind, extra = "text_link", {"url": top.argument}
        elif top.tag == "tg-emoji":
            kind, extra = "custom_emoji", {"custom_emoji_id": top.argument}
        elif top.tag == "blockquote":
            kind = "expandable_blockquote" if top.expandable else "blockquote"
        elif top.tag == "pre":
            kind = "pre"
            inner = self.entities[-1] if self.entities else None
            same_span = inner is not None and (inner["offset"], inner["length"]) == (
                top.offset,
                length,
            )
            if inner is not None and same_span and inner["type"] == "code":
                self.entities.pop()  # <pre><code class="language-x"> is one pre entity
                if inner.get("language"):
                    extra = {"language": inner["language"]}
        else:
            kind = "code"
            if top.argument:
                extra = {"language": top.argument}  # kept only if a <pre> wraps it
        self.entities.append({"type": kind, "offset": top.offset, "length": length, **extra})


def parse_html(source: str) -> ParsedText:
    """Parse Telegram HTML; raise EntityParseError with tdlib's wording when Telegram would."""
    parsed = _HtmlParser(source).run()
    for entity in parsed.entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return parsed
