"""The layering the README promises, checked on the source: domain services do not import
aiogram (Telegram adapters live in bot/telegram), nothing in the domain reaches up into
handlers, and no service module grows past what a newcomer can read in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ("bot/services", "bot/storage", "bot/content", "bot/crypto")
MAX_SERVICE_LINES = 400


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", DOMAIN)
def test_the_domain_imports_neither_aiogram_nor_handlers(folder: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _imports(path) if name.split(".")[0] in ("aiogram", "handlers")
        )
        for path in _modules(folder)
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_no_service_module_is_longer_than_a_sitting() -> None:
    lengths = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in _modules("bot/services") + _modules("bot/telegram")
    }
    assert {path: n for path, n in lengths.items() if n > MAX_SERVICE_LINES} == {}


def test_the_scan_sees_imports() -> None:
    """The checks above would notice an import: this file imports pytest and ast."""
    assert {"ast", "pathlib", "pytest"} <= _imports(Path(__file__))
