"""A bystander's reply latency while one account floods the bot, beside a quiet bot, in one run.

Target (issue "Hold up under an adversary"): while one account floods, everyone else is still
answered within 2 s (bystander p99 <= 2 s).

Three processes share the machine: the Bot API stand-in (`python -m bot.devserver`), the real bot
(`python -m bot run`) and this script, which pushes through the stand-in's control API. Each
round starts the bot fresh, warms it up, then runs three phases; in each, bystanders send an
ordinary question or /start every --interval s (--bystander messages), and:

  quiet      nothing else: the baseline.
  burst      one attacker account pushes --flood messages at once, as fast as the stand-in
             accepts them: Latin "words" of 500-4096 letters, 4096 characters of mixed scripts,
             /start, /sos, FAQ questions and inline queries.
  sustained  the attacker keeps pushing the same mix as fast as it can until the bystander
             schedule ends (at most --sustain-limit messages): a burst is absorbed in a fraction
             of a second, this keeps the whole schedule under fire.

Each phase's bystander messages come round-robin from --accounts accounts of its own, so that
no bystander gets near a per-person limit (5 messages/s from one person would be a flood too).
Latency runs from the moment a message is pushed to the moment the stand-in receives the reply,
both stamped with the same clock; a message not answered by the end of the phase (the bot idle,
or --timeout s after the schedule) counts as lost. The attacker's replies are sorted by the
catalogue message they start with (the bot's throttle warning is recognised by its key), and the
bot's CPU time and peak RSS are read from /proc. Figures are medians over rounds; the verdicts are
on the p99 of each flood phase's bystander messages pooled over the rounds.

Caveat: the attacker's pushes cost this script and the stand-in CPU time too, on the same two
cores; the stand-in's CPU time is printed beside the bot's.

    python bench/flood.py [--flood 1000] [--bystander 50] [--rounds 3] [--sustain-limit 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import re
import statistics
import string
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from _harness import (
    PUSH_CONCURRENCY,
    REPO,
    BotProcess,
    cpu_seconds,
    peak_rss_mb,
    percentile,
    push_each,
    rss_mb,
    start_devserver,
)
from fluent.runtime import FluentBundle, FluentResource
from fluent.syntax import FluentParser, ast

from bot.devserver.client import DevServerClient
from bot.devserver.server import Call

ATTACKER = 6_100_000_001
FIRST_BYSTANDER = 6_200_000_000
WARM_USER = 6_300_000_000
TARGET_MS = 2000.0
QUESTIONS = (
    "как получить отсрочку",
    "пришла повестка что делать",
    "задержали на улице, что делать?",
    "электронная повестка в госуслугах",
    "отсрочка для студента",
    "рейд в общежитии",
    "альтернативная гражданская служба как подать",
    "how do I get a deferral",
    "can they stop me at the metro",
    "медкомиссия категория годности",
)
BYSTANDER_TEXTS = ("как получить отсрочку", "/start")
INLINE_LIMIT = 256  # Telegram cuts inline queries at 256 characters
# Catalogue keys of the bot's own throttle answer (QUERIES_PER_MINUTE), whatever its exact name;
# the report and alert limits have keys of their own and are not this.
THROTTLE_KEY = re.compile(r"throttl|too-many|slow-down|flood|quer(y|ies)-limit|rate-limit")
OTHER_LIMITS = ("alerts-", "report-")


def latin_word(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_letters, k=rng.randint(500, 4096)))


_SCRIPTS = (
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "αβγδεζηθικλμνξοπρστυφχψω",
    "אבגדהוזחטיכלמנסעפצקרשת",
    "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "अआइईउऊएऐओऔकखगघचछजझटठडढणतथदधनपफबभमयरलवशषसह",
    "漢字仮名交じり文の検索語",
    "0123456789",
    "\u0301\u0308\u200b\u200d\u202e\u2066",  # combining marks, zero-width, bidi controls
    "ёЁйЙ-—«»…!?.,;:()",
)


def mixed_text(rng: random.Random, limit: int = 4096) -> str:
    """Words from many scripts, some search terms among them, 4096 UTF-16 code units at most."""
    words: list[str] = []
    size = 0
    while True:
        if rng.random() < 0.1:
            word = rng.choice(QUESTIONS).split()[0]
        elif rng.random() < 0.05:
            word = "🚨🙂"
        else:
            alphabet = rng.choice(_SCRIPTS)
            word = "".join(rng.choices(alphabet, k=rng.randint(1, 24)))
        cost = len(word.encode("utf-16-le")) // 2 + 1
        if size + cost > limit:
            return " ".join(words)
        words.append(word)
        size += cost


def attack_plan(n: int, seed: int) -> list[tuple[str, str]]:
    """(kind, text) for each attacker message; kind "inline" is an inline query."""
    rng = random.Random(seed)
    kinds = ("latin", "mixed", "question", "/start", "/sos", "inline")
    weights = (25, 20, 25, 10, 10, 10)
    plan = []
    for kind in rng.choices(kinds, weights, k=n):
        if kind == "latin":
            text = latin_word(rng)
        elif kind == "mixed":
            text = mixed_text(rng)
        elif kind == "question":
            text = rng.choice(QUESTIONS)
        elif kind == "inline":
            text = rng.choice((rng.choice(QUESTIONS), latin_word(rng), mixed_text(rng)))
            text = text[:INLINE_LIMIT]
        else:
            text = kind
        plan.append((kind, text))
    return plan


class ReplyKinds:
    """Names a reply by the catalogue message it starts with (the text before any variable)."""

    def __init__(self, locales: Path) -> None:
        prefixes: dict[str, str] = {}
        for lang_dir in sorted(p for p in locales.iterdir() if p.is_dir()):
            bundle = FluentBundle([lang_dir.name], use_isolating=False)
            keys: list[str] = []
            for path in sorted(lang_dir.glob("*.ftl")):
                source = path.read_text(encoding="utf-8")
                bundle.add_resource(FluentResource(source))
                body = FluentParser().parse(source).body
                keys += [entry.id.name for entry in body if isinstance(entry, ast.Message)]
            for key in keys:
                message = bundle.get_message(key)
                if message.value is None:
                    continue
                text, _ = bundle.format_pattern(message.value, {})
                head = str(text).split("{", 1)[0].strip()[:40]
                if len(head) >= 8:
                    prefixes.setdefault(head, key)
        self._prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[0]))

    def __call__(self, text: str) -> str:
        text = text.strip()
        return next((key for head, key in self._prefixes if text.startswith(head)), "other")

    @staticmethod
    def is_throttle(key: str) -> bool:
        return bool(THROTTLE_KEY.search(key)) and not key.startswith(OTHER_LIMITS)


@dataclass
class Phase:
    name: str
    latencies: list[float]  # ms, one per bystander message (inf when unanswered)
    sent: int = 0  # attacker messages pushed
    push_s: float = 0.0  # first to last attacker push
    flood_s: float = 0.0  # first attacker push to the last attacker push or reply
    during_flood: int = 0  # bystander messages pushed within flood_s
    attacker_replies: Counter[str] = field(default_factory=Counter)
    attacker_failed: int = 0  # Bot API calls for the attacker that the stand-in refused
    cpu_s: float = 0.0  # the bot's CPU time from the phase's start until it settled
    server_cpu_s: float = 0.0  # the stand-in's, likewise
    rss_before: float = 0.0
    rss_after: float = 0.0
    peak_rss: float = 0.0  # VmHWM of the bot at the end of the phase
    settled: bool = True  # False: the bot was still busy when the phase gave up waiting

    def pct(self, q: float) -> float:
        return percentile(self.latencies, q)

    @property
    def replies(self) -> int:
        return sum(self.attacker_replies.values())

    def throttled(self, kinds: ReplyKinds) -> int:
        return sum(n for k, n in self.attacker_replies.items() if kinds.is_throttle(k))


async def bystanders(
    client: DevServerClient, first: int, accounts: int, count: int, interval: float
) -> list[tuple[int, float]]:
    """Push the bystander schedule; (user, time pushed) per message, in order."""
    pushed: list[tuple[int, float]] = []
    start = time.monotonic()
    for i in range(count):
        delay = start + i * interval - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        user = first + i % accounts
        pushed.append((user, time.time()))
        await client.push_message(user, BYSTANDER_TEXTS[i % len(BYSTANDER_TEXTS)])
    return pushed


async def settle(client: DevServerClient, pid: int, timeout: float) -> bool:
    """Until the bot has fetched every update, has no request in flight and has used under 5 %
    of a CPU for a second; False when that did not happen within `timeout` s. (The stand-in alone
    cannot tell: a bot busy inside a handler makes no request either.)"""
    deadline = time.monotonic() + timeout
    last_cpu, last_at = cpu_seconds(pid), time.monotonic()
    quiet_since: float | None = None
    while time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        cpu, now = cpu_seconds(pid), time.monotonic()
        busy = (cpu - last_cpu) / (now - last_at) > 0.05
        last_cpu, last_at = cpu, now
        stats = await client.stats()
        if busy or stats["pending_updates"] or stats["in_flight"]:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= 1.0:
            return True
    return False


def bystander_latencies(pushed: list[tuple[int, float]], calls: list[Call]) -> list[float]:
    """Each bystander's replies matched to their messages in order (one reply per message)."""
    replies: dict[int, list[float]] = {}
    for call in calls:
        if call.method == "sendMessage" and call.ok:
            replies.setdefault(int(call.params.get("chat_id", 0)), []).append(call.ts)
    taken: Counter[int] = Counter()
    latencies = []
    for user, at in pushed:
        mine = replies.get(user, [])
        if taken[user] < len(mine):
            latencies.append((mine[taken[user]] - at) * 1000)
            taken[user] += 1
        else:
            latencies.append(float("inf"))
    return latencies


async def attack(
    client: DevServerClient,
    plan: list[tuple[str, str]],
    limit: int,
    stop: Callable[[], bool],
    rate: float = 0.0,
) -> list[float]:
    """The attacker pushes plan[0], plan[1], ... (cycling) as fast as the stand-in accepts (or
    `rate` a second), PUSH_CONCURRENCY at a time, until `limit` messages or `stop()`; returns
    when each went."""
    sent: list[float] = []
    counter = itertools.count()
    start = time.monotonic()

    async def worker() -> None:
        while not stop():
            i = next(counter)
            if i >= limit:
                return
            if rate > 0 and (delay := start + i / rate - time.monotonic()) > 0:
                await asyncio.sleep(delay)
                if stop():
                    return
            kind, text = plan[i % len(plan)]
            sent.append(time.time())
            if kind == "inline":
                await client.push_inline_query(ATTACKER, text)
            else:
                await client.push_message(ATTACKER, text)

    await asyncio.gather(*(worker() for _ in range(PUSH_CONCURRENCY)))
    return sent


async def run_phase(
    name: str,
    number: int,
    clients: tuple[DevServerClient, DevServerClient, DevServerClient],
    bot: BotProcess,
    server_pid: int,
    args: argparse.Namespace,
    plan: list[tuple[str, str]],
    kinds: ReplyKinds,
) -> Phase:
    """One bystander schedule (accounts of its own), with the attacker as `name` says."""
    control, attacker, bystander = clients
    await control.reset()  # a call log of this phase only; the bot is idle here
    phase = Phase(name, [], rss_before=rss_mb(bot.pid))
    cpu_before = cpu_seconds(bot.pid), cpu_seconds(server_pid)
    limit = {"quiet": 0, "burst": len(plan), "sustained": args.sustain_limit}[name]
    over = asyncio.Event()

    async def schedule() -> list[tuple[int, float]]:
        try:
            first = FIRST_BYSTANDER + number * args.accounts
            return await bystanders(bystander, first, args.accounts, args.bystander, args.interval)
        finally:
            over.set()

    stop = over.is_set if name == "sustained" else lambda: False
    rate = args.sustain_rate if name == "sustained" else 0.0
    sent, pushed = await asyncio.gather(attack(attacker, plan, limit, stop, rate), schedule())
    phase.settled = await settle(control, bot.pid, args.timeout)
    phase.cpu_s = cpu_seconds(bot.pid) - cpu_before[0]
    phase.server_cpu_s = cpu_seconds(server_pid) - cpu_before[1]
    phase.rss_after, phase.peak_rss = rss_mb(bot.pid), peak_rss_mb(bot.pid)
    calls = await control.calls()
    phase.latencies = bystander_latencies(pushed, calls)
    if not sent:
        return phase
    phase.sent = len(sent)
    phase.push_s = max(sent) - min(sent)
    last = max(sent)
    for call in calls:
        to_attacker = (
            call.method == "sendMessage" and int(call.params.get("chat_id", 0)) == ATTACKER
        ) or call.method == "answerInlineQuery"  # only the attacker sends inline queries
        if not to_attacker:
            continue
        if not call.ok:
            phase.attacker_failed += 1
            continue
        last = max(last, call.ts)
        if call.method == "answerInlineQuery":
            kind = "inline results" if call.params.get("results") else "inline, no results"
        else:
            kind = kinds(call.params["text"])
        phase.attacker_replies[kind] += 1
    phase.flood_s = last - min(sent)
    phase.during_flood = sum(1 for _, at in pushed if at <= last)
    return phase


async def run_round(
    url: str,
    server_pid: int,
    token: str,
    args: argparse.Namespace,
    plan: list[tuple[str, str]],
    kinds: ReplyKinds,
) -> tuple[list[Phase], list[str]]:
    """A fresh bot, warmed up, then each phase in turn; the phases and the bot's error lines."""
    async with (
        DevServerClient(url) as control,
        DevServerClient(url) as attacker,
        DevServerClient(url) as bystander,
    ):
        await control.reset()
        with tempfile.TemporaryDirectory(prefix="bench-flood-") as tmp:
            bot = BotProcess(url, token, Path(tmp))
            try:
                await bot.start(control)
                warm = [WARM_USER + i for i in range(20)]
                await push_each(warm, lambda u: control.push_message(u, "/start"))
                await push_each(warm, lambda u: control.push_message(u, QUESTIONS[0]))
                await settle(control, bot.pid, 30)
                clients = (control, attacker, bystander)
                phases = []
                for number, name in enumerate(args.phases):
                    phases.append(
                        await run_phase(name, number, clients, bot, server_pid, args, plan, kinds)
                    )
            finally:
                await bot.stop()
            return phases, bot.errors()


def ms(value: float) -> str:
    return f"{value:8.0f}" if value != float("inf") else "    lost"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=1000, help="attacker messages in the burst")
    parser.add_argument("--bystander", type=int, default=50, help="bystander messages per phase")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--interval", type=float, default=0.2, help="s between bystander messages")
    parser.add_argument("--accounts", type=int, default=10, help="bystander accounts per phase")
    parser.add_argument(
        "--sustain-limit",
        type=int,
        default=20_000,
        help="most attacker messages in the sustained phase (0: no sustained phase)",
    )
    parser.add_argument(
        "--sustain-rate",
        type=float,
        default=0.0,
        help="attacker messages per second in the sustained phase (0: as fast as accepted)",
    )
    parser.add_argument(
        "--timeout", type=float, default=20.0, help="s to wait for the bot after a phase"
    )
    parser.add_argument(
        "--budget", type=float, default=170.0, help="s; no new round starts past this"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    assert args.flood > 0 and args.bystander > 0 and args.rounds > 0 and args.accounts > 0
    args.phases = ["quiet", "burst"] + (["sustained"] if args.sustain_limit > 0 else [])

    kinds = ReplyKinds(REPO / "content" / "locales")
    plan = attack_plan(args.flood, args.seed)
    mix = Counter(kind for kind, _ in plan)
    print(
        f"attacker mix: {', '.join(f'{k} {n}' for k, n in mix.most_common())}; "
        f"{sum(len(t) for _, t in plan) / len(plan):.0f} characters on average",
        flush=True,
    )
    began = time.monotonic()
    devserver, url, token = await start_devserver()
    rounds: list[list[Phase]] = []
    errors: Counter[str] = Counter()
    try:
        for number in range(args.rounds):
            round_began = time.monotonic()
            phases, lines = await run_round(url, devserver.pid, token, args, plan, kinds)
            rounds.append(phases)
            errors.update(lines)
            for phase in phases:
                flood = ""
                if phase.sent:
                    flood = (
                        f"; attacker sent {phase.sent} in {phase.push_s:.1f} s, "
                        f"{phase.replies} replies ({phase.throttled(kinds)} throttle), "
                        f"{phase.during_flood} bystander msgs within the flood's "
                        f"{phase.flood_s:.1f} s"
                    )
                print(
                    f"round {number + 1} {phase.name:9s} bystander p50 {phase.pct(0.5):6.0f} ms"
                    f"  p99 {phase.pct(0.99):6.0f} ms  max {max(phase.latencies):6.0f} ms; bot "
                    f"CPU {phase.cpu_s:.1f} s, RSS {phase.rss_after:.0f} MiB{flood}"
                    + ("" if phase.settled else f"; still busy {args.timeout:g} s after"),
                    flush=True,
                )
            spent = time.monotonic() - began
            if spent + (time.monotonic() - round_began) > args.budget and number + 1 < args.rounds:
                print(f"(stopping after {number + 1} rounds: --budget {args.budget:g} s)")
                break
    finally:
        devserver.terminate()
        await devserver.wait()

    def med(values: list[float]) -> float:
        return statistics.median(values)

    print(
        f"\nburst {args.flood} attacker messages; sustained: attacker pushing "
        f"{f'{args.sustain_rate:g}/s' if args.sustain_rate else 'as fast as accepted'} until the "
        f"schedule ends (at most {args.sustain_limit}); bystanders {args.bystander} messages "
        f"every {args.interval:g} s from {args.accounts} accounts; {len(rounds)} rounds, medians:"
    )
    header = (
        "phase",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "sent",
        "replies",
        "throttle",
        "bot CPU s",
        "srv CPU s",
        "peak RSS",
    )
    columns = "{:10s} {:>8s} {:>8s} {:>8s} {:>8s} {:>6s} {:>7s} {:>8s} {:>9s} {:>9s} {:>8s}"
    print(columns.format(*header))
    for index, name in enumerate(args.phases):
        phases = [r[index] for r in rounds]
        print(
            f"{name:10s}"
            + "".join(" " + ms(med([p.pct(q) for p in phases])) for q in (0.5, 0.95, 0.99))
            + f" {ms(med([max(p.latencies) for p in phases]))}"
            f" {med([p.sent for p in phases]):6.0f} {med([p.replies for p in phases]):7.0f}"
            f" {med([p.throttled(kinds) for p in phases]):8.0f}"
            f" {med([p.cpu_s for p in phases]):9.1f} {med([p.server_cpu_s for p in phases]):9.1f}"
            f" {med([p.peak_rss for p in phases]):8.0f}"
        )
    for index, name in enumerate(args.phases):
        phases = [r[index] for r in rounds]
        if not phases[0].sent:
            continue
        replies: Counter[str] = Counter()
        for phase in phases:
            replies.update(phase.attacker_replies)
        top = ", ".join(f"{k} {n / len(phases):.0f}" for k, n in replies.most_common(8))
        print(
            f"\n{name}: attacker pushed {med([p.sent for p in phases]):.0f} messages in "
            f"{med([p.push_s for p in phases]):.1f} s; the flood lasted "
            f"{med([p.flood_s for p in phases]):.1f} s (to its last push or reply), "
            f"{med([p.during_flood for p in phases]):.0f} of {args.bystander} bystander messages "
            f"within it\n  replies to the attacker by catalogue message (mean per round): "
            f"{top or 'none'}; refused by the stand-in "
            f"{med([p.attacker_failed for p in phases]):.0f}\n"
            f"  bot RSS {med([p.rss_before for p in phases]):.0f} -> "
            f"{med([p.rss_after for p in phases]):.0f} MiB; still busy {args.timeout:g} s after "
            f"the schedule in {sum(not p.settled for p in phases)} of {len(phases)} rounds"
        )
    for line, _ in errors.most_common(5):
        print(f"bot log: {line}")
    print()
    quiet = [x for r in rounds for x in r[0].latencies]
    for index, name in enumerate(args.phases[1:], start=1):
        pooled = [x for r in rounds for x in r[index].latencies]
        p99 = percentile(pooled, 0.99)
        verdict = "PASS" if p99 <= TARGET_MS else "FAIL"
        what = {
            "burst": f"{args.flood} messages at once",
            "sustained": f"{med([p.sent for p in (r[index] for r in rounds)]):.0f} messages in "
            f"{args.bystander * args.interval:g} s",
        }[name]
        print(
            f"{verdict}: {name} ({what}): bystander p99 {p99:.0f} ms over {len(pooled)} messages "
            f"(quiet bot: {percentile(quiet, 0.99):.0f} ms); target <= {TARGET_MS:.0f} ms"
        )
    print(f"run took {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())
