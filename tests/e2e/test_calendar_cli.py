"""`check` validates the deadline calculator's calendar file like the rest of the content."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config import REPO_ROOT
from tests.e2e.test_cli import run_cli

CALENDAR = Path("calendar") / "ru-nonworking.toml"


def test_check_names_a_mistake_in_the_calendar_file_and_run_refuses_it(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", content)
    target = content / CALENDAR
    # 4 November 2026 (a Wednesday, Unity Day) dropped from the days off.
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace('"2026-11-04",', "", 1), encoding="utf-8")
    result = run_cli("check", "--offline", cwd=tmp_path, CONTENT_DIR=str(content))
    assert result.returncode == 1
    line = next(line for line in result.stdout.splitlines() if "ru-nonworking.toml" in line)
    assert "2026-11-04 is a public holiday" in line and line.startswith("problem:")
    started = run_cli("run", cwd=tmp_path, CONTENT_DIR=str(content), BOT_TOKEN="1:" + "a" * 35)
    assert started.returncode == 2 and "ru-nonworking.toml" in started.stderr
    assert "Traceback" not in started.stderr


def test_check_lists_the_calendar_years(tmp_path: Path) -> None:
    result = run_cli("check", "--offline", cwd=tmp_path, DATA_DIR=str(tmp_path / "data"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "calendar: non-working days for 2025, 2026" in result.stdout
