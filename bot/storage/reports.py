"""Repository for sealed raid reports: the only code that writes SQL about them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.db import Database


@dataclass(frozen=True)
class StoredReport:
    id: str
    created_hour: str
    region: str
    place_type: str
    time_bucket: str
    state: str
    key_id: str
    reporter_tag: bytes
    sealed: bytes


_INSERT = (
    "INSERT INTO reports (id, created_hour, region, place_type, time_bucket, state, key_id,"
    " reporter_tag, sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT = (
    "SELECT id, created_hour, region, place_type, time_bucket, state, key_id, reporter_tag,"
    " sealed FROM reports ORDER BY created_hour, id"
)


class ReportRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, report: StoredReport) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                _INSERT,
                (
                    report.id,
                    report.created_hour,
                    report.region,
                    report.place_type,
                    report.time_bucket,
                    report.state,
                    report.key_id,
                    report.reporter_tag,
                    report.sealed,
                ),
            )

    async def all(self) -> list[StoredReport]:
        rows = await self._db.fetchall(_SELECT)
        return [StoredReport(*row) for row in rows]

    async def count(self) -> int:
        return int(await self._db.fetchval("SELECT count(*) FROM reports"))

    async def key_ids_in_use(self) -> set[str]:
        """Review keys that still protect a stored report (they must not be destroyed)."""
        rows = await self._db.fetchall("SELECT DISTINCT key_id FROM reports")
        return {str(row[0]) for row in rows}

    async def delete_older_than(self, created_hour: str) -> int:
        """Delete every report created before `created_hour` (same YYYY-MM-DDTHH format)."""
        async with self._db.transaction() as tx:
            deleted = await tx.execute(
                "DELETE FROM reports WHERE created_hour < ?", (created_hour,)
            )
        return deleted
