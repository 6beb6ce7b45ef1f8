"""Text normalisation: the examples people actually type, plus properties the matchers rely on."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import textnorm
from bot.content.textnorm import (
    clip,
    edit_distance,
    is_latin,
    layout_swap,
    normalize,
    tokens,
    translit_to_cyrillic,
    variants,
)

LAYOUT_KEYS = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>~"


def osa_reference(a: str, b: str) -> int:
    """Textbook optimal-string-alignment distance, no shortcuts: the oracle for edit_distance."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


# --- normalize / tokens -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ёбург", "ебург"),
        ("  ПОВЕСТКА!!!  ", "повестка"),
        ("Ростов-на-Дону", "ростов на дону"),
        ("Санкт‑Петербург", "санкт петербург"),  # non-breaking hyphen
        ("РС(Я)", "рс я"),
        ("повестка 🙂🔥 пришла", "повестка пришла"),
        ("ｍｓｋ", "msk"),  # full-width letters
        ("Straße", "strasse"),
        ("53-ФЗ ст. 24", "53 фз ст 24"),
        ("\t\n ", ""),
        ("", ""),
        ("1️⃣ отсрочка", "1 отсрочка"),
        ("ქართული ελληνικά", "ქართული ελληνικά"),
    ],
)
def test_normalize_examples(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_tokens_split_the_normalised_text() -> None:
    assert tokens("Что делать, если пришла ПОВЕСТКА?") == [
        "что",
        "делать",
        "если",
        "пришла",
        "повестка",
    ]
    assert tokens("🙂 ... !!!") == []


@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@given(st.text())
def test_normalize_has_no_edge_or_double_spaces_and_no_yo(text: str) -> None:
    out = normalize(text)
    assert out == out.strip()
    assert "  " not in out
    assert "ё" not in out
    assert all(ch == " " or unicodedata.category(ch)[0] in "LNM" for ch in out)
    assert tokens(text) == out.split()


# --- layout_swap --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("gjdtcnrf", "повестка"),
        ("jnchjxrf", "отсрочка"),
        ("vcr", "мск"),
        ("gtnth,ehu", "петербург"),
        (",.;'[]`", "бюжэхъё"),
        ("Gjdtcnrf", "Повестка"),
        ("ndthm", "тверь"),
    ],
)
def test_layout_swap(typed: str, meant: str) -> None:
    assert layout_swap(typed) == meant


def test_layout_swap_leaves_cyrillic_and_digits_alone() -> None:
    assert layout_swap("повестка 2024") == "повестка 2024"


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"])))
def test_layout_swap_leaves_no_mapped_latin(text: str) -> None:
    text = "".join(ch for ch in text if not ("\u0400" <= ch <= "\u04ff"))
    out = layout_swap(text)
    assert not any(ch in LAYOUT_KEYS for ch in out)
    assert len(out) == len(text)


# --- translit_to_cyrillic -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("povestka", "повестка"),
        ("otsrochka", "отсрочка"),
        ("voenkomat", "военкомат"),
        ("prizyv", "призыв"),
        ("shkola", "школа"),
        ("zhenya", "женя"),
        ("borshch", "борщ"),
        ("sch", "щ"),
        ("khabarovsk", "хабаровск"),
        ("habarovsk", "хабаровск"),
        ("tsentr", "центр"),
        ("cement", "цемент"),
        ("chita", "чита"),
        ("shakhty", "шахты"),
        ("yug", "юг"),
        ("jug", "юг"),
        ("yakutsk", "якутск"),
        ("jakutsk", "якутск"),
        ("yolka", "елка"),
        ("sergey", "сергей"),
        ("nizhniy", "нижний"),
        ("kyzyl", "кызыл"),
        ("tyumen'", "тюмень"),
        ("Kazan", "казан"),
        ("Sankt-Peterburg", "санкт-петербург"),
        ("yekaterinburg", "екатеринбург"),
    ],
)
def test_translit_to_cyrillic(latin: str, cyrillic: str) -> None:
    assert translit_to_cyrillic(latin) == cyrillic


def translit_reference(text: str) -> str:
    """The first, character-by-character translit_to_cyrillic: the oracle for the regex one."""
    multi = [
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
    ]
    single = dict(zip("abcdefghijklmnopqrstuvwz'’ʹ", "абцдефгхийклмнопкрстуввзььь", strict=True))
    single["x"] = "кс"
    vowels, letters = "aeiouy", "abcdefghijklmnopqrstuvwxyz"
    src = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    out: list[str] = []
    i, n = 0, len(src)
    while i < n:
        for seq, cyr in multi:
            if src.startswith(seq, i):
                out.append(cyr)
                i += len(seq)
                break
        else:
            ch, nxt = src[i], src[i + 1] if i + 1 < n else ""
            if ch == "t" and nxt == "s":
                after = src[i + 2] if i + 2 < n else ""
                out.append("тс" if after and after in letters and after not in vowels else "ц")
                i += 2
                continue
            if ch == "y":
                out.append("й" if i > 0 and src[i - 1] in vowels else "ы")
            else:
                out.append(single.get(ch, ch))
            i += 1
    return "".join(out)


@settings(max_examples=400)
@given(st.text(alphabet="abcehjkopstuyzxq'’ʹ TSYаб1.-", max_size=30))
def test_translit_matches_the_reference(text: str) -> None:
    assert translit_to_cyrillic(text) == translit_reference(text)


def test_translit_keeps_what_it_cannot_read() -> None:
    assert translit_to_cyrillic("msk 2024!") == "мск 2024!"
    assert translit_to_cyrillic("уже кириллица") == "уже кириллица"


# --- clip ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "max_chars", "expected"),
    [
        ("ПОВЕСТКА пришла", 8, "повестка"),
        ("Straße", 10, "strasse"),
        ("Straße", 5, "stras"),
        ("ｍｓｋ", 5, "msk"),
        ("", 5, ""),
    ],
)
def test_clip_examples(text: str, max_chars: int, expected: str) -> None:
    assert clip(text, max_chars) == expected


def test_clip_bounds_expanding_characters() -> None:
    # U+FDFA folds to 18 characters: 4,096 of them must not become 73,728.
    assert len(clip("\ufdfa" * 4096, 500)) == 500
    assert len(clip("ﬃ" * 4096, 500)) == 500


@given(st.text(max_size=200), st.integers(min_value=0, max_value=100))
def test_clip_is_never_longer_than_asked(text: str, max_chars: int) -> None:
    assert len(clip(text, max_chars)) <= max_chars


# --- is_latin / variants ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("povestka", True),
        ("Sankt-Peterburg 2", True),
        ("gtnth,ehu", True),
        ("café", True),
        ("повестка", False),
        ("povestka повестка", False),
        ("", False),
        ("123 !!", False),
        ("🙂", False),
    ],
)
def test_is_latin(text: str, expected: bool) -> None:
    assert is_latin(text) is expected


def test_variants_of_latin_text_typed_first() -> None:
    assert variants("Gjdtcnrf") == ["gjdtcnrf", "повестка", "гйдтцнрф"]
    assert variants("otsrochka")[0] == "otsrochka"
    assert "отсрочка" in variants("otsrochka")
    assert "мск" in variants("vcr")


def test_variants_of_wrong_layout_with_trailing_full_stop() -> None:
    # "." is the "ю" key; a sentence-final full stop must not glue a "ю" onto the word.
    assert "мск" in variants("vcr.")


def test_variants_of_cyrillic_or_empty_text() -> None:
    assert variants("Повестка!") == ["повестка"]
    assert variants("") == []
    assert variants("  🙂 ") == []


@given(st.text(max_size=40))
def test_variants_are_normalised_unique_and_start_with_the_typed_form(text: str) -> None:
    out = variants(text)
    assert len(out) == len(set(out))
    assert all(v and normalize(v) == v for v in out)
    if normalize(text):
        assert out[0] == normalize(text)
    else:
        assert out == [] or is_latin(text)


# --- edit_distance ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "limit", "expected"),
    [
        ("екатеринбург", "екатеренбург", 2, 1),
        ("новосибирск", "новосибирк", 2, 1),
        ("башкирия", "башкирея", 2, 1),
        ("ab", "ba", 2, 1),  # one transposition
        ("ca", "abc", 5, 3),  # OSA, not unrestricted Damerau-Levenshtein (which gives 2)
        ("kitten", "sitting", 5, 3),
        ("kitten", "sitting", 2, 3),  # beyond the limit: limit + 1
        ("", "abc", 5, 3),
        ("", "abc", 1, 2),
        ("same", "same", 0, 0),
        ("a", "b", 0, 1),
    ],
)
def test_edit_distance_examples(a: str, b: str, limit: int, expected: int) -> None:
    assert edit_distance(a, b, limit) == expected


_short = st.text(alphabet="абвгxy", max_size=9)


@settings(max_examples=400)
@given(_short, _short, st.integers(min_value=0, max_value=12))
def test_edit_distance_matches_reference_up_to_limit(a: str, b: str, limit: int) -> None:
    true = osa_reference(a, b)
    got = edit_distance(a, b, limit)
    assert got == (true if true <= limit else limit + 1)
    assert got <= limit + 1


@given(_short, _short, st.integers(min_value=0, max_value=12))
def test_edit_distance_is_symmetric(a: str, b: str, limit: int) -> None:
    assert edit_distance(a, b, limit) == edit_distance(b, a, limit)


@given(st.text(max_size=12), st.text(max_size=12))
def test_edit_distance_zero_iff_equal_and_bounded_by_longer(a: str, b: str) -> None:
    big = max(len(a), len(b)) + 1
    dist = edit_distance(a, b, big)
    assert (dist == 0) == (a == b)
    assert dist <= max(len(a), len(b))


@st.composite
def near_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """A string and a copy with a few random edits: random pairs are rarely within 2."""
    a = draw(st.text(alphabet="abcx", max_size=12))
    b = list(a)
    for op, pos, ch in draw(
        st.lists(
            st.tuples(st.sampled_from("sdit"), st.integers(0, 12), st.sampled_from("abcx")),
            max_size=3,
        )
    ):
        pos = min(pos, len(b))
        if op == "s" and pos < len(b):
            b[pos] = ch
        elif op == "d" and pos < len(b):
            del b[pos]
        elif op == "i":
            b.insert(pos, ch)
        elif op == "t" and pos + 1 < len(b):
            b[pos], b[pos + 1] = b[pos + 1], b[pos]
    return a, "".join(b)


@settings(max_examples=500)
@given(near_pairs(), st.integers(min_value=0, max_value=3))
def test_edit_distance_of_near_strings_matches_reference(pair: tuple[str, str], limit: int) -> None:
    a, b = pair
    true = osa_reference(a, b)
    assert edit_distance(a, b, limit) == (true if true <= limit else limit + 1)
    assert edit_distance(b, a, limit) == (true if true <= limit else limit + 1)


def test_edit_distance_of_long_strings() -> None:
    # What search and region matching may meet: answers that stay cheap at any length.
    long = "а" * 4096
    assert edit_distance(long, "а" * 10, 2) == 3
    assert edit_distance(long, "б" * 4096, 2) == 3
    assert edit_distance("x" + long + "y", "z" + long + "w", 2) == 2
    assert edit_distance("x" + long + "y", "z" + long + "w", 1) == 2
    assert edit_distance(long + "ab", long + "ba", 2) == 1
    assert edit_distance(long, long[:-3], 5) == 3


# normalize() and is_latin() take a shortcut for plain Russian or English text; the shortcut
# must give what the character-by-character rule gives, on plain text and around its edges.
_PLAIN_EDGE = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАЯЁaZz09 \t\n\x1c\x85\xa0!-/:@[`{~«»–—№…_é\u0301🙂"


def _reference_normalize(text: str) -> str:
    return textnorm._normalize_folded(textnorm._fold(text).replace("ё", "е"))


def _reference_is_latin(text: str) -> bool:
    letters = [ch for ch in unicodedata.normalize("NFKC", text) if ch.isalpha()]
    return bool(letters) and all(textnorm._is_latin_letter(ch) for ch in letters)


@settings(max_examples=500)
@given(st.one_of(st.text(alphabet=_PLAIN_EDGE, max_size=40), st.text(max_size=40)))
def test_shortcuts_agree_with_the_character_rule(text: str) -> None:
    assert normalize(text) == _reference_normalize(text)
    assert is_latin(text) == _reference_is_latin(text)
