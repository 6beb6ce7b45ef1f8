"""The catalogue of federal subjects and the matcher that turns free text into one of them.

Raid reports and alert subscriptions are keyed by region. People answer "which region?" with
whatever they call home ("Питер", "Ёбург", "Химки", "vcr", "Novosibirsk"), so the matcher
accepts names, aliases, big cities, typos, the wrong keyboard layout and transliteration,
and only commits to an answer when it is unambiguous. The input text is never logged.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bot.content import textnorm

__all__ = ("Region", "RegionCatalog", "RegionError", "RegionMatch")

_CODE_RE: Final = re.compile(r"[a-z0-9-]{1,24}")
_TEXT_FIELDS: Final = ("code", "name_ru", "name_en", "official_ru", "official_en")
_LIST_FIELDS: Final = ("aliases", "cities")

# Words that only say what kind of subject it is; people drop or abbreviate them freely.
_GENERIC_WORDS: Final = frozenset(
    {
        "область",
        "обл",
        "край",
        "республика",
        "респ",
        "округ",
        "автономный",
        "автономная",
        "ао",
        "город",
        "г",
        "гор",
        "регион",
        "федерального",
        "значения",
        "oblast",
        "obl",
        "region",
        "republic",
        "resp",
        "respublika",
        "krai",
        "kray",
        "city",
        "of",
        "the",
        "autonomous",
        "okrug",
    }
)

# Scores: exact > unique prefix > fuzzy (by distance) > a name inside a longer text >
# a prefix shared by several regions. Forms read through the wrong layout or transliteration
# lose a little, so that what the person literally typed wins a tie.
_EXACT: Final = 1.0
_PREFIX_UNIQUE: Final = 0.9
_FUZZY_BASE: Final = 0.9
_FUZZY_STEP: Final = 0.1
_PHRASE_BASE: Final = 0.7
_PHRASE_STEP: Final = 0.05
_PREFIX_SHARED: Final = 0.6
_VARIANT_PENALTY: Final = 0.02
_STRIPPED_PENALTY: Final = 0.01  # "Алтай край": the typed form beats the bare "Алтай"
_PREFIX_COUNT_STEP: Final = 0.01
_RESOLVE_MIN: Final = 0.7
_RESOLVE_LEAD: Final = 0.1 - 1e-9
_MIN_PREFIX: Final = 3
_MAX_INDEXED_DELETES: Final = 20  # longer keys are compared one by one (rarely needed)
_MAX_PHRASE_TOKENS: Final = 8
_MAX_PHRASE_WORDS: Final = 4


@dataclass(frozen=True)
class Region:
    """One federal subject; the code is what reports and subscriptions store."""

    code: str
    name_ru: str
    name_en: str
    official_ru: str
    official_en: str
    aliases: tuple[str, ...]
    cities: tuple[str, ...]

    def name(self, lang: str) -> str:
        """Short display name for the user's interface language (Russian or English)."""
        return self.name_ru if lang.lower().startswith("ru") else self.name_en

    def forms(self) -> tuple[str, ...]:
        """Every spelling from the data file that should find this region."""
        return (
            self.name_ru,
            self.name_en,
            self.official_ru,
            self.official_en,
            *self.aliases,
            *self.cities,
        )


@dataclass(frozen=True)
class RegionMatch:
    """A candidate region for some input; exact means a known spelling matched as a whole."""

    region: Region
    score: float
    exact: bool


class RegionError(ValueError):
    """The regions data file is unusable; the message names the file and the problem."""


def _strip_generic(form: str) -> str:
    """A normalised form without words like "область" or "republic" ("" if nothing is left)."""
    return " ".join(w for w in form.split() if w not in _GENERIC_WORDS)


def _key_limit(length: int) -> int:
    """How many edits a key of this length tolerates: none for short keys (too many clashes)."""
    if length >= 8:
        return 2
    if length >= 4:
        return 1
    return 0


def _deletions(word: str, depth: int) -> set[str]:
    """The word with up to depth characters removed (symmetric-delete fuzzy index)."""
    result = {word}
    frontier = {word}
    for _ in range(depth):
        nxt: set[str] = set()
        for w in frontier:
            for i in range(len(w)):
                nxt.add(w[:i] + w[i + 1 :])
        nxt -= result
        result |= nxt
        frontier = nxt
    return result


MAX_REGION_TEXT = 100

_Scores = dict[str, tuple[float, bool]]  # region code -> (best score, matched exactly)


def _offer(best: _Scores, codes: Iterable[str], score: float, exact: bool) -> None:
    for code in codes:
        old = best.get(code)
        if old is None or (score, exact) > old:
            best[code] = (score, exact)


def _codes(regions: Sequence[Region], source: str) -> dict[str, Region]:
    """Regions by code, in file order; a malformed or repeated code is an error."""
    by_code: dict[str, Region] = {}
    for region in regions:
        if not _CODE_RE.fullmatch(region.code):
            raise RegionError(
                f"{source}: region {region.code!r}: code must match [a-z0-9-]{{1,24}}"
            )
        if region.code in by_code:
            raise RegionError(f"{source}: duplicate region code {region.code!r}")
        by_code[region.code] = region
    return by_code


def _explicit_keys(regions: Sequence[Region], source: str) -> dict[str, str]:
    """Every written spelling, normalized, with its region; a spelling two regions share is an
    error (it would route reports at random)."""
    explicit: dict[str, str] = {}
    for region in regions:
        for raw in region.forms():
            key = textnorm.normalize(raw)
            if not key:
                raise RegionError(
                    f"{source}: region {region.code!r}: {raw!r} has no letters or digits"
                )
            owner = explicit.setdefault(key, region.code)
            if owner != region.code:
                raise RegionError(
                    f"{source}: alias {raw!r} (normalized {key!r}) is shared by regions "
                    f"{owner!r} and {region.code!r}; an ambiguous alias must be left out "
                    f"of both"
                )
    return explicit


def _prefix_index(exact: dict[str, frozenset[str]]) -> dict[str, tuple[tuple[str, int], ...]]:
    """prefix -> ((code, how many of the region's keys start with it), ...); the count ranks
    candidates for a shared prefix ("Ново" is more often Новосибирск than Новодвинск)."""
    prefixes: dict[str, dict[str, int]] = {}
    for key, codes in exact.items():
        for end in range(_MIN_PREFIX, len(key)):
            counts = prefixes.setdefault(key[:end], {})
            for code in codes:
                counts[code] = counts.get(code, 0) + 1
    return {p: tuple(c.items()) for p, c in prefixes.items()}


def _deletion_index(keys: tuple[str, ...]) -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
    """Each key's deletion variants (for typo matching), and the keys too long to index."""
    deletes: dict[str, list[int]] = {}
    long_keys: list[int] = []
    for kid, key in enumerate(keys):
        if len(key) > _MAX_INDEXED_DELETES:
            long_keys.append(kid)
            continue
        for variant in _deletions(key, _key_limit(len(key))):
            deletes.setdefault(variant, []).append(kid)
    return {d: tuple(k) for d, k in deletes.items()}, tuple(long_keys)


class RegionCatalog:
    """All regions plus lookup indexes built once at load time, so that matching is cheap."""

    def __init__(self, regions: Sequence[Region], source: str = "<regions>") -> None:
        """Validate the regions against each other and build the indexes.

        Raises RegionError (mentioning source) on duplicate codes, a spelling shared by two
        regions, or a spelling with no letters or digits.
        """
        if not regions:
            raise RegionError(f"{source}: no regions defined")
        self._regions: tuple[Region, ...] = tuple(regions)
        self._by_code: dict[str, Region] = _codes(self._regions, source)
        self._order: dict[str, int] = {code: pos for pos, code in enumerate(self._by_code)}
        explicit = _explicit_keys(self._regions, source)
        derived: dict[str, set[str]] = {}
        for key, code in explicit.items():
            short = _strip_generic(key)
            if short and short != key and short not in explicit:
                derived.setdefault(short, set()).add(code)

        exact: dict[str, frozenset[str]] = {k: frozenset((c,)) for k, c in explicit.items()}
        exact.update((k, frozenset(cs)) for k, cs in derived.items())
        self._exact: dict[str, frozenset[str]] = exact
        self._prefix = _prefix_index(exact)
        self._keys: tuple[str, ...] = tuple(k for k in exact if _key_limit(len(k)) > 0)
        self._deletes, self._long_keys = _deletion_index(self._keys)

    @classmethod
    def load(cls, path: Path) -> RegionCatalog:
        """Read and validate a regions TOML file (see content/regions.toml for the format)."""
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except OSError as exc:
            raise RegionError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise RegionError(f"{path}: invalid TOML: {exc}") from exc
        entries = data.get("region")
        if not isinstance(entries, list) or not entries:
            raise RegionError(f"{path}: no [[region]] entries")
        extra = sorted(set(data) - {"region"})
        if extra:
            raise RegionError(f"{path}: unknown top-level key(s): {', '.join(extra)}")
        regions = [_parse_region(entry, num, path) for num, entry in enumerate(entries, 1)]
        return cls(regions, source=str(path))

    def get(self, code: str) -> Region | None:
        """The region stored under this code, if it still exists."""
        return self._by_code.get(code)

    def all(self) -> list[Region]:
        """Every region in file order (the editors' grouping)."""
        return list(self._regions)

    def sorted(self, lang: str) -> list[Region]:
        """Every region alphabetically by its display name, for the full list of buttons."""
        return sorted(self._regions, key=lambda r: (textnorm.normalize(r.name(lang)), r.code))

    def match(self, text: str, limit: int = 5) -> list[RegionMatch]:
        """Candidate regions for free text, best first (at most limit, one per region)."""
        if limit <= 0:
            return []
        # No region name is longer than this: the rest of a long message is not read, so any
        # text costs the same bounded work (it runs on the event loop).
        forms = textnorm.variants(textnorm.clip(text, MAX_REGION_TEXT))
        if not forms:
            return []
        best: dict[str, tuple[float, bool]] = {}
        for i, form in enumerate(forms):
            self._offer_keys(best, form, 0.0 if i == 0 else _VARIANT_PENALTY)
        if not best:
            for i, form in enumerate(forms):
                penalty = 0.0 if i == 0 else _VARIANT_PENALTY
                for codes, words in self._phrases(form):
                    score = _PHRASE_BASE + _PHRASE_STEP * (words - 1) - penalty
                    _offer(best, codes, min(score, _PREFIX_UNIQUE - _FUZZY_STEP), False)

        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], self._order[kv[0]]))
        return [
            RegionMatch(region=self._by_code[code], score=round(score, 6), exact=exact)
            for code, (score, exact) in ranked[:limit]
        ]

    def _offer_keys(self, best: _Scores, form: str, penalty: float) -> None:
        """Score the regions whose keys this form (and the form without "oblast" and the like)
        matches exactly, as a prefix, or within a few typos."""
        queries = [(form, penalty)]
        short = _strip_generic(form)
        if short and short != form:
            queries.append((short, penalty + _STRIPPED_PENALTY))
        for query, cost in queries:
            hit = self._exact.get(query)
            if hit:
                _offer(best, hit, _EXACT - cost, True)
            if len(query) >= _MIN_PREFIX:
                shared = self._prefix.get(query, ())
                if len(shared) == 1:
                    _offer(best, (shared[0][0],), _PREFIX_UNIQUE - cost, False)
                for code, count in shared if len(shared) > 1 else ():
                    bonus = _PREFIX_COUNT_STEP * min(count, 5)
                    _offer(best, (code,), _PREFIX_SHARED + bonus - cost, False)
            for key, dist in self._fuzzy(query):
                _offer(best, self._exact[key], _FUZZY_BASE - _FUZZY_STEP * dist - cost, False)

    def resolve(self, text: str) -> Region | None:
        """One region when the text clearly names it, else None (the bot then offers buttons)."""
        typed = textnorm.normalize(textnorm.clip(text, MAX_REGION_TEXT))
        codes = self._exact.get(typed) if typed else None
        if codes:
            # A key exactly as typed scores the most any match can, so what `match` would rank
            # is settled already: its region, or no answer when the key names several.
            return self._by_code[next(iter(codes))] if len(codes) == 1 else None
        return self._resolve_ranked(text)

    def _resolve_ranked(self, text: str) -> Region | None:
        """`resolve` from the full ranking (typos, prefixes, other readings, phrases)."""
        found = self.match(text, limit=2)
        if not found:
            return None
        top = found[0]
        runner = found[1] if len(found) > 1 else None
        if top.exact:
            if runner is None or not runner.exact or runner.score < top.score:
                return top.region
            return None
        if top.score < _RESOLVE_MIN:
            return None
        if runner is None or top.score - runner.score >= _RESOLVE_LEAD:
            return top.region
        return None

    def _fuzzy(self, query: str) -> Iterator[tuple[str, int]]:
        """Keys within their edit budget of the query (excluding the query itself)."""
        length = len(query)
        if length < _MIN_PREFIX:
            return
        depth = 2 if length >= 6 else 1
        seen: set[int] = set()
        if length <= _MAX_INDEXED_DELETES + 2:
            for variant in _deletions(query, depth):
                for kid in self._deletes.get(variant, ()):
                    if kid in seen:
                        continue
                    seen.add(kid)
                    key = self._keys[kid]
                    budget = _key_limit(len(key))
                    dist = textnorm.edit_distance(query, key, budget)
                    if 0 < dist <= budget:
                        yield key, dist
        if length >= _MAX_INDEXED_DELETES - 1:
            for kid in self._long_keys:
                key = self._keys[kid]
                if abs(len(key) - length) > 2:
                    continue
                dist = textnorm.edit_distance(query, key, 2)
                if 0 < dist <= 2:
                    yield key, dist

    def _phrases(self, form: str) -> Iterator[tuple[frozenset[str], int]]:
        """Known names inside a longer text ("Химки, Московская обл"), longest runs first."""
        words = form.split()[:_MAX_PHRASE_TOKENS]
        if len(words) < 2:
            return
        covered = [False] * len(words)
        for size in range(min(_MAX_PHRASE_WORDS, len(words) - 1), 0, -1):
            for start in range(len(words) - size + 1):
                if any(covered[start : start + size]):
                    continue
                phrase = " ".join(words[start : start + size])
                codes = self._exact.get(phrase) or self._exact.get(_strip_generic(phrase))
                if codes:
                    for j in range(start, start + size):
                        covered[j] = True
                    yield codes, size


def _parse_region(entry: Any, num: int, path: Path) -> Region:
    """One [[region]] table -> Region, with errors that point at the entry."""
    if not isinstance(entry, Mapping):
        raise RegionError(f"{path}: region #{num}: expected a table")
    code = entry.get("code")
    where = f"{path}: region #{num}" + (f" ({code!r})" if isinstance(code, str) else "")
    unknown = sorted(set(entry) - set(_TEXT_FIELDS) - set(_LIST_FIELDS))
    if unknown:
        raise RegionError(f"{where}: unknown field(s): {', '.join(unknown)}")
    text: dict[str, str] = {}
    for field in _TEXT_FIELDS:
        value = entry.get(field)
        if value is None:
            raise RegionError(f"{where}: missing required field {field!r}")
        if not isinstance(value, str) or not value.strip():
            raise RegionError(f"{where}: field {field!r} must be a non-empty string")
        text[field] = value.strip()
    lists: dict[str, tuple[str, ...]] = {}
    for field in _LIST_FIELDS:
        value = entry.get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise RegionError(f"{where}: field {field!r} must be a list of non-empty strings")
        lists[field] = tuple(v.strip() for v in value)
    if not _CODE_RE.fullmatch(text["code"]):
        raise RegionError(f"{where}: code must match [a-z0-9-]{{1,24}}")
    return Region(
        code=text["code"],
        name_ru=text["name_ru"],
        name_en=text["name_en"],
        official_ru=text["official_ru"],
        official_en=text["official_en"],
        aliases=lists["aliases"],
        cities=lists["cities"],
    )
