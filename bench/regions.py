"""Region matching latency: resolve() runs on the bot's event loop at every region step.

Times resolve() over every spelling in tests/data/regions_spellings.toml (or the files given)
and over a hostile set (long random text, the 100-character cap), printing per-call p50/p99/max
in microseconds, the load time of the catalogue, and the share of the set answered as expected.

    python bench/regions.py [--repeat 20] [spellings.toml ...]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.content.regions import RegionCatalog  # noqa: E402

SEED = 20261206


def hostile(count: int) -> list[str]:
    """Long texts of Russian and Latin letters and spaces: the worst case for the fuzzy paths."""
    rng = random.Random(SEED)
    alphabet = "абвгдежзийклмнопрстуфхцчшщыьэюя abcdefghijklmnopqrstuvwxyz .,"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(5, 400))) for _ in range(count)]


def timed(catalog: RegionCatalog, texts: list[str], repeat: int) -> list[float]:
    """Per-call microseconds, each text timed repeat times."""
    out: list[float] = []
    for _ in range(repeat):
        for text in texts:
            start = time.perf_counter()
            catalog.resolve(text)
            out.append((time.perf_counter() - start) * 1e6)
    return out


def report(name: str, samples: list[float]) -> None:
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(
        f"{name:<10} n={len(samples):<6} p50={statistics.median(samples):8.1f}us "
        f"p99={p99:8.1f}us max={samples[-1]:8.1f}us"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    files = args.files or [REPO / "tests" / "data" / "regions_spellings.toml"]
    cases = [c for f in files for c in tomllib.loads(f.read_text(encoding="utf-8"))["case"]]
    start = time.perf_counter()
    catalog = RegionCatalog.load(REPO / "content" / "regions.toml")
    print(f"load       {(time.perf_counter() - start) * 1e3:.1f} ms")
    right = 0
    for case in cases:
        found = catalog.resolve(case["text"])
        right += (found.code if found else "ask") == case["expect"]
    print(f"spellings  {right}/{len(cases)} answered as expected")
    report("spellings", timed(catalog, [c["text"] for c in cases], args.repeat))
    report("hostile", timed(catalog, hostile(300), max(1, args.repeat // 4)))


if __name__ == "__main__":
    main()
