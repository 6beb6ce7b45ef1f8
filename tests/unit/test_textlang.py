"""Which language free text is in: said to readers of the other language, never translated."""

from __future__ import annotations

import pytest

from bot.services.textlang import written_in


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Сегодня открыты убежища", "ru"),
        ("Shelters open tonight", "en"),
        ("м. Выхино, exit 2", "ru"),  # mostly Cyrillic
        ("Vykhino metro, выход", "en"),
        ("12", None),
        ("", None),
        ("ab вг", None),  # a tie: nothing is claimed
    ],
)
def test_written_in(text: str, language: str | None) -> None:
    assert written_in(text) == language
