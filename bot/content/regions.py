"""The catalogue of federal subjects and the matcher that turns free text into one of them.

Raid reports and alert subscriptions are keyed by region. People answer "which region?" with
whatever they call home ("Питер", "Ёбург", "Химки", "vcr", "Novosibirsk"), so the matcher
accepts names, aliases, big cities, typos, the wrong keyboard layout and transliteration,
and only commits to an answer when it is unambiguous. The input text is never logged.
"""

from __future__ import annotations

import re
import tomllib
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise, product
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from bot.content import textnorm

__all__ = ("Region", "RegionCatalog", "RegionError", "RegionMatch")

_CODE_RE: Final = re.compile(r"[a-z0-9-]{1,24}")
_TEXT_FIELDS: Final = ("code", "name_ru", "name_en", "official_ru", "official_en", "zone")
_LIST_FIELDS: Final = ("aliases", "cities")
_OPTIONAL_FIELDS: Final = ("federal_city", "oblast")

# Leading words that only say "in/at/from/near": "в Москве", "из Питера", "in Kazan".
_PREPOSITIONS: Final = frozenset({"в", "во", "на", "из", "под", "in", "at"})
# "под Москвой" is the country around the city, not the city itself.
_NEAR: Final = "под"
# Russian case endings: "Москве", "Мытищах", "Московской области" and
# "Нижнем Новгороде" lose them and meet the stems of the written spellings.
_ENDINGS: Final = frozenset(
    [
        "ями",
        "ами",
        "ыми",
        "ими",
        "ого",
        "его",
        "ому",
        "ему",
        "ой",
        "ей",
        "ий",
        "ый",
        "ая",
        "яя",
        "ое",
        "ее",
        "ые",
        "ие",
        "ую",
        "юю",
        "ых",
        "их",
        "ым",
        "им",
        "ом",
        "ем",
        "ам",
        "ям",
        "ах",
        "ях",
        "ью",
        "а",
        "я",
        "у",
        "ю",
        "е",
        "и",
        "ы",
        "о",
        "ь",
        "й",
    ]
)
_ENDING_SIZES: Final = tuple(sorted({len(e) for e in _ENDINGS}, reverse=True))
_MIN_STEM: Final = 2
_CYRILLIC: Final = re.compile("[а-я]")

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
_STEM_PENALTY: Final = 0.03  # "в Москве": a declined form, still a whole known name
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
    federal_city: bool = False
    oblast: str = ""  # a federal city's surrounding oblast ("Moscow obl" means it), if any
    zone: str = "Europe/Moscow"  # the capital's IANA time zone: times people see are in it

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


# Declined forms of the generic words, each standing for one kind ("Московской обл." and
# "Московская область" meet as "московск #obl").
_GENERIC_FORMS: Final = MappingProxyType(
    {
        **dict.fromkeys(
            [
                "область",
                "области",
                "областью",
                "областей",
                "обл",
                "oblast",
                "oblasti",
                "obl",
                "region",
                "регион",
                "региона",
                "регионе",
            ],
            "#obl",
        ),
        **dict.fromkeys(["край", "края", "крае", "краю", "кр", "krai", "kray"], "#krai"),
        **dict.fromkeys(
            [
                "республика",
                "республики",
                "республике",
                "республику",
                "республикой",
                "респ",
                "republic",
                "resp",
                "respublika",
            ],
            "#rep",
        ),
        **dict.fromkeys(["округ", "округа", "округе", "округом", "okrug"], "#okrug"),
        **dict.fromkeys(
            [
                "автономный",
                "автономного",
                "автономном",
                "автономная",
                "автономной",
                "ао",
                "autonomous",
            ],
            "#ao",
        ),
        **dict.fromkeys(["город", "города", "городе", "г", "гор", "city"], "#city"),
    }
)
_MAX_STEM_WORDS: Final = 3


def stems(word: str) -> tuple[str, ...]:
    """The word and what it may be without a Russian case ending ("москве" -> "москв",
    "мытищах" -> "мытищ", "орле" -> "орл"); generic words become their kind. Crude on
    purpose: two spellings meet when they share one stem, and a stem two regions share
    makes the bot ask."""
    kind = _GENERIC_FORMS.get(word)
    if kind:
        return (kind,)
    if not _CYRILLIC.search(word):
        return (word,)
    found = [word]
    for size in _ENDING_SIZES:  # longest first; a set lookup per length, not per ending
        if len(word) - size >= _MIN_STEM and word[-size:] in _ENDINGS:
            found.append(word[:-size])
    if word.endswith(("ец", "ел")) and len(word) >= 4:
        found.append(word[:-2] + word[-1])  # a fleeting vowel: Череповец -> Череповце
    return tuple(found)


def _stem_keys(form: str, generic: bool, known: frozenset[str] | None = None) -> list[str]:
    """Every stemmed reading of a short form (generic words kept as their kind, or left out);
    none for a form of more than _MAX_STEM_WORDS words. With `known` (every stem any key
    has), readings with an unknown stem are not built: random text costs little."""
    words = [stems(w) for w in form.split()]
    if not generic:
        words = [w for w in words if not w[0].startswith("#")]
    if not words or len(words) > _MAX_STEM_WORDS:
        return []
    if known is not None:
        words = [tuple(s for s in w if s in known) for w in words]
    return [" ".join(combo) for combo in product(*words)]


def _without_preposition(form: str) -> tuple[str, bool]:
    """The form without a leading preposition, and whether that preposition was "под"."""
    head, _, rest = form.partition(" ")
    if rest and head in _PREPOSITIONS:
        return rest, head == _NEAR
    return form, False


def _says_oblast(form: str) -> bool:
    """Whether the text says it means an oblast ("обл", "области", "region")."""
    return any(_GENERIC_FORMS.get(w) == "#obl" for w in form.split())


# Words joining two places: "Москва и область" names the city and the oblast, both.
_AND_WORDS: Final = frozenset({"и", "или", "плюс", "and", "or", "plus"})
_WITH_WORDS: Final = frozenset({"с", "со", "with"})


def _names_both(text: str, form: str) -> bool:
    """Whether the text joins a place and an oblast ("Москва и область", "Moscow + region",
    "Питер с областью"), so a federal city is meant along with its oblast, not instead."""
    words = form.split()
    if "+" in text or "&" in text or any(w in _AND_WORDS for w in words):
        return True
    return any(w in _WITH_WORDS and _GENERIC_FORMS.get(nxt) == "#obl" for w, nxt in pairwise(words))


# What people type meaning no one region but all of them ("вся Россия", "везде").
_ALL_OF_RUSSIA: Final = frozenset(
    {
        "вся россия",
        "россия",
        "рф",
        "вся рф",
        "по всей россии",
        "во всей россии",
        "вся страна",
        "по всей стране",
        "везде",
        "все регионы",
        "все",
        "russia",
        "all russia",
        "all of russia",
        "whole russia",
        "the whole of russia",
        "everywhere",
        "all regions",
        "all",
    }
)


def says_all_of_russia(text: str) -> bool:
    """Whether the text asks for all of Russia rather than a region ("вся Россия", "везде")."""
    return textnorm.normalize(textnorm.clip(text, MAX_REGION_TEXT)) in _ALL_OF_RUSSIA


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


def _stem_index(exact: Mapping[str, frozenset[str]], generic: bool) -> dict[str, frozenset[str]]:
    """Every stemmed reading of every key, with the regions it belongs to."""
    index: dict[str, set[str]] = {}
    for key, codes in exact.items():
        for stemmed in _stem_keys(key, generic):
            index.setdefault(stemmed, set()).update(codes)
    return {k: frozenset(v) for k, v in index.items()}


def _check_oblasts(regions: Sequence[Region], by_code: Mapping[str, Region], source: str) -> None:
    """A federal city's oblast must be an existing region that is not a city itself."""
    for region in regions:
        target = by_code.get(region.oblast) if region.oblast else None
        if region.oblast and (target is None or target.federal_city):
            raise RegionError(
                f"{source}: region {region.code!r}: oblast {region.oblast!r} must be the code "
                f"of a region that is not a federal city"
            )


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
        self._stems = (_stem_index(exact, generic=True), _stem_index(exact, generic=False))
        self._stem_words = frozenset(w for key in self._stems[0] for w in key.split())
        _check_oblasts(self._regions, self._by_code, source)

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
        ranked, _ = self._rank(text)
        return [
            RegionMatch(region=self._by_code[code], score=round(score, 6), exact=exact)
            for code, (score, exact) in ranked[:limit]
        ]

    def _rank(self, text: str) -> tuple[list[tuple[str, tuple[float, bool]]], bool]:
        """Every candidate with its (score, exact), best first, and whether they were only
        found as names inside a longer text."""
        # No region name is longer than this: the rest of a long message is not read, so any
        # text costs the same bounded work (it runs on the event loop).
        forms = textnorm.variants(textnorm.clip(text, MAX_REGION_TEXT))
        if not forms:
            return [], False
        best: _Scores = {}
        oblast = False
        both = _names_both(text, forms[0])
        for i, typed in enumerate(forms):
            form, near = _without_preposition(typed)
            oblast = oblast or near or _says_oblast(form)
            self._offer_keys(best, form, 0.0 if i == 0 else _VARIANT_PENALTY)
        phrases = not best
        if phrases:
            for i, typed in enumerate(forms):
                penalty = 0.0 if i == 0 else _VARIANT_PENALTY
                for codes, words in self._phrases(_without_preposition(typed)[0]):
                    score = _PHRASE_BASE + _PHRASE_STEP * (words - 1) - penalty
                    _offer(best, codes, min(score, _PREFIX_UNIQUE - _FUZZY_STEP), False)
        if oblast:
            self._to_oblasts(best, both)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], self._order[kv[0]]))
        return ranked, phrases

    def _to_oblasts(self, best: _Scores, both: bool = False) -> None:
        """The text says "oblast": a federal city becomes the oblast around it, so "Moscow obl"
        never lands on the city; one with no oblast (Sevastopol) is only offered, never taken.
        When the text names both ("Москва и область"), the city stays beside its oblast, level
        with it, so the bot asks instead of dropping the city."""
        for code in list(best):
            region = self._by_code[code]
            if region.federal_city:
                score, exact = best.pop(code)
                if region.oblast:
                    _offer(best, (region.oblast,), score, exact)
                    if both:
                        _offer(best, (code,), *best[region.oblast])
                else:
                    # a candidate to ask about, below what resolve() ever takes
                    _offer(best, (code,), min(score, _RESOLVE_MIN - _FUZZY_STEP), False)

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
        for extra, generic in ((0.0, True), (_STRIPPED_PENALTY, False)):
            codes = self._stemmed(form, generic)
            if codes:
                _offer(best, codes, _EXACT - _STEM_PENALTY - penalty - extra, True)
                return

    def _stemmed(self, form: str, generic: bool) -> frozenset[str]:
        """The regions a declined form names (every region any reading of it hits)."""
        index = self._stems[0 if generic else 1]
        found: set[str] = set()
        for key in _stem_keys(form, generic, self._stem_words):
            found.update(index.get(key, ()))
        return frozenset(found)

    def resolve(self, text: str) -> Region | None:
        """One region when the text names it as a whole (as typed, declined, transliterated or
        with the wrong layout) and nothing else as well; else None, and the bot asks with
        buttons. A typo or a name's beginning is never taken on its own ("Владик")."""
        typed = textnorm.normalize(textnorm.clip(text, MAX_REGION_TEXT))
        codes = self._exact.get(typed) if typed else None
        if codes and not _says_oblast(typed):
            # A key exactly as typed scores the most any match can, so what `match` would rank
            # is settled already: its region, or no answer when the key names several.
            return self._by_code[next(iter(codes))] if len(codes) == 1 else None
        return self._resolve_ranked(text)

    def _resolve_ranked(self, text: str) -> Region | None:
        """`resolve` from the full ranking (declined forms, other readings, phrases)."""
        ranked, phrases = self._rank(text)
        if not ranked:
            return None
        code, (score, exact) = ranked[0]
        runner = ranked[1][1] if len(ranked) > 1 else None
        if exact:
            if runner is None or not runner[1] or runner[0] < score:
                return self._by_code[code]
            return None
        if not phrases or score < _RESOLVE_MIN:
            return None
        if runner is None or score - runner[0] >= _RESOLVE_LEAD:
            return self._by_code[code]
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
                codes = (
                    self._exact.get(phrase)
                    or self._exact.get(_strip_generic(phrase))
                    or self._stemmed(phrase, generic=False)
                )
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
    unknown = sorted(set(entry) - set(_TEXT_FIELDS) - set(_LIST_FIELDS) - set(_OPTIONAL_FIELDS))
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
    federal_city = entry.get("federal_city", False)
    oblast = entry.get("oblast", "")
    if not isinstance(federal_city, bool):
        raise RegionError(f"{where}: field 'federal_city' must be true or false")
    if not isinstance(oblast, str) or (oblast and not federal_city):
        raise RegionError(f"{where}: field 'oblast' must be a code, on a federal city only")
    if not _is_zone(text["zone"]):
        raise RegionError(f"{where}: zone {text['zone']!r} is not an IANA time zone")
    return Region(
        code=text["code"],
        name_ru=text["name_ru"],
        name_en=text["name_en"],
        official_ru=text["official_ru"],
        official_en=text["official_en"],
        aliases=lists["aliases"],
        cities=lists["cities"],
        federal_city=federal_city,
        oblast=oblast.strip(),
        zone=text["zone"],
    )


def _is_zone(name: str) -> bool:
    """A time zone the zone database has ("Asia/Yakutsk"); not a path, not a bare offset."""
    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return False
    return "/" in name
