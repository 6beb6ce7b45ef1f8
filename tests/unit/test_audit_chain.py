"""The keyed audit chain on real SQLite files with a real keyring: append and verify, each kind of
tampering caught at the right seq, retention with an authenticated anchor, the upgrade of an
unkeyed chain (intact and broken), and nothing written while the keyring is locked."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.checks import CheckReport, check_audit_log
from bot.config import Settings
from bot.crypto.keyring import UnlockedKeyring
from bot.services.audit_trail import (
    OPERATOR,
    AuditChain,
    AuditHead,
    AuditTrail,
    audit_key,
    record_operator_action,
)
from bot.services.review_keys import ModerationLocked, ReviewKeys
from bot.storage import migrations
from bot.storage.audit import (
    FORM_ITEM,
    GENESIS,
    KEYED,
    LEGACY,
    LEGACY_BROKEN,
    REKEYED,
    UNVERIFIED,
    AuditNotKeyed,
    AuditRepository,
    Upgrade,
    legacy_hash,
)
from bot.storage.db import Database
from tests.support.clock import DEFAULT_START, ManualClock
from tests.support.db import legacy_audit_database
from tests.support.keys import unlocked_keyring

DAY = 24 * 3600
ACTIONS = ["invite.create", "moderator.join", "group.read", "alert.draft", "alert.approve"]


@pytest.fixture(scope="module")
def ring(tmp_path_factory: pytest.TempPathFactory) -> UnlockedKeyring:
    return unlocked_keyring(tmp_path_factory.mktemp("audit") / "keys")


def raw(db: Database, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
    """What someone with the database file (and no keyring) can do to it."""
    with sqlite3.connect(db.path) as conn:
        return list(conn.execute(sql, params))


async def fill(trail: AuditTrail, clock: ManualClock, days: int = 5) -> None:
    """One entry a day, oldest first."""
    for day in range(days):
        clock.now = DEFAULT_START + day * DAY
        await trail.record("anna", ACTIONS[day % len(ACTIONS)], f"s{day}")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def chain(
    db: Database, ring: UnlockedKeyring, clock: ManualClock
) -> AsyncIterator[tuple[AuditTrail, AuditChain]]:
    keys = ReviewKeys(ring)
    yield AuditTrail(db, keys, clock), AuditChain(db, keys, clock)


async def test_append_and_verify_under_the_key(
    db: Database, ring: UnlockedKeyring, chain: tuple[AuditTrail, AuditChain], clock: ManualClock
) -> None:
    trail, audit = chain
    await fill(trail, clock)
    verdict = await audit.verify()
    assert verdict is not None and verdict.intact and verdict.checked == 5
    assert verdict.head is not None and verdict.head.seq == 5
    head = await audit.head()
    assert head == AuditHead(5, "2026-11-29T12:00Z", verdict.head.entry_hash.hex()[:16])
    assert str(head) == f"#5 2026-11-29T12:00Z {head.mac}" and len(head.mac) == 16
    # The key is what makes it: another keyring's key does not verify the same rows.
    other = AuditRepository(db)
    assert (await other.verify(b"\x01" * 32)).broken_at == 1
    assert (await other.verify(audit_key(ring))).intact


async def test_an_edited_row_is_caught_at_its_seq(
    db: Database, chain: tuple[AuditTrail, AuditChain], clock: ManualClock
) -> None:
    trail, audit = chain
    await fill(trail, clock)
    raw(db, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
    verdict = await audit.verify()
    assert verdict is not None and verdict.broken_at == 3 and verdict.checked == 2


async def test_a_deleted_middle_row_is_caught_at_its_seq(
    db: Database, chain: tuple[AuditTrail, AuditChain], clock: ManualClock
) -> None:
    trail, audit = chain
    await fill(trail, clock)
    raw(db, "DELETE FROM audit_log WHERE seq = 2")
    verdict = await audit.verify()
    assert verdict is not None and verdict.broken_at == 2
    # Renumbering the rest to close the gap does not help: their MACs cover the seq.
    raw(db, "UPDATE audit_log SET seq = seq - 1 WHERE seq > 2")
    verdict = await audit.verify()
    assert verdict is not None and verdict.broken_at == 2


async def test_a_chain_recomputed_with_sha256_is_caught(
    db: Database, chain: tuple[AuditTrail, AuditChain], clock: ManualClock
) -> None:
    """What an attacker with the database could do to the old chain: edit, then recompute."""
    trail, audit = chain
    await fill(trail, clock)
    rows = raw(db, "SELECT seq, at, actor, action, subject, prev_hash FROM audit_log ORDER BY seq")
    prev = bytes(rows[2][5])
    for seq, at, actor, action, subject, _ in rows[2:]:
        actor = "mallory" if seq == 3 else actor
        digest = legacy_hash(prev, seq, at, actor, action, subject)
        raw(
            db,
            "UPDATE audit_log SET actor = ?, prev_hash = ?, entry_hash = ? WHERE seq = ?",
            (actor, prev, digest, seq),
        )
        prev = digest
    verdict = await audit.verify()
    assert verdict is not None and verdict.broken_at == 3
    # Nor does flipping the chain back to the unkeyed form make the bot re-chain it.
    assert await audit.upgrade() is None


async def test_retention_keeps_verification_passing(
    db: Database, chain: tuple[AuditTrail, AuditChain], clock: ManualClock
) -> None:
    trail, audit = chain
    await fill(trail, clock)
    clock.now = DEFAULT_START + 5 * DAY
    assert await audit.prune(retention_days=3) == 2  # days 0 and 1 are older than 3 days
    assert [r[0] for r in raw(db, "SELECT seq FROM audit_log ORDER BY seq")] == [3, 4, 5]
    assert raw(db, "SELECT seq, reason FROM audit_anchor") == [(2, "retention")]
    verdict = await audit.verify()
    assert verdict is not None and verdict.intact and verdict.checked == 3
    # Everything goes, later: the next entry chains from the anchor.
    clock.now = DEFAULT_START + 30 * DAY
    assert await audit.prune(retention_days=3) == 3
    assert raw(db, "SELECT count(*) FROM audit_log") == [(0,)]
    await trail.record("boris", "alert.withdraw", "x")
    verdict = await audit.verify()
    assert verdict is not None and verdict.intact and verdict.head is not None
    assert verdict.head.seq == 6 and verdict.checked == 1
    assert await audit.prune(retention_days=3) == 0


async def test_a_moved_anchor_is_caught(
    db: Database, chain: tuple[AuditTrail, AuditChain], clock: ManualClock
) -> None:
    """Deleting more old rows and moving the anchor past them: the anchor's tag fails."""
    trail, audit = chain
    await fill(trail, clock, days=6)
    clock.now = DEFAULT_START + 6 * DAY
    await audit.prune(retention_days=4)  # deletes 1 and 2; anchor at 2
    [(hash4,)] = raw(db, "SELECT entry_hash FROM audit_log WHERE seq = 4")
    raw(db, "DELETE FROM audit_log WHERE seq <= 4")
    raw(db, "UPDATE audit_anchor SET seq = 4, entry_hash = ?", (hash4,))
    verdict = await audit.verify()
    assert verdict is not None and verdict.broken_at == 5 and verdict.checked == 0
    assert await audit.prune(retention_days=0) == 0  # nothing more goes while it is broken


async def test_a_deleted_anchor_is_caught(
    db: Database, chain: tuple[AuditTrail, AuditChain], clock: ManualClock
) -> None:
    trail, audit = chain
    await fill(trail, clock)
    clock.now = DEFAULT_START + 5 * DAY
    await audit.prune(retention_days=3)
    raw(db, "DELETE FROM audit_anchor")
    verdict = await audit.verify()
    assert verdict is not None and verdict.broken_at == 1  # the chain must start at 1 again


async def test_a_row_forged_below_the_anchor_is_caught(
    db: Database, chain: tuple[AuditTrail, AuditChain], clock: ManualClock
) -> None:
    trail, audit = chain
    await fill(trail, clock)
    clock.now = DEFAULT_START + 5 * DAY
    await audit.prune(retention_days=3)
    raw(
        db,
        "INSERT INTO audit_log (seq, at, actor, action, subject, prev_hash, entry_hash)"
        " VALUES (1, '2026-11-25T12:00Z', 'x', 'y', '', ?, ?)",
        (GENESIS, GENESIS),
    )
    verdict = await audit.verify()
    assert verdict is not None and verdict.broken_at == 1


async def test_retention_keeps_everything_from_a_break_on(
    db: Database, chain: tuple[AuditTrail, AuditChain], clock: ManualClock
) -> None:
    trail, audit = chain
    await fill(trail, clock)
    raw(db, "UPDATE audit_log SET subject = 'edited' WHERE seq = 3")
    clock.now = DEFAULT_START + 30 * DAY
    assert await audit.prune(retention_days=1) == 2
    assert [r[0] for r in raw(db, "SELECT seq FROM audit_log ORDER BY seq")] == [3, 4, 5]
    verdict = await audit.verify()
    assert verdict is not None and verdict.broken_at == 3


async def test_nothing_is_appended_while_locked(
    db: Database, clock: ManualClock, ring: UnlockedKeyring
) -> None:
    keys = ReviewKeys(None)
    with pytest.raises(ModerationLocked):
        await AuditTrail(db, keys, clock).record("system", "alert.expire", "x")
    assert raw(db, "SELECT count(*) FROM audit_log") == [(0,)]
    locked = AuditChain(db, keys, clock)
    assert await locked.verify() is None and await locked.upgrade() is None
    assert await locked.prune(1) == 0 and await locked.head() is None
    keys.use(ring)  # what a rotation in unattended mode hands over
    await AuditTrail(db, keys, clock).record("system", "alert.expire", "x")
    assert (await AuditRepository(db).verify(audit_key(ring))).intact


# --- the upgrade of an unkeyed chain --------------------------------------------------------


async def old_database(data_dir: Path, entries: int) -> Database:
    return await legacy_audit_database(data_dir, entries)


async def test_migration_marks_the_form(tmp_path: Path) -> None:
    old = await old_database(tmp_path / "old", 3)
    empty = await old_database(tmp_path / "empty", 0)
    try:
        for db in (old, empty):
            await migrations.apply(db)
        assert raw(old, "SELECT value FROM instance WHERE key = ?", (FORM_ITEM,)) == [(LEGACY,)]
        assert raw(empty, "SELECT value FROM instance WHERE key = ?", (FORM_ITEM,)) == [(KEYED,)]
        with pytest.raises(AuditNotKeyed):
            await AuditRepository(old).append(b"k" * 32, "2026-12-01T00:00Z", "x", "y")
    finally:
        await old.close()
        await empty.close()


async def test_upgrade_rechains_an_intact_old_chain(
    tmp_path: Path, ring: UnlockedKeyring, clock: ManualClock
) -> None:
    db = await old_database(tmp_path, 4)
    try:
        await migrations.apply(db)
        assert await AuditRepository(db).verify_legacy() is None
        before = raw(db, "SELECT seq, at, actor, action, subject FROM audit_log ORDER BY seq")
        audit = AuditChain(db, ReviewKeys(ring), clock)
        upgrade = await audit.upgrade()
        assert upgrade is not None and upgrade.outcome == "rechained" and upgrade.entries == 4
        after = raw(db, "SELECT seq, at, actor, action, subject FROM audit_log ORDER BY seq")
        assert after[:4] == before and after[4][2:4] == ("system", "audit.rechained")
        verdict = await audit.verify()
        assert verdict is not None and verdict.intact and verdict.checked == 5
        assert await audit.upgrade() is None  # once
        assert await audit.untold_upgrade() == upgrade  # for the admins, once
        assert await audit.untold_upgrade() is None
        assert raw(db, "SELECT value FROM instance WHERE key = ?", (FORM_ITEM,)) == [(KEYED,)]
    finally:
        await db.close()


async def test_upgrade_keeps_a_broken_old_chain_as_evidence(
    tmp_path: Path, ring: UnlockedKeyring, clock: ManualClock
) -> None:
    db = await old_database(tmp_path, 4)
    try:
        await migrations.apply(db)
        raw(db, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
        evidence = raw(db, "SELECT * FROM audit_log ORDER BY seq")
        keys = ReviewKeys(ring)
        audit = AuditChain(db, keys, clock)
        upgrade = await audit.upgrade()
        assert upgrade is not None and upgrade.outcome == LEGACY_BROKEN
        assert upgrade.broken_at == 2 and upgrade.entries == 4
        assert raw(db, "SELECT * FROM audit_log WHERE seq <= 4 ORDER BY seq") == evidence
        assert raw(db, "SELECT seq, reason FROM audit_anchor") == [(4, UNVERIFIED)]
        await AuditTrail(db, keys, clock).record("boris", "alert.draft", "a1")
        verdict = await audit.verify()
        assert verdict is not None and verdict.intact
        assert verdict.checked == 2 and verdict.unverified == 4  # the notice and boris
        # Later entries are protected like any keyed entry.
        raw(db, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 6")
        verdict = await audit.verify()
        assert verdict is not None and verdict.broken_at == 6
    finally:
        await db.close()


async def test_a_new_keyring_keeps_the_old_chain_unverified_and_starts_a_new_one(
    db: Database, chain: tuple[AuditTrail, AuditChain], clock: ManualClock, tmp_path: Path
) -> None:
    """`keys init` for an existing database: the old key is gone, so is verifying its chain."""
    trail, audit = chain
    await fill(trail, clock)
    clock.now = DEFAULT_START + 5 * DAY
    await audit.prune(retention_days=3)  # an anchor under the old key too
    new = ReviewKeys(unlocked_keyring(tmp_path / "new-keys"))
    stale = await AuditChain(db, new, clock).verify()
    assert stale is not None and stale.broken_at == 3
    await AuditRepository(db).mark_rekeyed()
    audit = AuditChain(db, new, clock)
    upgrade = await audit.upgrade()
    assert upgrade == Upgrade(REKEYED, 3, None)
    await AuditTrail(db, new, clock).record("anna", "alert.read", "a1")
    verdict = await audit.verify()
    assert verdict is not None and verdict.intact
    assert verdict.checked == 2 and verdict.unverified == 3  # the notice and anna's read
    assert raw(db, "SELECT seq, reason FROM audit_anchor") == [(5, UNVERIFIED)]
    clock.now = DEFAULT_START + 60 * DAY
    assert await audit.prune(retention_days=3) == 5  # all of it goes in time
    verdict = await audit.verify()
    assert verdict is not None and verdict.intact and verdict.checked == 0


async def test_an_operator_action_upgrades_first_and_is_recorded(
    tmp_path: Path, ring: UnlockedKeyring
) -> None:
    db = await old_database(tmp_path, 2)
    try:
        await migrations.apply(db)
        upgrade, head = await record_operator_action(db, ring, "keys.rotate", "r2")
        assert upgrade is not None and upgrade.outcome == "rechained"
        entries = await AuditRepository(db).entries()
        assert [(e.actor, e.action, e.subject) for e in entries[-2:]] == [
            (OPERATOR, "audit.rechained", "2"),
            (OPERATOR, "keys.rotate", "r2"),
        ]
        assert head.seq == 4 and head.mac == entries[-1].entry_hash.hex()[:16]
        assert (await AuditRepository(db).verify(audit_key(ring))).intact
    finally:
        await db.close()


# --- what `helpline-bot check` says ---------------------------------------------------------


async def checked(db: Database, unlocked: UnlockedKeyring | None) -> CheckReport:
    report = CheckReport()
    settings = Settings(_env_file=None, data_dir=db.path.parent, keys_dir=db.path.parent / "none")
    await check_audit_log(settings, report, unlocked)
    return report


async def test_check_on_an_old_chain_and_a_keyed_one(
    tmp_path: Path, ring: UnlockedKeyring, clock: ManualClock
) -> None:
    db = await old_database(tmp_path, 3)
    try:
        await migrations.apply(db)
        report = await checked(db, ring)
        assert (
            report.problems == [] and "3 entries in the old unkeyed form, intact" in report.notes[0]
        )
        raw(db, "UPDATE audit_log SET subject = 'x' WHERE seq = 3")
        [problem] = (await checked(db, ring)).problems
        assert "old unkeyed chain is broken at seq 3" in problem
        await AuditChain(db, ReviewKeys(ring), clock).upgrade()
        report = await checked(db, ring)
        assert report.problems == [] and report.notes[0].startswith("audit log: 1 entries verified")
        trail = AuditTrail(db, ReviewKeys(ring), clock)
        await trail.record("anna", "alert.read", "a1")
        await trail.record("anna", "alert.read", "a2")
        raw(db, "DELETE FROM audit_log WHERE seq = 5")
        [problem] = (await checked(db, ring)).problems
        assert problem.startswith("audit log: broken at seq 5 ")
        [warning] = (await checked(db, None)).warnings
        assert warning.startswith("audit log not verified: there is no keyring")
    finally:
        await db.close()
