"""Content parsed once per test session: for the in-process bots of tests/flows, and for tests
that only read the shipped texts and regions (`parsed_translator`, `parsed_regions`).

Every start of the app parses the same message catalogues (`Translator.load`), regions
(`RegionCatalog.load`) and guidance (`bot.content.store.load_content`) from disk: about 0.4 s of
a 1 s start, and most of the flow tests' CPU. `reuse_parsed_content()` hands a start what an
earlier start parsed from the same files (same paths, sizes and modification times), so a test
that edits content (`/reload`) still gets its own. The three are immutable snapshots (the store
swaps a whole new snapshot in on `/reload`, which reads the disk as always), so sharing them
between apps changes nothing an app does.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from bot.content import store
from bot.content.regions import RegionCatalog
from bot.i18n import Translator

KEPT = 4  # parsed sets kept per loader (the shipped content, and a test's edited copy or two)

Fingerprint = tuple[str, tuple[tuple[str, int, int], ...]]


def fingerprint(path: Path) -> Fingerprint:
    """The files under `path` (or `path` itself), with their sizes and modification times."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    stats = tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files)
    return str(path.resolve()), stats


class Parsed:
    """One loader's results by the fingerprint of what it read."""

    def __init__(self, load: Callable[..., Any]) -> None:
        self._load = load
        self._kept: OrderedDict[Fingerprint, Any] = OrderedDict()

    def __call__(self, path: Path, *args: Any) -> Any:
        key = fingerprint(path)
        if key not in self._kept:
            self._kept[key] = self._load(path, *args)  # a ContentError is raised, not kept
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        return self._kept[key]


TRANSLATORS = Parsed(Translator.load)
REGIONS = Parsed(RegionCatalog.load)
CONTENT = Parsed(store.load_content)


@contextmanager
def reuse_parsed_content() -> Iterator[None]:
    """While building an app: the three loaders answer from the session's parsed content."""
    with (
        mock.patch.object(Translator, "load", lambda path: TRANSLATORS(path)),
        mock.patch.object(RegionCatalog, "load", lambda path: REGIONS(path)),
        mock.patch.object(store, "load_content", CONTENT),
    ):
        yield


def parsed_translator(path: Path) -> Translator:
    """`Translator.load(path)`, parsed once per session (for tests that only read texts)."""
    translator: Translator = TRANSLATORS(path)
    return translator


def parsed_regions(path: Path) -> RegionCatalog:
    """`RegionCatalog.load(path)`, parsed once per session (for tests that only look up)."""
    catalog: RegionCatalog = REGIONS(path)
    return catalog
