"""Shared fixtures: the local Bot API stand-in and the real bot process started against it."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from bot.crypto.keyring import init_keyring
from bot.devserver.server import FakeBotAPI

# Ids above 2**24 make the 3-, 4- and 6-byte integer encodings distinctive in disk scans.
USER_IDS = (5_123_456_789, 5_223_456_789, 5_323_456_789)
# The passphrase of the keyring `keyring_dir` makes (where a test's bot finds it).
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def keyring_dir(tmp_path: Path) -> Path:
    """A keyring in the data directory the `start_bot` fixture's bot uses."""
    keys = tmp_path / "data" / "keys"
    init_keyring(keys, PASSPHRASE.encode(), dt.date.today())
    return keys


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@dataclass
class BotProcess:
    """The real `python -m bot run` process, with its combined output in `log_path`."""

    process: asyncio.subprocess.Process
    log_path: Path
    data_dir: Path
    returncode: int | None = field(default=None)

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        if self.process.returncode is None:
            self.process.send_signal(sig)
        try:
            self.returncode = await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            self.returncode = await self.process.wait()
            raise AssertionError(f"bot did not stop within {timeout}s:\n{self.logs()}") from None
        return self.returncode


StartBot = Callable[..., Awaitable[BotProcess]]


def bot_env(api: FakeBotAPI, data_dir: Path, **overrides: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        PYTHONUNBUFFERED="1",
        BOT_TOKEN=api.token,
        BOT_API_URL=api.base_url,
        DATA_DIR=str(data_dir),
        LOG_LEVEL="DEBUG",
    )
    env.update(overrides)
    return env


@pytest.fixture
async def start_bot(api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[StartBot]:
    started: list[BotProcess] = []

    async def start(*, wait_ready: bool = True, **overrides: str) -> BotProcess:
        data_dir = tmp_path / "data"
        since = api.polls_started  # a restarted bot must poll again, not count the last one's
        log_path = tmp_path / f"bot-{len(started)}.log"
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                env=bot_env(api, data_dir, **overrides),
                cwd=tmp_path,  # so that a developer's own .env is not read
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        bot = BotProcess(process, log_path, data_dir)
        started.append(bot)
        if wait_ready:
            ready = asyncio.ensure_future(api.wait_polling(since, timeout=30))
            exited = asyncio.ensure_future(process.wait())
            await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
            exited.cancel()
            if not ready.done() or ready.exception() is not None:
                ready.cancel()
                raise AssertionError(f"bot did not start polling:\n{bot.logs()}")
        return bot

    yield start
    for bot in started:
        if bot.process.returncode is None:
            await bot.stop()
