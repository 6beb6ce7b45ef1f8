"""Memory of the bot's in-memory stores under many distinct strangers, beside /start, in one run.

Target (issue "Hold up under an adversary"): 100,000 distinct users each opening a report form
grow the bot's resident memory (VmRSS) by at most 300 MiB.

Two processes besides this script: the Bot API stand-in (`python -m bot.devserver`) and the real
bot (`python -m bot run`), started with a keyring (unattended: KEY_PASSPHRASE) so that /report
opens the form. After a warm-up, N distinct users (ids never seen before) go through three
phases, in batches of --step users, and the bot's VmRSS is read after each batch:

  question  each user asks one free-text question (a search; whatever the bot keeps per person
            for its question limit). First, because a question typed inside the form would be
            taken as the form's answer.
  report    each user sends /report: a draft is opened and kept in memory.
  language  each user sends /language and presses English: an explicit choice kept in memory.

The baseline, in the same run, is a fresh bot process fed the same number of users sending
/start, which keeps no state: what N updates from N strangers cost with nothing remembered.

In the baseline the stand-in is reset after every batch (once the bot is idle), so that its call
log and chats do not grow with N. In the forms run it is never reset: the bot keeps the ids of
each form's messages and deletes them later (a form dropped at the drafts cap, a paused form),
and a reset stand-in numbers a chat's messages from 1 again, so the bot would delete the wrong
ones. Its rate emulator stays off. At the end one bystander sends /start: the bot must still
answer it promptly.

    python bench/memory.py [--users 30000] [--step 10000] [--phases question,report,language]

Each user costs the bot about 3 ms of CPU per update, and a user makes four updates in the forms
run (question, /report, /language, the button) and one in the baseline: on the 2-core
development machine the default 30,000 users took 9 minutes, and `--users 100000` (the target's
own figure, rather than 30,000 scaled up) about 29 (4 for the baseline, 25 for the forms run).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from _harness import (
    REPO,
    BotProcess,
    cpu_seconds,
    peak_rss_mb,
    push_each,
    rss_mb,
    start_devserver,
    wait_calls,
)

from bot.crypto.keyring import init_keyring
from bot.devserver.client import DevServerClient
from bot.devserver.server import Call
from bot.i18n import Translator

FIRST_USER = 7_000_000_000
WARM_USER = 6_900_000_000
BYSTANDER = 6_800_000_000
WARM_USERS = 1000
QUESTION = "как получить отсрочку"
PASSPHRASE = "bench-memory-passphrase-not-secret"
LANGUAGE_BUTTON = 1  # /language shows [Русский, English] first: English
TARGET_USERS = 100_000
TARGET_MIB = 300.0
BATCH_TIMEOUT = 300.0  # seconds for one batch's replies before it counts the rest as lost

# An action takes the client, a batch of users and a tally of the Bot API calls it sees (method,
# and method + " failed"); it returns how many users of the batch were not answered.
Action = Callable[[DevServerClient, list[int], Counter[str]], Awaitable[int]]


@dataclass
class Sample:
    phase: str
    users: int  # users through this phase so far
    rss_mb: float
    seconds: float  # wall time of the batch
    lost: int
    deleted: int  # deleteMessage(s) calls: e.g. forms dropped at a cap have their messages deleted
    failed: int  # Bot API calls the stand-in refused (e.g. deleting in a chat it has forgotten)


def tallied(tally: Counter[str], seen: Callable[[Call], None]) -> Callable[[Call], None]:
    def count(call: Call) -> None:
        tally[call.method if call.ok else f"{call.method} failed"] += 1
        seen(call)

    return count


def _replied(chats: set[int], answered: set[int]) -> Callable[[Call], None]:
    def seen(call: Call) -> None:
        if call.method == "sendMessage" and call.ok:
            chat = int(call.params.get("chat_id", 0))
            if chat in chats:
                answered.add(chat)

    return seen


def send(text: str) -> Action:
    """Each user sends `text`; done when each got a message back. Returns how many did not."""

    async def action(client: DevServerClient, users: list[int], tally: Counter[str]) -> int:
        chats, answered = set(users), set()
        await push_each(users, lambda u: client.push_message(u, text))
        seen = tallied(tally, _replied(chats, answered))
        await wait_calls(client, seen, lambda: len(answered) == len(chats), BATCH_TIMEOUT)
        return len(chats) - len(answered)

    return action


async def choose_language(client: DevServerClient, users: list[int], tally: Counter[str]) -> int:
    """/language, then press English on the bot's answer; done when each press was answered."""
    chats: set[int] = set(users)
    menus: dict[int, int] = {}

    def menu(call: Call) -> None:
        if call.method == "sendMessage" and call.ok:
            chat = int(call.params.get("chat_id", 0))
            if chat in chats and chat not in menus:
                menus[chat] = int(call.result["message_id"])

    await push_each(users, lambda u: client.push_message(u, "/language"))
    await wait_calls(client, tallied(tally, menu), lambda: len(menus) == len(chats), BATCH_TIMEOUT)
    queries: set[str] = set()

    async def press(user: int) -> None:
        update = await client.press_button(user, menus[user], LANGUAGE_BUTTON)
        queries.add(str(update["callback_query"]["id"]))

    await push_each(list(menus), press)
    answered: set[str] = set()

    def seen(call: Call) -> None:
        if call.method == "answerCallbackQuery" and call.ok:
            answered.add(str(call.params.get("callback_query_id")))

    await wait_calls(client, tallied(tally, seen), lambda: queries <= answered, BATCH_TIMEOUT)
    return len(chats) - len(queries & answered)


PHASES: dict[str, Action] = {
    "question": send(QUESTION),
    "report": send("/report"),
    "language": choose_language,
}


async def run_phase(
    client: DevServerClient,
    bot: BotProcess,
    phase: str,
    action: Action,
    users: list[int],
    args: argparse.Namespace,
    samples: list[Sample],
    reset: bool,
) -> None:
    for start in range(0, len(users), args.step):
        batch = users[start : start + args.step]
        began = time.monotonic()
        tally: Counter[str] = Counter()
        lost = await action(client, batch, tally)
        # The bot is idle before the stand-in forgets the batch (no late call to an unknown chat).
        await client.wait_idle(quiet=0.2, timeout=60)
        tally.update(c.method if c.ok else f"{c.method} failed" for c in await client.new_calls())
        if reset:
            await client.reset()
        sample = Sample(
            phase,
            start + len(batch),
            rss_mb(bot.pid),
            time.monotonic() - began,
            lost,
            deleted=sum(n for m, n in tally.items() if m.startswith("deleteMessage")),
            failed=sum(n for m, n in tally.items() if m.endswith(" failed")),
        )
        samples.append(sample)
        print(
            f"  {phase:9s} {sample.users:7d} users  RSS {sample.rss_mb:7.1f} MiB  "
            f"batch {sample.seconds:5.1f} s ({len(batch) / sample.seconds:6.0f} users/s)"
            + (f"  lost {lost}" if lost else "")
            + (f"  deletes {sample.deleted}" if sample.deleted else "")
            + (f"  refused {sample.failed}" if sample.failed else ""),
            flush=True,
        )


async def check_warm_up(client: DevServerClient, user: int, phases: list[str]) -> None:
    """The phases did what they are meant to: a form opened, the language switched."""
    translator = Translator.load(REPO / "content" / "locales")
    shown = [m.source_text or "" for m in await client.messages(user)]
    expected = {"report": ("ru", "report-intro"), "language": ("en", "language-switched")}
    for phase, (lang, key) in expected.items():
        head = translator(lang, key)[:20]
        if phase in phases and not any(text.startswith(head) for text in shown):
            raise RuntimeError(f"warm-up: {phase} did not show {key!r}; the bot showed {shown}")


async def bystander_ms(client: DevServerClient) -> float:
    """Latency of one /start from someone new, or inf when it is not answered in 30 s."""
    answered: set[int] = set()
    pushed = time.time()
    await client.push_message(BYSTANDER, "/start")
    replies: list[float] = []

    def seen(call: Call) -> None:
        if call.method == "sendMessage" and int(call.params.get("chat_id", 0)) == BYSTANDER:
            answered.add(BYSTANDER)
            replies.append(call.ts)

    await wait_calls(client, seen, lambda: bool(answered), 30)
    return (replies[0] - pushed) * 1000 if replies else float("inf")


@dataclass
class Run:
    start_rss: float
    samples: list[Sample]
    cpu_s: float
    server_cpu_s: float
    bench_cpu_s: float
    seconds: float
    bystander_ms: float
    peak_rss_mb: float
    server_rss_mb: float
    errors: list[str]


async def run_bot(
    url: str,
    token: str,
    server_pid: int,
    args: argparse.Namespace,
    phases: list[tuple[str, Action]],
    keyring: bool,
) -> Run:
    """A fresh bot (with a keyring or not), warmed up, then each phase for every user. A bot
    without a keyring keeps no form, so the stand-in can forget each batch."""
    reset = not keyring
    async with DevServerClient(url) as client:
        await client.reset()
        with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
            env = dict(item.split("=", 1) for item in args.bot_env)
            if keyring:
                keys = Path(tmp) / "data" / "keys"
                init_keyring(keys, PASSPHRASE.encode(), datetime.date.today())
                env["KEY_PASSPHRASE"] = PASSPHRASE
            bot = BotProcess(url, token, Path(tmp), **env)
            try:
                await bot.start(client)
                warm = [WARM_USER + i for i in range(WARM_USERS)]
                for _, action in phases:
                    assert await action(client, warm, Counter()) == 0, "warm-up not answered"
                await check_warm_up(client, warm[0], [name for name, _ in phases])
                await client.wait_idle(quiet=0.2, timeout=60)
                if reset:
                    await client.reset()
                await asyncio.sleep(1.0)  # let the allocator settle after the warm-up burst
                start_rss = rss_mb(bot.pid)
                began = time.monotonic()
                cpu_before = cpu_seconds(bot.pid), cpu_seconds(server_pid), time.process_time()
                people = [FIRST_USER + i for i in range(args.users)]
                samples: list[Sample] = []
                for phase, action in phases:
                    await run_phase(client, bot, phase, action, people, args, samples, reset)
                seconds = time.monotonic() - began
                cpu_after = cpu_seconds(bot.pid), cpu_seconds(server_pid), time.process_time()
                cpu = [after - before for after, before in zip(cpu_after, cpu_before, strict=True)]
                latency = await bystander_ms(client)
                peak = peak_rss_mb(bot.pid)
            finally:
                await bot.stop()
            return Run(
                start_rss, samples, *cpu, seconds, latency, peak, rss_mb(server_pid), bot.errors()
            )


def report(name: str, run: Run, phase_start: dict[str, float]) -> None:
    print(f"\n{name}: RSS after warm-up {run.start_rss:.1f} MiB")
    print(
        f"{'phase':10s} {'users':>7s} {'RSS MiB':>8s} {'growth':>8s} {'B/user':>7s} {'s':>6s}"
        f" {'deletes':>8s}"
    )
    for sample in run.samples:
        growth = sample.rss_mb - run.start_rss
        in_phase = sample.rss_mb - phase_start[sample.phase]
        print(
            f"{sample.phase:10s} {sample.users:7d} {sample.rss_mb:8.1f} {growth:8.1f} "
            f"{in_phase * 2**20 / sample.users:7.0f} {sample.seconds:6.1f} {sample.deleted:8d}"
        )


def phase_starts(run: Run) -> dict[str, float]:
    """RSS when each phase began: after warm-up, or at the previous phase's last sample."""
    starts: dict[str, float] = {}
    previous = run.start_rss
    for sample in run.samples:
        starts.setdefault(sample.phase, previous)
        previous = sample.rss_mb
    return starts


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30_000, help="distinct users")
    parser.add_argument("--step", type=int, default=10_000, help="users per batch / RSS sample")
    parser.add_argument(
        "--phases",
        default=",".join(PHASES),
        help=f"comma-separated, in this order: {','.join(PHASES)} (default: all)",
    )
    parser.add_argument(
        "--bot-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for both bot processes, e.g. MAX_DRAFTS=200000 (repeatable)",
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the /start run")
    args = parser.parse_args()
    args.step = max(1, min(args.step, args.users))
    if any("=" not in item for item in args.bot_env):
        parser.error("--bot-env takes NAME=VALUE")
    chosen = [p.strip() for p in args.phases.split(",") if p.strip()]
    if not chosen or any(p not in PHASES for p in chosen):
        parser.error(f"--phases: choose from {', '.join(PHASES)}")
    phases = [(p, PHASES[p]) for p in PHASES if p in chosen]

    devserver, url, token = await start_devserver()
    try:
        baseline = None
        if not args.no_baseline:
            print(f"baseline: {args.users} users send /start (no state kept)", flush=True)
            baseline = await run_bot(
                url, token, devserver.pid, args, [("start", send("/start"))], keyring=False
            )
        print(f"forms: {args.users} users, phases {', '.join(p for p, _ in phases)}", flush=True)
        forms = await run_bot(url, token, devserver.pid, args, phases, keyring=True)
    finally:
        devserver.terminate()
        await devserver.wait()

    forms_starts = phase_starts(forms)
    if baseline is not None:
        report("baseline (/start)", baseline, phase_starts(baseline))
    report("forms", forms, forms_starts)

    def end_of(run: Run, phase: str) -> float:
        return [s.rss_mb for s in run.samples if s.phase == phase][-1]

    n = args.users
    print(f"\n{n} users; growth of the bot's RSS (MiB), bytes per user:")
    rows: list[tuple[str, float, int]] = []
    if baseline is not None:
        growth = end_of(baseline, "start") - baseline.start_rss
        rows.append(("/start (baseline)", growth, sum(s.deleted for s in baseline.samples)))
    for phase, _ in phases:
        deleted = sum(s.deleted for s in forms.samples if s.phase == phase)
        rows.append((phase, end_of(forms, phase) - forms_starts[phase], deleted))
    total_deleted = sum(s.deleted for s in forms.samples)
    rows.append(("all phases", forms.samples[-1].rss_mb - forms.start_rss, total_deleted))
    for label, growth, deleted in rows:
        print(
            f"  {label:20s} {growth:8.1f} MiB  {growth * 2**20 / n:8.0f} B/user"
            + (f"  (the bot deleted messages {deleted} times)" if deleted else "")
        )
    for label, run in (("baseline", baseline), ("forms", forms)):
        if run is None:
            continue
        lost = sum(s.lost for s in run.samples)
        print(
            f"  {label:9s} CPU s: bot {run.cpu_s:.1f}, stand-in {run.server_cpu_s:.1f}, this "
            f"script {run.bench_cpu_s:.1f}; wall {run.seconds:.1f} s; lost {lost}\n"
            f"            bot RSS at the end {run.samples[-1].rss_mb:.1f} MiB, peak (VmHWM) "
            f"{run.peak_rss_mb:.1f} MiB; stand-in RSS {run.server_rss_mb:.1f} MiB; a bystander's "
            f"/start at the end answered in {run.bystander_ms:.0f} ms"
        )
        for line in run.errors[:5]:
            print(f"    bot log: {line}")

    checks = [(" + ".join(p for p, _ in phases), forms.samples[-1].rss_mb - forms.start_rss)]
    if "report" in chosen and len(phases) > 1:
        checks.insert(0, ("forms alone", end_of(forms, "report") - forms_starts["report"]))
    scale = TARGET_USERS / n
    note = "" if n == TARGET_USERS else f" (measured at {n} users, scaled x{scale:g})"
    for label, growth in checks:
        at_target = growth * scale
        verdict = "PASS" if at_target <= TARGET_MIB else "FAIL"
        print(
            f"{verdict}: {label}: {at_target:.1f} MiB for {TARGET_USERS} users"
            f"{note} (target <= {TARGET_MIB:.0f} MiB)"
        )


if __name__ == "__main__":
    asyncio.run(main())
