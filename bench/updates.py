"""Updates through the real bot process, beside a bare aiogram echo bot, in the same run.

Three processes share the machine: the Bot API stand-in (`python -m bot.devserver`), the bot
under test, and this script, which pushes the load through the stand-in's control API. For each
round, each bot is started fresh, warmed up, and fed N updates from N distinct users (one
message each, so every reply maps to exactly one update). Latency runs from the moment an update
is made available to the moment the stand-in receives the reply; throughput is N over the time
from the first push to the last reply. Rounds alternate which bot goes first, and the figures
printed are medians over rounds, because two cores are shared by all three processes.

    python bench/updates.py [--updates 1000] [--rounds 5] [--text /start]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.devserver.client import DevServerClient  # noqa: E402

FIRST_USER = 6_000_000_000
PUSH_CONCURRENCY = 16


@dataclass
class Result:
    throughput: float
    p50: float
    p95: float
    p99: float
    peak_rss_mb: float
    lost: int
    bot_cpu_ms: float  # CPU time of the bot process per update (load phase)
    server_cpu_ms: float  # CPU time of the stand-in per update (load phase)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def start_devserver() -> tuple[asyncio.subprocess.Process, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.devserver", "--port", "0",
        cwd=REPO, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert process.stdout is not None
    line = (await process.stdout.readline()).decode()
    _, url, token = line.split()
    return process, url, token.removeprefix("token=")


def bot_command(kind: str) -> list[str]:
    if kind == "helpline":
        return [sys.executable, "-m", "bot", "run"]
    return [sys.executable, str(REPO / "bench" / "echo_bot.py")]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


async def push_all(client: DevServerClient, users: list[int], text: str) -> dict[int, float]:
    pushed: dict[int, float] = {}
    queue = list(users)

    async def worker() -> None:
        while queue:
            user = queue.pop()
            pushed[user] = time.time()
            await client.push_message(user, text)

    await asyncio.gather(*(worker() for _ in range(PUSH_CONCURRENCY)))
    return pushed


async def collect_replies(
    client: DevServerClient, users: set[int], since: int, timeout: float
) -> tuple[dict[int, float], int]:
    replies: dict[int, float] = {}
    deadline = time.monotonic() + timeout
    while len(replies) < len(users) and time.monotonic() < deadline:
        calls = await client.calls(since)
        for call in calls:
            since = max(since, call.index + 1)
            if call.method == "sendMessage" and call.ok:
                chat = int(call.params.get("chat_id", 0))
                if chat in users and chat not in replies:
                    replies[chat] = call.ts
        await asyncio.sleep(0.05)
    return replies, since


async def run_one(kind: str, url: str, token: str, n: int, text: str, server_pid: int) -> Result:
    async with DevServerClient(url) as client:
        await client.reset()
        users = [FIRST_USER + i for i in range(n + 50)]
        for user in users:
            await client.add_user(user, language_code="ru")
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
                "PYTHONPATH": str(REPO),
                "BOT_TOKEN": token,
                "BOT_API_URL": url,
                "DATA_DIR": str(Path(tmp) / "data"),
                "LOG_LEVEL": "WARNING",
            }
            process = await asyncio.create_subprocess_exec(
                *bot_command(kind), cwd=tmp, env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            try:
                await client.wait_for(lambda c: c.method == "getUpdates", timeout=60)
                warm, load = users[n:], users[:n]
                since = len(await client.calls())
                await push_all(client, warm, text)
                _, since = await collect_replies(client, set(warm), since, 60)
                cpu_before = cpu_seconds(process.pid), cpu_seconds(server_pid)
                pushed = await push_all(client, load, text)
                replies, _ = await collect_replies(client, set(load), since, 120)
                cpu_after = cpu_seconds(process.pid), cpu_seconds(server_pid)
                rss = peak_rss_mb(process.pid)
            finally:
                process.terminate()
                await process.wait()
    latencies = [(replies[u] - pushed[u]) * 1000 for u in replies]
    span = max(replies.values()) - min(pushed.values()) if replies else float("inf")
    return Result(
        throughput=len(replies) / span,
        p50=percentile(latencies, 0.50),
        p95=percentile(latencies, 0.95),
        p99=percentile(latencies, 0.99),
        peak_rss_mb=rss,
        lost=n - len(replies),
        bot_cpu_ms=(cpu_after[0] - cpu_before[0]) * 1000 / n,
        server_cpu_ms=(cpu_after[1] - cpu_before[1]) * 1000 / n,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--text", default="/start", help="what each user sends")
    args = parser.parse_args()

    devserver, url, token = await start_devserver()
    results: dict[str, list[Result]] = {"helpline": [], "echo": []}
    try:
        for round_number in range(args.rounds):
            order = ["helpline", "echo"] if round_number % 2 == 0 else ["echo", "helpline"]
            for kind in order:
                result = await run_one(kind, url, token, args.updates, args.text, devserver.pid)
                results[kind].append(result)
                print(
                    f"round {round_number + 1} {kind:8s} {result.throughput:7.1f} upd/s  "
                    f"p50 {result.p50:7.1f} ms  p99 {result.p99:7.1f} ms  lost {result.lost}  "
                    f"cpu/update: bot {result.bot_cpu_ms:.2f} ms, "
                    f"stand-in {result.server_cpu_ms:.2f} ms",
                    flush=True,
                )
    finally:
        devserver.terminate()
        await devserver.wait()

    def med(kind: str, name: str) -> float:
        return statistics.median(getattr(r, name) for r in results[kind])

    print(f"\n{args.updates} updates x {args.rounds} rounds, text {args.text!r}; medians:")
    header = ("bot", "upd/s", "p50 ms", "p95 ms", "p99 ms", "RSS MB", "lost", "cpu ms", "srv ms")
    print("{:10s} {:>8s} {:>8s} {:>8s} {:>8s} {:>7s} {:>5s} {:>7s} {:>7s}".format(*header))
    for kind in ("helpline", "echo"):
        print(
            f"{kind:10s} {med(kind, 'throughput'):8.1f} {med(kind, 'p50'):8.1f} "
            f"{med(kind, 'p95'):8.1f} {med(kind, 'p99'):8.1f} {med(kind, 'peak_rss_mb'):7.1f} "
            f"{sum(r.lost for r in results[kind]):5d} {med(kind, 'bot_cpu_ms'):7.2f} "
            f"{med(kind, 'server_cpu_ms'):7.2f}"
        )
    ratio = med("helpline", "throughput") / med("echo", "throughput")
    p99 = med("helpline", "p99") / med("echo", "p99")
    print(
        f"\nhelpline/echo: throughput {ratio:.0%} (target >= 90%), p99 {p99:.2f}x (target <= 1.5x)"
    )


if __name__ == "__main__":
    asyncio.run(main())
