"""Broadcast: the Broadcaster beside a naive send loop, against a rate-limited, faulty stand-in.

The Bot API stand-in runs as its own process (`python -m bot.devserver`, 127.0.0.1 only) and
behaves like Telegram under load: a global token bucket of R sends a second (one second of
burst) answers 429 with retry_after beyond it, and 2 % of sendMessage requests fail with 502
(not delivered). Two runs in the same invocation, each to its own N subscribers (real SQLite
file, chat ids encrypted as in production):

1. the Broadcaster at rate=R (outbox, token bucket, 429 pause, retries with backoff);
2. a naive loop: load every chat, then `await bot.send_message` for each, no pacing, errors
   counted, no retry.

Delivery is counted from the stand-in's record of every chat (its control API), not from the
sender's own bookkeeping: lost = subscribers with no message, duplicates = with more than one.
Throughput is delivered messages over the time from start to the last delivery, as a share of
R. Latency is per sendMessage request (aiogram session middleware). Memory is Python's traced
memory (tracemalloc) at 25/50/75/100 % of the run and its peak, plus the Broadcaster's peak in
its first seconds with N/4, N/2 and N rows queued: it must not grow with the outbox.

    python bench/broadcast.py [--subscribers 10000] [--rate 100] [--faults 0.02]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
import tracemalloc
from array import array
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from aiogram import Bot  # noqa: E402
from aiogram.client.default import DefaultBotProperties  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402
from aiogram.enums import ParseMode  # noqa: E402
from aiogram.exceptions import TelegramAPIError  # noqa: E402

from bot.crypto.sealing import ChatIdCipher  # noqa: E402
from bot.devserver.client import DevServerClient  # noqa: E402
from bot.logs import setup_logging  # noqa: E402
from bot.storage import migrations  # noqa: E402
from bot.storage.db import Database  # noqa: E402
from bot.storage.outbox import OutboxRepository, Progress, enqueue_alert  # noqa: E402
from bot.telegram.broadcast import Broadcaster  # noqa: E402

FIRST_CHAT = {"broadcaster": 7_000_000_000, "naive": 8_000_000_000}
REGION = {"broadcaster": "moscow", "naive": "spb"}
TEXT_RU = "Тревога: проверки документов у метро, до 18:00. Совет: не подходите к пунктам."
TEXT_EN = "Alert: document checks at the metro until 18:00. Advice: keep away from the posts."
CONTROL_CONCURRENCY = 32
MARKS = (0.25, 0.5, 0.75, 1.0)


@dataclass
class Result:
    name: str
    n: int
    rate: float
    wall: float = 0.0  # start to last delivery
    delivered_per_s: float = 0.0  # delivered / wall
    steady_per_s: float = 0.0  # between the 10 % and the 90 % delivery marks
    requests: int = 0
    requests_per_s: float = 0.0
    busiest_second: int = 0
    status_429: int = 0
    status_5xx: int = 0
    lost: int = 0
    duplicates: int = 0
    p50_ms: float = float("nan")
    p95_ms: float = float("nan")
    memory_at: dict[float, float] = field(default_factory=dict)  # share of N -> traced MiB
    peak_mib: float = 0.0
    finished: bool = True


class Latencies:
    """sendMessage durations, in a buffer allocated before measuring (flat traced memory)."""

    def __init__(self, capacity: int) -> None:
        self.values = array("d", bytes(8 * capacity))
        self.count = 0

    def reset(self) -> None:
        self.count = 0

    async def __call__(self, make_request: Any, bot: Bot, method: Any) -> Any:
        if type(method).__name__ != "SendMessage":
            return await make_request(bot, method)
        started = time.perf_counter()
        try:
            return await make_request(bot, method)
        finally:
            if self.count < len(self.values):
                self.values[self.count] = time.perf_counter() - started
                self.count += 1

    def percentile(self, q: float) -> float:
        ordered = sorted(self.values[: self.count])
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def mib(value: float) -> float:
    return value / (1024 * 1024)


def rss_mib(field: str = "VmRSS") -> float:
    """This process's resident memory (VmRSS) or its peak (VmHWM), from /proc (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


async def start_devserver() -> tuple[asyncio.subprocess.Process, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.devserver",
        "--port",
        "0",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
    _, url, token = line.split()
    return process, url, token.removeprefix("token=")


async def each(items: list[int], work: Callable[[int], Awaitable[None]]) -> None:
    """Run `work` over `items` with a few concurrent control requests."""
    queue = iter(items)

    async def worker() -> None:
        for item in queue:
            await work(item)

    await asyncio.gather(*(worker() for _ in range(CONTROL_CONCURRENCY)))


async def seed(db: Database, cipher: ChatIdCipher, chats: list[int], region: str) -> None:
    """Subscribers as SubscriberRepository stores them, in one transaction (setup only)."""

    def subscribers() -> Iterator[tuple[bytes, bytes, str, int]]:
        for i, chat in enumerate(chats):
            ref = cipher.ref(chat)
            yield ref, cipher.encrypt(chat, ref), "en" if i % 3 == 0 else "ru", int(i % 5 == 0)

    async with db.transaction() as tx:
        row = await tx.fetchone("SELECT coalesce(max(id), 0) + 1 FROM subscribers")
        assert row is not None
        first = int(row[0])
        await tx.executemany(
            "INSERT INTO subscribers (ref, chat_ct, lang, silent, all_regions, created_day)"
            " VALUES (?, ?, ?, ?, 0, '2026-11-25')",
            subscribers(),
        )
        await tx.execute(
            "INSERT INTO subscriber_regions (subscriber_id, region)"
            " SELECT id, ? FROM subscribers WHERE id >= ?",
            (region, first),
        )


async def add_alert(db: Database, alert_id: str, region: str) -> int:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO alerts (id, region, place_type, time_window, certainty, advice,"
            " text_ru, text_en, text_hash, state, created_at)"
            " VALUES (?, ?, 'metro', 'now', 'corroborated', 'avoid', ?, ?, x'00', 'sending',"
            " '2026-11-25T12:00')",
            (alert_id, region, TEXT_RU, TEXT_EN),
        )
        return await enqueue_alert(tx, alert_id, region)


async def open_db(path: Path) -> Database:
    db = await Database.open(path)
    await migrations.apply(db)
    return db


def make_bot(url: str, token: str, latencies: Latencies) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(url))
    session.middleware(latencies)
    return Bot(
        token=token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


async def sample_memory(
    done: Callable[[], Awaitable[int]], n: int, into: dict[float, float]
) -> None:
    """Traced memory when the run passes each mark (by the sender's own count: timing only)."""
    marks = list(MARKS)
    while marks:
        count = await done()
        while marks and count >= marks[0] * n:
            into[marks.pop(0)] = mib(tracemalloc.get_traced_memory()[0])
        await asyncio.sleep(0.1)


async def prepare(client: DevServerClient, rate: float, faults: float) -> int:
    """Fresh limits for a run (a full bucket, the same fault sequence); returns the call index."""
    await client.set_rate_limit(rate)
    await client.set_fault_rate(faults, status=502, seed=7, methods=["sendMessage"])
    return (await client.stats())["calls"]


async def account(
    client: DevServerClient, result: Result, chats: list[int], since: int, t0: float
) -> None:
    """Fill in delivery figures from the stand-in: its chats, and its log of requests."""
    counts: dict[int, int] = {}

    async def count(chat: int) -> None:
        counts[chat] = len(await client.messages(chat))

    await each(chats, count)
    result.lost = sum(1 for c in chats if counts[c] == 0)
    result.duplicates = sum(1 for c in chats if counts[c] > 1)
    calls = [c for c in await client.calls(since) if c.method == "sendMessage"]
    ok = sorted(c.ts for c in calls if c.ok)
    result.requests = len(calls)
    result.status_429 = sum(1 for c in calls if c.status == 429)
    result.status_5xx = sum(1 for c in calls if c.status >= 500)
    if ok:
        result.wall = ok[-1] - t0
        result.delivered_per_s = len(ok) / result.wall
        result.requests_per_s = len(calls) / (max(c.ts for c in calls) - t0)
        low, high = int(0.1 * len(ok)), int(0.9 * len(ok))
        if high - low > 1 and ok[high] > ok[low]:
            result.steady_per_s = (high - low) / (ok[high] - ok[low])
        j = 0
        for i, start in enumerate(ok):
            while j < len(ok) and ok[j] < start + 1.0:
                j += 1
            result.busiest_second = max(result.busiest_second, j - i)


async def measured(
    result: Result,
    client: DevServerClient,
    chats: list[int],
    args: argparse.Namespace,
    latencies: Latencies,
    bot: Bot,
    work: Callable[[], Awaitable[None]],
    done: Callable[[], Awaitable[int]],
    stop: Callable[[], Awaitable[None]] | None = None,
) -> Result:
    """Run one sender's `work` against a freshly set stand-in and fill in its figures: memory
    while it runs, latency percentiles, and what the stand-in actually delivered."""
    since = await prepare(client, args.rate, args.faults)
    latencies.reset()
    tracemalloc.start()
    t0 = time.time()
    sampler = asyncio.create_task(sample_memory(done, len(chats), result.memory_at))
    try:
        await asyncio.wait_for(work(), args.timeout)
    except TimeoutError:
        result.finished = False
    finally:
        if stop is not None:
            await stop()
        await asyncio.sleep(0.15)  # let the sampler see 100 %
        sampler.cancel()
        result.peak_mib = mib(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        await bot.session.close()
    result.p50_ms, result.p95_ms = latencies.percentile(0.5), latencies.percentile(0.95)
    await account(client, result, chats, since, t0)
    return result


async def run_broadcaster(
    url: str,
    token: str,
    client: DevServerClient,
    db: Database,
    cipher: ChatIdCipher,
    chats: list[int],
    args: argparse.Namespace,
    latencies: Latencies,
) -> Result:
    n = len(chats)
    result = Result("broadcaster", n, args.rate)
    assert await add_alert(db, "bench", REGION["broadcaster"]) == n
    outbox = OutboxRepository(db)
    bot = make_bot(url, token, latencies)
    finished = asyncio.Event()

    async def on_progress(alert_id: str, progress: Progress, done: bool) -> None:
        if done:
            finished.set()

    async def sent() -> int:
        return (await outbox.progress("bench")).sent

    broadcaster = Broadcaster(
        db, bot, cipher, rate=args.rate, concurrency=args.concurrency, on_progress=on_progress
    )

    async def work() -> None:
        broadcaster.start()
        await finished.wait()

    return await measured(
        result, client, chats, args, latencies, bot, work, sent, stop=broadcaster.stop
    )


async def run_naive(
    url: str,
    token: str,
    client: DevServerClient,
    db: Database,
    cipher: ChatIdCipher,
    chats: list[int],
    args: argparse.Namespace,
    latencies: Latencies,
) -> Result:
    n = len(chats)
    result = Result("naive loop", n, args.rate)
    bot = make_bot(url, token, latencies)
    progress = {"done": 0, "errors": 0}

    async def done() -> int:
        return progress["done"]

    async def send_all() -> None:
        rows = await db.fetchall(
            "SELECT s.ref, s.chat_ct, s.lang, s.silent FROM subscribers AS s"
            " JOIN subscriber_regions AS r ON r.subscriber_id = s.id WHERE r.region = ?",
            (REGION["naive"],),
        )
        for ref, chat_ct, lang, silent in rows:
            chat = cipher.decrypt(bytes(chat_ct), bytes(ref))
            try:
                await bot.send_message(
                    chat, TEXT_EN if lang == "en" else TEXT_RU, disable_notification=bool(silent)
                )
            except TelegramAPIError:
                progress["errors"] += 1
            progress["done"] += 1

    return await measured(result, client, chats, args, latencies, bot, send_all, done)


async def outbox_scaling(
    url: str,
    token: str,
    client: DevServerClient,
    tmp: Path,
    cipher: ChatIdCipher,
    chats: list[int],
    args: argparse.Namespace,
    latencies: Latencies,
) -> list[tuple[int, float, int]]:
    """Peak traced memory of the Broadcaster over its first seconds, by outbox size."""
    rows = []
    for share in (4, 2, 1):
        n = len(chats) // share
        db = await open_db(tmp / f"scaling-{n}.sqlite3")
        try:
            await seed(db, cipher, chats[:n], REGION["broadcaster"])
            await add_alert(db, "scaling", REGION["broadcaster"])
            bot = make_bot(url, token, latencies)
            broadcaster = Broadcaster(db, bot, cipher, rate=args.rate, concurrency=args.concurrency)
            await prepare(client, args.rate, args.faults)
            tracemalloc.start()
            broadcaster.start()
            await asyncio.sleep(args.scaling_seconds)
            await broadcaster.stop()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            await bot.session.close()
            sent = (await OutboxRepository(db).progress("scaling")).sent
            rows.append((n, mib(peak), sent))
        finally:
            await db.close()
    return rows


def report(
    results: list[Result], scaling: list[tuple[int, float, int]], args: argparse.Namespace
) -> None:
    print(
        f"\n{args.subscribers} subscribers, stand-in limit R = {args.rate:g}/s (1 s burst), "
        f"{args.faults:.0%} of sendMessage -> 502"
    )
    columns = (
        ("sender", 12),
        ("deliv/s", 8),
        ("of R", 6),
        ("steady", 7),
        ("wall s", 7),
        ("lost", 6),
        ("dup", 4),
        ("requests", 8),
        ("429", 6),
        ("5xx", 5),
        ("max/1s", 6),
        ("p50 ms", 7),
        ("p95 ms", 7),
        ("peak MiB", 8),
    )
    print(
        " ".join(
            name.ljust(width) if i == 0 else name.rjust(width)
            for i, (name, width) in enumerate(columns)
        )
    )
    for r in results:
        print(
            f"{r.name:12s} {r.delivered_per_s:8.1f} {r.delivered_per_s / r.rate:6.1%} "
            f"{r.steady_per_s:7.1f} {r.wall:7.1f} "
            f"{r.lost:6d} {r.duplicates:4d} {r.requests:8d} {r.status_429:6d} {r.status_5xx:5d} "
            f"{r.busiest_second:6d} {r.p50_ms:7.1f} {r.p95_ms:7.1f} {r.peak_mib:8.2f}"
            + ("" if r.finished else "  (timed out)")
        )
    print("\ntraced memory (MiB) as the run passes N/4, N/2, 3N/4, N:")
    for r in results:
        marks = "  ".join(
            f"{share:>4.0%}: {r.memory_at.get(share, float('nan')):6.2f}" for share in MARKS
        )
        print(f"  {r.name:12s} {marks}")
    if scaling:
        print(
            f"\nBroadcaster peak traced memory over its first {args.scaling_seconds:g} s,"
            " by outbox size:"
        )
        for n, peak, sent in scaling:
            print(f"  {n:7d} rows queued: {peak:6.2f} MiB ({sent} sent)")
    b = results[0]
    verdict = (
        "met"
        if (b.delivered_per_s >= 0.95 * b.rate and not b.lost and not b.duplicates)
        else "MISSED"
    )
    print(
        f"\nbroadcaster: {b.delivered_per_s / b.rate:.1%} of R, {b.lost} lost, "
        f"{b.duplicates} duplicates "
        f"(target >= 95 %, 0, 0: {verdict})"
    )
    print(
        f"whole process, harness and stand-in bookkeeping included: RSS {rss_mib():.0f} MiB, "
        f"peak {rss_mib('VmHWM'):.0f} MiB"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument(
        "--rate",
        type=float,
        default=100.0,
        help="R: the stand-in's limit and the broadcaster's rate",
    )
    parser.add_argument(
        "--faults", type=float, default=0.02, help="share of sendMessage answered 502"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--scaling-seconds", type=float, default=2.0, help="0 skips the outbox-size check"
    )
    args = parser.parse_args()
    n = args.subscribers
    # Bounded: a run that has not finished in three times its ideal duration is reported as such.
    args.timeout = 3 * n / args.rate + 60

    setup_logging("WARNING")
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
    cipher = ChatIdCipher(os.urandom(32), os.urandom(32), "subscriber")
    chats = {kind: [first + i for i in range(n)] for kind, first in FIRST_CHAT.items()}
    latencies = Latencies(4 * n)
    devserver, url, token = await start_devserver()
    started = time.monotonic()
    try:
        async with DevServerClient(url) as client:

            async def add(chat: int) -> None:
                await client.add_user(chat)

            await each(chats["broadcaster"] + chats["naive"], add)
            with tempfile.TemporaryDirectory() as tmp_name:
                tmp = Path(tmp_name)
                db = await open_db(tmp / "data" / "helpline.sqlite3")
                try:
                    for kind in ("broadcaster", "naive"):
                        await seed(db, cipher, chats[kind], REGION[kind])
                    print(
                        f"setup: {2 * n} chats on the stand-in, {2 * n} subscribers seeded "
                        f"in {time.monotonic() - started:.1f} s",
                        flush=True,
                    )
                    results = [
                        await run_broadcaster(
                            url, token, client, db, cipher, chats["broadcaster"], args, latencies
                        ),
                        await run_naive(
                            url, token, client, db, cipher, chats["naive"], args, latencies
                        ),
                    ]
                finally:
                    await db.close()
                scaling = []
                if args.scaling_seconds > 0:
                    scaling = await outbox_scaling(
                        url, token, client, tmp, cipher, chats["broadcaster"], args, latencies
                    )
    finally:
        devserver.terminate()
        await devserver.wait()
    report(results, scaling, args)
    print(f"total {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())
