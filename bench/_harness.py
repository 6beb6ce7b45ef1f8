"""What bench/flood.py and bench/memory.py share: the real bot process and the call log.

The stand-in, the percentile and the /proc readings come from bench/updates.py, so every
benchmark starts and measures the processes the same way.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from updates import REPO, cpu_seconds, peak_rss_mb, percentile, start_devserver

from bot.devserver.client import DevServerClient
from bot.devserver.server import Call

__all__ = [
    "PUSH_CONCURRENCY",
    "REPO",
    "BotProcess",
    "cpu_seconds",
    "peak_rss_mb",
    "percentile",
    "push_each",
    "rss_mb",
    "start_devserver",
    "wait_calls",
]

PUSH_CONCURRENCY = 16


def rss_mb(pid: int) -> float:
    """Resident memory of a process now (VmRSS), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class BotProcess:
    """`python -m bot run` against the stand-in, in a data directory of its own.

    Its log (WARNING and up, logfmt) goes to a file in `workdir`; `errors()` counts the lines
    at level error, so a benchmark can say whether the bot failed while it measured.
    """

    def __init__(self, url: str, token: str, workdir: Path, **env: str) -> None:
        self.workdir = workdir
        self.log_path = workdir / "bot.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
            "PYTHONPATH": str(REPO),
            "BOT_TOKEN": token,
            "BOT_API_URL": url,
            "DATA_DIR": str(workdir / "data"),
            "LOG_LEVEL": "WARNING",
            **env,
        }
        self.process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self, client: DevServerClient, timeout: float = 60.0) -> None:
        """Start the bot and return once it has set its commands (polling starts right after);
        the caller's warm-up messages are then fetched by its first getUpdates."""
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=self.workdir,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.returncode is not None:
                raise RuntimeError(f"the bot exited at start-up:\n{self.log()[-2000:]}")
            calls = await client.calls()
            if any(c.method == "setMyCommands" for c in calls):
                return
            await asyncio.sleep(0.1)
        raise TimeoutError(f"the bot did not start within {timeout:g}s:\n{self.log()[-2000:]}")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def errors(self) -> list[str]:
        """Distinct error events in the log with how often each occurred."""
        counts: dict[str, int] = {}
        for line in self.log().splitlines():
            if "level=error" in line or "level=critical" in line:
                match = re.search(r'event=("(?:[^"\\]|\\.)*"|\S+)', line)
                event = match.group(1) if match else line[:80]
                error = re.search(r"error=(\S+)", line)
                key = f"{event} {error.group(1)}" if error else event
                counts[key] = counts.get(key, 0) + 1
        return [f"{n} x {event}" for event, n in sorted(counts.items(), key=lambda kv: -kv[1])]


async def push_each(
    items: Iterable[int], push: Callable[[int], Awaitable[object]]
) -> dict[int, float]:
    """Run `push(item)` (a coroutine) for each item, PUSH_CONCURRENCY at a time; returns when
    each push was issued (time.time(), the clock the stand-in stamps calls with)."""
    pushed: dict[int, float] = {}
    queue = list(items)
    queue.reverse()

    async def worker() -> None:
        while queue:
            item = queue.pop()
            pushed[item] = time.time()
            await push(item)

    await asyncio.gather(*(worker() for _ in range(PUSH_CONCURRENCY)))
    return pushed


async def wait_calls(
    client: DevServerClient,
    seen: Callable[[Call], None],
    done: Callable[[], bool],
    timeout: float,
    interval: float = 0.05,
) -> bool:
    """Feed each new call to `seen` until `done()` or `timeout` seconds; True when done."""
    deadline = time.monotonic() + timeout
    while True:
        for call in await client.new_calls():
            seen(call)
        if done():
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(interval)
