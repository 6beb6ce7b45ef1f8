"""A migrated database on a real SQLite file, as start-up leaves it."""

from __future__ import annotations

from pathlib import Path

from bot.storage import migrations
from bot.storage.audit import GENESIS, legacy_hash
from bot.storage.db import Database

LEGACY_ACTIONS = ("invite.create", "moderator.join", "group.read", "alert.draft", "alert.approve")


async def migrated_database(data_dir: Path) -> Database:
    """`data_dir`/helpline.sqlite3, opened and migrated (the caller closes it)."""
    database = await Database.open(data_dir / "helpline.sqlite3")
    await migrations.apply(database)
    return database


async def legacy_audit_database(data_dir: Path, entries: int) -> Database:
    """A database as schema 3 left it, with an unkeyed audit chain of `entries` entries (not
    migrated further: the caller migrates, as an upgrade does, and closes it)."""
    db = await Database.open(data_dir / "helpline.sqlite3")
    await migrations.apply(db, migrations.discover()[:3])
    prev = GENESIS
    async with db.transaction() as tx:
        for seq in range(1, entries + 1):
            at, action = f"2026-11-2{seq % 10}T10:00Z", LEGACY_ACTIONS[seq % len(LEGACY_ACTIONS)]
            digest = legacy_hash(prev, seq, at, "anna", action, f"s{seq}")
            await tx.execute(
                "INSERT INTO audit_log (seq, at, actor, action, subject, prev_hash, entry_hash)"
                " VALUES (?, ?, 'anna', ?, ?, ?, ?)",
                (seq, at, action, f"s{seq}", prev, digest),
            )
            prev = digest
    return db
