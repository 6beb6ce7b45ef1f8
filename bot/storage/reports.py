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
    sealed: bytes
    seal_version: int = 2  # 1: sealed before the clear columns were bound (see 0004)


_INSERT = (
    "INSERT INTO reports (id, created_hour, region, place_type, time_bucket, state, key_id,"
    " sealed, seal_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT = (
    "SELECT id, created_hour, region, place_type, time_bucket, state, key_id, sealed,"
    " seal_version FROM reports ORDER BY created_hour, id"
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
                    report.sealed,
                    report.seal_version,
                ),
            )

    async def all(self) -> list[StoredReport]:
        rows = await self._db.fetchall(_SELECT)
        return [StoredReport(*row) for row in rows]

    async def count(self) -> int:
        return int(await self._db.fetchval("SELECT count(*) FROM reports"))

    async def count_since(self, created_hour: str) -> int:
        """Reports created in `created_hour` (YYYY-MM-DDTHH) or later."""
        return int(
            await self._db.fetchval(
                "SELECT count(*) FROM reports WHERE created_hour >= ?", (created_hour,)
            )
        )

    async def key_ids_in_use(self) -> set[str]:
        """Review keys that still protect a sealed record: a report, or a subscription change
        made while locked (they must not be destroyed)."""
        rows = await self._db.fetchall(
            "SELECT key_id FROM reports UNION SELECT key_id FROM pending_subscriptions"
        )
        return {str(row[0]) for row in rows}

    async def delete_older_than(self, created_hour: str, decided_hour: str | None = None) -> int:
        """Delete every report created before `created_hour` (same YYYY-MM-DDTHH format), and,
        given `decided_hour`, every report decided before it, except the evidence of a draft
        still waiting for approval (the hard cap, `created_hour`, takes that too)."""
        async with self._db.transaction() as tx:
            deleted = await tx.execute(
                "DELETE FROM reports WHERE created_hour < ?", (created_hour,)
            )
            if decided_hour is not None:
                deleted += await tx.execute(
                    "DELETE FROM reports WHERE decided_hour < ? AND id NOT IN"
                    " (SELECT r.report_id FROM alert_reports r JOIN alerts a ON a.id = r.alert_id"
                    " WHERE a.state = 'draft')",
                    (decided_hour,),
                )
        return deleted


# Reports are grouped by region and a two-hour window of their creation hour (UTC). Windows
# never cross midnight, so the per-day reporter tags of one group (held in memory only, see
# bot.services.reporters) are comparable.
_WINDOW = (
    "substr(created_hour, 1, 11)"
    " || printf('%02d', (CAST(substr(created_hour, 12, 2) AS INTEGER) / 2) * 2)"
)


@dataclass(frozen=True)
class ReportGroup:
    region: str
    window: str  # YYYY-MM-DDTHH, the first hour of the two-hour window
    reports: int
    latest_hour: str
    report_ids: tuple[str, ...]  # who sent which is known in memory only (ReporterMemory)


class ReportGroups:
    """The moderation queue's view of reports: groups, their members, and decisions on them."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def new_groups(self) -> list[ReportGroup]:
        rows = await self._db.fetchall(
            f"SELECT region, {_WINDOW} AS win, id, created_hour FROM reports"  # noqa: S608
            " WHERE state = 'new' ORDER BY win DESC, region, id"
        )
        groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for r in rows:
            groups.setdefault((str(r[0]), str(r[1])), []).append((str(r[2]), str(r[3])))
        return [
            ReportGroup(
                region,
                window,
                len(members),
                max(hour for _, hour in members),
                tuple(report_id for report_id, _ in members),
            )
            for (region, window), members in groups.items()
        ]

    async def members(self, region: str, window: str) -> list[StoredReport]:
        """A group's reports still waiting for a decision."""
        rows = await self._db.fetchall(
            _SELECT.replace(
                " ORDER BY", f" WHERE region = ? AND {_WINDOW} = ? AND state = 'new' ORDER BY"
            ),
            (region, window),
        )
        return [StoredReport(*row) for row in rows]

    async def members_page(
        self, region: str, window: str, offset: int, limit: int
    ) -> list[StoredReport]:
        """One page of a group's new reports, newest first. Within an hour the order is by id,
        which is random: the stored hour is all that is known about when a report came."""
        rows = await self._db.fetchall(
            _SELECT.replace(
                " ORDER BY created_hour, id",
                f" WHERE region = ? AND {_WINDOW} = ? AND state = 'new'"
                " ORDER BY created_hour DESC, id LIMIT ? OFFSET ?",
            ),
            (region, window, max(limit, 0), max(offset, 0)),
        )
        return [StoredReport(*row) for row in rows]

    async def count_members(self, region: str, window: str) -> int:
        """How many of a group's reports are still waiting for a decision."""
        return int(
            await self._db.fetchval(
                f"SELECT count(*) FROM reports WHERE region = ? AND {_WINDOW} = ?"  # noqa: S608
                " AND state = 'new'",
                (region, window),
            )
        )

    async def of_alert(self, alert_id: str) -> list[StoredReport]:
        """The reports an alert was drafted from (those retention has not deleted yet)."""
        rows = await self._db.fetchall(
            _SELECT.replace(
                " ORDER BY",
                " WHERE id IN (SELECT report_id FROM alert_reports WHERE alert_id = ?) ORDER BY",
            ),
            (alert_id,),
        )
        return [StoredReport(*row) for row in rows]

    async def of_alert_page(self, alert_id: str, offset: int, limit: int) -> list[StoredReport]:
        """One page of an alert's reports, newest first (as `members_page`)."""
        rows = await self._db.fetchall(
            _SELECT.replace(
                " ORDER BY created_hour, id",
                " WHERE id IN (SELECT report_id FROM alert_reports WHERE alert_id = ?)"
                " ORDER BY created_hour DESC, id LIMIT ? OFFSET ?",
            ),
            (alert_id, max(limit, 0), max(offset, 0)),
        )
        return [StoredReport(*row) for row in rows]

    async def count_of_alert(self, alert_id: str) -> int:
        return int(
            await self._db.fetchval(
                "SELECT count(*) FROM reports"
                " WHERE id IN (SELECT report_id FROM alert_reports WHERE alert_id = ?)",
                (alert_id,),
            )
        )

    async def decide(self, region: str, window: str, state: str, decided_hour: str) -> int:
        """Mark a group's new reports 'reviewed' (an alert was drafted) or 'rejected', decided
        in `decided_hour` (YYYY-MM-DDTHH: retention counts from it)."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                f"UPDATE reports SET state = ?, decided_hour = ? WHERE region = ? AND {_WINDOW} = ?"  # noqa: S608
                " AND state = 'new'",
                (state, decided_hour, region, window),
            )

    async def count_new(self) -> int:
        return int(await self._db.fetchval("SELECT count(*) FROM reports WHERE state = 'new'"))

    async def reject_one(self, report_id: str, decided_hour: str) -> bool:
        """Mark one report 'rejected' (in `decided_hour`) if it is still waiting for a decision."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE reports SET state = 'rejected', decided_hour = ?"
                " WHERE id = ? AND state = 'new'",
                (decided_hour, report_id),
            )
        return changed == 1
