"""Hardened mode: `run` with a keyring and no configured passphrase, on a terminal and without.

On a terminal the real `python -m bot run` process gets a pseudo-terminal as its controlling
terminal, standard input and output (`pty.fork`), exactly as an operator's console would be.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pty
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.devserver.server import FakeBotAPI
from tests.support.keys import PASSPHRASE
from tests.support.process import ProcessStarter, bot_env

WRONG = b"not-the-passphrase-7d1c"
PROMPT = "Keyring passphrase (hardened mode): "


class TerminalBot:
    """`python -m bot run` on a pseudo-terminal: what it prints, what is typed, how it ends."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        argv = [sys.executable, "-m", "bot", "run"]
        pid, fd = pty.fork()
        if pid == 0:  # the child: nothing but exec (the parent may have threads)
            try:
                os.chdir(cwd)
                os.execve(sys.executable, argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.returncode: int | None = None
        self.closed = False
        self._output = bytearray()
        self._changed = asyncio.Event()
        os.set_blocking(fd, False)
        asyncio.get_running_loop().add_reader(fd, self._read)

    def _read(self) -> None:
        if self.closed:
            return
        try:
            chunk = os.read(self.fd, 65536)
        except BlockingIOError:
            return
        except OSError:  # EIO: the child closed the terminal
            chunk = b""
        if not chunk:
            asyncio.get_running_loop().remove_reader(self.fd)
        self._output += chunk
        self._changed.set()

    @property
    def output(self) -> str:
        """Everything the terminal showed (stdout and stderr), with plain newlines."""
        return self._output.decode("utf-8", "replace").replace("\r\n", "\n")

    async def expect(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            left = deadline - time.monotonic()
            if left <= 0 or (self.poll() is not None and not self._drain()):
                raise AssertionError(f"{text!r} not shown within {timeout:g}s:\n{self.output}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 0.2))

    def _drain(self) -> bool:
        """Read what is left after the child exited; True if there was anything."""
        before = len(self._output)
        with contextlib.suppress(OSError):
            self._read()
        return len(self._output) > before

    def type(self, line: bytes) -> None:
        os.write(self.fd, line + b"\n")

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    async def wait(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while (code := self.poll()) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"still running after {timeout:g}s:\n{self.output}")
            await asyncio.sleep(0.05)
        while self._drain():
            pass
        return code

    async def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, then SIGKILL if it does not stop in time (and fail)."""
        if self.closed:
            return -1 if self.returncode is None else self.returncode
        try:
            if self.poll() is None:
                os.kill(self.pid, signal.SIGTERM)
            try:
                return await self.wait(timeout)
            except AssertionError:
                os.kill(self.pid, signal.SIGKILL)
                await self.wait(5)
                raise
        finally:
            asyncio.get_running_loop().remove_reader(self.fd)
            self.closed = True
            os.close(self.fd)


StartOnTerminal = Callable[..., TerminalBot]


@pytest.fixture
async def on_terminal(api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[StartOnTerminal]:
    started: list[TerminalBot] = []

    def start(**overrides: str) -> TerminalBot:
        env = bot_env(api, tmp_path / "data", **overrides)
        assert not {"KEY_PASSPHRASE", "KEY_PASSPHRASE_FILE"} & set(env)  # hardened mode
        bot = TerminalBot(env, tmp_path)  # cwd: a developer's own .env is not read
        started.append(bot)
        return bot

    yield start
    for bot in started:
        await bot.stop()


async def test_on_a_terminal_run_asks_without_echo_and_unlocks(
    api: FakeBotAPI, on_terminal: StartOnTerminal, keyring_dir: Path
) -> None:
    bot = on_terminal()
    await bot.expect(PROMPT)
    await asyncio.sleep(0.5)
    assert not api.calls_for("getUpdates"), "it must wait for the passphrase before polling"
    bot.type(PASSPHRASE.encode())
    await bot.expect("keyring=unlocked")
    await api.wait_polling(0)
    assert PASSPHRASE not in bot.output  # typed without echo, and never logged
    bot.type(b"echo-control")  # the terminal echoes again after the prompt: the check can see it
    await bot.expect("echo-control", timeout=5)
    assert await bot.stop() == 0
    assert PASSPHRASE not in bot.output


async def test_on_a_terminal_a_wrong_passphrase_exits_2_in_one_line(
    api: FakeBotAPI, on_terminal: StartOnTerminal, keyring_dir: Path
) -> None:
    bot = on_terminal(LOG_LEVEL="WARNING")
    await bot.expect(PROMPT)
    bot.type(WRONG)
    assert await bot.wait(60) == 2
    after_prompt = bot.output.split(PROMPT, 1)[1].strip()
    assert after_prompt.count("\n") == 0, after_prompt
    assert after_prompt.startswith("helpline-bot: keyring error:")
    assert "wrong passphrase" in after_prompt
    assert "Traceback" not in bot.output and WRONG.decode() not in bot.output
    assert not api.calls_for("getUpdates")


async def test_on_a_terminal_ctrl_d_at_the_prompt_exits_2_in_one_line(
    api: FakeBotAPI, on_terminal: StartOnTerminal, keyring_dir: Path
) -> None:
    bot = on_terminal(LOG_LEVEL="WARNING")
    await bot.expect(PROMPT)
    os.write(bot.fd, b"\x04")  # Ctrl-D: end of input, no passphrase
    assert await bot.wait(60) == 2
    after_prompt = bot.output.split(PROMPT, 1)[1].strip()
    assert after_prompt == "helpline-bot: keyring error: no passphrase was entered", after_prompt
    assert "Traceback" not in bot.output
    assert not api.polls_started


async def test_without_a_terminal_run_starts_locked(
    api: FakeBotAPI, start_bot: ProcessStarter, keyring_dir: Path
) -> None:
    bot = await start_bot()  # standard input is /dev/null, output a file
    logs = bot.logs()
    assert "keyring=locked" in logs and "keyring locked: no passphrase configured" in logs
    assert PROMPT not in logs
    assert await bot.stop() == 0
