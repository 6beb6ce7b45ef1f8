"""Which language a person's free text is in, by its letters: Russian (Cyrillic) or English
(Latin). Used to say so to readers of the other language, never to translate."""

from __future__ import annotations


def written_in(text: str) -> str | None:
    """'ru' when Cyrillic letters outnumber Latin ones, 'en' for the reverse; None for a tie
    or no letters at all ("12", a station number)."""
    cyrillic = sum(1 for c in text if c.isalpha() and "\u0400" <= c <= "\u04ff")
    latin = sum(1 for c in text if c.isalpha() and c.isascii())
    if cyrillic == latin:
        return None
    return "ru" if cyrillic > latin else "en"
