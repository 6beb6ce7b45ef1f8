"""Free-text search over the FAQ: an in-memory BM25 index built from the content at start-up.

What people type is messy: inflected Russian ("отсрочку студенту"), slang, typos, Latin
transliteration ("otsrochka") and Russian typed with the English layout on ("jnchjxrf"). So:
- every word is reduced to its Snowball stem (Russian or English by script);
- each whole-query reading (as typed, wrong layout undone, transliteration read back) is scored
  and the best one wins;
- a query stem missing from the vocabulary is matched to vocabulary stems within a small edit
  distance (a precomputed deletion index keeps that fast) or by a shared prefix;
- a curated synonym list (content/faq/synonyms.toml) links words the stemmer cannot.
Entries are indexed in both languages under one id, so a query in either language finds them.
Nothing about queries is stored or logged.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import Stemmer

from bot.content.faq import ContentError, FaqCatalog
from bot.content.textnorm import edit_distance, tokens, variants

# Field weights: titles and curated keywords say what an entry is about; the body only helps.
TITLE_WEIGHT = 4.0
KEYWORD_WEIGHT = 4.0
TOPIC_WEIGHT = 1.5
BODY_WEIGHT = 1.0
K1, B = 1.2, 0.5
# A fuzzy or prefix match counts less than the word itself.
TYPO_1, TYPO_2, PREFIX, SYNONYM = 0.75, 0.5, 0.6, 0.8
# Hits scoring below this share of the best hit are noise.
RELATIVE_CUTOFF = 0.3
MIN_SCORE = 0.5

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
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_CYRILLIC = re.compile(r"[а-я]")


@dataclass(frozen=True)
class Hit:
    entry_id: str
    score: float


class _Stemmers:
    def __init__(self) -> None:
        self._ru = Stemmer.Stemmer("russian")
        self._en = Stemmer.Stemmer("english")

    def stem(self, word: str) -> str:
        if _CYRILLIC.search(word):
            return str(self._ru.stemWord(word))
        if word.isascii() and word.isalpha():
            return str(self._en.stemWord(word))
        return word


def _deletes(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
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
        self._by_delete: dict[str, set[str]] = defaultdict(set)
        for term in postings:
            if len(term) >= 4:
                for variant in _deletes(term, 2 if len(term) >= 7 else 1):
                    self._by_delete[variant].add(term)
        self._sorted_terms = sorted(postings)

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
                    (entry.body, BODY_WEIGHT),
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
        best: dict[str, float] = {}
        for reading in variants(query[:500]):
            scores = self._score(reading)
            if sum(scores.values()) > sum(best.values()):
                best = scores
        if not best:
            return []
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        top = ranked[0][1]
        if top < MIN_SCORE:
            return []
        return [
            Hit(entry_id, round(score, 3))
            for entry_id, score in ranked[:limit]
            if score >= top * RELATIVE_CUTOFF
        ]

    def _score(self, reading: str) -> dict[str, float]:
        scores: dict[str, float] = defaultdict(float)
        for word in dict.fromkeys(reading.split()):
            if word in STOPWORDS or len(word) < 2:
                continue
            for term, factor in self._expand(self._stemmers.stem(word)).items():
                idf = self._idf[term]
                for entry_id, tf in self._postings[term].items():
                    norm = K1 * (1 - B + B * self._lengths[entry_id] / self._avg_length)
                    scores[entry_id] += factor * idf * tf * (K1 + 1) / (tf + norm)
        return scores

    def _expand(self, stem: str) -> dict[str, float]:
        """Vocabulary terms a query stem stands for, each with how much it counts."""
        found: dict[str, float] = {}
        if stem in self._postings:
            found[stem] = 1.0
        elif len(stem) >= 4:
            found.update(self._fuzzy(stem))
        for synonym in self._synonyms.get(stem, ()):
            if synonym in self._postings:
                found[synonym] = max(found.get(synonym, 0.0), SYNONYM)
        return found

    def _fuzzy(self, stem: str) -> dict[str, float]:
        found: dict[str, float] = {}
        depth = 2 if len(stem) >= 7 else 1
        candidates: set[str] = set()
        for variant in _deletes(stem, depth):
            candidates |= self._by_delete.get(variant, set())
        for term in candidates:
            distance = edit_distance(stem, term, depth)
            if distance <= depth:
                found[term] = TYPO_1 if distance <= 1 else TYPO_2
        if not found and len(stem) >= 5:
            # A prefix: "повесток" (fleeting vowel) or a word cut short.
            for term in self._with_prefix(stem[:5]):
                if term.startswith(stem) or stem.startswith(term):
                    found[term] = PREFIX
        return found

    def _with_prefix(self, prefix: str) -> list[str]:
        import bisect

        start = bisect.bisect_left(self._sorted_terms, prefix)
        out = []
        for term in self._sorted_terms[start:]:
            if not term.startswith(prefix):
                break
            out.append(term)
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
