"""The region test set: several hundred spellings people really type, each with what the bot
must do (go on with one region, or ask with buttons), and the "oblast" property."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.regions import RegionCatalog
from tests.support.parsed_content import parsed_regions

ROOT = Path(__file__).resolve().parents[2]
SPELLINGS = ROOT / "tests" / "data" / "regions_spellings.toml"


@pytest.fixture(scope="module")
def catalog() -> RegionCatalog:
    return parsed_regions(ROOT / "content" / "regions.toml")


def _cases() -> list[dict[str, object]]:
    cases: list[dict[str, object]] = tomllib.loads(SPELLINGS.read_text(encoding="utf-8"))["case"]
    return cases


def _miss(catalog: RegionCatalog, case: dict[str, object]) -> str | None:
    """What went wrong with one case, or None."""
    text, expect = str(case["text"]), str(case["expect"])
    found = catalog.resolve(text)
    got = found.code if found else "ask"
    if got != expect:
        return f"{text!r}: expected {expect}, got {got}"
    wanted = case.get("candidates")
    if isinstance(wanted, list):
        offered = {m.region.code for m in catalog.match(text, limit=5)}
        if not set(wanted) <= offered:
            return f"{text!r}: candidates {sorted(offered)} lack {sorted(set(wanted) - offered)}"
    return None


def test_the_set_is_big_and_valid(catalog: RegionCatalog) -> None:
    cases = _cases()
    assert len(cases) >= 300
    assert len({c["text"] for c in cases}) == len(cases)
    codes = {r.code for r in catalog.all()}
    for case in cases:
        assert case["expect"] == "ask" or case["expect"] in codes, case
        listed = case.get("candidates", [])
        assert isinstance(listed, list) and set(listed) <= codes, case
    assert sum(c["expect"] == "ask" for c in cases) >= 20


def test_every_spelling_in_the_set(catalog: RegionCatalog) -> None:
    misses = [m for m in (_miss(catalog, c) for c in _cases()) if m]
    assert not misses, f"{len(misses)} misses:\n" + "\n".join(misses)


def test_the_reported_misroutes(catalog: RegionCatalog) -> None:
    """The issue's examples, spelled out so a regression names them."""
    expected = {
        "Владик": "primorsky",
        "Moscow obl": "moscow-oblast",
        "msk oblast": "moscow-oblast",
        "Ростов Великий": "yaroslavl",
        "в Москве": "moscow",
        "в Питере": "spb",
        "Московской области": "moscow-oblast",
        "в Мытищах": "moscow-oblast",
    }
    got = {text: getattr(catalog.resolve(text), "code", None) for text in expected}
    assert got == expected


_OBLAST_WORDS = ("обл", "обл.", "область", "области", "oblast", "obl", "region", "регион")


def _federal_city_spellings(catalog: RegionCatalog) -> list[str]:
    return [f for r in catalog.all() if r.federal_city for f in r.forms()]


@settings(max_examples=500, deadline=None)
@given(data=st.data())
def test_nothing_that_says_oblast_is_a_city(catalog: RegionCatalog, data: st.DataObject) -> None:
    """Whatever else the text holds, "oblast" in it never lands on a federal city."""
    word = data.draw(st.sampled_from(_OBLAST_WORDS))
    name = data.draw(
        st.one_of(st.sampled_from(_federal_city_spellings(catalog)), st.text(max_size=30))
    )
    before = data.draw(st.sampled_from(["", "в ", "под ", "in ", "г. "]))
    text = data.draw(st.sampled_from([f"{before}{name} {word}", f"{word} {name}"]))
    found = catalog.resolve(text)
    assert found is None or not found.federal_city, (text, found.code)


def test_the_city_spellings_themselves_still_mean_the_city(catalog: RegionCatalog) -> None:
    for region in catalog.all():
        if region.federal_city:
            assert catalog.resolve(region.name_ru) == region


@pytest.mark.parametrize(
    "text",
    [
        "город федерального значения Севастополь области",  # found by the property test
        "Севастополь область",
        "Зеленоград, Москва, область",
        "под Севастополем",
        "Saint Petersburg region",
    ],
)
def test_oblast_in_a_longer_text_is_never_a_city(catalog: RegionCatalog, text: str) -> None:
    found = catalog.resolve(text)
    assert found is None or not found.federal_city, text
