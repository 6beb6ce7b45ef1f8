"""The real app polling the stand-in in the test's own event loop: tests/flows' `start_bot`.

`InProcessStarter` does what `helpline-bot run` does (bot.run_cli: settings from the environment,
the production log handler, unlocking the keyring, `build_app`, `run_polling`), minus the new
interpreter and the signal handlers: a start costs about 1 s instead of 4, an exchange well
under 0.1 s instead of 0.3-0.5. `stop()` takes the path SIGTERM takes: aiogram's signal
handler, then the app's own shutdown. What the app logs goes through the handler
`bot.logs.setup_logging` makes, into a file per start, as the process's stderr would. Content
files are parsed once per session (`tests.support.parsed_content`).

In-process the harness also knows when the app has finished an update, so the stand-in's
`wait_idle` (which `User.say` and the tests call) waits for every update the bot fetched to be
handled, and then for a shorter quiet spell (`IN_PROCESS_QUIET`) that only background work (the
broadcaster, the janitor) still needs.

Start-up ends with `gc.collect()` and `gc.freeze()` (bot.lifecycle), for a process that lives
on. In the test process they would scan the whole test session's heap at every start (0.15 s
of CPU a start, a quarter of a flow test's), and the heap would have to be unfrozen when the bot
stops; `start_bot` swaps lifecycle's `gc` for `KEEP_HEAP` (both do nothing) while a test runs.
The real calls run in every tests/e2e start.

What only a real process shows (signals other than SIGTERM/SIGINT, a crash, exit codes and the
CLI's one-line errors, a terminal, the bytes a run leaves on disk) is tested in tests/e2e.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import traceback
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO
from unittest import mock

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import MiddlewareType
from aiogram.types import TelegramObject, Update

from bot.app import App, build_app, run_polling
from bot.config import ConfigError, Settings, load_settings
from bot.devserver.server import FakeBotAPI
from bot.logs import setup_logging
from bot.run_cli import unlock_at_start  # what `run` does to get the keyring: the same code
from tests.support.parsed_content import reuse_parsed_content
from tests.support.process import bot_env

# The stand-in's own web server logs in the test process, never in the bot's output.
STAND_IN_LOGGERS = ("aiohttp.server", "aiohttp.web", "aiohttp.access")
# Loggers whose level `setup_logging` sets; put back when the bot stops.
TUNED_LOGGERS = ("aiogram.event", "apscheduler", "aiosqlite")
EXIT_FAILED = 1  # an exception escaped `run`: the process would print a traceback and exit 1
# Quiet spell after the last update was handled and the last request answered: long enough for
# background work an update set off (a broadcast, a deletion) to make its first request.
IN_PROCESS_QUIET = 0.05


class KeepHeap:
    """The two `gc` functions start-up calls, doing nothing (see the module docstring)."""

    @staticmethod
    def collect() -> int:
        return 0

    @staticmethod
    def freeze() -> None:
        return None


KEEP_HEAP = KeepHeap()


def settings_from_env(env: dict[str, str]) -> Settings:
    """Settings as `run` reads them from exactly `env` (no other variable, no `.env` file)."""
    with mock.patch.dict(os.environ, env, clear=True):
        return load_settings(_env_file=None)


class NotTheStandIn(logging.Filter):
    """Drops the stand-in's server records: in a real run they are not in the bot's output."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(STAND_IN_LOGGERS)


class LogCapture:
    """The production log handler writing to `path`, installed on the root logger the way
    `setup_logging` installs it, beside pytest's own handlers; `close()` puts everything back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stream: TextIO = path.open("w", encoding="utf-8")
        self.handler: logging.Handler | None = None
        root = logging.getLogger()
        self._root_level = root.level
        self._levels = {name: logging.getLogger(name).level for name in TUNED_LOGGERS}
        self._showwarning = warnings.showwarning

    def install(self, level: str) -> None:
        root = logging.getLogger()
        others = list(root.handlers)
        setup_logging(level, stream=self.stream)
        self.handler = root.handlers[0]
        self.handler.filters.insert(0, NotTheStandIn())
        root.handlers[:] = [self.handler, *others]

    def write(self, text: str) -> None:
        """Text the process would print on stderr outside logging (a traceback)."""
        self.stream.write(text)
        self.stream.flush()

    def text(self) -> str:
        if not self.stream.closed:
            self.stream.flush()
        return self.path.read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        if self.handler is not None:
            root = logging.getLogger()
            root.removeHandler(self.handler)
            root.setLevel(self._root_level)
            for name, level in self._levels.items():
                logging.getLogger(name).setLevel(level)
            logging.captureWarnings(False)
            warnings.showwarning = self._showwarning
            self.handler = None
        self.stream.close()


class HandledUpdates(BaseMiddleware):
    """The outermost update middleware: the ids of the updates the app has finished handling,
    whatever became of them (answered, dropped by the flow rule, skipped as unparseable)."""

    def __init__(self) -> None:
        self.ids: set[int] = set()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        finally:
            if isinstance(event, Update):
                self.ids.add(event.update_id)


def watch_updates(app: App) -> HandledUpdates:
    """Put `HandledUpdates` in front of the app's own update middlewares."""
    handled = HandledUpdates()
    manager = app.dispatcher.update.outer_middleware
    own: list[MiddlewareType[TelegramObject]] = list(manager)
    for middleware in own:
        manager.unregister(middleware)
    manager.register(handled)
    for middleware in own:
        manager.register(middleware)
    return handled


class InProcessBot:
    """One `helpline-bot run`, as a task in the test's event loop."""

    def __init__(
        self, api: FakeBotAPI, env: dict[str, str], data_dir: Path, log_path: Path
    ) -> None:
        self.data_dir = data_dir
        self.log_path = log_path
        self.returncode: int | None = None
        self.app: App | None = None
        self._api = api
        self._polls_before = api.polls_started  # a restarted bot must poll again
        self._handled = HandledUpdates()
        self._fetched: set[int] = set()
        self._calls_seen = len(api.calls)  # getUpdates answered from now on are this bot's
        self._capture = LogCapture(log_path)
        self._task = asyncio.create_task(self._main(env))

    def logs(self) -> str:
        return self._capture.text()

    @property
    def finished(self) -> asyncio.Task[int]:
        return self._task

    async def polling(self, timeout: float = 30.0) -> bool:
        """Until this bot's first getUpdates reached the stand-in (True) or it exited (False)."""
        ready = asyncio.ensure_future(self._api.wait_polling(self._polls_before, timeout))
        await asyncio.wait({ready, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if ready.done() and ready.exception() is None:
            return True
        ready.cancel()
        return False

    async def _main(self, env: dict[str, str]) -> int:
        """bot.run_cli's `run`: 0 after a clean shutdown, 1 (and a traceback) after an error."""
        try:
            settings = settings_from_env(env)
            self._capture.install(settings.log_level)
            if settings.bot_token is None:
                raise ConfigError("BOT_TOKEN is not set")
            with open(os.devnull, encoding="utf-8") as stdin, mock.patch("sys.stdin", stdin):
                unlocked = unlock_at_start(settings)  # standard input is not a terminal
            with reuse_parsed_content():  # the files are the same every start: see there
                self.app = await build_app(settings, unlocked=unlocked)
            self._handled = watch_updates(self.app)
            try:
                await run_polling(self.app, handle_signals=False)
            finally:
                # As bot.run_cli: normally the shutdown hook has done this; not if start-up failed.
                await self.app.db.close()
                await self.app.bot.session.close()
        except Exception:
            self._capture.write(traceback.format_exc())
            return EXIT_FAILED
        finally:
            gc.unfreeze()  # start-up froze this process's heap; a process would exit now
        return 0

    def busy(self) -> bool:
        """Whether an update this bot fetched is not handled yet (a stopped bot never is)."""
        if self.returncode is not None or self._task.done():
            return False
        calls = self._api.calls
        for call in calls[self._calls_seen :]:
            if call.method == "getUpdates" and isinstance(call.result, list):
                self._fetched.update(
                    u["update_id"] for u in call.result if isinstance(u.get("update_id"), int)
                )
        self._calls_seen = len(calls)
        return not self._fetched <= self._handled.ids

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        """Stop as on SIGTERM or SIGINT (aiogram's handler for them); other signals need a real
        process."""
        if sig not in (signal.SIGTERM, signal.SIGINT):
            raise ValueError(f"signal {sig} needs a real process: that test belongs in tests/e2e")
        if await self.polling(timeout) and self.app is not None:
            # The handler aiogram installs for SIGTERM/SIGINT in a real run (it logs the signal).
            self.app.dispatcher._signal_stop_polling(signal.Signals(sig))
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._close(EXIT_FAILED)
            raise AssertionError(f"bot did not stop within {timeout}s:\n{self.logs()}") from None
        self._close(self._task.result())
        return EXIT_FAILED if self.returncode is None else self.returncode

    def _close(self, returncode: int) -> None:
        if self.returncode is None:
            self.returncode = returncode
            self._capture.close()


class InProcessStarter:
    """Starts in-process bots against `api`, each logging to its own file like a process."""

    def __init__(self, api: FakeBotAPI, tmp_path: Path) -> None:
        self.api = api
        self.tmp_path = tmp_path
        self.started: list[InProcessBot] = []
        self.stand_in_idle = api.wait_idle

    async def wait_idle(self, quiet: float | None = None, timeout: float = 10.0) -> None:
        """The stand-in's `wait_idle`, and every update the bots fetched handled; by default
        the quiet spell is `IN_PROCESS_QUIET` (an explicit `quiet` is kept)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            left = max(deadline - loop.time(), 0.0)
            await self.stand_in_idle(
                quiet=IN_PROCESS_QUIET if quiet is None else quiet, timeout=left
            )
            if not any(bot.busy() for bot in self.started):
                return
            if loop.time() >= deadline:
                raise TimeoutError(f"an update fetched {timeout:g}s ago is still being handled")
            await asyncio.sleep(0.01)

    async def __call__(self, *, wait_ready: bool = True, **overrides: str) -> InProcessBot:
        data_dir = self.tmp_path / "data"
        log_path = self.tmp_path / f"bot-{len(self.started)}.log"
        env = bot_env(self.api, data_dir, **overrides)
        bot = InProcessBot(self.api, env, data_dir, log_path)
        self.started.append(bot)
        if wait_ready and not await bot.polling():
            if bot.finished.done():
                await bot.stop()  # collects the exit status and closes its log
            raise AssertionError(f"bot did not start polling:\n{bot.logs()}")
        return bot

    async def stop_all(self) -> None:
        for bot in self.started:
            if bot.returncode is None:
                await bot.stop()
