"""FAQ search quality and latency over the whole content, beside a plain substring search.

Runs every query in tests/data/search_queries*.toml (and any extra query files given on the
command line) through the bot's search index and through a baseline that ranks entries by how
many query words appear verbatim (case-folded) in the entry's title, keywords or text. Prints
top-1 and top-3 hit rates and per-query latency percentiles for both, measured in this run.

    python bench/search.py [extra_queries.toml ...] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.content.faq import FaqCatalog  # noqa: E402
from bot.content.search import SearchIndex  # noqa: E402


def load_queries(paths: list[Path]) -> list[dict[str, object]]:
    queries: list[dict[str, object]] = []
    for path in paths:
        queries.extend(tomllib.loads(path.read_text(encoding="utf-8"))["query"])
    return queries


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


def evaluate(
    name: str, search: Callable[[str], list[str]], queries: list[dict[str, object]], repeat: int
) -> None:
    top1 = top3 = 0
    latencies: list[float] = []
    for query in queries:
        text = str(query["q"])
        expected = set(query["expect"])  # type: ignore[arg-type]
        ids = search(text)
        top1 += bool(ids[:1] and ids[0] in expected)
        top3 += bool(set(ids[:3]) & expected)
        for _ in range(repeat):
            start = time.perf_counter()
            search(text)
            latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    n = len(queries)
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    print(
        f"{name:10s} {top1 / n:7.1%} {top3 / n:7.1%} {p50:9.3f} {p99:9.3f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("extra", nargs="*", type=Path, help="more query files (same format)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query")
    args = parser.parse_args()

    content = REPO / "content"
    started = time.perf_counter()
    catalog = FaqCatalog.load(content)
    index = SearchIndex.build(catalog, content / "faq" / "synonyms.toml")
    build_ms = (time.perf_counter() - started) * 1000
    baseline = SubstringSearch(catalog)
    paths = sorted((REPO / "tests" / "data").glob("search_queries*.toml")) + args.extra
    queries = load_queries(paths)
    langs = {lang: sum(1 for q in queries if q["lang"] == lang) for lang in ("ru", "en")}
    print(
        f"{len(queries)} queries ({langs['ru']} ru, {langs['en']} en) over "
        f"{len(catalog.ids())} entries x 2 languages; index built in {build_ms:.0f} ms\n"
    )
    print(f"{'search':10s} {'top-1':>7s} {'top-3':>7s} {'p50 ms':>9s} {'p99 ms':>9s}")
    evaluate("helpline", lambda q: [h.entry_id for h in index.search(q)], queries, args.repeat)
    evaluate("substring", baseline.search, queries, args.repeat)
    print("\ntargets: top-3 >= 90%, p99 <= 5 ms")


if __name__ == "__main__":
    main()
