"""Times as people read them: the region's zone, labelled, and the hours reports were sent."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from bot.services.alert_text import AlertText
from bot.services.local_time import (
    MOSCOW,
    from_hour,
    from_minute,
    local_time,
    offset_text,
    zone,
    zone_key,
    zone_of,
)
from bot.services.report_window import reported_span
from bot.storage import migrations
from bot.storage.alerts import Alert, AlertRepository
from bot.storage.db import Database
from tests.support.parsed_content import parsed_regions, parsed_translator

TRANSLATOR = parsed_translator(REPO_ROOT / "content" / "locales")
REGIONS = parsed_regions(REPO_ROOT / "content" / "regions.toml")
NOON = dt.datetime(2026, 12, 6, 3, 30, tzinfo=dt.UTC)


def say(lang: str) -> functools.partial[str]:
    return functools.partial(TRANSLATOR, lang)


def test_a_time_is_shown_in_the_regions_zone_with_its_label() -> None:
    yakutsk = zone_of(REGIONS, "sakha")
    assert local_time(say("ru"), yakutsk, NOON, day=None) == "12:30 по Якутску, UTC+9"
    assert local_time(say("en"), yakutsk, NOON, day=None) == "12:30 Yakutsk time, UTC+9"
    kaliningrad = zone_of(REGIONS, "kaliningrad")
    assert local_time(say("ru"), kaliningrad, NOON) == "06.12, 05:30 по Калининграду, UTC+2"


def test_a_span_and_a_date() -> None:
    moscow = zone_of(REGIONS, "moscow")
    end = NOON + dt.timedelta(minutes=45)
    assert local_time(say("en"), moscow, NOON, end) == "06.12, 06:30–07:15 Moscow time, UTC+3"
    late = dt.datetime(2026, 12, 31, 22, 10, tzinfo=dt.UTC)
    text = local_time(say("ru"), moscow, late, day="%d.%m.%Y")
    assert text == "01.01.2027, 01:10 по Москве, UTC+3"  # the local date, not UTC's


def test_unknown_region_and_unnamed_zone() -> None:
    assert zone_of(REGIONS, "*").key == MOSCOW  # announcements
    assert zone_of(REGIONS, "gone-region").key == MOSCOW
    kolkata = zone("Asia/Kolkata")
    assert local_time(say("en"), kolkata, NOON, day=None) == "09:00 UTC+5:30"
    assert offset_text(NOON.astimezone(zone("America/Sao_Paulo"))) == "-3"


def test_every_zone_of_the_regions_has_a_name_in_both_languages_and_no_more() -> None:
    used = {zone_key(zone(region.zone)) for region in REGIONS.all()}
    for lang in ("ru", "en"):
        path = REPO_ROOT / "content" / "locales" / lang / "times.ftl"
        named = set(re.findall(r"(?m)^(zone-[a-z0-9-]+) =", path.read_text(encoding="utf-8")))
        assert named == used, lang
        for key in used:
            assert TRANSLATOR(lang, key).strip(), (lang, key)


def test_stored_times_parse_as_utc() -> None:
    assert from_minute("2026-12-06T07:30Z") == dt.datetime(2026, 12, 6, 7, 30, tzinfo=dt.UTC)
    assert from_hour("2026-12-06T07") == dt.datetime(2026, 12, 6, 7, tzinfo=dt.UTC)
    assert from_minute("junk") is None and from_hour(None) is None


def utc(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, 6, hour, minute, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("first", "last", "drafted", "expected"),
    [
        # Reports in the 21:00 hour, drafted at 21:45: not "21:00–23:00", a window in the future.
        ("2026-12-06T21", "2026-12-06T21", "2026-12-06T21:45Z", (utc(21), utc(21, 45))),
        ("2026-12-06T20", "2026-12-06T21", "2026-12-06T23:10Z", (utc(20), utc(22))),
        # Drafted in the first minute: every report came then.
        ("2026-12-06T21", "2026-12-06T21", "2026-12-06T21:00Z", (utc(21), None)),
    ],
)
def test_the_alert_says_when_its_reports_were_sent(
    first: str, last: str, drafted: str, expected: tuple[dt.datetime, dt.datetime | None]
) -> None:
    assert reported_span("moscow|2026-12-06T20", first, last, drafted) == expected


def test_an_alert_from_before_uses_its_window_cut_at_the_draft() -> None:
    span = reported_span("moscow|2026-12-06T20", None, None, "2026-12-06T20:40Z")
    assert span == (utc(20), utc(20, 40))
    assert reported_span("moscow|2026-12-06T20", None, None, "2026-12-07T09:00Z") == (
        utc(20),
        utc(22),
    )
    assert reported_span(None, None, None, "2026-12-06T20:40Z") is None


async def test_an_alert_stored_before_the_upgrade_reads_and_renders(tmp_path: Path) -> None:
    """Migration 0007 adds the report hours; an alert drafted before has none and shows its
    group's window, cut at the moment it was drafted."""
    db = await Database.open(tmp_path / "helpline.sqlite3")
    try:
        found = migrations.discover()
        await migrations.apply(db, found[:6])
        old = [f.name for f in dataclasses.fields(Alert)][:-2]
        values = {
            "id": "a1b2c3d4", "kind": "alert", "region": "sakha", "area": "", "place_type": "metro",
            "time_window": "now", "certainty": "single", "advice": "avoid", "text_ru": "т",
            "text_en": "t", "text_hash": b"h", "state": "draft",
            "group_key": "sakha|2026-12-06T12", "created_at": "2026-12-06T12:40Z",
        }  # fmt: skip
        async with db.transaction() as tx:
            names, marks = ", ".join(values), ", ".join("?" * len(values))
            await tx.execute(
                f"INSERT INTO alerts ({names}) VALUES ({marks})", list(values.values())
            )
        assert set(values) <= set(old)
        await migrations.apply(db)
        alert = await AlertRepository(db).get("a1b2c3d4")
        assert alert is not None and alert.reported_first is None and alert.reported_last is None
        text = AlertText(TRANSLATOR, REGIONS).render(alert, "en")
        assert "Reports sent: 06.12, 21:00–21:40 Yakutsk time, UTC+9" in text
    finally:
        await db.close()
