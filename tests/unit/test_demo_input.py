"""The demo's input: several lines between two lines of \"\"\" are one message, nothing lost."""

from __future__ import annotations

import io

from bot.demo import _lines


async def read_all(typed: str) -> list[str]:
    return [line async for line in _lines(io.StringIO(typed), interactive=False)]


async def test_lines_between_quotes_are_one_message() -> None:
    typed = '/verify\n"""\nРейд: Москва\n\n🔏 sig:A.x\n"""\n1\n'
    assert await read_all(typed) == ["/verify", "Рейд: Москва\n\n🔏 sig:A.x", "1"]


async def test_input_ending_inside_a_block_still_sends_it() -> None:
    assert await read_all('a\n  """  \nb\nc') == ["a", "b\nc"]
    assert await read_all('"""\n"""\n') == [""]  # an empty block: an empty message, skipped
