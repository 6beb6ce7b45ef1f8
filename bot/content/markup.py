"""The FAQ's small Markdown subset, rendered to Telegram HTML, and paging to Telegram's limit.

Only what docs/content-format.md allows: paragraphs, **bold**, _italic_, `- ` and `1. ` lists,
`## ` sub-headings and [text](https://...) links. Everything else is text and is escaped, so an
editor's stray `<` can never break a message.
"""

from __future__ import annotations

import html
import re

MESSAGE_LIMIT = 4096

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
_ITALIC = re.compile(r"(?<![\w])_(?!\s)(.+?)(?<!\s)_(?![\w])", re.S)
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
_TAG = re.compile(r"<[^>]*>")


def _inline(text: str) -> str:
    """Escape, then turn the subset's inline marks into tags."""
    links: list[str] = []

    def keep_link(match: re.Match[str]) -> str:
        label, url = match.group(1), match.group(2)
        links.append(
            f'<a href="{html.escape(url, quote=True)}">{html.escape(label, quote=False)}</a>'
        )
        return f"\x00{len(links) - 1}\x00"

    text = _LINK.sub(keep_link, text)
    text = html.escape(text, quote=False)
    text = _BOLD.sub(r"<b>\1</b>", text)
    text = _ITALIC.sub(r"<i>\1</i>", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: links[int(m.group(1))], text)


def render_blocks(markdown: str) -> list[str]:
    """The body as a list of HTML blocks (paragraphs, headings, lists), in order."""
    blocks: list[str] = []
    for raw in re.split(r"\n\s*\n", markdown.strip()):
        lines = [line.rstrip() for line in raw.strip("\n").splitlines() if line.strip()]
        if not lines:
            continue
        out = []
        for line in lines:
            stripped = line.strip()
            if stripped.startswith("## "):
                out.append(f"<b>{_inline(stripped[3:].strip())}</b>")
            elif stripped.startswith("- "):
                out.append("• " + _inline(stripped[2:].strip()))
            else:
                out.append(_inline(stripped))
        blocks.append("\n".join(out))
    return blocks


def visible_length(html_text: str) -> int:
    """Length Telegram counts: the text after entity parsing, in UTF-16 code units."""
    plain = html.unescape(_TAG.sub("", html_text))
    return len(plain.encode("utf-16-le")) // 2


def paginate(header: str, blocks: list[str], footer: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pages of `header + blocks (+ footer on the last page)`, each within `limit`.

    A page indicator is added by the caller, so a margin is left for it. A single block that is
    too long on its own is split at line breaks.
    """
    budget = limit - 32
    pieces: list[str] = []
    for block in blocks:
        if visible_length(header) + visible_length(block) + 2 <= budget:
            pieces.append(block)
        else:
            pieces.extend(line for line in block.split("\n") if line)
    pages: list[list[str]] = [[]]
    for piece in pieces:
        candidate = "\n\n".join([header, *pages[-1], piece])
        if pages[-1] and visible_length(candidate) > budget:
            pages.append([])
        pages[-1].append(piece)
    texts = ["\n\n".join([header, *page]) for page in pages]
    with_footer = texts[-1] + "\n\n" + footer
    if visible_length(with_footer) <= budget:
        texts[-1] = with_footer
    else:
        texts.append(header + "\n\n" + footer)
    return texts
