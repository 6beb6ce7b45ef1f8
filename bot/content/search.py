"""Free-text search over the FAQ: an in-memory BM25 index built from the content at start-up.

What people type is messy: inflected Russian ("отсрочку студенту"), slang, typos, Latin
transliteration ("otsrochka") and Russian typed with the English layout on ("jnchjxrf"). So:
- every word is reduced to its Snowball stem (Russian or English by script);
- each whole-query reading (as typed, wrong layout undone, transliteration read back) is scored
  and the best one wins;
- a query stem missing from the vocabulary is matched to vocabulary stems within a small edit
  distance (a precomputed deletion index keeps that fast) or by a shared prefix;
- a curated synonym list (content/faq/synonyms.toml) links words the stemmer cannot;
- a query word counts once per entry, through its best term: its synonyms, typo neighbours and
  the other language's word add only a share, so a big synonym group cannot outvote the words
  that tell two entries apart.
Entries are indexed in both languages under one id, so a query in either language finds them.
Nothing about queries is stored or logged.

Search runs on the bot's event loop for any text anyone sends (up to 4,096 characters), so one
slow query delays every user. Its work is capped by constants whatever the text: only the start
of the query is read, readings and distinct words per reading are capped, typo and prefix
matching skip words longer than any real one, and typo matching draws on a fixed allowance of
deletion strings and edit-distance checks. Words past the allowance still match exactly and by
synonym.
"""

from __future__ import annotations

import bisect
import math
import re
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import Stemmer

from bot.content.faq import PLACEHOLDER, ContentError, FaqCatalog
from bot.content.textnorm import clip, edit_distance, tokens, variants

# Field weights: titles and curated keywords say what an entry is about; the body only helps.
TITLE_WEIGHT = 4.0
KEYWORD_WEIGHT = 4.0
TOPIC_WEIGHT = 1.5
BODY_WEIGHT = 1.0
# BM25's saturation. Term counts are field-weighted (a title word adds 4), so K1 is on that
# scale: at 1.2 one title word reached 77 % of the ceiling, and an entry naming a word in its
# title, keywords and body scored barely above one mentioning it in passing.
K1, B = 3.0, 0.5
# A fuzzy or prefix match counts less than the word itself.
TYPO_1, TYPO_2, PREFIX, SYNONYM = 0.75, 0.5, 0.6, 0.8
# A query word scores through its best term for an entry; its other terms (synonyms, typo
# neighbours, the other language's word) add this share of theirs.
SPREAD = 0.3
# Hits scoring below this share of the best hit are noise.
RELATIVE_CUTOFF = 0.3
MIN_SCORE = 0.5

# Work limits (see the module docstring). Real questions are a few dozen words at most; these
# leave several times that room while keeping the worst case to a couple of milliseconds.
MAX_QUERY_CHARS = 500  # of the case-folded query; the rest of a long message is not read
MAX_READINGS = 4  # as typed, wrong layout (with and without final punctuation), transliterated
MAX_WORDS = 48  # distinct words scored per reading
MAX_FUZZY_LEN = 30  # no word typed here is longer; longer stems are only looked up as they are
MAX_DELETES = 1200  # deletion-neighbourhood strings per search (an 8-letter stem needs 37)
MAX_DISTANCES = 64  # edit-distance checks per search

# Words too common to tell entries apart, in both languages.
_STOPWORDS_TEXT = """
и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне
было вот от меня еще нет о об из ему теперь когда даже ну ли если уже или ни быть был него до
вас нибудь уж вам ведь там потом себя ей может они тут где есть надо ней для мы тебя их чем была
сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой ним
здесь этом мой тем чтобы нее сейчас были куда зачем всех при хоть над тот через эти нас про
всего них какая много разве эту моя свою этой перед том такой им всю между мое мои твой это
a an the and or to of in on for is are was were be been am i me my you your it its this that
what how do does did can could if with at by from as not no so about when who which will would
should there their they them he his she her we our us have has had get got any some
какого какому каким каком какая какое какие каких какими какую который которая которое
которые которого которой котором которому которым которых которыми которую свой своя свое
свои своего своей своем своему своим своих своими свою этого этому этим этих этими такая
такое такие такого таким таких такую ваш ваша ваше ваши вашего вашей вашем вашим ваших
наш наша наше наши нашего нашей нашим наших весь вся всего всей всем всеми всю
these those yourself also than then into
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_CYRILLIC = re.compile(r"[а-я]")
# The content is in British spelling; "mobilization" and "organized" are read as "mobilisation"
# and "organised" (the stemmer keeps -is- and -iz- apart). Content words go through it too.
_US_SPELLING = re.compile(r"(?<=[a-z]{2})iz(?=(?:e|ed|es|er|ers|ing|ation|ations)$)")


# What one query word adds to each entry: scores, and a factor to multiply them by.
_Vector = tuple[dict[str, float], float]
_NOTHING: _Vector = ({}, 0.0)


@dataclass(frozen=True)
class Hit:
    entry_id: str
    score: float


@dataclass
class SearchWork:
    """What one search cost, in the units the limits above cap (for tests and the benchmark)."""

    readings: int = 0
    words: int = 0
    deletes: int = 0
    distances: int = 0
    postings: int = 0


class _Allowance:
    """Typo-matching work a search may still do, shared out evenly between its readings.

    Once a reading's share is spent its remaining words match exactly (and by synonym) only;
    what a reading leaves unspent goes to the readings after it.
    """

    def __init__(self, readings: int) -> None:
        self.deletes = MAX_DELETES
        self.distances = MAX_DISTANCES
        self._readings_left = readings
        self._share_deletes = self._share_distances = 0

    def start_reading(self) -> None:
        parts = max(self._readings_left, 1)
        self._readings_left -= 1
        self._share_deletes = self.deletes // parts
        self._share_distances = self.distances // parts

    def take_deletes(self, count: int) -> bool:
        """Pay for a deletion neighbourhood of count strings, if the share still allows it."""
        if count > self._share_deletes:
            return False
        self._share_deletes -= count
        self.deletes -= count
        return True

    def take_distances(self, count: int) -> int:
        """Pay for up to count edit-distance checks; returns how many are allowed."""
        granted = min(count, self._share_distances)
        self._share_distances -= granted
        self.distances -= granted
        return granted


class _Stemmers:
    """PyStemmer keeps the last 10,000 words it stemmed unless told not to: with it, words people
    typed would stay in the process's memory. Without the cache a word costs ~0.2 µs more."""

    def __init__(self) -> None:
        self._ru = Stemmer.Stemmer("russian", 0)
        self._en = Stemmer.Stemmer("english", 0)

    def stem(self, word: str) -> str:
        # isascii() reads a flag; only a word that is not ASCII needs the Cyrillic scan.
        stem: str
        if word.isascii():
            if "iz" in word:
                word = _US_SPELLING.sub("is", word)
            stem = self._en.stemWord(word) if word.isalpha() else word
        elif _CYRILLIC.search(word):
            stem = self._ru.stemWord(word)
        else:
            stem = word
        return stem


def _deletes_bound(length: int, depth: int) -> int:
    """How many strings _deletes can return for a word of this length, known before building."""
    if depth <= 0:
        return 1
    if depth == 1:
        return 1 + length
    return 1 + length + length * (length - 1) // 2


def _deletes(word: str, depth: int) -> set[str]:
    """The word with up to depth (1 or 2) letters removed: both sides of symmetric-delete lookup."""
    singles = [word[:j] + word[j + 1 :] for j in range(len(word))] if depth > 0 else []
    found = {word, *singles}
    if depth > 1:
        # A second cut only left of the first, so each pair of positions is cut once.
        found |= {s[:i] + s[i + 1 :] for j, s in enumerate(singles) for i in range(j)}
    return found


class SearchIndex:
    """BM25 over weighted fields, with typo, prefix and synonym expansion of query stems."""

    def __init__(
        self,
        postings: dict[str, dict[str, float]],
        lengths: dict[str, float],
        synonyms: dict[str, set[str]],
    ) -> None:
        self._postings = postings
        self._lengths = lengths
        self._avg_length = sum(lengths.values()) / max(len(lengths), 1)
        self._synonyms = synonyms
        self._stemmers = _Stemmers()
        n = len(lengths)
        self._idf = {
            term: math.log(1 + (n - len(docs) + 0.5) / (len(docs) + 0.5))
            for term, docs in postings.items()
        }
        # Each term's BM25 contribution to each entry, so scoring a query is additions only.
        self._weights: dict[str, dict[str, float]] = {}
        for term, docs in postings.items():
            idf = self._idf[term]
            weights = self._weights[term] = {}
            for entry_id, tf in docs.items():
                norm = K1 * (1 - B + B * self._lengths[entry_id] / self._avg_length)
                weights[entry_id] = idf * tf * (K1 + 1) / (tf + norm)
        # What each vocabulary word adds to each entry, its synonyms included (_combine).
        self._vectors: dict[str, _Vector] = {
            term: self._combine(self._expand(term, _Allowance(0), SearchWork())[0])
            for term in postings
        }
        self._by_delete: dict[str, set[str]] = defaultdict(set)
        for term in postings:
            if len(term) >= 4:
                for variant in _deletes(term, 2 if len(term) >= 7 else 1):
                    self._by_delete[variant].add(term)
        self._sorted_terms = sorted(postings)
        self._longest = max(map(len, postings), default=0)

    @classmethod
    def build(cls, catalog: FaqCatalog, synonyms_path: Path | None = None) -> SearchIndex:
        stemmers = _Stemmers()
        postings: dict[str, dict[str, float]] = defaultdict(dict)
        lengths: dict[str, float] = defaultdict(float)
        for by_id in catalog.entries.values():
            for entry in by_id.values():
                topic = catalog.topic(entry.topic)
                fields = [
                    (entry.title, TITLE_WEIGHT),
                    (" ".join(entry.keywords), KEYWORD_WEIGHT),
                    (topic.title(entry.lang) if topic else "", TOPIC_WEIGHT),
                    # A placeholder's name is not what the reader sees: not a search term.
                    (PLACEHOLDER.sub(" ", entry.body), BODY_WEIGHT),
                ]
                for text, weight in fields:
                    for word in tokens(text):
                        if word in STOPWORDS:
                            continue
                        term = stemmers.stem(word)
                        docs = postings[term]
                        docs[entry.id] = docs.get(entry.id, 0.0) + weight
                        lengths[entry.id] += weight
        synonyms = load_synonyms(synonyms_path, stemmers) if synonyms_path else {}
        return cls(dict(postings), dict(lengths), synonyms)

    def search(self, query: str, limit: int = 5) -> list[Hit]:
        """The best entries for free text, best first; [] when nothing fits well enough."""
        return self.search_with_work(query, limit)[0]

    def search_with_work(self, query: str, limit: int = 5) -> tuple[list[Hit], SearchWork]:
        """search(), plus what it cost: lets tests and the benchmark check the work limits."""
        work = SearchWork()
        vectors: dict[str, _Vector] = {}
        best: dict[str, float] = {}
        readings = variants(clip(query, MAX_QUERY_CHARS))[:MAX_READINGS]
        allowance = _Allowance(len(readings))
        for reading in readings:
            work.readings += 1
            allowance.start_reading()
            scores = self._score(reading, vectors, allowance, work)
            if sum(scores.values()) > sum(best.values()):
                best = scores
        if not best or limit <= 0:
            return [], work
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        top = ranked[0][1]
        if top < MIN_SCORE:
            return [], work
        hits = [
            Hit(entry_id, round(score, 3))
            for entry_id, score in ranked[:limit]
            if score >= top * RELATIVE_CUTOFF
        ]
        return hits, work

    def _score(
        self,
        reading: str,
        vectors: dict[str, _Vector],
        allowance: _Allowance,
        work: SearchWork,
    ) -> dict[str, float]:
        scores: dict[str, float] = defaultdict(float)
        known, synonyms = self._vectors, self._synonyms
        # Stems already scored: two forms of a word, or a word and its synonym ("medical
        # examination"), name one thing and count once.
        covered: dict[str, None] = {}
        words = 0
        for word in dict.fromkeys(reading.split()):
            if word in STOPWORDS or len(word) < 2:
                continue
            if words == MAX_WORDS:
                break
            words += 1
            stem = self._stemmers.stem(word)
            if stem in covered:
                continue
            covered[stem] = None
            if stem in synonyms:
                covered.update(dict.fromkeys(synonyms[stem]))
            # A vocabulary word's scores were combined at build time. Others are expanded
            # once per search (readings share most words), unless the expansion was cut short
            # by a spent allowance (another reading may have room).
            # (Membership tests and subscripts, not .get(): this loop runs for every word of
            # every reading, hostile ones included.)
            if stem in known:
                found = known[stem]
            elif stem in vectors:
                found = vectors[stem]
            else:
                expanded, complete = self._expand(stem, allowance, work)
                found = self._combine(expanded) if expanded else _NOTHING
                if complete:
                    vectors[stem] = found
            vector, factor = found
            work.postings += len(vector)
            for entry_id, value in vector.items():
                scores[entry_id] += factor * value
        work.words += words
        return scores

    def _combine(self, expanded: dict[str, float]) -> _Vector:
        """What one query word adds to each entry, given the terms it stands for: a vector
        of scores and a factor to multiply them by (one term's weights are not copied).

        A word counts once per entry, through its best term; its other terms (synonyms, typo
        neighbours, the other language's word) add only a SPREAD share, so the size of a
        synonym group does not decide the ranking.
        """
        if len(expanded) <= 1:
            if not expanded:
                return _NOTHING
            ((term, factor),) = expanded.items()
            return self._weights[term], factor
        terms = iter(expanded.items())
        term, factor = next(terms)
        best = {entry_id: factor * weight for entry_id, weight in self._weights[term].items()}
        total = best.copy()
        for term, factor in terms:
            for entry_id, weight in self._weights[term].items():
                value = factor * weight
                total[entry_id] = total.get(entry_id, 0.0) + value
                if value > best.get(entry_id, 0.0):
                    best[entry_id] = value
        return {e: value + SPREAD * (total[e] - value) for e, value in best.items()}, 1.0

    def _expand(
        self, stem: str, allowance: _Allowance, work: SearchWork
    ) -> tuple[dict[str, float], bool]:
        """Vocabulary terms a query stem stands for, each with how much it counts.

        The flag is False when the allowance ran out, so typo matches may be missing.
        """
        found: dict[str, float] = {}
        complete = True
        if stem in self._postings:
            found[stem] = 1.0
        elif 4 <= len(stem) <= MAX_FUZZY_LEN:
            complete = self._fuzzy(stem, found, allowance, work)
        for synonym in self._synonyms.get(stem, ()):
            if synonym in self._postings:
                found[synonym] = max(found.get(synonym, 0.0), SYNONYM)
        return found, complete

    def _fuzzy(
        self, stem: str, found: dict[str, float], allowance: _Allowance, work: SearchWork
    ) -> bool:
        """Add typo or prefix matches of an unknown stem to found; False if cut short."""
        complete = True
        depth = 2 if len(stem) >= 7 else 1
        # Edit distance is at least the length difference: a stem longer than every term by
        # more than depth cannot be a typo of one, so its neighbourhood is not built at all.
        if len(stem) <= self._longest + depth:
            if not allowance.take_deletes(_deletes_bound(len(stem), depth)):
                complete = False
            else:
                deletes = _deletes(stem, depth)
                work.deletes += len(deletes)
                by_delete = self._by_delete
                candidates: set[str] = set()
                candidates.update(*[by_delete[v] for v in deletes if v in by_delete])
                # Nearest length first, then alphabetical: a fixed order for the checks the
                # allowance pays for, so a cut-short result does not depend on hash order.
                checks = sorted(
                    (term for term in candidates if abs(len(term) - len(stem)) <= depth),
                    key=lambda term: (abs(len(term) - len(stem)), term),
                )
                granted = allowance.take_distances(len(checks))
                if granted < len(checks):
                    checks = checks[:granted]
                    complete = False
                work.distances += granted
                for term in checks:
                    distance = edit_distance(stem, term, depth)
                    if distance <= depth:
                        found[term] = TYPO_1 if distance <= 1 else TYPO_2
        if not found and len(stem) >= 5:
            # A prefix: "повесток" (fleeting vowel) or a word cut short.
            for term in self._with_prefix(stem[:5]):
                if term.startswith(stem) or stem.startswith(term):
                    found[term] = PREFIX
        return complete

    def _with_prefix(self, prefix: str) -> list[str]:
        """Vocabulary terms starting with prefix (a handful: the vocabulary is sorted)."""
        terms = self._sorted_terms
        i = bisect.bisect_left(terms, prefix)
        out = []
        while i < len(terms) and terms[i].startswith(prefix):
            out.append(terms[i])
            i += 1
        return out


def load_synonyms(path: Path, stemmers: _Stemmers | None = None) -> dict[str, set[str]]:
    """Groups of interchangeable words, as a map from each stem to the others in its group."""
    stemmers = stemmers or _Stemmers()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ContentError([f"{path}: cannot read synonyms: {exc}"]) from None
    mapping: dict[str, set[str]] = defaultdict(set)
    for number, group in enumerate(data.get("group", []), start=1):
        words = group.get("words", [])
        if not isinstance(words, list) or len(words) < 2:
            raise ContentError([f"{path}: group {number} needs a list of at least two words"])
        if any(not isinstance(w, str) or len(tokens(w)) != 1 for w in words):
            raise ContentError([f"{path}: group {number}: one word per item, no phrases"])
        stems = {stemmers.stem(tokens(w)[0]) for w in words}
        for stem in stems:
            mapping[stem] |= stems - {stem}
    return dict(mapping)


def term_counts(index: SearchIndex) -> Counter[str]:
    """How many entries each term appears in (for diagnostics and the benchmark)."""
    return Counter({term: len(docs) for term, docs in index._postings.items()})
