"""Repository for facts about this instance (no secrets, nothing about people)."""

from __future__ import annotations

from bot.storage.db import Database


class InstanceRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        value = await self._db.fetchval("SELECT value FROM instance WHERE key = ?", (key,))
        return None if value is None else str(value)

    async def items(self, prefix: str) -> dict[str, str]:
        rows = await self._db.fetchall(
            "SELECT key, value FROM instance WHERE substr(key, 1, ?) = ?", (len(prefix), prefix)
        )
        return {str(r[0]): str(r[1]) for r in rows}

    async def set(self, key: str, value: str) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO instance (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    async def delete_prefix(self, prefix: str) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "DELETE FROM instance WHERE substr(key, 1, ?) = ?", (len(prefix), prefix)
            )
