"""What an operator sees at the command line: every configuration mistake is one line and exit 2
(never a traceback), `check` refuses what `run` would refuse, an unreachable Bot API at start is
waited out, and the start-up log is short."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import stat
import sys
from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from bot.devserver.server import FakeBotAPI
from tests.support.keys import PASSPHRASE
from tests.support.process import ProcessStarter

TOKEN = "123456:" + "A" * 35


def _env(**overrides: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {**keep, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1", **overrides}


async def cli(*args: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    """`python -m bot ARGS` without blocking the loop (the stand-in Bot API runs in it)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=_env(**env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def closed_port() -> str:
    """A 127.0.0.1 URL where nothing listens: the port was just free."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def assert_one_line(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    assert err.strip().count("\n") == 0, err
    assert "Traceback" not in err and "Value error" not in err, err
    for fragment in fragments:
        assert fragment in err, err


def _mistakes(tmp_path: Path) -> dict[str, tuple[dict[str, str], str]]:
    (tmp_path / "a-file").write_text("not a directory")
    return {
        "data dir is a file": ({"DATA_DIR": "a-file"}, "is a file, not a directory"),
        "data dir under a file": ({"DATA_DIR": "a-file/data"}, "cannot be created"),
        # Writing there fails for root too (sysfs and procfs take no new files): a stand-in
        # for a read-only mount that permission bits cannot give a root test.
        "data dir uncreatable": ({"DATA_DIR": "/sys/helpline-test-data"}, "cannot be created"),
        "data dir unwritable": ({"DATA_DIR": "/proc/sys"}, "is not writable"),
        "data dir empty": ({"DATA_DIR": ""}, "DATA_DIR: is empty"),
        "group id as admin": ({"ADMIN_IDS": "5, -1001234"}, "ADMIN_IDS: user ids are positive"),
        "url without host": ({"BOT_API_URL": "http://"}, "BOT_API_URL: is not a valid URL"),
        "url with a bad port": ({"BOT_API_URL": "http://x:99999"}, "BOT_API_URL: is not a valid"),
        "malformed token": ({"BOT_TOKEN": "abc"}, "BOT_TOKEN is not a valid bot token"),
        # Not taken for a destroyed keyring (its tombstone cannot be read either).
        "keys dir is a file": ({"KEYS_DIR": "a-file"}, "KEYS_DIR a-file is a file"),
    }


CASES = [
    "data dir is a file",
    "data dir under a file",
    "data dir uncreatable",
    "data dir unwritable",
    "data dir empty",
    "group id as admin",
    "url without host",
    "url with a bad port",
    "malformed token",
    "keys dir is a file",
]


@pytest.mark.parametrize("command", ["run", "migrate"])
@pytest.mark.parametrize("case", CASES)
async def test_a_configuration_mistake_is_one_line_and_exit_2(
    tmp_path: Path, command: str, case: str
) -> None:
    if case.startswith("data dir un") and not Path("/sys/fs").is_dir():
        pytest.skip("needs Linux /sys and /proc")
    if command == "migrate" and case == "malformed token":
        pytest.skip("migrate does not use the token")
    env, fragment = _mistakes(tmp_path)[case]
    env = {"BOT_TOKEN": TOKEN, "BOT_API_URL": closed_port(), **env}
    mode = stat.S_IMODE(tmp_path.stat().st_mode)
    code, _, err = await cli(command, cwd=tmp_path, **env)
    assert_one_line(code, err, fragment)
    assert stat.S_IMODE(tmp_path.stat().st_mode) == mode  # the empty DATA_DIR was not made 0700
    assert not Path("/sys/helpline-test-data").exists()


@pytest.mark.parametrize("command", [["keys", "init"], ["keys", "status"], ["reports", "export"]])
async def test_keyring_commands_refuse_a_file_for_a_data_dir(
    tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "a-file").write_text("x")
    code, _, err = await cli(*command, cwd=tmp_path, DATA_DIR="a-file", KEY_PASSPHRASE=PASSPHRASE)
    assert_one_line(code, err, "DATA_DIR a-file is a file")
    assert "destroyed" not in err


async def test_unwritable_data_dir_for_an_ordinary_user(tmp_path: Path) -> None:
    """Where permission bits do count (not root): a 0500 DATA_DIR and one inside it."""
    if os.geteuid() == 0:
        pytest.skip("root writes whatever the mode bits say")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    for data_dir, fragment in ((locked, "is not writable"), (locked / "d", "cannot be created")):
        code, _, err = await cli("run", cwd=tmp_path, BOT_TOKEN=TOKEN, DATA_DIR=str(data_dir))
        assert_one_line(code, err, fragment)


async def test_an_unreachable_bot_api_is_waited_out_one_line_a_try(tmp_path: Path) -> None:
    """A network outage at boot is no configuration mistake: retried until SIGTERM."""
    log = tmp_path / "bot.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=_env(BOT_TOKEN=TOKEN, BOT_API_URL=closed_port(), DATA_DIR=str(tmp_path / "d")),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    retries: list[str] = []
    for _ in range(300):  # the first two tries are a second apart
        retries = [line for line in log.read_text().splitlines() if "unreachable" in line]
        if len(retries) >= 2 or process.returncode is not None:
            break
        await asyncio.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 20) == 0, log.read_text()
    text = log.read_text()
    assert len(retries) >= 2, text
    assert "tries=1 " in retries[0] and "tries=2 " in retries[1]
    assert "Traceback" not in text and "stopped before the Bot API answered" in text


async def check(tmp_path: Path, *args: str, **env: str) -> tuple[int, str]:
    env = {"DATA_DIR": str(tmp_path / "data"), **env}
    code, out, err = await cli("check", *args, cwd=tmp_path, **env)
    assert "Traceback" not in err, err
    return code, out


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"BOT_TOKEN": "abc"}, "BOT_TOKEN is not a valid bot token"),
        ({"DATA_DIR": "/sys/helpline-test-data"}, "cannot be created"),
        ({"DATA_DIR": "a-file"}, "DATA_DIR a-file is a file"),
        ({"KEYS_DIR": "a-file"}, "KEYS_DIR a-file is a file"),
        ({"REGION_CHANNELS": "atlantis=-100123"}, "unknown region code(s) atlantis"),
    ],
)
async def test_check_refuses_what_run_refuses(
    tmp_path: Path, env: dict[str, str], problem: str
) -> None:
    (tmp_path / "a-file").write_text("x")
    code, out = await check(tmp_path, "--offline", **env)
    assert code == 1, out
    lines = [line for line in out.splitlines() if line.startswith("problem:")]
    assert len(lines) == 1 and problem in lines[0], out


async def test_check_does_not_create_a_missing_data_dir(tmp_path: Path) -> None:
    code, out = await check(tmp_path, "--offline", DATA_DIR=str(tmp_path / "new" / "data"))
    assert code == 0, out
    assert not (tmp_path / "new").exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # the write probe left nothing


async def test_check_asks_the_bot_api(tmp_path: Path, api: FakeBotAPI) -> None:
    code, out = await check(tmp_path, BOT_TOKEN=api.token, BOT_API_URL=api.base_url)
    assert code == 0, out
    assert f"the token belongs to @{api.bot_username}" in out

    code, out = await check(tmp_path, BOT_TOKEN=TOKEN, BOT_API_URL=api.base_url)
    assert code == 1 and "problem: BOT_TOKEN was rejected by the Bot API" in out, out


async def test_check_finds_an_unreachable_bot_api_unless_offline(tmp_path: Path) -> None:
    url = closed_port()
    code, out = await check(tmp_path, BOT_TOKEN=TOKEN, BOT_API_URL=url)
    assert code == 1 and re.search(rf"problem: {re.escape(url)} is unreachable", out), out
    code, out = await check(tmp_path, "--offline", BOT_TOKEN=TOKEN, BOT_API_URL=url)
    assert code == 0 and "unreachable" not in out, out


async def test_check_warns_about_a_readable_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=INFO\n")
    env_file.chmod(0o644)
    code, out = await check(tmp_path, "--offline")
    assert code == 0, out
    assert f"warning: .env {env_file} is readable" in out and "chmod 600" in out


async def test_start_up_log_is_short_at_info(
    api: FakeBotAPI, start_bot: ProcessStarter, keyring_dir: Path
) -> None:
    """No library chatter at INFO: the lines up to polling are the app's own few."""
    bot = await start_bot(LOG_LEVEL="INFO", KEY_PASSPHRASE=PASSPHRASE)
    assert await bot.stop() == 0
    lines = bot.logs().splitlines()
    start = lines[: next(i for i, line in enumerate(lines) if "polling started" in line) + 1]
    assert not [line for line in lines if "logger=apscheduler" in line], start
    assert len(start) <= 8, "\n".join(start)
