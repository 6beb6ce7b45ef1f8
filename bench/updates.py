"""Every path people use, through the real bot process, beside a bare aiogram echo bot.

Each bot has a Bot API stand-in of its own (`python -m bot.devserver`); this script pushes the
load through the stand-in's control API. For each round both bots are started fresh (the
helpline with an unlocked keyring, as an instance runs) and run side by side; each path is then
measured on one bot and at once on the other, N updates from N distinct users per path, so
every reply maps to exactly one update:

- start:    `/start` (the menu);
- question: a free-text question (the search, the query limit, the flow middleware);
- button:   a press of the menu's first button (answerCallbackQuery + an edit);
- step:     a region typed at the report form's first step (the form's validation and FSM);
- unknown:  an unknown command (the fallback).

The baseline does the same Telegram work per path: the echo bot replies once to any text, and
answers a button with answerCallbackQuery plus one edit. Latency runs from the moment an update
is made available to the moment the stand-in receives the last call the path needs; throughput
is N over the time from the first push to the last such call. Which bot of a pair goes first
alternates, and each ratio printed is the median over rounds of the pair's ratio: the two cores
are shared by everything, and a shared virtual machine's speed drifts over minutes by more
than the differences measured. Targets: each path at >= 90 % of the echo bot's throughput,
p99 <= 1.5x.

    python bench/updates.py [--updates 1000] [--rounds 3] [--paths start,question,...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.devserver.client import DevServerClient  # noqa: E402
from bot.devserver.server import Call  # noqa: E402

FIRST_USER = 6_000_000_000
PUSH_CONCURRENCY = 16
WARM_UP = 50
PASSPHRASE = "bench-updates-passphrase-not-secret"
QUESTION = "мне пришла повестка через госуслуги, что делать если я студент"
REGION = "Москва"
TOPICS_BUTTON = "nav:topics"  # handlers.menu.Nav(to="topics"): the menu's first button


@dataclass(frozen=True)
class Path_:
    """One path: what a user sends, what prepares them for it, and which calls complete it."""

    name: str
    send: Callable[[DevServerClient, int, int | None], Awaitable[object]]
    done_methods: frozenset[str] = frozenset({"sendMessage"})
    prepare: str | None = None  # a message each user sends first (not measured)


async def _send(text: str, client: DevServerClient, user: int, _message: int | None) -> object:
    return await client.push_message(user, text)


async def _press_topics(client: DevServerClient, user: int, message: int | None) -> object:
    """The menu's first button ("Questions & rights"), as Telegram sends its press."""
    assert message is not None
    return await client.push_callback(user, message, TOPICS_BUTTON)


PATHS = {
    "start": Path_("start", lambda c, u, m: _send("/start", c, u, m)),
    "question": Path_("question", lambda c, u, m: _send(QUESTION, c, u, m)),
    "button": Path_(
        "button",
        _press_topics,
        frozenset({"answerCallbackQuery", "editMessageText"}),
        prepare="/start",
    ),
    "step": Path_("step", lambda c, u, m: _send(REGION, c, u, m), prepare="/report"),
    "unknown": Path_("unknown", lambda c, u, m: _send("/frobnicate", c, u, m)),
}


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
        *(sys.executable, "-m", "bot.devserver", "--port", "0"),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
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


async def push_each(
    client: DevServerClient,
    users: list[int],
    send: Callable[[DevServerClient, int, int | None], Awaitable[object]],
    messages: dict[int, int],
    owners: dict[str, int] | None = None,
) -> dict[int, float]:
    """Push each user's update; `owners` learns which user each callback query id is (the
    stand-in answers a push with the update it queued)."""
    pushed: dict[int, float] = {}
    queue = list(users)

    async def worker() -> None:
        while queue:
            user = queue.pop()
            pushed[user] = time.time()
            update = await send(client, user, messages.get(user))
            query = update.get("callback_query") if isinstance(update, dict) else None
            if owners is not None and query is not None:
                owners[str(query["id"])] = user

    await asyncio.gather(*(worker() for _ in range(PUSH_CONCURRENCY)))
    return pushed


@dataclass
class Completion:
    """Which calls each user's update still needs, and when the last one arrived."""

    needs: frozenset[str]
    seen: dict[int, set[str]] = field(default_factory=dict)
    done: dict[int, float] = field(default_factory=dict)
    owner: dict[str, int] = field(default_factory=dict)  # callback query id -> its user

    def feed(self, call: Call, users: set[int]) -> None:
        if not call.ok or call.method not in self.needs:
            return
        chat = int(call.params.get("chat_id") or 0) or self._callback_chat(call)
        if chat not in users or chat in self.done:
            return
        methods = self.seen.setdefault(chat, set())
        methods.add(call.method)
        if methods >= self.needs:
            self.done[chat] = call.ts

    def _callback_chat(self, call: Call) -> int:
        # answerCallbackQuery names no chat: push_each learned whose each query id is.
        query_id = str(call.params.get("callback_query_id", ""))
        return self.owner.get(query_id, 0)


async def last_bot_message(client: DevServerClient, users: list[int]) -> dict[int, int]:
    """The id of the newest message each user has from the bot (the button path presses it)."""
    found: dict[int, int] = {}
    for user in users:
        mine = [m for m in await client.messages(user) if m.from_bot]
        if mine:
            found[user] = mine[-1].message_id
    return found


async def run_path(
    client: DevServerClient, path: Path_, users: list[int], pids: tuple[int, int]
) -> Result:
    warm, load = users[:WARM_UP], users[WARM_UP:]
    since = len(await client.calls())
    if path.prepare is not None:
        prep = Completion(frozenset({"sendMessage"}))
        await push_each(client, users, lambda c, u, m: _send(path.prepare or "", c, u, m), {})
        since = await collect(client, prep, set(users), since, 120)
    messages = await last_bot_message(client, users) if path.name == "button" else {}
    warm_done = Completion(path.done_methods)
    await push_each(client, warm, path.send, messages, warm_done.owner)
    since = await collect(client, warm_done, set(warm), since, 60)
    completion = Completion(path.done_methods)
    cpu_before = cpu_seconds(pids[0]), cpu_seconds(pids[1])
    pushed = await push_each(client, load, path.send, messages, completion.owner)
    await collect(client, completion, set(load), since, 120)
    cpu_after = cpu_seconds(pids[0]), cpu_seconds(pids[1])
    replies = completion.done
    n = len(load)
    latencies = [(replies[u] - pushed[u]) * 1000 for u in replies]
    span = max(replies.values()) - min(pushed.values()) if replies else float("inf")
    return Result(
        throughput=len(replies) / span,
        p50=percentile(latencies, 0.50),
        p95=percentile(latencies, 0.95),
        p99=percentile(latencies, 0.99),
        peak_rss_mb=peak_rss_mb(pids[0]),
        lost=n - len(replies),
        bot_cpu_ms=(cpu_after[0] - cpu_before[0]) * 1000 / n,
        server_cpu_ms=(cpu_after[1] - cpu_before[1]) * 1000 / n,
    )


async def collect(
    client: DevServerClient, completion: Completion, users: set[int], since: int, timeout: float
) -> int:
    """Read the stand-in's call log until every user's update is complete, or `timeout`. The
    brief view (no payloads) keeps this watcher's own cost off the machine under test."""
    deadline = time.monotonic() + timeout
    while len(completion.done) < len(users) and time.monotonic() < deadline:
        for call in await client.calls(since, brief=True):
            since = max(since, call.index + 1)
            completion.feed(call, users)
        await asyncio.sleep(0.05)
    return since


def keyring_env(data_dir: Path) -> dict[str, str]:
    """A keyring made as `helpline-bot keys init` makes it, unlocked at start by KEY_PASSPHRASE."""
    import datetime

    from bot.crypto.keyring import init_keyring

    keys = data_dir / "keys"
    keys.mkdir(parents=True)
    init_keyring(keys, PASSPHRASE.encode(), datetime.date.today())
    return {"KEY_PASSPHRASE": PASSPHRASE}


@dataclass
class Contender:
    """One bot under test with a stand-in of its own, both running for a whole round."""

    kind: str
    devserver: asyncio.subprocess.Process
    client: DevServerClient
    bot: asyncio.subprocess.Process


@contextlib.asynccontextmanager
async def contender(kind: str) -> AsyncIterator[Contender]:
    devserver, url, token = await start_devserver()
    try:
        async with DevServerClient(url) as client:
            with tempfile.TemporaryDirectory() as tmp:
                data_dir = Path(tmp) / "data"
                env = {
                    **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
                    "PYTHONPATH": str(REPO),
                    "BOT_TOKEN": token,
                    "BOT_API_URL": url,
                    "DATA_DIR": str(data_dir),
                    "LOG_LEVEL": "WARNING",
                    **(keyring_env(data_dir) if kind == "helpline" else {}),
                }
                bot = await asyncio.create_subprocess_exec(
                    *bot_command(kind),
                    cwd=tmp,
                    env=env,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                )
                try:
                    await client.wait_for(lambda c: c.method == "getUpdates", timeout=60)
                    yield Contender(kind, devserver, client, bot)
                finally:
                    bot.terminate()
                    await bot.wait()
    finally:
        devserver.terminate()
        await devserver.wait()


async def run_round(round_number: int, n: int, paths: list[Path_]) -> dict[tuple[str, str], Result]:
    """Both bots run side by side; each path is measured on one and then at once on the other
    (which goes first alternates), so that the machine's drift over minutes, large on shared
    virtual machines, falls on both of a pair alike. The idle one waits in a long poll."""
    results: dict[tuple[str, str], Result] = {}
    async with contender("helpline") as helpline, contender("echo") as echo:
        for number, path in enumerate(paths):
            pair = [helpline, echo] if (round_number + number) % 2 == 0 else [echo, helpline]
            first = FIRST_USER + number * (n + WARM_UP)
            users = list(range(first, first + n + WARM_UP))
            for bot in pair:
                for user in users:
                    await bot.client.add_user(user, language_code="ru")
                pids = (bot.bot.pid, bot.devserver.pid)
                result = await run_path(bot.client, path, users, pids)
                results[bot.kind, path.name] = result
                print(
                    f"round {round_number + 1} {bot.kind:8s} {path.name:8s} "
                    f"{result.throughput:7.1f} upd/s  p50 {result.p50:7.1f} ms  "
                    f"p99 {result.p99:7.1f} ms  lost {result.lost}  "
                    f"cpu/update: bot {result.bot_cpu_ms:.2f} ms, "
                    f"stand-in {result.server_cpu_ms:.2f} ms",
                    flush=True,
                )
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1000, help="per path, per bot, per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--paths", default=",".join(PATHS), help="any of: " + ",".join(PATHS))
    args = parser.parse_args()
    paths = [PATHS[name] for name in args.paths.split(",")]

    rounds = [await run_round(number, args.updates, paths) for number in range(args.rounds)]

    def med(kind: str, path: str, name: str) -> float:
        return statistics.median(getattr(r[kind, path], name) for r in rounds)

    def paired(path: str, name: str) -> float:
        """The median over rounds of helpline / echo, each pair measured back to back."""
        return statistics.median(
            getattr(r["helpline", path], name) / getattr(r["echo", path], name) for r in rounds
        )

    print(f"\n{args.updates} updates per path x {args.rounds} rounds; medians:")
    header = ("path", "bot", "upd/s", "p50 ms", "p95 ms", "p99 ms", "lost", "cpu ms", "ratio")
    print("{:9s} {:9s} {:>8s} {:>8s} {:>8s} {:>8s} {:>5s} {:>7s}  {}".format(*header))
    failed = []
    for path in paths:
        ratio = paired(path.name, "throughput")
        p99 = paired(path.name, "p99")
        for kind in ("helpline", "echo"):
            verdict = f"{ratio:.0%} of echo, p99 {p99:.2f}x" if kind == "helpline" else ""
            print(
                f"{path.name:9s} {kind:9s} {med(kind, path.name, 'throughput'):8.1f} "
                f"{med(kind, path.name, 'p50'):8.1f} {med(kind, path.name, 'p95'):8.1f} "
                f"{med(kind, path.name, 'p99'):8.1f} "
                f"{sum(r[kind, path.name].lost for r in rounds):5d} "
                f"{med(kind, path.name, 'bot_cpu_ms'):7.2f}  {verdict}"
            )
        if ratio < 0.90 or p99 > 1.5:
            failed.append(path.name)
    print(
        "\ntargets (>= 90% of echo throughput, p99 <= 1.5x; ratios are medians of pairs): "
        + ("all paths met" if not failed else "missed on " + ", ".join(failed))
    )


if __name__ == "__main__":
    asyncio.run(main())
