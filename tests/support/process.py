"""Starting the bot for a flow test: what every way of running it offers a test.

Two fixtures named `start_bot` take the same keyword overrides (environment variables, as
strings) and return a `RunningBot`: tests/conftest.py's starts the real `python -m bot run`
process (`BotProcess`, for tests/e2e), tests/flows/conftest.py's runs the same app in the test's
event loop (`tests.support.inprocess.InProcessBot`).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.config import REPO_ROOT
from bot.devserver.server import FakeBotAPI


class RunningBot(Protocol):
    """A started bot: its data directory, what it logged, and a way to stop it."""

    @property
    def data_dir(self) -> Path: ...

    @property
    def returncode(self) -> int | None: ...

    def logs(self) -> str:
        """Everything logged so far, one logfmt line a record (the process's stderr)."""
        ...

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        """Stop as on `sig` and return the exit status (0: a clean shutdown)."""
        ...


class StartBot(Protocol):
    """The `start_bot` fixture: `await start_bot(KEY_PASSPHRASE="...", wait_ready=True)`."""

    def __call__(self, *, wait_ready: bool = True, **overrides: str) -> Awaitable[RunningBot]: ...


def bot_env(api: FakeBotAPI, data_dir: Path, **overrides: str) -> dict[str, str]:
    """The environment a test's bot runs with: the stand-in, DEBUG logs, `overrides` last."""
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


class ProcessStarter:
    """Starts `python -m bot run` processes against `api`, each logging to its own file."""

    def __init__(self, api: FakeBotAPI, tmp_path: Path) -> None:
        self.api = api
        self.tmp_path = tmp_path
        self.started: list[BotProcess] = []

    async def __call__(self, *, wait_ready: bool = True, **overrides: str) -> BotProcess:
        """`run`: ready once it polls."""
        since = self.api.polls_started  # a restarted bot must poll again, not count the last
        polling = lambda: self.api.wait_polling(since, timeout=30)  # noqa: E731
        return await self._start((), polling if wait_ready else None, overrides)

    async def webhook(self, overrides: dict[str, str], *, wait_ready: bool = True) -> BotProcess:
        """`run --webhook` (`overrides`: environment variables): ready once it has set the
        webhook."""
        since = len(self.api.calls)

        async def webhook_set() -> None:
            await self.api.wait_for(lambda c: c.method == "setWebhook", 30, since=since)

        return await self._start(("--webhook",), webhook_set if wait_ready else None, overrides)

    async def _start(
        self,
        args: tuple[str, ...],
        ready_when: Callable[[], Awaitable[None]] | None,
        overrides: dict[str, str],
    ) -> BotProcess:
        api, data_dir = self.api, self.tmp_path / "data"
        log_path = self.tmp_path / f"bot-{len(self.started)}.log"
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                *args,
                env=bot_env(api, data_dir, **overrides),
                cwd=self.tmp_path,  # so that a developer's own .env is not read
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        bot = BotProcess(process, log_path, data_dir)
        self.started.append(bot)
        if ready_when is not None:
            ready = asyncio.ensure_future(ready_when())
            exited = asyncio.ensure_future(process.wait())
            await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
            exited.cancel()
            if not ready.done() or ready.exception() is not None:
                ready.cancel()
                raise AssertionError(f"bot did not start receiving updates:\n{bot.logs()}")
        return bot

    async def stop_all(self) -> None:
        for bot in self.started:
            if bot.process.returncode is None:
                await bot.stop()
