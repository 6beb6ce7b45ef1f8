"""All of Russia typed where one region is asked for (the #16 new-user pass)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.regions import says_all_of_russia
from tests.support.parsed_content import parsed_regions

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "text", ["вся Россия", "Россия", "по всей России!", "везде", "Вся РФ", "Russia", "everywhere"]
)
def test_all_of_russia_is_recognised_and_is_no_region(text: str) -> None:
    catalog = parsed_regions(ROOT / "content" / "regions.toml")
    assert says_all_of_russia(text)
    assert catalog.resolve(text) is None


@pytest.mark.parametrize("text", ["Москва", "Ростов", "в России и Москве", "Русь", ""])
def test_a_region_or_anything_else_is_not_all_of_russia(text: str) -> None:
    assert not says_all_of_russia(text)
