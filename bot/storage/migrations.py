"""Numbered plain-SQL migrations (`migrations/NNNN_name.sql`) applied in order.

Each file runs in its own `BEGIN IMMEDIATE ... COMMIT` together with the bump of
`PRAGMA user_version` (which is transactional) and a row in `schema_migrations` holding the
file's SHA-256, so an edited, already-applied file is noticed. Deliberately no migration library:
the common one writes the operator's user name and host name into the database.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from bot.config import REPO_ROOT
from bot.storage.db import Database, StorageError

MIGRATIONS_DIR = REPO_ROOT / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    sha256  TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """All migration files, checked for a gap-free 1..N numbering."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise StorageError(f"{path.name}: migration files are named NNNN_name.sql")
        found.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise StorageError(
                f"migration {expected:04d} is missing (found {migration.version:04d})"
            )
    return found


async def current_version(db: Database) -> int:
    return int(await db.fetchval("PRAGMA user_version"))


async def pending(db: Database, migrations: list[Migration]) -> list[Migration]:
    """What `apply` would run; raises if the database is newer than this code or was tampered."""
    version = await current_version(db)
    newest = migrations[-1].version if migrations else 0
    if version > newest:
        raise StorageError(
            f"the database is at schema version {version}, newer than this program knows "
            f"({newest}); run a newer helpline-bot or restore a matching backup"
        )
    if version:
        rows = await db.fetchall("SELECT version, sha256 FROM schema_migrations")
        applied = {int(r["version"]): r["sha256"] for r in rows}
        for migration in migrations[:version]:
            if applied.get(migration.version) != migration.sha256:
                raise StorageError(
                    f"migration {migration.version:04d}_{migration.name}.sql was changed after "
                    "it was applied; add a new migration instead of editing an old one"
                )
    return migrations[version:]


async def apply(db: Database, migrations: list[Migration] | None = None) -> list[Migration]:
    """Bring the schema up to date; returns the migrations that ran (none on a second call)."""
    migrations = discover() if migrations is None else migrations
    todo = await pending(db, migrations)
    for migration in todo:
        sha = migration.sha256
        script = (
            f"BEGIN IMMEDIATE;\n{_BOOKKEEPING}\n{migration.sql}\n;\n"
            f"INSERT INTO schema_migrations(version, name, sha256) "
            f"VALUES ({migration.version}, '{migration.name}', '{sha}');\n"
            f"PRAGMA user_version = {migration.version};\nCOMMIT;"
        )
        try:
            await db.executescript_atomic(script)
        except Exception as exc:
            raise StorageError(
                f"migration {migration.version:04d}_{migration.name}.sql failed: {exc}"
            ) from None
    if todo:
        # A migration that drops data (0004 drops the reporter tags) must not leave the old
        # pages in the WAL: copy them home, where secure_delete has zeroed what was dropped.
        await db.checkpoint()
    return todo
