"""The command line stays split the way docs/architecture.md says (issue #12): bot/cli.py holds
the parser's skeleton, main() and shared helpers; every command's handler lives in the module
of its group, and no command module grows past what a newcomer can read in one sitting."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

from bot.cli import _parser

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 400


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every leaf command with its words, e.g. (("keys", "rotate"), parser)."""
    children = [
        action.choices
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
    ]
    if not children:
        yield path, parser
    for choices in children:
        for name, child in choices.items():
            yield from _commands(child, (*path, name))


def test_every_command_is_handled_in_its_group_module() -> None:
    places = {
        " ".join(words): parser.get_default("handler").__module__
        for words, parser in _commands(_parser())
    }
    assert len(places) > 20
    assert {words: module for words, module in places.items() if module == "bot.cli"} == {}
    assert places["keys rotate"] == "bot.keys_cli"
    assert places["panic"] == places["keys destroy"] == "bot.panic_cli"


def test_no_command_module_is_longer_than_a_sitting() -> None:
    modules = [*ROOT.glob("bot/*cli.py"), ROOT / "bot/documents/cli.py"]
    lengths = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in modules
    }
    assert len(lengths) >= 12
    assert {path: n for path, n in lengths.items() if n > MAX_LINES} == {}
