"""`helpline-bot status` and the metrics from the operator's side, as separate processes: status
before any run, while the real bot runs, after it stopped and after it was killed (exit 0 only
when healthy); a METRICS_ADDR that is malformed or whose port is taken ends `run` with one line
and exit 2."""

from __future__ import annotations

import signal
import socket
import sqlite3
from pathlib import Path

from bot.devserver.server import FakeBotAPI
from tests.e2e.test_operator_errors import assert_one_line, cli
from tests.support.alerts import OUTSIDER, start
from tests.support.chat import User
from tests.support.keys import PASSPHRASE
from tests.support.process import StartBot


def lines(out: str, prefix: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(prefix)]


async def test_status_before_during_and_after_a_run(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path, tmp_path: Path
) -> None:
    data = keyring_dir.parent
    code, out, err = await cli("status", cwd=tmp_path, DATA_DIR=str(data))
    assert code == 1, out + err
    assert "database: missing" in out and "keyring: present" in out
    assert not data.joinpath("helpline.sqlite3").exists()  # status creates nothing

    bot = await start(start_bot)
    await User(api, OUTSIDER, "ru").say("/start")
    code, out, err = await cli("status", cwd=tmp_path, DATA_DIR=str(data))
    assert code == 0, out + err
    assert err == ""
    for expected in (
        "database: ok",
        "bot: running since ",
        "last successful getUpdates: ",
        "keyring: unlocked",
        "reports waiting: 0",
        "drafts awaiting approval: 0",
        "outbox backlog: 0",
        "next runs:",
        "audit head: ",
        "status: healthy",
    ):
        assert expected in out, out
    assert lines(out, "problem:") == []
    assert str(OUTSIDER) not in out

    assert await bot.stop() == 0
    code, out, _ = await cli("status", cwd=tmp_path, DATA_DIR=str(data))
    assert code == 1
    assert lines(out, "problem:")[0].startswith("problem: bot not running / stopped at ")
    assert "next runs:" not in out and "keyring: present" in out

    # Killed (no clean stop) and silent for a while: "last seen", honestly.
    bot = await start_bot(wait_ready=True)  # no passphrase, no terminal: locked
    code, out, _ = await cli("status", cwd=tmp_path, DATA_DIR=str(data))
    assert code == 1 and "keyring: locked" in out
    assert lines(out, "problem:")[0].startswith("problem: keyring locked")
    await bot.stop(signal.SIGKILL)
    with sqlite3.connect(data / "helpline.sqlite3") as db:
        db.execute("UPDATE bot_status SET seen_at = '2026-01-02T03:04Z'")
    code, out, _ = await cli("status", cwd=tmp_path, DATA_DIR=str(data))
    assert code == 1
    assert "problem: bot not running / last seen 2026-01-02 03:04 UTC" in out
    assert "Traceback" not in out


async def test_a_bad_metrics_addr_or_a_taken_port_is_one_line_and_exit_2(
    api: FakeBotAPI, keyring_dir: Path, tmp_path: Path
) -> None:
    env = {
        "BOT_TOKEN": api.token,
        "BOT_API_URL": api.base_url,
        "DATA_DIR": str(keyring_dir.parent),
        "KEY_PASSPHRASE": PASSPHRASE,
    }
    code, _, err = await cli("run", cwd=tmp_path, METRICS_ADDR="localhost", **env)
    assert_one_line(code, err)
    assert "METRICS_ADDR: must be host:port" in err

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = await cli(
            "run", cwd=tmp_path, METRICS_ADDR=f"127.0.0.1:{port}", LOG_LEVEL="ERROR", **env
        )
    assert_one_line(code, err)
    assert f"METRICS_ADDR 127.0.0.1:{port}: cannot listen there" in err, err
    assert "pick a free port" in err
