"""Text normalisation shared by region matching and FAQ search.

People type on phones, in a hurry, sometimes with the wrong keyboard layout or in Latin
transliteration. Everything that compares user text with content goes through these helpers
so that "Ёбург", "ебург", "Jebur" and "Tyumen'" land on the same keys.
"""

from __future__ import annotations

import re
import unicodedata
from types import MappingProxyType
from typing import Final

__all__ = (
    "clip",
    "edit_distance",
    "is_latin",
    "layout_swap",
    "normalize",
    "tokens",
    "translit_to_cyrillic",
    "variants",
)

# Variation selectors and the combining enclosing keycap: parts of emoji, not of words.
_EMOJI_MARKS: Final = frozenset(
    [chr(c) for c in range(0xFE00, 0xFE10)] + [chr(c) for c in range(0xE0100, 0xE01F0)]
)

# Physical keys of the US QWERTY layout -> the Russian ЙЦУКЕН letter on the same key.
_LAYOUT_PAIRS: Final = (
    ("qwertyuiop[]asdfghjkl;'zxcvbnm,.`", "йцукенгшщзхъфывапролджэячсмитьбюё"),
    ('QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>~', "ЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮЁ"),
)
_LAYOUT: Final = MappingProxyType(
    {ord(lat): cyr for lats, cyrs in _LAYOUT_PAIRS for lat, cyr in zip(lats, cyrs, strict=True)}
)

# Latin -> Cyrillic, longest sequences first; "ts" and "y" are handled in code (they depend
# on their neighbours). Covers the usual schemes: BGN/PCGN, passport (ICAO), informal "j" forms.
_TRANSLIT_MULTI: Final = (
    ("shch", "щ"),
    ("sch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("ju", "ю"),
    ("ya", "я"),
    ("ja", "я"),
    ("yo", "е"),
    ("jo", "е"),
    ("ye", "е"),
    ("je", "е"),
    ("ph", "ф"),
)
_TRANSLIT_SINGLE: Final = MappingProxyType(
    {
        "a": "а",
        "b": "б",
        "c": "ц",
        "d": "д",
        "e": "е",
        "f": "ф",
        "g": "г",
        "h": "х",
        "i": "и",
        "j": "й",
        "k": "к",
        "l": "л",
        "m": "м",
        "n": "н",
        "o": "о",
        "p": "п",
        "q": "к",
        "r": "р",
        "s": "с",
        "t": "т",
        "u": "у",
        "v": "в",
        "w": "в",
        "x": "кс",
        "z": "з",
        "'": "ь",
        "’": "ь",
        "ʹ": "ь",
    }
)
_LATIN_VOWELS: Final = frozenset("aeiouy")
_ASCII_LETTERS: Final = frozenset("abcdefghijklmnopqrstuvwxyz")
# The sequences that need more than a one-letter lookup, tried in this order at each position
# (regex alternation keeps it); every other character goes through one str.translate() in C.
_TRANSLIT_MULTI_MAP: Final = MappingProxyType(dict(_TRANSLIT_MULTI))
_TRANSLIT_SPECIAL: Final = re.compile("|".join([seq for seq, _ in _TRANSLIT_MULTI] + ["ts", "y"]))
_TRANSLIT_TABLE: Final = str.maketrans(dict(_TRANSLIT_SINGLE))


# Text that normalize() can treat in C: basic Russian and Latin letters, ASCII digits, any
# whitespace, ASCII punctuation and symbols, guillemets and dashes. Each of these is either a
# letter or digit (kept) or neither (a separator), so no category lookup is needed.
_PLAIN: Final = re.compile(r"[0-9a-zа-я\s!-/:-@\[-`{-~«»–—]*")
_RUSSIAN_LETTER: Final = re.compile("[а-яёА-ЯЁ]")
_ASCII_LETTER: Final = re.compile("[A-Za-z]")
_PUNCTUATION_TO_SPACE: Final = str.maketrans(
    dict.fromkeys("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~«»–—", " ")
)


def _fold(text: str) -> str:
    """NFKC + casefold, repeated once more: casefold can yield text that NFKC changes again."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def clip(text: str, max_chars: int) -> str:
    """The case-folded start of the text, at most max_chars long: bounds the work on user text.

    Cut before folding and again after: NFKC and casefold can turn one character into up to 18
    (U+FDFA), so a short message can otherwise fold into a very long one.
    """
    return _fold(text[:max_chars])[:max_chars]


def normalize(text: str) -> str:
    """Canonical form for comparing user text with content keys.

    NFKC and casefold make look-alike spellings equal, "ё" becomes "е" (most people never type
    it), and everything that is not a letter or digit of any script (punctuation, emoji,
    symbols) becomes a separator. Combining marks are kept only inside words.
    """
    folded = _fold(text).replace("ё", "е")
    if _PLAIN.fullmatch(folded):
        # Russian or English letters, digits, spaces and ASCII punctuation only (most messages):
        # the same result as the loop below, in C.
        return " ".join(folded.translate(_PUNCTUATION_TO_SPACE).split())
    return _normalize_folded(folded)


def _normalize_folded(folded: str) -> str:
    """normalize() for any folded text: each character by its Unicode category."""
    out: list[str] = []
    prev_word = False
    for ch in folded:
        cat = unicodedata.category(ch)
        if cat[0] in "LN":
            out.append(ch)
            prev_word = True
        elif cat[0] == "M" and prev_word and ch not in _EMOJI_MARKS and cat != "Me":
            out.append(ch)
        else:
            out.append(" ")
            prev_word = False
    return " ".join("".join(out).split())


def tokens(text: str) -> list[str]:
    """Words of the normalised text: the unit of keyword and region matching."""
    return normalize(text).split()


def layout_swap(text: str) -> str:
    """Undo typing Russian with the English layout switched on: "gjdtcnrf" -> "повестка".

    Works on the raw text (not normalised) because punctuation keys carry letters
    (",", ".", ";", "'", "[", "]", "`" are "б", "ю", "ж", "э", "х", "ъ", "ё").
    """
    return text.translate(_LAYOUT)


def translit_to_cyrillic(text: str) -> str:
    """Read Latin transliteration back as Russian: "povestka" -> "повестка".

    Tolerant rather than exact: several schemes map to one spelling and "ё" comes out as "е",
    so the result is meant for matching after normalize(), not for display. "ts" is "ц" except
    before a consonant ("otsrochka" -> "отсрочка", "bratsk" -> "братск"); "y" is "й" after a
    vowel and "ы" elsewhere.
    """
    return _TRANSLIT_SPECIAL.sub(_translit_special, _fold(text)).translate(_TRANSLIT_TABLE)


def _translit_special(match: re.Match[str]) -> str:
    """One multi-letter sequence, or "ts" / "y", whose reading depends on the neighbours."""
    seq = match.group()
    if seq == "ts":
        src, end = match.string, match.end()
        after = src[end : end + 1]
        return "тс" if after in _ASCII_LETTERS and after not in _LATIN_VOWELS else "ц"
    if seq == "y":
        start = match.start()
        return "й" if match.string[start - 1 : start] in _LATIN_VOWELS else "ы"
    return _TRANSLIT_MULTI_MAP[seq]


def is_latin(text: str) -> bool:
    """True when the text has letters and all of them are Latin (then it may be a mistyping)."""
    if _RUSSIAN_LETTER.search(text):
        return False  # stays Cyrillic under NFKC: not all letters are Latin
    if text.isascii():
        # NFKC leaves ASCII as it is and every ASCII letter is Latin: one scan in C instead
        # of a call a character (this runs on every message the search reads).
        return _ASCII_LETTER.search(text) is not None
    letters = [ch for ch in unicodedata.normalize("NFKC", text) if ch.isalpha()]
    return bool(letters) and all(_is_latin_letter(ch) for ch in letters)


def _is_latin_letter(ch: str) -> bool:
    """ASCII letters plus accented Latin ones ("é", "ß"): still typed on a Latin keyboard."""
    return ch.lower() in _ASCII_LETTERS or unicodedata.name(ch, "").startswith("LATIN")


def variants(text: str) -> list[str]:
    """Every reading of the text worth looking up: as typed, wrong layout, transliterated.

    The typed form comes first so that callers can prefer it; empty and duplicate forms are
    dropped. The wrong-layout reading is also tried without trailing sentence punctuation,
    because a final "." or "," would otherwise turn into "ю" or "б".
    """
    forms = [normalize(text)]
    if is_latin(text):
        folded = _fold(text)
        forms.append(normalize(layout_swap(folded)))
        trimmed = folded.rstrip(" \t\n.,!?")
        if trimmed != folded:
            forms.append(normalize(layout_swap(trimmed)))
        forms.append(normalize(translit_to_cyrillic(folded)))
    result: list[str] = []
    for form in forms:
        if form and form not in result:
            result.append(form)
    return result


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), capped at limit + 1.

    Fuzzy matching only cares whether two strings are within a small distance, so the work
    is bounded by the limit: a length difference over it answers at once, limits up to 2 (all
    that search and region matching use) try the few possible first edits instead of filling a
    table, and larger ones fill only a band around the diagonal and stop at the first row
    that is entirely over the limit.
    """
    if limit < 0:
        limit = 0
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    s, t = _trim(a, b)
    ls, lt = len(s), len(t)
    if ls == 0 or lt == 0:
        dist = max(ls, lt)
        return dist if dist <= limit else limit + 1
    if limit <= 2:
        return _distance_up_to_two(s, t, limit)
    return _banded_distance(s, t, limit)


def _banded_distance(s: str, t: str, limit: int) -> int:
    """Only cells within `limit` of the diagonal can stay within the limit (Ukkonen's band);
    everything outside it is treated as "too far"."""
    big = limit + 1
    lt = len(t)
    prev2: list[int] = []
    prev = [j if j <= limit else big for j in range(lt + 1)]
    for i in range(1, len(s) + 1):
        cur = _band_row(s, t, i, limit, prev, prev2)
        if min(cur) > limit:
            return big
        prev2, prev = prev, cur
    dist = prev[lt]
    return dist if dist <= limit else big


def _band_row(s: str, t: str, i: int, limit: int, prev: list[int], prev2: list[int]) -> list[int]:
    big = limit + 1
    cur = [big] * (len(t) + 1)
    if i <= limit:
        cur[0] = i
    si = s[i - 1]
    for j in range(max(1, i - limit), min(len(t), i + limit) + 1):
        tj = t[j - 1]
        val = min(prev[j - 1] + (si != tj), prev[j] + 1, cur[j - 1] + 1)
        if i > 1 and j > 1 and si != tj and si == t[j - 2] and s[i - 2] == tj:
            val = min(val, prev2[j - 2] + 1)
        cur[j] = min(val, big)
    return cur


def _trim(a: str, b: str) -> tuple[str, str]:
    """a and b without their common prefix and suffix, which never change the distance.

    A transposition needs two positions that differ, so it cannot straddle the trimmed part.
    """
    start = 0
    end_a, end_b = len(a), len(b)
    while start < end_a and start < end_b and a[start] == b[start]:
        start += 1
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    return a[start:end_a], b[start:end_b]


def _within_one(s: str, t: str) -> bool:
    """Whether trimmed strings are at most one edit apart.

    After trimming, one edit leaves exactly the edited part: a character against a character
    or nothing, or two characters against the same two swapped.
    """
    ls, lt = len(s), len(t)
    if ls <= 1 and lt <= 1:
        return True
    return ls == lt == 2 and s[0] == t[1] and s[1] == t[0]


def _distance_up_to_two(s: str, t: str, limit: int) -> int:
    """edit_distance() for trimmed, different, non-empty strings and a limit of 0, 1 or 2.

    Their first characters differ, so an alignment starts with a substitution, deletion,
    insertion or transposition; the distance is 2 exactly when what one of those leaves is
    within one edit. A handful of trims instead of a table.
    """
    if limit == 0:
        return 1
    if _within_one(s, t):
        return 1
    if limit == 1:
        return 2
    firsts = [(s[1:], t[1:]), (s[1:], t), (s, t[1:])]
    if len(s) >= 2 and len(t) >= 2 and s[0] == t[1] and s[1] == t[0]:
        firsts.append((s[2:], t[2:]))
    for rest_s, rest_t in firsts:
        if abs(len(rest_s) - len(rest_t)) <= 1 and _within_one(*_trim(rest_s, rest_t)):
            return 2
    return 3
