"""Nothing on disk links a reporter: tags in memory only, the tag column dropped from old
databases, coarse locations, one sealed size, the clear columns bound, retention by decision.
Real SQLite files and real keys throughout."""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.checks import CheckReport, _check_report_lifetimes
from bot.config import REPO_ROOT, Settings
from bot.crypto.keyring import PublicKeyring, UnlockedKeyring, init_keyring
from bot.crypto.sealing import pad, seal
from bot.services.location import CELL_DEGREES, coarse_location
from bot.services.report_window import ReportWindow
from bot.services.reporters import DAY_SECONDS, ReporterMemory
from bot.services.reports import (
    LEGACY_SCHEMA,
    PHOTO_ID_LIMIT,
    REPORT_PADDED_SIZE,
    TEXT_LIMIT,
    PlaceType,
    ReportDraft,
    ReportService,
    Submitted,
    TimeBucket,
    TooLong,
)
from bot.services.review import ReviewQueue, moved_from, open_report
from bot.services.review_keys import ReviewKeys
from bot.services.team import Moderator
from bot.storage import migrations
from bot.storage.db import Database
from bot.storage.reports import ReportGroups, ReportRepository
from tests.support.clock import ManualClock
from tests.support.keys import PASSPHRASE_BYTES as PASSPHRASE
from tests.support.parsed_content import parsed_regions

Keys = tuple[PublicKeyring, UnlockedKeyring]
ANNA, BORIS = 5_123_456_789, 5_223_456_789
MODERATOR = Moderator(ref=b"r" * 32, alias="anna", chat_id=5_900_000_001, is_admin=False)
EARTH_RADIUS_M = 6_371_000


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    directory = tmp_path_factory.mktemp("keys") / "keys"
    public = init_keyring(directory, PASSPHRASE, dt.date(2026, 11, 25))
    return public, UnlockedKeyring.unlock(directory, PASSPHRASE)


def draft(text: str = "two vans at exit 3", region: str = "moscow") -> ReportDraft:
    return ReportDraft(region, "metro", "now", text, None, None)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


# --- the reporter map, in memory only -------------------------------------------------------------


def test_the_memory_counts_people_and_says_when_it_does_not_know() -> None:
    memory = ReporterMemory(clock=ManualClock(0.0))
    memory.remember("a1", b"anna", 0)
    memory.remember("a2", b"anna", 0)
    memory.remember("b1", b"boris", 0)
    assert memory.count(["a1", "a2", "b1"]) == 2
    assert memory.count(["a1", "a2"]) == 1
    assert memory.count([]) == 0
    assert memory.count(["a1", "sent-before-a-restart"]) is None


def test_the_memory_forgets_after_the_next_day_and_at_its_cap() -> None:
    clock = ManualClock(0.0)
    memory = ReporterMemory(max_entries=3, clock=clock)
    memory.remember("day0", b"t", 0)
    clock.now = DAY_SECONDS + 5  # the next day: still known
    memory.remember("day1", b"t", 1)
    assert memory.count(["day0"]) == 1
    clock.now = 2 * DAY_SECONDS + 5  # two days on: day 0's tag is gone
    assert memory.count(["day0"]) is None and memory.count(["day1"]) == 1
    for n in range(4):
        memory.remember(f"late{n}", b"t", 2)
    assert len(memory) == 3  # the cap: the oldest went first
    assert memory.count(["day1"]) is None and memory.count(["late3"]) == 1


async def test_the_database_holds_no_tag_and_a_restart_forgets_who_sent_what(
    db: Database, keys: Keys
) -> None:
    clock = ManualClock()
    memory = ReporterMemory(clock=clock)
    service = ReportService(db, keys[0], per_hour=5, clock=clock, reporters=memory)
    for user in (ANNA, ANNA, BORIS):
        assert isinstance(await service.submit(draft(), user), Submitted)
    review = ReviewQueue(db, ReviewKeys(keys[1]), clock=clock, reporters=memory)
    [group] = await review.groups()
    assert (group.reports, group.reporters) == (3, 2)
    with sqlite3.connect(db.path) as raw:
        columns = [row[1] for row in raw.execute("PRAGMA table_info(reports)")]
    assert "reporter_tag" not in columns
    # The per-person limits still hold, from memory (REPORTS_PER_GROUP_PER_PERSON is 3).
    assert isinstance(await service.submit(draft(), ANNA), Submitted)
    assert not isinstance(await service.submit(draft(), ANNA), Submitted)

    # A restart: a new process has an empty memory. The group's count is unknown...
    restarted = ReviewQueue(db, ReviewKeys(keys[1]), clock=clock, reporters=ReporterMemory())
    [group] = await restarted.groups()
    assert (group.reports, group.reporters) == (4, None)
    # ...and counting starts again for reports that come now (a new window here).
    clock.now += 2 * 3600
    memory_after = ReporterMemory(clock=clock)
    after = ReportService(db, keys[0], per_hour=5, clock=clock, reporters=memory_after)
    await after.submit(draft(), BORIS)
    queue = ReviewQueue(db, ReviewKeys(keys[1]), clock=clock, reporters=memory_after)
    counts = {str(g.window): g.reporters for g in await queue.groups()}
    assert sorted(counts.values(), key=str) == [1, None]


# --- the tag column goes from an existing database ------------------------------------------------


async def test_migration_drops_the_tags_and_leaves_no_byte_of_them(
    tmp_path: Path, keys: Keys
) -> None:
    data = tmp_path / "data"
    db = await Database.open(data / "helpline.sqlite3")
    found = migrations.discover()
    await migrations.apply(db, found[:3])  # a database as the previous release left it
    tags = [bytes([n]) * 4 + b"TAG-MARKER-" + bytes([n]) for n in range(40)]
    legacy = seal(
        keys[0].current_review_key,
        {"text": "старое", "photo_file_id": None, "location": None, "reported_at": "x"},
        purpose="report",
        record_id="legacy",
        schema=LEGACY_SCHEMA,
    )
    async with db.transaction() as tx:
        for n, tag in enumerate(tags):
            await tx.execute(
                "INSERT INTO reports (id, created_hour, region, place_type, time_bucket, key_id,"
                " reporter_tag, sealed) VALUES (?, '2026-11-25T12', 'moscow', 'metro', 'now',"
                " ?, ?, ?)",
                (
                    "legacy" if n == 0 else f"old-{n}",
                    keys[0].current_review_key.key_id,
                    tag,
                    legacy,
                ),
            )
    await db.checkpoint()
    before = b"".join(p.read_bytes() for p in data.iterdir() if p.is_file())
    assert all(tag in before for tag in tags)  # the control: the scan sees them while they exist

    assert [m.version for m in await migrations.apply(db, found)] == list(range(4, len(found) + 1))
    for path in data.iterdir():
        if path.is_file():
            content = path.read_bytes()
            assert not [t for t in tags if t in content], path.name
    # The rows themselves stay, and the one sealed before the binding opens with the old one.
    rows = await ReportRepository(db).all()
    assert len(rows) == 40 and {r.seal_version for r in rows} == {LEGACY_SCHEMA}
    row = next(r for r in rows if r.id == "legacy")
    payload = open_report(keys[1], row)
    assert payload["text"] == "старое" and moved_from(row, payload) is None
    await db.close()


# --- coarse location ------------------------------------------------------------------------------


@given(
    st.floats(min_value=-90, max_value=90, allow_nan=False),
    st.floats(min_value=-180, max_value=180, allow_nan=False),
)
def test_a_location_moves_at_most_400_m_and_stays_in_its_cell(lat: float, lon: float) -> None:
    cell = coarse_location(lat, lon)
    assert distance_m((lat, lon), cell) <= 400
    assert coarse_location(*cell) == cell  # a cell's centre is its own cell
    assert -90 <= cell[0] <= 90 and -180 <= cell[1] < 180


def test_nearby_points_share_a_cell_and_cells_are_about_500_m() -> None:
    centre = coarse_location(55.7558, 37.6173)  # Moscow
    for d_lat, d_lon in ((0.001, 0.001), (-0.002, 0.003), (0.0, -0.004)):
        assert coarse_location(centre[0] + d_lat, centre[1] + d_lon) == centre
    north = coarse_location(centre[0] + CELL_DEGREES, centre[1])
    east = coarse_location(centre[0], centre[1] + 2 * CELL_DEGREES)
    assert 450 < distance_m(centre, north) < 600
    assert 450 < distance_m(centre, east) < 600
    assert centre != (55.7558, 37.6173)  # the exact point is not kept


def test_poles_and_the_antimeridian() -> None:
    assert coarse_location(90.0, 123.4) == (90.0, 0.0)
    assert coarse_location(-89.9999, -45.0) == (-90.0, 0.0)
    east, west = coarse_location(64.0, 179.9999), coarse_location(64.0, -179.9999)
    assert east == west  # one cell across the date line
    assert distance_m((64.0, 179.9999), east) < 400
    for bad in ((math.nan, 0.0), (91.0, 0.0), (0.0, math.inf)):
        with pytest.raises(ValueError):
            coarse_location(*bad)


async def test_the_sealed_location_is_the_cell(db: Database, keys: Keys) -> None:
    service = ReportService(db, keys[0], per_hour=5, clock=ManualClock())
    exact = (59.934280, 30.335099)
    await service.submit(replace(draft(), location=exact), ANNA)
    [row] = await ReportRepository(db).all()
    sealed = open_report(keys[1], row)["location"]
    assert sealed == list(coarse_location(*exact)) and sealed != list(exact)


# --- one size -------------------------------------------------------------------------------------


def longest_region() -> str:
    catalog = parsed_regions(REPO_ROOT / "content" / "regions.toml")
    return max((r.code for r in catalog.all()), key=len)


async def test_every_report_seals_to_one_size(db: Database, keys: Keys) -> None:
    service = ReportService(db, keys[0], per_hour=5, clock=ManualClock())
    smallest = ReportDraft("spb", "club", "now", "x", None, None)
    largest = ReportDraft(
        longest_region(),
        max(PlaceType, key=len).value,
        max(TimeBucket, key=len).value,
        "😀" * TEXT_LIMIT,  # 4 bytes each: the most UTF-8 makes of a character (JSON: 2)
        "A" * PHOTO_ID_LIMIT,
        (-89.99999, -179.99999),
    )
    assert isinstance(await service.submit(smallest, ANNA), Submitted)
    assert isinstance(await service.submit(largest, BORIS), Submitted)
    sizes = {len(r.sealed) for r in await ReportRepository(db).all()}
    assert sizes == {32 + REPORT_PADDED_SIZE + 16}
    # The old 256-byte buckets would have told these two apart.
    assert len(pad(b"x" * 100)) != len(pad(("😀" * TEXT_LIMIT).encode()))


async def test_a_report_that_does_not_fit_is_refused_and_costs_nothing(
    db: Database, keys: Keys
) -> None:
    service = ReportService(db, keys[0], per_hour=1, clock=ManualClock())
    strange = replace(draft(), photo_file_id="A" * (REPORT_PADDED_SIZE + 1))
    assert isinstance(await service.submit(strange, ANNA), TooLong)
    assert await ReportRepository(db).count() == 0
    assert isinstance(await service.submit(draft(), ANNA), Submitted)  # the hour is not used up


# --- bound clear columns --------------------------------------------------------------------------


async def test_a_row_moved_to_another_group_is_flagged_when_read(db: Database, keys: Keys) -> None:
    clock = ManualClock()
    service = ReportService(db, keys[0], per_hour=5, clock=clock)
    await service.submit(draft("genuine"), ANNA)
    await service.submit(draft("moved"), BORIS)
    moved = (await ReportRepository(db).all())[0]  # either one: the other stays put
    with sqlite3.connect(db.path) as raw:
        raw.execute(
            "UPDATE reports SET region = 'spb', created_hour = '2026-11-25T10' WHERE id = ?",
            (moved.id,),
        )
    review = ReviewQueue(db, ReviewKeys(keys[1]), clock=clock)
    spb = await review.open_group(MODERATOR, "spb", ReportWindow.parse("2026-11-25T10"))
    [shown] = spb.reports
    assert shown.moved_from == {
        "region": "moscow",
        "place_type": "metro",
        "time_bucket": "now",
        "created_hour": "2026-11-25T12",
    }
    moscow = await review.open_group(MODERATOR, "moscow", ReportWindow.parse("2026-11-25T12"))
    assert [r.moved_from for r in moscow.reports] == [None]


# --- retention by decision ------------------------------------------------------------------------


def test_the_decided_retention_setting_has_a_floor_and_check_names_a_useless_one() -> None:
    assert Settings().report_decided_retention_days == 3
    with pytest.raises(ValueError):
        Settings(report_decided_retention_days=0)
    for decided, warned in ((3, False), (20, True)):
        report = CheckReport()
        _check_report_lifetimes(Settings(report_decided_retention_days=decided), report)
        assert bool(report.warnings) is warned
    assert "REPORT_DECIDED_RETENTION_DAYS=20 is longer than" in report.warnings[0]


async def test_a_decided_report_goes_days_after_the_decision(db: Database, keys: Keys) -> None:
    clock = ManualClock()
    service = ReportService(db, keys[0], per_hour=50, per_group_per_person=50, clock=clock)
    for n in range(3):
        await service.submit(draft(f"r{n}", region=("moscow", "spb", "tatarstan")[n]), ANNA)
    rows = {r.region: r for r in await ReportRepository(db).all()}
    groups = ReportGroups(db)
    assert await groups.reject_one(rows["moscow"].id, "2026-11-25T12")
    assert await groups.decide("spb", "2026-11-25T12", "reviewed", "2026-11-25T12") == 1
    with sqlite3.connect(db.path) as raw:
        decided = dict(raw.execute("SELECT region, decided_hour FROM reports"))
    assert decided == {"moscow": "2026-11-25T12", "spb": "2026-11-25T12", "tatarstan": None}

    clock.now += 2 * DAY_SECONDS  # two days after the decision: kept
    assert await service.purge(retention_days=14, decided_days=3) == 0
    clock.now += DAY_SECONDS + 3600  # three days and an hour: the decided go, the waiting stays
    assert await service.purge(retention_days=14, decided_days=3) == 2
    assert [r.region for r in await ReportRepository(db).all()] == ["tatarstan"]
    clock.now += 11 * DAY_SECONDS  # the hard cap still holds for what nobody decided
    assert await service.purge(retention_days=14, decided_days=3) == 1
