"""Counts for moderators' /stats: per region and period, and recent broadcasts' outcomes.

Only counts leave here; nothing about any person (there is nothing to leave anyway).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.db import Database


@dataclass(frozen=True)
class BroadcastResult:
    alert_id: str
    kind: str
    region: str
    approved_at: str
    state: str
    sent: int
    failed: int
    dropped: int
    pending: int
    still: int = 0  # subscribers' "Still there" / "Gone" answers
    gone: int = 0


class StatsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def reports_by_region(self, since_hour: str) -> dict[str, int]:
        """Reports created at or after `since_hour` (YYYY-MM-DDTHH), per region."""
        rows = await self._db.fetchall(
            "SELECT region, count(*) FROM reports WHERE created_hour >= ? GROUP BY region",
            (since_hour,),
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def alerts_by_region(self, since: str) -> dict[str, int]:
        """Alerts approved at or after `since` (YYYY-MM-DDTHH:MMZ), per region."""
        rows = await self._db.fetchall(
            "SELECT region, count(*) FROM alerts WHERE approved_at >= ? AND kind = 'alert'"
            " GROUP BY region",
            (since,),
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def recent_broadcasts(self, limit: int = 5) -> list[BroadcastResult]:
        rows = await self._db.fetchall(
            "SELECT a.id, a.kind, a.region, a.approved_at, a.state,"
            " count(o.id) FILTER (WHERE o.state = 'sent'),"
            " count(o.id) FILTER (WHERE o.state = 'failed'),"
            " count(o.id) FILTER (WHERE o.state = 'dropped'),"
            " count(o.id) FILTER (WHERE o.state = 'pending'),"
            " (SELECT still FROM alert_feedback f WHERE f.alert_id = a.id),"
            " (SELECT gone FROM alert_feedback f WHERE f.alert_id = a.id)"
            " FROM alerts AS a LEFT JOIN outbox AS o ON o.alert_id = a.id AND o.action = 'send'"
            " WHERE a.approved_at IS NOT NULL"
            " GROUP BY a.id ORDER BY a.approved_at DESC, a.id LIMIT ?",
            (limit,),
        )
        return [
            BroadcastResult(
                str(r[0]),
                str(r[1]),
                str(r[2]),
                str(r[3]),
                str(r[4]),
                int(r[5]),
                int(r[6]),
                int(r[7]),
                int(r[8]),
                int(r[9] or 0),
                int(r[10] or 0),
            )
            for r in rows
        ]
