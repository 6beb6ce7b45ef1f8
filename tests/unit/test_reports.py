"""The report service on a real SQLite file with real keys: sealing, rate limit, retention."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.crypto.keyring import PublicKeyring, UnlockedKeyring, init_keyring
from bot.crypto.sealing import SealError, open_sealed
from bot.services.limits import LimiterFull, SlidingLimiter
from bot.services.location import coarse_location
from bot.services.reports import (
    TEXT_LIMIT,
    Busy,
    GroupFull,
    RateLimited,
    ReportDraft,
    ReportService,
    Submitted,
    clean_text,
)
from bot.services.review import open_report
from bot.storage.db import Database
from bot.storage.reports import ReportRepository
from tests.support.clock import ManualClock
from tests.support.keys import PASSPHRASE_BYTES as PASSPHRASE

USER = 5_123_456_789


Keys = tuple[PublicKeyring, UnlockedKeyring]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    directory = tmp_path_factory.mktemp("keys") / "keys"
    public = init_keyring(directory, PASSPHRASE, dt.date(2026, 11, 25))
    return public, UnlockedKeyring.unlock(directory, PASSPHRASE)


def draft(text: str = "two vans at exit 3") -> ReportDraft:
    return ReportDraft("moscow", "metro", "now", text, "AgAC-photo-id", (55.75, 37.61))


async def test_submit_seals_everything_but_the_queue_columns(db: Database, keys: Keys) -> None:
    public, unlocked = keys
    service = ReportService(db, public, per_hour=5, clock=ManualClock())
    result = await service.submit(draft("маркер-текста"), USER)
    assert isinstance(result, Submitted)
    [row] = await ReportRepository(db).all()
    queue_columns = (row.region, row.place_type, row.time_bucket, row.created_hour)
    assert queue_columns == ("moscow", "metro", "now", "2026-11-25T12")
    assert "маркер".encode() not in row.sealed
    opened = open_report(unlocked, row)
    assert opened["text"] == "маркер-текста"
    assert opened["location"] == list(coarse_location(55.75, 37.61))  # the ~500 m cell only
    assert opened["bound"] == dict(
        zip(("region", "place_type", "time_bucket", "created_hour"), queue_columns, strict=True)
    )


async def test_tampering_with_the_row_fails_loudly(db: Database, keys: Keys) -> None:
    public, unlocked = keys
    await ReportService(db, public, per_hour=5, clock=ManualClock()).submit(draft(), USER)
    [row] = await ReportRepository(db).all()
    flipped = bytearray(row.sealed)
    flipped[40] ^= 1
    with pytest.raises(SealError):
        open_sealed(
            unlocked,
            bytes(flipped),
            key_id=row.key_id,
            purpose="report",
            record_id=row.id,
            schema=2,
        )
    with pytest.raises(SealError):  # moved to another row id
        open_sealed(
            unlocked, row.sealed, key_id=row.key_id, purpose="report", record_id="other", schema=2
        )
    with pytest.raises(SealError):  # relabelled as something else
        open_sealed(
            unlocked, row.sealed, key_id=row.key_id, purpose="alert", record_id=row.id, schema=2
        )
    with pytest.raises(SealError):  # its binding version changed: the version is bound too
        open_report(unlocked, replace(row, seal_version=1))


async def test_rate_limit_per_person_per_hour(db: Database, keys: Keys) -> None:
    clock = ManualClock()
    service = ReportService(db, keys[0], per_hour=2, clock=clock)
    assert isinstance(await service.submit(draft(), USER), Submitted)
    clock.now += 600
    assert isinstance(await service.submit(draft(), USER), Submitted)
    limited = await service.submit(draft(), USER)
    assert isinstance(limited, RateLimited) and limited.wait_minutes == 50
    assert isinstance(await service.submit(draft(), USER + 1), Submitted)  # someone else
    clock.now += 3000 + 1
    assert isinstance(await service.submit(draft(), USER), Submitted)


async def test_retention_deletes_and_leaves_no_trace(db: Database, keys: Keys) -> None:
    clock = ManualClock()
    service = ReportService(db, keys[0], per_hour=100, clock=clock)
    await service.submit(draft(), USER)
    [old] = await ReportRepository(db).all()
    clock.now += 10 * 86400
    await service.submit(draft(), USER)
    clock.now += 5 * 86400  # the first is 15 days old, the second 5
    assert await service.purge(retention_days=14) == 1
    remaining = await ReportRepository(db).all()
    assert [r.id for r in remaining] != [old.id] and len(remaining) == 1
    wal = db.path.with_name(db.path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    for path in db.path.parent.iterdir():
        assert old.sealed[:64] not in path.read_bytes(), path.name


def test_a_full_limiter_refuses_newcomers_rather_than_forgetting_anyone() -> None:
    clock = ManualClock()
    limiter = SlidingLimiter(1, 3600, max_entries=10, clock=clock)
    for i in range(10):
        assert limiter.reserve(bytes([i])) == 0
    with pytest.raises(LimiterFull):
        limiter.reserve(b"new")
    assert limiter.reserve(bytes([3])) > 0  # those it knows are still limited, not forgotten
    clock.now += 3601  # once their hits expire, their entries make room
    assert limiter.reserve(b"new") == 0
    for i in range(5):  # and expired entries go a few at a time on later calls
        limiter.reserve(bytes([100 + i]))
    assert len(limiter) == 6


def test_a_released_hit_is_given_back() -> None:
    limiter = SlidingLimiter(1, 60, clock=ManualClock())
    assert limiter.reserve("k") == 0
    assert limiter.reserve("k") > 0
    limiter.release("k")
    assert limiter.reserve("k") == 0


async def test_simultaneous_sends_count_against_the_limit_before_storing(
    db: Database, keys: Keys
) -> None:
    service = ReportService(db, keys[0], per_hour=1, clock=ManualClock())
    results = await asyncio.gather(*(service.submit(draft(), USER) for _ in range(20)))
    assert sum(isinstance(r, Submitted) for r in results) == 1
    assert sum(isinstance(r, RateLimited) for r in results) == 19
    assert len(await ReportRepository(db).all()) == 1


async def test_one_reporter_cannot_bury_a_regions_group(db: Database, keys: Keys) -> None:
    clock = ManualClock()
    service = ReportService(db, keys[0], per_hour=100, clock=clock, per_group_per_person=3)
    for _ in range(3):
        assert isinstance(await service.submit(draft(), USER), Submitted)
    assert isinstance(await service.submit(draft(), USER), GroupFull)
    other_region = ReportDraft("spb", "metro", "now", "text")
    assert isinstance(await service.submit(other_region, USER), Submitted)
    assert isinstance(await service.submit(draft(), USER + 1), Submitted)  # others still can
    clock.now += 2 * 3600  # the next two-hour window is a new group
    assert isinstance(await service.submit(draft(), USER), Submitted)


async def test_the_group_limit_is_checked_without_a_hit_and_its_wait_is_the_real_one(
    db: Database, keys: Keys
) -> None:
    """The form asks before the person types the rest (nothing consumed), and the wait told is
    until the person may report about the region again: the window's end or the new group."""
    clock = ManualClock(2 * 3600 * 1000 + 1800)  # half an hour into a two-hour window
    service = ReportService(db, keys[0], per_hour=100, clock=clock, per_group_per_person=2)
    assert service.group_wait_minutes(USER, "moscow") == 0
    for _ in range(2):
        assert isinstance(await service.submit(draft(), USER), Submitted)
    for _ in range(3):  # asking consumes nothing
        assert service.group_wait_minutes(USER, "moscow") == 90  # the new group starts then
    assert service.group_wait_minutes(USER, "spb") == 0
    refused = await service.submit(draft(), USER)
    assert refused == GroupFull(wait_minutes=90)
    clock.now += 90 * 60
    assert service.group_wait_minutes(USER, "moscow") == 0


async def test_the_instance_takes_at_most_so_many_reports_an_hour(db: Database, keys: Keys) -> None:
    clock = ManualClock()
    service = ReportService(db, keys[0], per_hour=100, clock=clock, per_hour_total=5)
    results = [await service.submit(draft(), USER + i) for i in range(7)]
    assert [type(r).__name__ for r in results] == ["Submitted"] * 5 + ["Busy"] * 2
    clock.now += 3601
    assert isinstance(await service.submit(draft(), USER + 99), Submitted)


async def test_a_restart_does_not_start_the_instances_hour_again(db: Database, keys: Keys) -> None:
    clock = ManualClock()
    first = ReportService(db, keys[0], per_hour=100, clock=clock, per_hour_total=5)
    for i in range(3):
        assert isinstance(await first.submit(draft(), USER + i), Submitted)
    clock.now += 1800
    restarted = ReportService(db, keys[0], per_hour=100, clock=clock, per_hour_total=5)
    assert await restarted.resume_total() == 3
    results = [await restarted.submit(draft(), USER + 10 + i) for i in range(3)]
    assert [type(r).__name__ for r in results] == ["Submitted", "Submitted", "Busy"]


async def test_too_many_people_at_once_is_busy_not_forgotten(db: Database, keys: Keys) -> None:
    service = ReportService(db, keys[0], per_hour=1, clock=ManualClock(), max_entries=3)
    for i in range(3):
        assert isinstance(await service.submit(draft(), USER + i), Submitted)
    assert isinstance(await service.submit(draft(), USER + 10), Busy)
    assert isinstance(await service.submit(draft(), USER), RateLimited)


async def test_a_report_that_fails_to_store_gives_its_limits_back(
    db: Database, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = ReportService(db, keys[0], per_hour=1, clock=ManualClock())

    async def broken(report: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(ReportRepository, "add", lambda self, report: broken(report))
    with pytest.raises(RuntimeError):
        await service.submit(draft(), USER)
    monkeypatch.undo()
    assert isinstance(await service.submit(draft(), USER), Submitted)


@given(st.text(max_size=3000))
def test_clean_text_is_bounded_printable_and_stable(text: str) -> None:
    cleaned = clean_text(text)
    assert len(cleaned) <= TEXT_LIMIT
    assert all(ch in "\n\t" or ch.isprintable() for ch in cleaned)
    assert clean_text(cleaned) == cleaned


def test_incomplete_draft_is_refused(keys: Keys) -> None:
    assert not ReportDraft(region="moscow").is_complete()
    assert draft().is_complete()
