"""Configuration mistakes an operator makes: refused in one line; DATA_DIR tried without being
created; getMe at start waited for through an outage; library chatter kept out of INFO logs."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot import lifecycle
from bot.checks import run_checks
from bot.config import ConfigError, data_dir_problem, load_settings
from bot.crypto.keyring import destroy_keyring
from bot.devserver.server import FakeBotAPI
from bot.logs import setup_logging
from bot.storage import migrations
from bot.storage.db import Database
from tests.support.keys import PASSPHRASE, make_keyring
from tests.support.parsed_content import reuse_parsed_content


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("ADMIN_IDS", "5,-1001234567890", "ADMIN_IDS: user ids are positive; -1001234567890 is"),
        ("ADMIN_IDS", "0", "ADMIN_IDS: user ids are positive"),
        ("DATA_DIR", "", "DATA_DIR: is empty"),
        ("DATA_DIR", "  ", "DATA_DIR: is empty"),
        ("BOT_API_URL", "http://", "BOT_API_URL: is not a valid URL"),
        ("BOT_API_URL", "https://api.telegram.org:0", "BOT_API_URL: is not a valid URL"),
        ("BOT_API_URL", "http://host:port", "BOT_API_URL: is not a valid URL"),
        ("BOT_API_URL", "http://a host", "BOT_API_URL: is not a valid URL"),
        ("BOT_API_URL", "ftp://x", "BOT_API_URL: must start with http:// or https://"),
    ],
)
def test_mistakes_are_one_line_without_pydantics_prefix(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings(_env_file=None)
    message = str(info.value)
    assert message.startswith(expected) and "\n" not in message
    assert "Value error" not in message


@pytest.mark.parametrize(
    "url", ["https://api.telegram.org", "http://127.0.0.1:8081/", "http://[::1]:8081"]
)
def test_good_api_urls_pass(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("BOT_API_URL", url)
    assert load_settings(_env_file=None).bot_api_url == url.rstrip("/")


def test_data_dir_problems(tmp_path: Path) -> None:
    afile = tmp_path / "a-file"
    afile.write_text("x")
    assert data_dir_problem(afile) == f"DATA_DIR {afile} is a file, not a directory"
    problem = data_dir_problem(afile / "deeper" / "data")
    assert problem == f"DATA_DIR {afile}/deeper/data cannot be created: {afile} is a file"
    assert data_dir_problem(tmp_path) is None
    assert data_dir_problem(tmp_path / "new" / "data") is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # nothing created or left


@pytest.mark.skipif(not Path("/sys/fs").is_dir(), reason="needs Linux /sys")
def test_data_dir_on_a_filesystem_that_takes_no_files() -> None:
    """Tried by writing, so that root (whom mode bits do not stop) is told too."""
    assert "cannot be created in /sys" in (data_dir_problem(Path("/sys/helpline-x")) or "")
    assert "is not writable" in (data_dir_problem(Path("/proc/sys")) or "")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    names = ("apscheduler", "aiogram.event", "aiosqlite")
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.captureWarnings(False)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


@pytest.mark.parametrize(
    ("level", "expected"),
    [("DEBUG", logging.DEBUG), ("INFO", logging.WARNING), ("ERROR", logging.ERROR)],
)
def test_library_chatter_only_at_debug(restore_logging: None, level: str, expected: int) -> None:
    setup_logging(level)
    for name in ("apscheduler", "aiogram.event"):
        assert logging.getLogger(name).getEffectiveLevel() == expected
    assert logging.getLogger("apscheduler.scheduler").isEnabledFor(max(expected, logging.WARNING))


@pytest.fixture
async def server() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    await api.start()
    yield api
    await api.stop()


def _bot(url: str, token: str) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))


async def test_get_me_at_start_answers_at_once(server: FakeBotAPI) -> None:
    bot = _bot(server.base_url, server.token)
    try:
        me = await lifecycle.wait_for_bot_api(bot, asyncio.Event())
    finally:
        await bot.session.close()
    assert me is not None and me.username == server.bot_username


async def test_a_rejected_token_at_start_is_a_configuration_mistake(server: FakeBotAPI) -> None:
    bot = _bot(server.base_url, "654321:" + "B" * 35)
    try:
        with pytest.raises(ConfigError, match="BOT_TOKEN was rejected"):
            await lifecycle.wait_for_bot_api(bot, asyncio.Event())
    finally:
        await bot.session.close()


async def test_an_outage_at_start_is_retried_with_backoff_until_stopped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(lifecycle, "FIRST_RETRY_SECONDS", 0.01)
    monkeypatch.setattr(lifecycle, "MAX_RETRY_SECONDS", 0.04)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = _bot(f"http://127.0.0.1:{port}", "123456:" + "A" * 35)
    stop = asyncio.Event()
    caplog.set_level(logging.WARNING, logger="helpline.app")
    waiting = asyncio.create_task(lifecycle.wait_for_bot_api(bot, stop))
    try:
        for _ in range(500):
            if len(caplog.records) >= 5:
                break
            await asyncio.sleep(0.01)
        stop.set()
        assert await asyncio.wait_for(waiting, 5) is None
    finally:
        await bot.session.close()
    waits = [r.__dict__["retry_in"] for r in caplog.records]
    assert waits[:4] == [0.01, 0.02, 0.04, 0.04]  # doubling, then capped
    assert [r.__dict__["tries"] for r in caplog.records][:3] == [1, 2, 3]
    assert {r.getMessage() for r in caplog.records} == {"Bot API unreachable at start; retrying"}


async def test_check_refuses_a_backup_bot_that_is_this_bot(
    server: FakeBotAPI, tmp_path: Path
) -> None:
    """BACKUP_BOT naming the bot itself would send people back to the bot a takedown took."""
    common = {"bot_token": server.token, "bot_api_url": server.base_url}
    itself = load_settings(
        _env_file=None, data_dir=tmp_path, backup_bot=server.bot_username.upper(), **common
    )
    with reuse_parsed_content():  # the content check is not this test's: parsed once a session
        report = await run_checks(itself)
        assert [p for p in report.problems if p.startswith("BACKUP_BOT")], report.problems
        other = load_settings(_env_file=None, data_dir=tmp_path, backup_bot="@spare_bot", **common)
        assert not [p for p in (await run_checks(other)).problems if "BACKUP_BOT" in p]


async def test_check_after_a_panic_says_why_the_audit_log_is_not_verified(tmp_path: Path) -> None:
    """Not 'cannot be opened': the key is gone on purpose, and the keyring line says so."""
    data = tmp_path / "data"
    make_keyring(data / "keys")
    settings = load_settings(_env_file=None, data_dir=data, key_passphrase=PASSPHRASE)
    db = await Database.open(settings.database_path)
    try:
        await migrations.apply(db)
    finally:
        await db.close()
    destroy_keyring(settings.keyring_dir, dt.datetime.now(dt.UTC))
    with reuse_parsed_content():  # the content check is not this test's: parsed once a session
        report = await run_checks(settings, offline=True)
    audit = [w for w in report.warnings if w.startswith("audit log not verified")]
    assert audit == [
        "audit log not verified: the keyring was destroyed on purpose, and its key with it "
        "(nothing can verify it)"
    ], report.warnings


def test_an_env_file_that_is_not_utf8_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A .env saved as UTF-16 by an editor: a configuration mistake, not a traceback."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("DATA_DIR=/srv/helpline\n", encoding="utf-16")
    with pytest.raises(ConfigError, match=r"\.env is not UTF-8"):
        load_settings()
