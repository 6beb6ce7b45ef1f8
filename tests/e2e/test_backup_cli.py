"""Backups and moves through the real CLI beside the real bot process: backup while it runs,
the seized-disk scan on the backup file, wipe, restore, and an earlier report still opens;
damaged, foreign and misdirected files change nothing; export/import to a server with the
same bot (and not to another bot)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import subprocess
from functools import partial
from pathlib import Path

import pytest

from bot.crypto.keyring import KEYRING_FILE
from bot.devserver.server import FakeBotAPI
from tests.e2e.test_cli import run_cli
from tests.support.alerts import subscribe
from tests.support.chat import USER_IDS, User
from tests.support.keys import PASSPHRASE, make_keyring
from tests.support.leaks import needles, scan_bytes, scan_dir
from tests.support.process import ProcessStarter
from tests.support.reports import MARKER, fill_form

BACKUP_PASS = "quarrel-anthem-bravely-sandal-uplift"
PLANTED = "plaintext-control-5e1d"


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """A refusal: one line on stderr, no traceback."""
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return result.stderr


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Operator:
    """The operator's shell on one server: its DATA_DIR, the keyring passphrase configured."""

    def __init__(self, root: Path, data: Path, **env: str) -> None:
        self.root, self.data = root, data
        self.env = {"DATA_DIR": str(data), "KEY_PASSPHRASE": PASSPHRASE, **env}
        root.mkdir(parents=True, exist_ok=True)
        (root / "backup-pass").write_text(BACKUP_PASS + "\n")

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, cwd=self.root, **{**self.env, **env})

    def backup_key(self) -> Path:
        made = self("keys", "backup-key", "--out", "bkey", "--passphrase-file", "backup-pass")
        assert made.returncode == 0, made.stderr
        return self.root / "bkey"

    def opening(self, *args: str, key: Path | None = None) -> list[str]:
        return [*args, "--key", str(key or self.root / "bkey"), "--passphrase-file", "backup-pass"]


@pytest.fixture
def operator(tmp_path: Path, keyring_dir: Path) -> Operator:
    return Operator(tmp_path, keyring_dir.parent)


async def test_backup_wipe_restore_and_the_report_still_opens(
    api: FakeBotAPI, start_bot: ProcessStarter, operator: Operator
) -> None:
    user = User(api, USER_IDS[0], "ru", first_name="Backup-Marker-Name")
    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE)
    await fill_form(user)
    await user.press("Отправить")
    key = operator.backup_key()  # the keyring gains the backup key while the bot runs
    assert key.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(operator.data / "helpline.sqlite3") as db:  # the scan's control
        db.execute("CREATE TABLE planted (note TEXT, chat INTEGER)")
        db.execute("INSERT INTO planted VALUES (?, ?)", (PLANTED, USER_IDS[1]))

    made = operator("backup", "b1")  # online, beside the running bot
    assert made.returncode == 0, made.stderr
    second = operator("run", BOT_TOKEN=api.token, BOT_API_URL=api.base_url)
    assert second.returncode == 2 and "another helpline-bot process" in one_line(second)
    status = operator("keys", "status")
    assert f"backup key {json.loads(key.read_text())['key_id']}: created" in status.stdout
    assert "backup key b" in operator("check", "--offline").stdout
    assert "backup recorded" in made.stderr  # the audit log has it
    backup = operator.root / "b1"
    assert backup.stat().st_mode & 0o777 == 0o600
    markers = needles([MARKER, PLANTED, "Backup-Marker-Name"], [user.id, USER_IDS[1]])
    assert scan_bytes(backup.read_bytes(), markers) == []
    assert [p.name for p in operator.data.iterdir() if p.name.startswith(".backup-")] == []
    busy = one_line(operator("restore", *operator.opening("b1")))
    assert "another helpline-bot process" in busy
    assert busy.count("nothing was changed") == 1  # said once, not once per layer

    assert await bot.stop() == 0
    refused = operator("restore", *operator.opening("b1"))
    assert refused.returncode == 1 and "--force" in one_line(refused)
    for path in operator.data.glob("helpline.sqlite3*"):
        path.unlink()  # the disk is lost; the keyring (an offline copy) is back in KEYS_DIR
    restored = operator("restore", *operator.opening("b1"))
    assert restored.returncode == 0, restored.stderr
    assert [p.name for p in operator.data.iterdir() if p.name.startswith(".backup-")] == []
    assert any(PLANTED in hit for hit in scan_dir(operator.data, markers))  # control: found

    export = operator("reports", "export")
    assert export.returncode == 0, export.stderr
    assert MARKER in export.stdout
    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE)  # and the bot starts on it
    assert await bot.stop() == 0


async def test_damaged_foreign_and_misdirected_backups_change_nothing(
    tmp_path: Path, operator: Operator
) -> None:
    assert operator("migrate").returncode == 0
    assert operator("keys", "rotate").returncode == 0  # pins the keys, as a start would
    key = operator.backup_key()
    assert operator("backup", "good").returncode == 0
    assert operator("backup", "good").returncode == 2  # never overwrites a file
    good = (tmp_path / "good").read_bytes()
    other = Operator(tmp_path / "other", tmp_path / "other" / "data")
    make_keyring(other.data / "keys")
    assert other("migrate").returncode == 0
    other.backup_key()
    assert other("backup", "foreign").returncode == 0
    middle = len(good) // 2
    files = {
        "flipped": good[:middle] + bytes([good[middle] ^ 1]) + good[middle + 1 :],
        "cut": good[: len(good) - 100],
        "not-a-backup": b"SQLite format 3\0" + bytes(200),
        "foreign": (other.root / "foreign").read_bytes(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    live = digest(operator.data / "helpline.sqlite3")
    for name in files:
        result = operator("restore", *operator.opening(name), "--force")
        assert result.returncode == 1, (name, result.stderr)
        assert "nothing was changed" in one_line(result)
    assert "another instance" in operator("restore", *operator.opening("foreign")).stderr
    foreign_key = operator("restore", *operator.opening("good", key=other.root / "bkey"))
    assert foreign_key.returncode == 1 and "sealed to backup key" in one_line(foreign_key)
    (tmp_path / "wrong-pass").write_text("not-the-backup-passphrase-at-all\n")
    wrong = operator("restore", "good", "--key", str(key), "--passphrase-file", "wrong-pass")
    assert wrong.returncode == 2 and "wrong passphrase" in one_line(wrong)
    assert operator("restore", *operator.opening("absent")).returncode == 2
    assert digest(operator.data / "helpline.sqlite3") == live
    # A keyring swapped behind the bot's back (another signing key, its own backup key): the
    # pins in the database refuse it, so no backup is sealed to someone else's key.
    mine = operator.data / "keys" / KEYRING_FILE
    mine.write_bytes((other.data / "keys" / KEYRING_FILE).read_bytes())
    swapped = operator("backup", "to-them")
    assert swapped.returncode == 1 and "replaced" in one_line(swapped)
    assert not (tmp_path / "to-them").exists()


async def test_export_moves_subscriptions_to_a_server_with_the_same_bot(
    api: FakeBotAPI, start_bot: ProcessStarter, operator: Operator, tmp_path: Path
) -> None:
    user = User(api, USER_IDS[0], "en")
    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE)
    await subscribe(user, "Moscow")
    assert await bot.stop() == 0
    operator.backup_key()
    exported = operator("export", "move", BOT_TOKEN=api.token, ALERT_APPROVALS="3")
    assert exported.returncode == 0, exported.stderr
    assert scan_bytes((tmp_path / "move").read_bytes(), needles([], [user.id])) == []

    new = Operator(tmp_path / "new", tmp_path / "new" / "data", BOT_TOKEN=api.token)
    (new.root / "bkey").write_bytes((tmp_path / "bkey").read_bytes())
    another_bot = new("import", str(tmp_path / "move"), *new.opening("--offline"), BOT_TOKEN="42:x")
    assert another_bot.returncode == 1 and "bot id" in one_line(another_bot)
    assert not new.data.joinpath("keys", KEYRING_FILE).exists()
    online = partial(
        new, "import", str(tmp_path / "move"), *new.opening(), BOT_API_URL=api.base_url
    )
    imported = await asyncio.to_thread(online)  # the stand-in answers getMe meanwhile
    assert imported.returncode == 0, imported.stderr  # getMe says it is the same bot
    assert (new.data / "keys" / KEYRING_FILE).read_bytes() == (
        operator.data / "keys" / KEYRING_FILE
    ).read_bytes()
    assert (new.root / "helpline-import" / "content" / "regions.toml").is_file()
    moved_settings = (new.root / "helpline-import" / "settings.env").read_text()
    assert "ALERT_APPROVALS=3" in moved_settings
    assert "TOKEN" not in moved_settings and PASSPHRASE not in moved_settings
    again = new("import", str(tmp_path / "move"), *new.opening("--offline", "--to", "other"))
    assert again.returncode == 1 and "--force" in one_line(again)
    wrong_kind = new("restore", str(tmp_path / "move"), *new.opening("--force"))
    assert wrong_kind.returncode == 1 and "`import`" in one_line(wrong_kind)

    moved = await start_bot(KEY_PASSPHRASE=PASSPHRASE, DATA_DIR=str(new.data))
    screen = await user.say("/alerts")
    assert "Moscow" in screen.visible_text  # the subscription decrypts on the new server
    assert await moved.stop() == 0


def test_the_backup_key_is_made_once_under_a_passphrase_of_its_own(operator: Operator) -> None:
    root = operator.root
    (root / "same").write_text(PASSPHRASE + "\n")
    (root / "weak").write_text("password\n")
    for name in ("same", "weak"):
        refused = operator("keys", "backup-key", "--print", "--passphrase-file", name)
        assert refused.returncode == 2 and "nothing was created" in one_line(refused)
    assert "backup key: none" in operator("keys", "status").stdout
    printed = operator("keys", "backup-key", "--print", "--passphrase-file", "backup-pass")
    assert printed.returncode == 0, printed.stderr
    key_id = json.loads(printed.stdout)["key_id"]
    assert f"backup key {key_id}" in operator("keys", "status").stdout
    again = operator("keys", "backup-key", "--out", "bkey", "--passphrase-file", "backup-pass")
    assert again.returncode == 2 and "--replace" in one_line(again)
    assert not (root / "bkey").exists()
    replaced = operator(
        "keys", "backup-key", "--replace", "--out", "bkey", "--passphrase-file", "backup-pass"
    )
    assert replaced.returncode == 0, replaced.stderr
    assert json.loads((root / "bkey").read_text())["key_id"] != key_id
    assert not list(operator.data.rglob("*backup-key*")) and not list(operator.data.rglob("bkey"))


def test_restore_asks_the_backup_key_passphrase_on_a_terminal(operator: Operator) -> None:
    from tests.e2e.test_keys_cli import Terminal

    assert operator("migrate").returncode == 0
    operator.backup_key()
    assert operator("backup", "b").returncode == 0
    (operator.data / "helpline.sqlite3").unlink()
    term = Terminal(operator.root, "restore", "b", "--key", "bkey", **operator.env)
    term.expect("Backup key passphrase: ")
    term.type(BACKUP_PASS)
    assert term.wait() == 0, term.output
    assert "restored" in term.output and BACKUP_PASS not in term.output.split("passphrase:")[1]
    assert (operator.data / "helpline.sqlite3").stat().st_size > 0
