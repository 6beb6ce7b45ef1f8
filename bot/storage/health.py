"""The bot's status row and the counts `helpline-bot status` and the heartbeat show.

Only counts and minute-rounded times leave here; the row holds no id and no count of what people
did (see migrations/0007_health.sql for why).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from bot.storage.db import Database


@dataclass(frozen=True)
class StatusRow:
    """What the running bot last wrote about itself."""

    started_at: str
    seen_at: str
    receiver: str  # 'polling' or 'webhook'
    keyring: str  # 'unlocked', 'locked', 'none' or 'destroyed'
    updates_at: str | None = None
    stopped_at: str | None = None
    next_runs: dict[str, str] = field(default_factory=dict)  # job id -> UTC minute


@dataclass(frozen=True)
class Backlog:
    """What waits for people or for the broadcaster."""

    reports_waiting: int  # reports no moderator has decided on
    drafts_waiting: int  # alert and announcement drafts awaiting approval
    outbox: int  # sends and edits not yet done


class StatusRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def write(self, row: StatusRow) -> None:
        """Replace the one row (a running bot's; `stopped_at` is cleared by a new run)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO bot_status (id, started_at, seen_at, stopped_at, updates_at,"
                " receiver, keyring, next_runs) VALUES (1, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET started_at = excluded.started_at,"
                " seen_at = excluded.seen_at, stopped_at = excluded.stopped_at,"
                " updates_at = excluded.updates_at, receiver = excluded.receiver,"
                " keyring = excluded.keyring, next_runs = excluded.next_runs",
                (
                    row.started_at,
                    row.seen_at,
                    row.stopped_at,
                    row.updates_at,
                    row.receiver,
                    row.keyring,
                    json.dumps(row.next_runs, sort_keys=True),
                ),
            )

    async def read(self) -> StatusRow | None:
        """The row; None when no bot wrote one (or the schema predates the table)."""
        try:
            row = await self._db.fetchone(
                "SELECT started_at, seen_at, stopped_at, updates_at, receiver, keyring, next_runs"
                " FROM bot_status WHERE id = 1"
            )
        except sqlite3.OperationalError:  # no such table: `status` on an old database
            return None
        if row is None:
            return None
        try:
            runs = json.loads(row[6])
        except ValueError:
            runs = {}
        return StatusRow(
            started_at=str(row[0]),
            seen_at=str(row[1]),
            stopped_at=None if row[2] is None else str(row[2]),
            updates_at=None if row[3] is None else str(row[3]),
            receiver=str(row[4]),
            keyring=str(row[5]),
            next_runs={str(k): str(v) for k, v in runs.items()} if isinstance(runs, dict) else {},
        )

    async def backlog(self) -> Backlog:
        row = await self._db.fetchone(
            "SELECT (SELECT count(*) FROM reports WHERE state = 'new'),"
            " (SELECT count(*) FROM alerts WHERE state = 'draft'),"
            " (SELECT count(*) FROM outbox WHERE state = 'pending')"
        )
        assert row is not None
        return Backlog(int(row[0]), int(row[1]), int(row[2]))

    async def reports_in_hour(self, hour: str) -> int:
        """Reports created in `hour` (YYYY-MM-DDTHH, UTC): the metrics' hourly figure."""
        return int(
            await self._db.fetchval("SELECT count(*) FROM reports WHERE created_hour = ?", (hour,))
        )
