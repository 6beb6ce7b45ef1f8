"""What a checked copy of an alert carries that the signed original does not: links, mentions.

A forwarded or pasted message can carry Telegram entities that leave its text as it was — a
`text_link` hidden behind a word, a `text_mention` — so its signature still verifies, and one
tap takes a reader to an impostor. The original holds no live link but the issuing bot's own
@username (everything else in a signed text is defanged), so anything else was added.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.services.defang import HOST, MENTION, SCHEME
from bot.services.signatures import without_signatures

LINK_ENTITIES = frozenset({"url", "text_link", "mention", "text_mention", "email"})
_NAME = re.compile(r"[A-Za-z0-9_]+")


def added_links(
    text: str, entities: Iterable[tuple[str, str]], issuer: str | None, also: str | None = None
) -> bool:
    """Whether `text`, or one of its `entities` (type, the text it covers), links anywhere but
    to the bot `issuer` (a username without '@'; None: no mention is expected) or, for a
    genuine notice of a move, the new bot it names (`also`)."""
    allowed = {f"@{name}".casefold() for name in (issuer, also) if name}
    for kind, covered in entities:
        if kind in LINK_ENTITIES and not (kind == "mention" and covered.casefold() in allowed):
            return True
    text = without_signatures(text)  # the signature itself is no link
    if HOST.search(text) or SCHEME.search(text):
        return True
    for at in MENTION.finditer(text):
        name = _NAME.match(text, at.end())
        if name is None or f"@{name.group()}".casefold() not in allowed:
            return True
    return False
