"""Whole-database copies for `backup`, `restore`, `export` and `import` (the CLI's, synchronous).

SQLite's online backup API copies every page under one read transaction: in WAL mode the bot
keeps writing meanwhile, and the copy is one consistent moment. The copy goes to a private
temporary directory that the caller shreds (bot.services.backups).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.storage.db import BUSY_TIMEOUT_MS, StorageError


@contextlib.contextmanager
def _connect(path: Path, *, readonly: bool = False) -> Iterator[sqlite3.Connection]:
    uri = f"file:{path}?mode=ro" if readonly else f"file:{path}?mode=rwc"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open {path}: {exc}") from None
    try:
        conn.execute("PRAGMA trusted_schema=0")
        conn.execute("PRAGMA secure_delete=1")
        yield conn
    finally:
        conn.close()


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of `source` (which may be in use) into the new file `target`."""
    if not source.is_file():
        raise StorageError(f"no database at {source}: nothing to back up")
    try:
        with _connect(source) as src, _connect(target) as dst:
            src.backup(dst)
            # The copy is a file of its own: leave no -wal beside it for the sealing to miss.
            dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise StorageError(f"cannot copy the database: {exc}") from None


@dataclass(frozen=True)
class Facts:
    """What restore checks in a copy before it may replace the live database."""

    schema: int
    integrity: str  # "ok", or SQLite's first complaint
    review_key_ids: frozenset[str]  # key ids the stored reports (and pending changes) use
    pinned_signing: str | None  # the signing key this database has pinned (hex)
    has_data: bool


def facts(path: Path) -> Facts:
    """Schema version, integrity, key ids in use and the pinned signing key of a copy."""
    try:
        with _connect(path, readonly=True) as conn:
            schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
            problems = [str(r[0]) for r in conn.execute("PRAGMA integrity_check(1)")]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            key_ids = _key_ids(conn, tables)
            pinned = None
            if "instance" in tables:
                row = conn.execute("SELECT value FROM instance WHERE key = 'pin:signing'")
                found = row.fetchone()
                pinned = None if found is None else str(found[0])
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"not a usable database ({exc})") from None
    return Facts(
        schema=schema,
        integrity=problems[0] if problems else "no answer",
        review_key_ids=key_ids,
        pinned_signing=pinned,
        has_data=schema > 0,
    )


def _key_ids(conn: sqlite3.Connection, tables: set[str]) -> frozenset[str]:
    queries = {
        "reports": "SELECT DISTINCT key_id FROM reports",
        "pending_subscriptions": "SELECT DISTINCT key_id FROM pending_subscriptions",
    }
    found: set[str] = set()
    for table, sql in queries.items():
        if table in tables:
            found |= {str(r[0]) for r in conn.execute(sql)}
    return frozenset(found)


def has_data(path: Path) -> bool:
    """Whether a database file holds anything (a schema at least): restore will not overwrite it
    without --force. An empty file (created and never migrated) holds nothing."""
    if not path.exists() or path.stat().st_size == 0:
        return False
    try:
        return facts(path).has_data
    except StorageError:
        return True  # unreadable is not empty: do not overwrite it silently
