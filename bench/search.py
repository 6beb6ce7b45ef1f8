"""FAQ search quality and latency over the whole content, beside a plain substring search.

Runs every query in tests/data/search_queries*.toml and tests/data/search_blind*.toml (and any
extra query files given on the command line) through the bot's search index and through a
baseline that ranks entries by how many query words appear verbatim (case-folded) in the entry's
title, keywords or text. Prints top-1 and top-3 hit rates and per-query latency percentiles for
both, measured in this run, then the bot's hit rates for each file on its own: a set is a file,
and a file whose name says "blind" was written without reading the entries. Every set is held
to top-3 >= 97 % and top-1 >= 90 %; an expected id missing from the content counts as a miss and
is named, so a set written ahead of its entries fails until they land.

Then times a hostile set (adversarial_queries(): generated here with a fixed seed, each input at
most 4,096 characters, Telegram's limit): search runs on the bot's event loop, so one slow
message delays every user. Prints its p50/p99/max, wall-clock and CPU time, and ends with a PASS
or FAIL line against the limits below (the verdict uses CPU time, the search's own cost: on a
busy machine wall-clock also counts time the OS gave to other processes), and a FAIL line for
each query set under the hit-rate targets; any FAIL exits with status 1.

    python bench/search.py [extra_queries.toml ...] [--repeat 20] [--adversarial-repeat 10]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import string
import sys
import time
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple, cast

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.content.faq import FaqCatalog  # noqa: E402
from bot.content.search import SearchIndex, term_counts  # noqa: E402
from bot.content.textnorm import layout_swap, tokens  # noqa: E402

TELEGRAM_MAX_CHARS = 4096
ADVERSARIAL_SEED = 20240607
# Limits for the hostile set, in milliseconds per search on the bot's machine (2 cores).
ADVERSARIAL_P99_MS = 5.0
ADVERSARIAL_MAX_MS = 20.0
# Hit-rate targets, held on every query set on its own (issue #15): a blind set that misses
# cannot hide behind a large set that hits.
TARGET_TOP3 = 0.97
TARGET_TOP1 = 0.90
QUERY_GLOBS = ("search_queries*.toml", "search_blind*.toml")


class QuerySet(NamedTuple):
    """One query file: its name (the file's stem without "search_queries_" or "search_") and
    its queries."""

    name: str
    queries: list[dict[str, object]]

    @property
    def blind(self) -> bool:
        """Written without reading the entries: the file's name says so."""
        return "blind" in self.name


def set_name(path: Path) -> str:
    return path.stem.removeprefix("search_queries_").removeprefix("search_")


def load_sets(paths: list[Path]) -> list[QuerySet]:
    return [
        QuerySet(set_name(path), tomllib.loads(path.read_text(encoding="utf-8"))["query"])
        for path in paths
    ]


def hit_rates(
    search: Callable[[str], list[str]], queries: list[dict[str, object]]
) -> tuple[float, float]:
    """Top-1 and top-3 hit rates: an expected id first, or among the first three."""
    top1 = top3 = 0
    for query in queries:
        expected = set(cast("list[str]", query["expect"]))
        ids = search(str(query["q"]))
        top1 += bool(ids[:1] and ids[0] in expected)
        top3 += bool(set(ids[:3]) & expected)
    return top1 / len(queries), top3 / len(queries)


def missing_ids(queries: list[dict[str, object]], known: set[str]) -> list[str]:
    """Expected ids that no entry has: every query expecting only them is a sure miss."""
    expected = {i for q in queries for i in cast("list[str]", q["expect"])}
    return sorted(expected - known)


def evaluate_sets(
    search: Callable[[str], list[str]], sets: list[QuerySet], known: set[str]
) -> list[str]:
    """Prints each set's hit rates; returns one line for each set under the targets."""
    print(f"\n{'query set':22s} {'queries':>7s} {'top-1':>7s} {'top-3':>7s}")
    failures = []
    for qset in sets:
        top1, top3 = hit_rates(search, qset.queries)
        label = qset.name + (" (blind)" if qset.blind else "")
        missing = missing_ids(qset.queries, known)
        note = f"  not in the content: {', '.join(missing)}" if missing else ""
        print(f"{label:22s} {len(qset.queries):7d} {top1:7.1%} {top3:7.1%}{note}", flush=True)
        if top3 < TARGET_TOP3 or top1 < TARGET_TOP1:
            failures.append(f"{qset.name}: top-1 {top1:.1%}, top-3 {top3:.1%}")
    return failures


class SubstringSearch:
    """The baseline: what a quick `if word in text` search would do."""

    def __init__(self, catalog: FaqCatalog) -> None:
        self._docs: dict[str, str] = {}
        for by_id in catalog.entries.values():
            for entry in by_id.values():
                text = " ".join([entry.title, *entry.keywords, entry.body]).casefold()
                self._docs[entry.id] = self._docs.get(entry.id, "") + " " + text

    def search(self, query: str, limit: int = 5) -> list[str]:
        words = [w for w in query.casefold().split() if len(w) > 2]
        scored = []
        for entry_id, text in self._docs.items():
            score = sum(1 for w in words if w in text)
            if score:
                scored.append((-score, entry_id))
        return [entry_id for _, entry_id in sorted(scored)[:limit]]


def percentiles(latencies: list[float]) -> tuple[float, float, float]:
    """p50, p99 and max of the latencies, in the units given."""
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return statistics.median(ordered), p99, ordered[-1]


def timed(
    search: Callable[[str], object], text: str, repeat: int
) -> tuple[list[float], list[float]]:
    """Milliseconds per call, one figure per run: wall-clock, and this thread's CPU time.

    On a busy machine wall-clock also counts time the OS gave other processes; CPU time is
    what the search itself costs the event loop's thread.
    """
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.thread_time()
        search(text)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def evaluate(
    name: str, search: Callable[[str], list[str]], queries: list[dict[str, object]], repeat: int
) -> None:
    top1, top3 = hit_rates(search, queries)
    latencies: list[float] = []
    for query in queries:
        latencies.extend(timed(search, str(query["q"]), repeat)[0])
    p50, p99, _ = percentiles(latencies)
    print(f"{name:10s} {top1:7.1%} {top3:7.1%} {p50:9.3f} {p99:9.3f}", flush=True)


# --- the hostile set ----------------------------------------------------------------------------

_CYRILLIC = "абвгдежзийклмнопрстуфхцчшщъыьэюя"
_GREEK = "αβγδεζηθικλμνξοπρστυφχψω"
_LOOKALIKES = "aаeеoоpрcсxхyуAАBВEЕKКMМHНOОPРCСTТXХ"
_EMOJI = ["😀", "🔥", "👍🏽", "👨‍👩‍👧‍👦", "🇷🇺", "🏳️‍🌈", "1️⃣", "❤️", "🙂", "🤷‍♂️"]
_INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"]
_CONTROL = [chr(c) for c in [*range(0x00, 0x20), 0x7F, 0x85, *range(0x80, 0x90)]]
_BIDI = ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f", "\u061c"]
_SCRIPTS = [
    string.ascii_letters,
    _CYRILLIC + _CYRILLIC.upper(),
    _GREEK,
    "".join(chr(c) for c in range(0x4E00, 0x4E80)),  # CJK
    "".join(chr(c) for c in range(0x0627, 0x064B)),  # Arabic
    "".join(chr(c) for c in range(0x05D0, 0x05EB)),  # Hebrew
    "".join(chr(c) for c in range(0x0905, 0x0939)),  # Devanagari
    string.digits + "٠١٢٣٤٥٦٧٨٩",
]


def _fill(make: Callable[[], str], sep: str = " ") -> str:
    """Pieces from make() joined by sep until the text reaches Telegram's limit, then cut."""
    parts: list[str] = []
    size = 0
    while size < TELEGRAM_MAX_CHARS:
        part = make()
        parts.append(part)
        size += len(part) + len(sep)
    return sep.join(parts)[:TELEGRAM_MAX_CHARS]


def _typo(rnd: random.Random, word: str, alphabet: str) -> str:
    """The word with its first and last letters replaced: distance 2, and no common prefix or
    suffix to trim, so it costs the most to check against the word it came from."""
    if len(word) < 3:
        return word
    return rnd.choice(alphabet) + word[1:-1] + rnd.choice(alphabet)


def adversarial_queries(
    vocabulary: Iterable[str], content_words: Iterable[str], seed: int = ADVERSARIAL_SEED
) -> list[tuple[str, str]]:
    """Hostile inputs, each at most 4,096 characters, as (label, text); the same for a seed.

    vocabulary: the index's terms (typos of them reach the costliest typo checks);
    content_words: words of the FAQ text (they hit the most postings).
    """
    rnd = random.Random(seed)
    terms = sorted(vocabulary)
    long_ru = [t for t in terms if len(t) >= 7 and t[0] in _CYRILLIC]
    long_en = [t for t in terms if len(t) >= 7 and t.isascii()]
    words = sorted(set(content_words))
    words_ru = [w for w in words if w[0] in _CYRILLIC]
    words_en = [w for w in words if w.isascii() and w.isalpha()]
    to_keys = {layout_swap(key): key for key in string.printable if layout_swap(key) != key}

    def typed_on_latin_layout(word: str) -> str:
        return "".join(to_keys.get(ch, ch) for ch in word)

    def rand_word(alphabet: str, low: int, high: int) -> str:
        return "".join(rnd.choices(alphabet, k=rnd.randint(low, high)))

    def realistic() -> str:
        pick = rnd.random()
        if pick < 0.4:
            return rnd.choice(words_ru)
        if pick < 0.55:
            return _typo(rnd, rnd.choice(words_ru), _CYRILLIC)
        if pick < 0.7:
            return rnd.choice(words_en)
        if pick < 0.8:
            return typed_on_latin_layout(rnd.choice(words_ru))
        if pick < 0.9:
            return rnd.choice(_EMOJI) + rand_word(string.punctuation, 1, 4)
        return rand_word(string.ascii_lowercase, 3, 12)

    def distinct(count: int) -> list[str]:
        found: dict[str, None] = {}
        while len(found) < count:
            found[rand_word(string.ascii_lowercase, 3, 8)] = None
        return list(found)

    mixed = _fill(realistic)
    cases = [
        ("latin word 4096", "".join(rnd.choices(string.ascii_lowercase, k=TELEGRAM_MAX_CHARS))),
        ("cyrillic word 4096", "".join(rnd.choices(_CYRILLIC, k=TELEGRAM_MAX_CHARS))),
        ("greek word 4096", "".join(rnd.choices(_GREEK, k=TELEGRAM_MAX_CHARS))),
        ("latin word 500", "".join(rnd.choices(string.ascii_lowercase, k=500))),
        ("500 distinct latin words", " ".join(distinct(500))),
        ("distinct cyrillic words", _fill(lambda: rand_word(_CYRILLIC, 4, 12))),
        ("distinct 7-12 letter latin", _fill(lambda: rand_word(string.ascii_lowercase, 7, 12))),
        ("2-letter tokens", _fill(lambda: rand_word(_CYRILLIC, 2, 2))),
        ("one word x800", " ".join(["срок"] * 800)),
        ("same word x500 (cut)", " ".join(["повестка"] * 500)),
        ("long word x800 (cut)", " ".join(["otsrochka"] * 800)[:TELEGRAM_MAX_CHARS]),
        ("'a' x4096", "a" * TELEGRAM_MAX_CHARS),
        ("'я' x4096", "я" * TELEGRAM_MAX_CHARS),
        ("'y' x4096 (translit)", "y" * TELEGRAM_MAX_CHARS),
        ("'shch'/'ts' runs", _fill(lambda: rnd.choice(["shch", "ts", "yo", "kh", "y"]), "")),
        ("mixed-script soup", _fill(lambda: rand_word(rnd.choice(_SCRIPTS), 1, 15))),
        (
            "mixed-script word",
            "".join(rnd.choice(rnd.choice(_SCRIPTS)) for _ in range(TELEGRAM_MAX_CHARS)),
        ),
        ("CJK 4096", "".join(rnd.choices(_SCRIPTS[3], k=TELEGRAM_MAX_CHARS))),
        ("arabic words + RTL", _fill(lambda: rnd.choice(_BIDI) + rand_word(_SCRIPTS[4], 2, 9))),
        ("emoji only", _fill(lambda: rnd.choice(_EMOJI), "")),
        ("emoji inside words", _fill(lambda: rnd.choice(words_ru) + rnd.choice(_EMOJI), "")),
        ("zero-width in words", _fill(lambda: rnd.choice(_INVISIBLE).join(rnd.choice(words_ru)))),
        ("control chars in words", _fill(lambda: rnd.choice(_CONTROL).join(rnd.choice(words_en)))),
        ("RTL overrides in words", _fill(lambda: rnd.choice(_BIDI).join(rnd.choice(long_ru)))),
        (
            "lookalike word 4096",
            "".join(_LOOKALIKES[i % len(_LOOKALIKES)] for i in range(TELEGRAM_MAX_CHARS)),
        ),
        ("lookalike words", _fill(lambda: "".join(rnd.choices(_LOOKALIKES, k=rnd.randint(4, 12))))),
        ("digit run 4096", "".join(rnd.choices(string.digits, k=TELEGRAM_MAX_CHARS))),
        ("digit words", _fill(lambda: rand_word(string.digits, 1, 12))),
        ("punctuation run", "".join(rnd.choices(string.punctuation, k=TELEGRAM_MAX_CHARS))),
        ("layout-key punctuation", "".join(rnd.choices(",.;'[]`", k=TELEGRAM_MAX_CHARS))),
        ("combining marks", "".join("a" + "\u0301\u0308\u0327" * 3 for _ in range(410))),
        ("NFKC x18 (U+FDFA)", "\ufdfa" * TELEGRAM_MAX_CHARS),
        ("ligatures 'ﬃ'", "ﬃ" * TELEGRAM_MAX_CHARS),
        (
            "whitespace only",
            "".join(rnd.choices(" \t\n\u00a0\u3000\u2028", k=TELEGRAM_MAX_CHARS)),
        ),
        ("lone surrogates", _fill(lambda: rnd.choice(words_ru) + "\ud800")),
        ("typo soup ru", _fill(lambda: _typo(rnd, rnd.choice(long_ru), _CYRILLIC))),
        ("typo soup en", _fill(lambda: _typo(rnd, rnd.choice(long_en), string.ascii_lowercase))),
        (
            "typo soup, latin layout",
            _fill(lambda: typed_on_latin_layout(_typo(rnd, rnd.choice(long_ru), _CYRILLIC))),
        ),
        ("content words ru", _fill(lambda: rnd.choice(words_ru))),
        ("content words en", _fill(lambda: rnd.choice(words_en))),
        ("lengths 20-32", _fill(lambda: rand_word(_CYRILLIC, 20, 32))),
        ("mixed ~1000", mixed[:1000]),
        ("mixed ~2000", mixed[:2000]),
        ("mixed 4096", mixed),
    ]
    return [(label, text[:TELEGRAM_MAX_CHARS]) for label, text in cases]


class HostileFigures(NamedTuple):
    """Latency of one search over the hostile set, ms: wall-clock and CPU time."""

    wall: tuple[float, float, float]
    cpu: tuple[float, float, float]
    slowest: str


def evaluate_adversarial(
    name: str, search: Callable[[str], object], cases: list[tuple[str, str]], repeat: int
) -> HostileFigures:
    """Prints p50, p99, max over every run (wall-clock, then CPU) and the slowest input."""
    wall: list[float] = []
    cpu: list[float] = []
    slowest, worst = "", -1.0
    for label, text in cases:
        search(text)  # warm-up: first-call costs are not what an attack repeats
        runs, cpu_runs = timed(search, text, repeat)
        wall.extend(runs)
        cpu.extend(cpu_runs)
        if max(cpu_runs) > worst:
            slowest, worst = label, max(cpu_runs)
    figures = HostileFigures(percentiles(wall), percentiles(cpu), slowest)
    print(
        f"{name:10s} " + " ".join(f"{v:9.3f}" for v in (*figures.wall, *figures.cpu)),
        f"  {slowest}",
        flush=True,
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("extra", nargs="*", type=Path, help="more query files (same format)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query")
    parser.add_argument(
        "--adversarial-repeat", type=int, default=10, help="timed runs per hostile input"
    )
    args = parser.parse_args()

    content = REPO / "content"
    started = time.perf_counter()
    catalog = FaqCatalog.load(content)
    index = SearchIndex.build(catalog, content / "faq" / "synonyms.toml")
    build_ms = (time.perf_counter() - started) * 1000
    baseline = SubstringSearch(catalog)
    data = REPO / "tests" / "data"
    paths = [p for pattern in QUERY_GLOBS for p in sorted(data.glob(pattern))] + args.extra
    sets = load_sets(paths)
    queries = [q for qset in sets for q in qset.queries]
    langs = {lang: sum(1 for q in queries if q["lang"] == lang) for lang in ("ru", "en")}
    print(
        f"{len(queries)} queries ({langs['ru']} ru, {langs['en']} en) over "
        f"{len(catalog.ids())} entries x 2 languages; index built in {build_ms:.0f} ms\n"
    )
    print(f"{'search':10s} {'top-1':>7s} {'top-3':>7s} {'p50 ms':>9s} {'p99 ms':>9s}")
    evaluate("helpline", lambda q: [h.entry_id for h in index.search(q)], queries, args.repeat)
    evaluate("substring", baseline.search, queries, args.repeat)
    set_failures = evaluate_sets(
        lambda q: [h.entry_id for h in index.search(q)], sets, set(catalog.ids())
    )

    cases = adversarial_queries(term_counts(index), content_words(catalog))
    print(
        f"\nhostile set: {len(cases)} inputs up to {TELEGRAM_MAX_CHARS} chars "
        f"(seed {ADVERSARIAL_SEED}), {args.adversarial_repeat} runs each\n"
    )
    heads = ("p50 ms", "p99 ms", "max ms", "cpu p50", "cpu p99", "cpu max")
    print(f"{'search':10s} " + " ".join(f"{h:>9s}" for h in heads), "  slowest input (cpu)")
    ours = evaluate_adversarial("helpline", index.search, cases, args.adversarial_repeat)
    evaluate_adversarial("substring", baseline.search, cases, args.adversarial_repeat)

    print(
        f"\ntargets: every query set top-3 >= {TARGET_TOP3:.0%}, top-1 >= {TARGET_TOP1:.0%}; "
        f"p99 <= 5 ms; hostile set p99 <= {ADVERSARIAL_P99_MS:g} ms, "
        f"max <= {ADVERSARIAL_MAX_MS:g} ms (CPU time of the search)"
    )
    _, p99, peak = ours.cpu
    _, wall_p99, wall_peak = ours.wall
    over_cpu = p99 > ADVERSARIAL_P99_MS or peak > ADVERSARIAL_MAX_MS
    if not over_cpu and (wall_p99 > ADVERSARIAL_P99_MS or wall_peak > ADVERSARIAL_MAX_MS):
        print(
            f"note: wall-clock p99 {wall_p99:.3f} ms, max {wall_peak:.3f} ms with load average "
            f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores: the time over the CPU figures "
            "went to other processes"
        )
    if over_cpu:
        print(
            f"FAIL: hostile set p99 {p99:.3f} ms, max {peak:.3f} ms ({ours.slowest}) "
            f"over the limits {ADVERSARIAL_P99_MS:g} / {ADVERSARIAL_MAX_MS:g} ms"
        )
    else:
        print(f"PASS: hostile set p99 {p99:.3f} ms, max {peak:.3f} ms (CPU time)")
    for failure in set_failures:
        print(f"FAIL: query set {failure}, under the targets")
    if over_cpu or set_failures:
        sys.exit(1)


def content_words(catalog: FaqCatalog) -> list[str]:
    """Every word of the FAQ text, both languages, in a fixed order."""
    found: dict[str, None] = {}
    for lang in sorted(catalog.entries):
        for entry_id in sorted(catalog.entries[lang]):
            entry = catalog.entries[lang][entry_id]
            for text in (entry.title, *entry.keywords, entry.body):
                found.update(dict.fromkeys(tokens(text)))
    return list(found)


if __name__ == "__main__":
    main()
