"""The panic switch's rules on a real database and keyring: a request lapses, its requester
cannot confirm it, a second admin's confirmation destroys the keyring once, every step is in
the audit log, and the revoked signing key is found again (also for a tombstone from before
tombstones kept it) unless SIGNING_KEY_FINGERPRINT names another key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.crypto.keyring import (
    KEYRING_FILE,
    TOMBSTONE_FILE,
    PublicKeyring,
    destroy_keyring,
)
from bot.services.audit_trail import AuditTrail
from bot.services.keypins import check_and_pin
from bot.services.keytrust import compact
from bot.services.panic import Confirmation, PanicSwitch, revoked_key
from bot.services.review_keys import ReviewKeys
from bot.services.team import ModeratorTeam
from bot.storage.db import Database
from bot.storage.instance import InstanceRepository
from tests.support.clock import ManualClock
from tests.support.keys import make_keyring, unlock

FIRST, SECOND, THIRD = 5_100_000_001, 5_100_000_009, 5_100_000_017


def switch(
    db: Database, keys: Path, clock: ManualClock, admins: frozenset[int], *, locked: bool = False
) -> tuple[PanicSwitch, list[str]]:
    ring = ReviewKeys(None if locked else unlock(keys))
    switched: list[str] = []

    async def on_destroyed() -> None:
        switched.append("guidance only")

    team = ModeratorTeam(db, ring, admin_ids=admins)
    panic = PanicSwitch(
        keys, team, AuditTrail(db, ring, clock), clock=clock, on_destroyed=on_destroyed
    )
    return panic, switched


async def audit_actions(db: Database) -> list[str]:
    return [str(r[0]) for r in await db.fetchall("SELECT action FROM audit_log ORDER BY seq")]


async def test_a_second_admin_confirms_and_the_requester_cannot(
    db: Database, tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    make_keyring(keys)
    clock = ManualClock()
    panic, switched = switch(db, keys, clock, frozenset({FIRST, SECOND, THIRD}))
    assert panic.two_admins and panic.other_admins(FIRST) == [SECOND, THIRD]
    request, audited = await panic.request(FIRST)
    assert audited and request.alias is not None and request.alias.startswith("admin-")
    assert await panic.confirm(request.id, FIRST) is Confirmation.SAME_ADMIN
    assert await panic.confirm("0" * 16, SECOND) is Confirmation.EXPIRED  # forged id
    assert (keys / KEYRING_FILE).exists() and switched == []
    assert await panic.confirm(request.id, SECOND) is Confirmation.DESTROYED
    assert not (keys / KEYRING_FILE).exists() and (keys / TOMBSTONE_FILE).exists()
    assert switched == ["guidance only"]
    assert await panic.confirm(request.id, THIRD) is Confirmation.ALREADY
    assert await audit_actions(db) == [
        "panic.request",
        "panic.refused",
        "panic.refused",
        "panic.confirm",
    ]
    with pytest.raises(PermissionError):
        await panic.confirm(request.id, 42)


async def test_a_request_lapses_and_a_new_one_replaces_the_old(
    db: Database, tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    make_keyring(keys)
    clock = ManualClock()
    panic, switched = switch(db, keys, clock, frozenset({FIRST, SECOND}))
    old, _ = await panic.request(FIRST)
    new, _ = await panic.request(FIRST)
    assert await panic.confirm(old.id, SECOND) is Confirmation.EXPIRED  # replaced
    clock.now += panic.ttl_minutes * 60 + 1
    assert await panic.confirm(new.id, SECOND) is Confirmation.EXPIRED  # lapsed
    assert (keys / KEYRING_FILE).exists() and switched == []


async def test_one_admin_cannot_ask_and_a_locked_bot_cannot_audit(
    db: Database, tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    make_keyring(keys)
    alone, _ = switch(db, keys, ManualClock(), frozenset({FIRST}))
    assert not alone.two_admins
    with pytest.raises(PermissionError):
        await alone.request(FIRST)
    locked, switched = switch(db, keys, ManualClock(), frozenset({FIRST, SECOND}), locked=True)
    request, audited = await locked.request(FIRST)
    assert not audited and request.alias is None
    assert await locked.confirm(request.id, SECOND) is Confirmation.DESTROYED
    assert switched == ["guidance only"] and await audit_actions(db) == []


async def test_the_revoked_key_from_the_tombstone_or_the_pin(db: Database, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    ring = make_keyring(keys)
    repo = InstanceRepository(db)
    await check_and_pin(repo, ring, authenticated=False)
    assert await revoked_key(keys, repo, None) is None  # not destroyed
    destroy_keyring(keys, datetime(2026, 12, 6, 4, 30, tzinfo=UTC))
    fingerprint = PublicKeyring.fingerprint_of(ring.signing_public)
    found = await revoked_key(keys, repo, compact(fingerprint))
    assert found is not None and found.fingerprint() == fingerprint
    assert found.revoked_on == "2026-12-06"
    # A tombstone written before tombstones kept the key: the pin in the database gives it.
    note = json.loads((keys / TOMBSTONE_FILE).read_text())
    del note["signing_public"]
    (keys / TOMBSTONE_FILE).write_text(json.dumps(note))
    found = await revoked_key(keys, repo, None)
    assert found is not None and found.fingerprint() == fingerprint
    # SIGNING_KEY_FINGERPRINT naming another key: an edited note or pin is not believed.
    assert await revoked_key(keys, repo, "0" * 32) is None
