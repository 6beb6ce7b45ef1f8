"""The SQLite layer on real files: pragmas, permissions, migrations."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from bot.storage import migrations
from bot.storage.db import REQUIRED_PRAGMAS, Database, StorageError
from bot.storage.migrations import Migration


async def test_pragmas_are_set_and_read_back(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "data" / "t.sqlite3")
    try:
        for name, expected in REQUIRED_PRAGMAS.items():
            value = await db.fetchval(f"PRAGMA {name}")
            assert str(value).lower() == str(expected).lower(), name
    finally:
        await db.close()


async def test_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = await Database.open(data / "t.sqlite3")
    await migrations.apply(db)
    await db.close()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for path in data.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


async def test_loose_directory_is_tightened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    db = await Database.open(data / "t.sqlite3")
    await db.close()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700


async def test_migrate_twice_is_a_noop(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    db = await Database.open(path)
    first = await migrations.apply(db)
    schema = await db.fetchall("SELECT type, name, sql FROM sqlite_master ORDER BY name")
    second = await migrations.apply(db)
    assert first and not second
    assert await db.fetchall("SELECT type, name, sql FROM sqlite_master ORDER BY name") == schema
    assert await migrations.current_version(db) == len(migrations.discover())
    await db.close()


async def test_failed_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "t.sqlite3")
    good = Migration(1, "good", "CREATE TABLE a (x INTEGER);")
    bad = Migration(2, "bad", "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);")
    with pytest.raises(StorageError, match=r"0002_bad\.sql failed"):
        await migrations.apply(db, [good, bad])
    assert await migrations.current_version(db) == 1
    names = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master")}
    assert "a" in names and "b" not in names
    await db.close()


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    db = await Database.open(path)
    await migrations.apply(db)
    await db.close()
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 99")
    db = await Database.open(path)
    with pytest.raises(StorageError, match="newer than this program"):
        await migrations.apply(db)
    await db.close()


async def test_edited_migration_is_noticed(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "t.sqlite3")
    await migrations.apply(db, [Migration(1, "one", "CREATE TABLE a (x INTEGER);")])
    with pytest.raises(StorageError, match="changed after it was applied"):
        await migrations.apply(db, [Migration(1, "one", "CREATE TABLE a (y INTEGER);")])
    await db.close()


def test_migration_files_are_numbered_without_gaps() -> None:
    found = migrations.discover()
    assert [m.version for m in found] == list(range(1, len(found) + 1))


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "t.sqlite3")
    await migrations.apply(db)
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO instance(key, value) VALUES ('a', 'b')")
            raise RuntimeError("boom")
    assert await db.fetchval("SELECT count(*) FROM instance WHERE key = 'a'") == 0
    await db.close()
