"""The command line as an operator uses it: exit codes, one-line errors, --help everywhere."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from tests.support.keys import PASSPHRASE


def run_cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**keep, "PYTHONPATH": str(REPO_ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_run_without_token_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_cli("run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_bad_setting_exits_2_naming_it(tmp_path: Path) -> None:
    result = run_cli("check", cwd=tmp_path, ADMIN_IDS="me")
    assert result.returncode == 2
    assert "ADMIN_IDS" in result.stderr and result.stderr.strip().count("\n") == 0


@pytest.mark.parametrize(
    "command",
    [[], ["run"], ["migrate"], ["check"], ["demo"], ["keys"], ["keys", "init"], ["keys", "rotate"]],
)
def test_help_everywhere(tmp_path: Path, command: list[str]) -> None:
    result = run_cli(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0 and "usage: helpline-bot" in result.stdout


def test_migrate_twice_and_permissions(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = run_cli("migrate", cwd=tmp_path, DATA_DIR=str(data))
    second = run_cli("migrate", cwd=tmp_path, DATA_DIR=str(data))
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "applied" in first.stdout and "up to date" in second.stdout
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    db = data / "helpline.sqlite3"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_check_passes_on_shipped_content(tmp_path: Path) -> None:
    result = run_cli("check", cwd=tmp_path, DATA_DIR=str(tmp_path / "data"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "problem:" not in result.stdout


def test_check_names_a_broken_catalogue(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", content)
    en = content / "locales" / "en" / "core.ftl"
    en.write_text(en.read_text().replace("cmd-help =", "cmd-halp ="))
    result = run_cli("check", cwd=tmp_path, CONTENT_DIR=str(content))
    assert result.returncode == 1
    assert "'cmd-help' missing" in result.stdout and "locales/en" in result.stdout


def test_run_refuses_a_broken_catalogue_in_one_line(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", content)
    ru = content / "locales" / "ru" / "alerts.ftl"
    ru.write_text(ru.read_text().replace("feedback-closed =", "feedback-klosed ="))
    result = run_cli("run", cwd=tmp_path, CONTENT_DIR=str(content), BOT_TOKEN="123456:" + "A" * 35)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert "'feedback-klosed' missing" in result.stderr


def test_newer_database_is_refused_in_one_line(tmp_path: Path) -> None:
    import sqlite3

    data = tmp_path / "data"
    assert run_cli("migrate", cwd=tmp_path, DATA_DIR=str(data)).returncode == 0
    with sqlite3.connect(data / "helpline.sqlite3") as raw:
        raw.execute("PRAGMA user_version = 42")
    result = run_cli("migrate", cwd=tmp_path, DATA_DIR=str(data))
    assert result.returncode == 2
    assert "newer than this program" in result.stderr and "Traceback" not in result.stderr


def test_a_damaged_database_is_one_line_for_every_command(tmp_path: Path) -> None:
    """A cut-short or overwritten file (a full disk, a bad copy): one line naming the way out,
    never a traceback, and the file left as it was."""
    data = tmp_path / "data"
    assert run_cli("migrate", cwd=tmp_path, DATA_DIR=str(data)).returncode == 0
    db = data / "helpline.sqlite3"
    db.write_bytes(db.read_bytes()[:5000])
    damaged = db.read_bytes()
    expected = {"migrate": 2, "check --offline": 1, "status": 1}
    for command, code in expected.items():
        result = run_cli(*command.split(), cwd=tmp_path, DATA_DIR=str(data))
        assert result.returncode == code, (command, result.stderr)
        out = result.stdout + result.stderr
        assert "Traceback" not in out and "restore the latest backup" in out, (command, out)
    assert db.read_bytes() == damaged


@pytest.mark.parametrize(
    ("path", "old", "new", "expected"),
    [
        ("faq/en/travel-ban.md", "sources = ", "sourcez = ", "missing field 'sources'"),
        (
            "faq/ru/travel-ban.md",
            "related = [",
            'related = ["nowhere", ',
            "'nowhere' does not exist",
        ),
    ],
)
def test_check_names_a_broken_faq_entry(
    tmp_path: Path, path: str, old: str, new: str, expected: str
) -> None:
    content = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", content)
    target = content / path
    target.write_text(target.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    result = run_cli("check", cwd=tmp_path, CONTENT_DIR=str(content))
    assert result.returncode == 1
    assert any(path in line and expected in line for line in result.stdout.splitlines())
    started = run_cli("run", cwd=tmp_path, CONTENT_DIR=str(content), BOT_TOKEN="1:" + "a" * 35)
    assert started.returncode == 2 and path in started.stderr  # refuses to start on it


def test_check_without_english_twin(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", content)
    (content / "faq" / "en" / "raids.md").unlink()
    result = run_cli("check", cwd=tmp_path, CONTENT_DIR=str(content))
    assert result.returncode == 1 and "ru/raids.md: no en twin" in result.stdout


def test_keys_init_rotate_status_and_check(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path / "data"), "KEY_PASSPHRASE": PASSPHRASE}
    created = run_cli("keys", "init", cwd=tmp_path, **env)
    assert created.returncode == 0, created.stderr
    assert "fingerprint" in created.stdout
    keyring = tmp_path / "data" / "keys" / "keyring.json"
    assert stat.S_IMODE(keyring.stat().st_mode) == 0o600
    assert stat.S_IMODE(keyring.parent.stat().st_mode) == 0o700
    assert b"correct horse" not in keyring.read_bytes()

    again = run_cli("keys", "init", cwd=tmp_path, **env)
    assert again.returncode == 2 and "not overwriting" in again.stderr
    assert again.stderr.strip().count("\n") == 0

    wrong = run_cli(
        "keys", "rotate", cwd=tmp_path, **{**env, "KEY_PASSPHRASE": "not the passphrase"}
    )
    assert wrong.returncode == 2 and "wrong passphrase" in wrong.stderr
    assert "Traceback" not in wrong.stderr

    passfile = tmp_path / "passphrase"
    passfile.write_text(PASSPHRASE + "\n")
    rotated = run_cli(
        "keys", "rotate", cwd=tmp_path, DATA_DIR=env["DATA_DIR"], KEY_PASSPHRASE_FILE=str(passfile)
    )
    assert rotated.returncode == 0 and "r2" in rotated.stdout
    # r1 was current until now: a running bot may have sealed a report to it a moment ago, so
    # it is kept for one more rotation even though no stored report needs it.
    assert "destroyed" not in rotated.stdout
    rotated = run_cli(
        "keys", "rotate", cwd=tmp_path, DATA_DIR=env["DATA_DIR"], KEY_PASSPHRASE_FILE=str(passfile)
    )
    assert rotated.returncode == 0 and "r3" in rotated.stdout
    assert "destroyed retired key(s) r1" in rotated.stdout  # no stored report needed it
    status = run_cli("keys", "status", cwd=tmp_path, DATA_DIR=env["DATA_DIR"])
    assert "review key r1: destroyed" in status.stdout and "review key r3: current" in status.stdout

    checked = run_cli("check", cwd=tmp_path, **env)
    assert checked.returncode == 0 and "unattended mode" in checked.stdout
    hardened = run_cli("check", cwd=tmp_path, DATA_DIR=env["DATA_DIR"])
    assert "hardened mode" in hardened.stdout


def test_keys_without_passphrase_or_terminal(tmp_path: Path) -> None:
    result = run_cli("keys", "init", cwd=tmp_path, DATA_DIR=str(tmp_path / "data"))
    assert result.returncode == 2 and "KEY_PASSPHRASE" in result.stderr
    assert not (tmp_path / "data" / "keys" / "keyring.json").exists()


def test_reports_export_and_rotation_shreds_unused_keys(tmp_path: Path) -> None:
    import asyncio
    import json

    from bot.crypto.keyring import PublicKeyring
    from bot.services.location import coarse_location
    from bot.services.reports import ReportDraft, ReportService
    from bot.storage import migrations
    from bot.storage.db import Database

    data = tmp_path / "data"
    env = {"DATA_DIR": str(data), "KEY_PASSPHRASE": PASSPHRASE}
    assert run_cli("keys", "init", cwd=tmp_path, **env).returncode == 0

    async def store_one() -> None:
        db = await Database.open(data / "helpline.sqlite3")
        await migrations.apply(db)
        service = ReportService(db, PublicKeyring.load(data / "keys"), per_hour=5)
        draft = ReportDraft("spb", "metro", "now", "проверка у выхода 2", None, (59.9, 30.3))
        await service.submit(draft, 5_123_456_789)
        await db.close()

    asyncio.run(store_one())
    exported = run_cli("reports", "export", cwd=tmp_path, **env)
    assert exported.returncode == 0, exported.stderr
    [line] = exported.stdout.splitlines()
    record = json.loads(line)
    assert record["text"] == "проверка у выхода 2" and record["region"] == "spb"
    assert record["location"] == list(coarse_location(59.9, 30.3))  # the ~500 m cell
    assert record["moved_from"] is None  # stored as sent

    rotated = run_cli("keys", "rotate", cwd=tmp_path, **env)
    assert rotated.returncode == 0 and "destroyed" not in rotated.stdout  # r1 still protects one
    again = run_cli("reports", "export", cwd=tmp_path, **env)
    assert json.loads(again.stdout.splitlines()[0])["text"] == "проверка у выхода 2"

    wrong = run_cli(
        "reports", "export", cwd=tmp_path, DATA_DIR=str(data), KEY_PASSPHRASE="nope-nope-nope"
    )
    assert wrong.returncode == 2 and "wrong passphrase" in wrong.stderr and not wrong.stdout


def test_check_warns_when_too_few_moderators_for_the_two_person_rule(tmp_path: Path) -> None:
    assert run_cli("migrate", cwd=tmp_path).returncode == 0
    result = run_cli("check", cwd=tmp_path, ADMIN_IDS="111")
    assert "ALERT_APPROVALS=2 but there are only 1 moderator(s)" in result.stdout
    assert "the two-person rule rests on one person: only 1 person can approve" in result.stdout
    lowered = run_cli("check", cwd=tmp_path, ADMIN_IDS="111,222", ALERT_APPROVALS="1")
    assert "rests on one person: ALERT_APPROVALS=1: one account alone" in lowered.stdout
    assert "an alert needs 1 approval(s)" in lowered.stdout
    two = run_cli("check", cwd=tmp_path, ADMIN_IDS="111,222")
    assert "rests on one person" not in two.stdout and "an alert needs 2" in two.stdout


def test_check_and_run_refuse_alert_settings_that_cannot_work(tmp_path: Path) -> None:
    lifetimes = run_cli("check", cwd=tmp_path, ALERT_TTL_HOURS="48", ALERT_RETENTION_DAYS="1")
    assert "ALERT_TTL_HOURS=48 is not shorter than ALERT_RETENTION_DAYS=1" in lifetimes.stdout
    person = run_cli("check", cwd=tmp_path, REGION_CHANNELS="moscow=5123456789")
    assert person.returncode == 2 and "REGION_CHANNELS" in person.stderr
    assert "not a channel for moscow" in person.stderr and "Traceback" not in person.stderr
