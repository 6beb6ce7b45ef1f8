"""The audit log from the operator's side, as separate processes: a server command run with the
passphrase is recorded under actor `operator`, and `helpline-bot check` verifies the chain (one
problem line naming the first broken seq after a row is edited; one line saying why not without
the passphrase)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.e2e.test_cli import run_cli
from tests.support.keys import PASSPHRASE, make_keyring


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A migrated data directory with a keyring, as after `keys init` and `migrate`."""
    data = tmp_path / "data"
    make_keyring(data / "keys")
    assert run_cli("migrate", cwd=tmp_path, DATA_DIR=str(data)).returncode == 0
    return data


def audit_rows(data: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(data / "helpline.sqlite3") as db:
        return list(db.execute("SELECT actor, action, subject FROM audit_log ORDER BY seq"))


def lines(text: str, prefix: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]


def test_operator_commands_are_recorded_and_check_catches_an_edit(data: Path) -> None:
    env = {"DATA_DIR": str(data), "KEY_PASSPHRASE": PASSPHRASE}
    rotate = run_cli("keys", "rotate", cwd=data.parent, **env)
    assert rotate.returncode == 0, rotate.stderr
    assert "audit log: keys.rotate recorded as entry #1" in rotate.stderr
    export = run_cli("reports", "export", cwd=data.parent, **env)
    assert export.returncode == 0, export.stderr
    assert export.stdout == ""  # the audit line goes to stderr, never into the export
    assert audit_rows(data) == [
        ("operator", "keys.rotate", "new=r2"),
        ("operator", "reports.export", "0"),
    ]

    check = run_cli("check", cwd=data.parent, **env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "ok: audit log: 2 entries verified under the key; head #2 " in check.stdout

    with sqlite3.connect(data / "helpline.sqlite3") as db:
        db.execute("UPDATE audit_log SET subject = '999' WHERE seq = 2")
    check = run_cli("check", cwd=data.parent, **env)
    assert check.returncode == 1
    [problem] = lines(check.stdout, "problem:")
    assert problem.startswith("problem: audit log: broken at seq 2 ")
    assert "Traceback" not in check.stdout + check.stderr


def test_check_without_the_passphrase_says_it_did_not_verify(data: Path) -> None:
    check = run_cli("check", cwd=data.parent, DATA_DIR=str(data))
    assert check.returncode == 0, check.stdout + check.stderr
    [line] = [line for line in check.stdout.splitlines() if "audit log" in line]
    assert line.startswith("warning: audit log not verified:") and "passphrase" in line


def test_a_new_keyring_for_the_database_starts_a_new_chain(data: Path) -> None:
    env = {"DATA_DIR": str(data), "KEY_PASSPHRASE": PASSPHRASE}
    assert run_cli("keys", "rotate", cwd=data.parent, **env).returncode == 0
    shutil.rmtree(data / "keys")  # the keyring is lost; the operator makes a new one
    assert run_cli("keys", "init", cwd=data.parent, **env).returncode == 0
    check = run_cli("check", cwd=data.parent, **env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "ok: audit log: 1 entries written under a previous keyring" in check.stdout
    rotate = run_cli("keys", "rotate", cwd=data.parent, **env)
    assert "audit log: 1 entries written under a previous keyring are kept" in rotate.stderr
    check = run_cli("check", cwd=data.parent, **env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert (
        "ok: audit log: 2 entries verified under the key (1 earlier ones kept unverified); head #3 "
        in check.stdout
    )
