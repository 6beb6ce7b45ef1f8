"""The region catalogue (content/regions.toml) and the free-text matcher."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import zoneinfo
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.regions import Region, RegionCatalog, RegionError, RegionMatch
from bot.content.textnorm import normalize
from tests.support.parsed_content import parsed_regions

REGIONS_FILE = Path(__file__).resolve().parents[2] / "content" / "regions.toml"


@pytest.fixture(scope="module")
def catalog() -> RegionCatalog:
    return parsed_regions(REGIONS_FILE)


# --- the data file ------------------------------------------------------------------------------


def test_all_89_subjects(catalog: RegionCatalog) -> None:
    regions = catalog.all()
    assert len(regions) == 89
    codes = [r.code for r in regions]
    assert len(set(codes)) == 89
    assert all(re.fullmatch(r"[a-z0-9-]{1,24}", c) for c in codes)


@pytest.mark.parametrize(
    "code",
    [
        "moscow",
        "moscow-oblast",
        "spb",
        "leningrad-oblast",
        "sevastopol",
        "crimea",
        "donetsk",
        "luhansk",
        "zaporizhzhia",
        "kherson",
        "khanty-mansi",
        "yamalo-nenets",
        "nenets",
        "chukotka",
        "jewish-ao",
        "altai-krai",
        "altai-republic",
    ],
)
def test_subjects_that_are_easy_to_forget_are_there(catalog: RegionCatalog, code: str) -> None:
    region = catalog.get(code)
    assert region is not None
    assert region.code == code


def test_every_region_has_names_and_a_city(catalog: RegionCatalog) -> None:
    for region in catalog.all():
        assert region.name_ru and region.name_en and region.official_ru and region.official_en
        assert region.cities or region.code in {"moscow", "spb", "sevastopol"}, region.code


def test_every_spelling_in_the_file_resolves_to_its_own_region(catalog: RegionCatalog) -> None:
    for region in catalog.all():
        for form in region.forms():
            found = catalog.resolve(form)
            assert found is not None, (region.code, form)
            assert found.code == region.code, (region.code, form, found.code)


# --- lookups ------------------------------------------------------------------------------------


def test_get_and_all(catalog: RegionCatalog) -> None:
    assert catalog.get("nope") is None
    assert catalog.all()[0].code == "moscow"  # file order
    first = catalog.all()
    first.clear()  # a copy: callers cannot damage the catalogue
    assert len(catalog.all()) == 89


def test_sorted_by_display_name(catalog: RegionCatalog) -> None:
    ru = catalog.sorted("ru")
    en = catalog.sorted("en")
    assert len(ru) == len(en) == 89
    ru_keys = [normalize(r.name_ru) for r in ru]
    en_keys = [normalize(r.name_en) for r in en]
    assert ru_keys == sorted(ru_keys)
    assert en_keys == sorted(en_keys)
    assert ru[0].name_ru == "Адыгея"
    assert en[0].name_en == "Adygea"


def test_region_name_by_language(catalog: RegionCatalog) -> None:
    spb = catalog.get("spb")
    assert spb is not None
    assert spb.name("ru") == "Санкт-Петербург"
    assert spb.name("en") == "St Petersburg"
    assert spb.name("ru-RU") == "Санкт-Петербург"


def test_region_is_immutable(catalog: RegionCatalog) -> None:
    region = catalog.all()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        region.code = "x"  # type: ignore[misc]
    assert isinstance(region.aliases, tuple) and isinstance(region.cities, tuple)


# --- resolve ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("мск", "moscow"),
        ("Москва", "moscow"),
        ("moskva", "moscow"),
        ("Подмосковье", "moscow-oblast"),
        ("МО", "moscow-oblast"),
        ("Московская область", "moscow-oblast"),
        ("Химки", "moscow-oblast"),
        ("Балашиха", "moscow-oblast"),
        ("Питер", "spb"),
        ("СПб", "spb"),
        ("спб", "spb"),
        ("Санкт-Петербург", "spb"),
        ("Petersburg", "spb"),
        ("piter", "spb"),
        ("Ленобласть", "leningrad-oblast"),
        ("ЛО", "leningrad-oblast"),
        ("Гатчина", "leningrad-oblast"),
        ("Башкирия", "bashkortostan"),
        ("Башкортостан", "bashkortostan"),
        ("Уфа", "bashkortostan"),
        ("РБ", "bashkortostan"),
        ("Екатеринбург", "sverdlovsk"),
        ("Екб", "sverdlovsk"),
        ("Ёбург", "sverdlovsk"),
        ("Свердловская", "sverdlovsk"),
        ("Казань", "tatarstan"),
        ("Татарстан", "tatarstan"),
        ("РТ", "tatarstan"),
        ("Крым", "crimea"),
        ("Симферополь", "crimea"),
        ("Севастополь", "sevastopol"),
        ("Новосиб", "novosibirsk"),
        ("Новосибирск", "novosibirsk"),
        ("Нижний", "nizhny-novgorod"),
        ("Нижний Новгород", "nizhny-novgorod"),
        ("НН", "nizhny-novgorod"),
        ("Новгород", "novgorod"),
        ("Великий Новгород", "novgorod"),
        ("Краснодар", "krasnodar"),
        ("Кубань", "krasnodar"),
        ("Сочи", "krasnodar"),
        ("Ростов", "rostov"),
        ("Ростов-на-Дону", "rostov"),
        ("Донецк", "donetsk"),
        ("ДНР", "donetsk"),
        ("ХМАО", "khanty-mansi"),
        ("Югра", "khanty-mansi"),
        ("Сургут", "khanty-mansi"),
        ("ЯНАО", "yamalo-nenets"),
        ("Чечня", "chechnya"),
        ("Якутия", "sakha"),
        ("Кузбасс", "kemerovo"),
        ("Кемерово", "kemerovo"),
        ("Новокузнецк", "kemerovo"),
    ],
)
def test_required_examples_resolve(catalog: RegionCatalog, text: str, code: str) -> None:
    region = catalog.resolve(text)
    assert region is not None, text
    assert region.code == code


def test_city_and_oblast_of_the_same_name_differ(catalog: RegionCatalog) -> None:
    city, oblast = catalog.resolve("Москва"), catalog.resolve("Московская область")
    assert city is not None and oblast is not None
    assert (city.code, oblast.code) == ("moscow", "moscow-oblast")
    spb, lo = catalog.resolve("Санкт-Петербург"), catalog.resolve("Ленинградская область")
    assert spb is not None and lo is not None
    assert (spb.code, lo.code) == ("spb", "leningrad-oblast")
    sev, crimea = catalog.resolve("Севастополь"), catalog.resolve("Республика Крым")
    assert sev is not None and crimea is not None
    assert (sev.code, crimea.code) == ("sevastopol", "crimea")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Екатеренбург", "sverdlovsk"),
        ("Новосибирк", "novosibirsk"),
        ("Башкирея", "bashkortostan"),
        ("Леннинград", "spb"),
        ("Тосмк", "tomsk"),
        ("Краснодр", "krasnodar"),
    ],
)
def test_typos_ask_with_the_right_region_first(
    catalog: RegionCatalog, text: str, code: str
) -> None:
    """A typo is a guess: the bot asks (one tap) instead of going on with it."""
    assert catalog.resolve(text) is None, text
    best = catalog.match(text)[0]
    assert not best.exact and best.region.code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Moskva", "moscow"),
        ("Sankt-Peterburg", "spb"),
        ("Kazan", "tatarstan"),
        ("Kazan'", "tatarstan"),
        ("Yekaterinburg", "sverdlovsk"),
        ("Nizhny Novgorod", "nizhny-novgorod"),
        ("Tyumen", "tyumen"),
        ("Ufa", "bashkortostan"),
        ("novokuznetsk", "kemerovo"),
        ("vcr", "moscow"),  # "мск" typed with the English layout on
        ("gbnth", "spb"),  # "питер"
        ("Vjcrdf", "moscow"),  # "Москва"
        ("rfpfym", "tatarstan"),  # "казань"
    ],
)
def test_latin_and_wrong_layout_resolve(catalog: RegionCatalog, text: str, code: str) -> None:
    region = catalog.resolve(text)
    assert region is not None, text
    assert region.code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("г. Химки", "moscow-oblast"),
        ("Свердловская обл.", "sverdlovsk"),
        ("Республика Саха (Якутия)", "sakha"),
        ("Ханты-Мансийский автономный округ — Югра", "khanty-mansi"),
        ("Хабаровск край", "khabarovsk"),
        ("Химки, Московская обл", "moscow-oblast"),
        ("Sverdlovsk oblast", "sverdlovsk"),
        ("Алтай край", "altai-krai"),
    ],
)
def test_generic_words_and_longer_text(catalog: RegionCatalog, text: str, code: str) -> None:
    region = catalog.resolve(text)
    assert region is not None, text
    assert region.code == code


@pytest.mark.parametrize("text", ["asdkjh", "", "   ", "🙂🔥", "!!!", "Россия", "qqqqqq", "12345"])
def test_gibberish_resolves_to_nothing(catalog: RegionCatalog, text: str) -> None:
    assert catalog.resolve(text) is None


@pytest.mark.parametrize("text", ["", "   ", "🙂🔥", "?!"])
def test_empty_input_has_no_candidates(catalog: RegionCatalog, text: str) -> None:
    assert catalog.match(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ново", {"novosibirsk", "krasnodar"}),
        ("Крас", {"krasnodar", "krasnoyarsk"}),
        ("Ниж", {"nizhny-novgorod", "sverdlovsk"}),
        ("Алтай", {"altai-krai", "altai-republic"}),
        ("Москва Химки", {"moscow", "moscow-oblast"}),
    ],
)
def test_ambiguous_input_gives_candidates_but_no_answer(
    catalog: RegionCatalog, text: str, expected: set[str]
) -> None:
    assert catalog.resolve(text) is None
    found = catalog.match(text, limit=10)
    assert len(found) >= 2
    assert expected <= {m.region.code for m in found}


def test_shared_prefix_ranks_the_likelier_region_first(catalog: RegionCatalog) -> None:
    assert catalog.match("Ново")[0].region.code == "novosibirsk"


def test_match_shape(catalog: RegionCatalog) -> None:
    found = catalog.match("Ново", limit=3)
    assert len(found) == 3
    assert all(isinstance(m, RegionMatch) for m in found)
    scores = [m.score for m in found]
    assert scores == sorted(scores, reverse=True)
    assert len({m.region.code for m in found}) == len(found)
    assert catalog.match("Ново", limit=0) == []
    exact = catalog.match("Казань")[0]
    assert exact.exact and exact.score == 1.0 and exact.region.code == "tatarstan"


def test_exact_match_beats_near_names(catalog: RegionCatalog) -> None:
    found = catalog.match("Омск")
    assert found[0].region.code == "omsk" and found[0].exact
    assert all(not m.exact for m in found[1:])


def test_matching_logs_nothing(catalog: RegionCatalog, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        catalog.resolve("Химки")
        catalog.match("asdkjh")
    assert caplog.records == []


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60))
def test_arbitrary_text_never_raises(catalog: RegionCatalog, text: str) -> None:
    found = catalog.match(text)
    assert len(found) <= 5
    assert all(0 < m.score <= 1 for m in found)
    region = catalog.resolve(text)
    assert region is None or catalog.get(region.code) is region


def _spellings(catalog: RegionCatalog) -> list[str]:
    return [form for region in catalog.all() for form in region.forms()]


def test_the_exact_shortcut_agrees_with_the_full_ranking(catalog: RegionCatalog) -> None:
    """resolve() answers an exact key without ranking; the ranking must agree every time."""
    for form in _spellings(catalog):
        for text in (form, form.upper(), f"  {form}!", f"{form}, пожалуйста", form[:-1]):
            assert catalog.resolve(text) == catalog._resolve_ranked(text), text


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_resolve_is_the_full_ranking_for_any_text(
    catalog: RegionCatalog, data: st.DataObject
) -> None:
    text = data.draw(
        st.one_of(
            st.text(max_size=40),
            st.builds(
                lambda form, before, after: before + form + after,
                st.sampled_from(_spellings(catalog)),
                st.sampled_from(["", " ", "г. ", "«", "1 "]),
                st.sampled_from(["", ".", " обл", "»", " край", "!!"]),
            ),
        )
    )
    assert catalog.resolve(text) == catalog._resolve_ranked(text)


# --- broken data files --------------------------------------------------------------------------

GOOD = """
[[region]]
code = "moscow"
name_ru = "Москва"
name_en = "Moscow"
official_ru = "город федерального значения Москва"
official_en = "City of Moscow"
zone = "Europe/Moscow"
aliases = ["мск"]
cities = []

[[region]]
code = "tver"
name_ru = "Тверская область"
name_en = "Tver region"
official_ru = "Тверская область"
official_en = "Tver Oblast"
zone = "Europe/Moscow"
aliases = ["Тверщина"]
cities = ["Тверь"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "regions.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_small_valid_file(tmp_path: Path) -> None:
    cat = RegionCatalog.load(write(tmp_path, GOOD))
    assert [r.code for r in cat.all()] == ["moscow", "tver"]
    region = cat.resolve("Тверь")
    assert region is not None and region.code == "tver"
    assert region == Region(
        code="tver",
        name_ru="Тверская область",
        name_en="Tver region",
        official_ru="Тверская область",
        official_en="Tver Oblast",
        aliases=("Тверщина",),
        cities=("Тверь",),
    )


def test_a_federal_city_names_its_oblast(tmp_path: Path) -> None:
    text = GOOD.replace("cities = []", 'cities = []\nfederal_city = true\noblast = "tver"')
    cat = RegionCatalog.load(write(tmp_path, text))
    city = cat.get("moscow")
    assert city is not None and city.federal_city and city.oblast == "tver"
    assert cat.resolve("Москва") == city
    assert cat.resolve("Москва обл") == cat.get("tver")
    assert cat.resolve("под Москвой") == cat.get("tver")


def test_aliases_and_cities_may_be_omitted(tmp_path: Path) -> None:
    text = GOOD.replace('aliases = ["Тверщина"]\n', "").replace('cities = ["Тверь"]\n', "")
    cat = RegionCatalog.load(write(tmp_path, text))
    tver = cat.get("tver")
    assert tver is not None and tver.aliases == () and tver.cities == ()


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        (GOOD.replace('code = "tver"', 'code = "moscow"'), "duplicate region code 'moscow'"),
        (GOOD.replace('"Тверщина"', '"Тверщина", "МСК"'), "shared by regions 'moscow' and 'tver'"),
        (GOOD.replace('cities = ["Тверь"]', 'cities = ["Тверь", "Москва!"]'), "shared"),
        (GOOD.replace('name_en = "Tver region"\n', ""), "missing required field 'name_en'"),
        (GOOD.replace('code = "tver"', 'code = "Tver"'), "code must match"),
        (GOOD.replace('code = "tver"', 'code = "tver-oblast-with-a-long-code"'), "code must match"),
        (GOOD.replace('code = "tver"', "code = 7"), "'code' must be a non-empty string"),
        (GOOD.replace('name_ru = "Москва"', 'name_ru = ""'), "'name_ru' must be a non-empty"),
        (GOOD.replace('aliases = ["мск"]', 'aliases = "мск"'), "'aliases' must be a list"),
        (GOOD.replace('aliases = ["мск"]', 'aliases = ["мск", 5]'), "'aliases' must be a list"),
        (GOOD.replace('aliases = ["мск"]', 'aliases = ["мск", "!!"]'), "no letters or digits"),
        (GOOD.replace('aliases = ["мск"]', 'alias = ["мск"]'), "unknown field(s): alias"),
        (GOOD.replace("cities = []", 'cities = []\nfederal_city = "yes"'), "true or false"),
        (GOOD.replace("cities = []", 'cities = []\noblast = "tver"'), "on a federal city only"),
        (
            GOOD.replace("cities = []", 'cities = []\nfederal_city = true\noblast = "tula"'),
            "oblast 'tula' must be the code of a region",
        ),
        (GOOD.replace("[[region]]", "[[regions]]"), "no [[region]] entries"),
        ("", "no [[region]] entries"),
        ("[[region]\ncode = 1", "invalid TOML"),
    ],
)
def test_broken_file_is_rejected_with_a_reason(tmp_path: Path, broken: str, problem: str) -> None:
    path = write(tmp_path, broken)
    with pytest.raises(RegionError) as info:
        RegionCatalog.load(path)
    message = str(info.value)
    assert str(path) in message
    assert problem in message


def test_missing_file_is_a_region_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(RegionError, match="cannot read"):
        RegionCatalog.load(path)


def test_region_error_is_a_value_error() -> None:
    assert issubclass(RegionError, ValueError)


# The capitals' zones, as zone1970.tab of the zone database describes the RU zones (Kemerovo is
# Asia/Novokuznetsk; Amur, UTC+9, is Asia/Yakutsk): a far region must not show Moscow time.
CAPITAL_ZONES = {
    "moscow": "Europe/Moscow",
    "kaliningrad": "Europe/Kaliningrad",
    "samara": "Europe/Samara",
    "sverdlovsk": "Asia/Yekaterinburg",
    "novosibirsk": "Asia/Novosibirsk",
    "kemerovo": "Asia/Novokuznetsk",
    "irkutsk": "Asia/Irkutsk",
    "sakha": "Asia/Yakutsk",
    "amur": "Asia/Yakutsk",
    "primorsky": "Asia/Vladivostok",
    "sakhalin": "Asia/Sakhalin",
    "kamchatka": "Asia/Kamchatka",
    "chukotka": "Asia/Anadyr",
    "crimea": "Europe/Simferopol",
}


def test_every_region_has_a_real_zone(catalog: RegionCatalog) -> None:
    for region in catalog.all():
        zone = zoneinfo.ZoneInfo(region.zone)
        assert "/" in region.zone, region.code
        offset = dt.datetime(2026, 1, 15, 12, tzinfo=zone).utcoffset()
        # Russia's zones run from UTC+2 (Kaliningrad) to UTC+12 (Kamchatka, Chukotka).
        assert offset is not None and dt.timedelta(hours=2) <= offset <= dt.timedelta(hours=12)
    zones = {region.code: region.zone for region in catalog.all()}
    assert {code: zones[code] for code in CAPITAL_ZONES} == CAPITAL_ZONES


@pytest.mark.parametrize("zone", ["Mars/Olympus", "UTC+9", "../etc/passwd", ""])
def test_a_region_without_a_real_zone_is_refused(tmp_path: Path, zone: str) -> None:
    tver = 'zone = "Europe/Moscow"\naliases = ["Тверщина"]'
    text = GOOD.replace(tver, tver.replace("Europe/Moscow", zone))
    with pytest.raises(RegionError, match="zone"):
        RegionCatalog.load(write(tmp_path, text))
