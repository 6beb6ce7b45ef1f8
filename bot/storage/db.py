"""The SQLite connection: one writer connection, hardened pragmas, short explicit transactions.

Only modules in `bot.storage` use this class; everything else talks to repositories.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 5000

# Set on every connection and read back: a build default or a lost pragma must not go unnoticed.
REQUIRED_PRAGMAS: dict[str, object] = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "secure_delete": 1,
    "temp_store": 2,
    "trusted_schema": 0,
    "busy_timeout": BUSY_TIMEOUT_MS,
}


class StorageError(Exception):
    """The database cannot be used as it is; the message says why in one line."""


def ensure_private_dir(path: Path) -> None:
    """Create `path` (and parents) and make it 0700: data and keys must not be world-readable."""
    path.mkdir(parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) != 0o700:
        path.chmod(0o700)


def ensure_private_file(path: Path) -> None:
    """Create `path` empty with 0600 before SQLite does, so it never exists with looser modes."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    if stat.S_IMODE(path.stat().st_mode) != 0o600:
        path.chmod(0o600)


def damaged(exc: Exception) -> str:
    """One line for a database SQLite cannot read: what it said, and the way out."""
    return (
        f"the file is damaged or not a Helpline database (SQLite: {exc}); nothing was changed: "
        "restore the latest backup (docs/operations.md, Backups and recovery)"
    )


class Database:
    """An open database on one connection. Writes go through `transaction()`; reads and
    transactions take turns (a lock), so nobody sees another task's uncommitted work.
    Never call `Database` methods inside a transaction: use the `Transaction` given."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self.closed = False
        # One connection serves every task: without this lock two handlers' transactions would
        # interleave on it ("cannot start a transaction within a transaction", or worse, one
        # task's statements committed inside another's transaction).
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        try:
            ensure_private_dir(path.parent)
            ensure_private_file(path)
        except OSError as exc:  # a file in the way, a read-only disk: one line, not a traceback
            reason = exc.strerror or type(exc).__name__
            raise StorageError(f"cannot create {path}: {reason}") from None
        # isolation_level=None: no implicit transactions, every write says BEGIN IMMEDIATE itself.
        conn = await aiosqlite.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            await db._configure()
        except aiosqlite.DatabaseError as exc:  # a damaged file, or not a database at all
            await conn.close()
            raise StorageError(damaged(exc)) from None
        except Exception:
            await conn.close()
            raise
        return db

    async def _configure(self) -> None:
        for name, value in REQUIRED_PRAGMAS.items():
            await self._conn.execute(f"PRAGMA {name}={value}")
        await self._conn.execute("PRAGMA synchronous=FULL")
        for name, expected in REQUIRED_PRAGMAS.items():
            row = await self.fetchone(f"PRAGMA {name}")
            actual = row[0] if row is not None else None
            if str(actual).lower() != str(expected).lower():
                raise StorageError(f"SQLite refused PRAGMA {name}={expected} (got {actual})")
        try:
            await self._conn.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
            await self._conn.execute("DROP TABLE temp.fts5_probe")
        except aiosqlite.OperationalError:
            raise StorageError("this SQLite build has no FTS5; install a standard SQLite") from None
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists() and stat.S_IMODE(side.stat().st_mode) & 0o077:
                side.chmod(0o600)

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self._conn.close()

    async def ping(self) -> None:
        """One trivial read: raises when the database cannot answer (a health check)."""
        if self.closed:
            raise StorageError("the database is closed")
        await self.fetchval("SELECT 1")

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        """A read, outside any other task's transaction: on a shared connection a read in the
        middle of one would see its uncommitted rows (an approval's outbox rows, say)."""
        async with self._write_lock:
            return list(await self._conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        rows = await self.fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """BEGIN IMMEDIATE ... COMMIT; rolled back on any error. Never await Telegram inside."""
        async with self._write_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._conn)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    async def executescript_atomic(self, script: str) -> None:
        """Run a multi-statement script that carries its own BEGIN/COMMIT; undo it on failure."""
        async with self._write_lock:
            try:
                await self._conn.executescript(script)
            except Exception:
                if self._conn.in_transaction:
                    await self._conn.execute("ROLLBACK")
                raise

    async def checkpoint(self) -> None:
        """Fold the WAL into the main file and truncate it, so deleted pages leave the -wal file."""
        async with self._write_lock:
            await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class Transaction:
    """Writes inside one `Database.transaction()`."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns how many rows it changed."""
        cursor = await self._conn.execute(sql, params)
        count = cursor.rowcount
        await cursor.close()
        return count

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)
