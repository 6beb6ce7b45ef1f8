"""A migrated database on a real SQLite file, as start-up leaves it."""

from __future__ import annotations

from pathlib import Path

from bot.storage import migrations
from bot.storage.db import Database


async def migrated_database(data_dir: Path) -> Database:
    """`data_dir`/helpline.sqlite3, opened and migrated (the caller closes it)."""
    database = await Database.open(data_dir / "helpline.sqlite3")
    await migrations.apply(database)
    return database
