"""The README's configuration table is the operator's reference: one row per `Settings`
field, its default the real one, and one row per command in the commands table."""

from __future__ import annotations

import re
from collections import Counter

from bot.config import REPO_ROOT, Settings

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    return README.split(f"### {title}\n", 1)[1].split("\n#", 1)[0]


def config_rows() -> list[tuple[str, str]]:
    """(VARIABLE, default cell) for every row of the configuration table."""
    return re.findall(r"^\| `([A-Z0-9_]+)` \| ([^|]*) \|", _section("Configuration"), re.M)


def test_every_setting_has_exactly_one_row() -> None:
    names = [name for name, _ in config_rows()]
    assert [n for n, count in Counter(names).items() if count > 1] == []
    assert set(names) == {field.upper() for field in Settings.model_fields}


def test_a_literal_default_is_the_real_one() -> None:
    for name, cell in config_rows():
        shown = re.fullmatch(r"`([^`]+)`", cell.strip())
        default = Settings.model_fields[name.lower()].default
        if shown and isinstance(default, int | float | str):
            value = shown.group(1)
            if isinstance(default, bool):
                assert value == str(default).lower(), name
            elif isinstance(default, int | float):
                assert float(value) == default, name
            else:
                assert value == default, name
        elif cell.strip() == "empty":
            assert default in (None, frozenset()) or name == "REGION_CHANNELS", name


def test_every_command_has_one_row() -> None:
    commands = re.findall(r"^\| `helpline-bot ([a-z-]+(?: [a-z-]+)?)", _section("Commands"), re.M)
    assert [c for c, count in Counter(commands).items() if count > 1] == []
