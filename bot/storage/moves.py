"""Repository for notices of a move to a new bot: the announcement row, its outbox rows and the
record that it was made, in one transaction, so that a second run adds nobody twice."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.storage.db import Database
from bot.storage.outbox import enqueue_alert


@dataclass(frozen=True)
class Queued:
    """`alert_id` carries the notice; `created`: this call made it; `added`: subscribers queued
    by this call (the ones who subscribed since an earlier run, or everyone the first time);
    `purged`: an earlier notice's rows were deleted by retention, so nothing was queued."""

    alert_id: str
    created: bool
    added: int
    purged: bool = False


class MoveRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def queue(
        self,
        username: str,
        alert_id: str,
        now: str,
        texts: Callable[[str], tuple[str, str, bytes]],
        channels: Sequence[tuple[int, str]] = (),
    ) -> Queued:
        """Queue the notice of a move to `username` for every subscriber, and one post for each
        of `channels` (id, language), not yet queued for it. `texts(alert_id)` gives the signed
        (ru, en) texts and their hash, made only when the notice is new (a second run keeps
        the first run's id and texts)."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone("SELECT alert_id FROM moves WHERE username = ?", (username,))
            created = row is None
            if row is not None:
                alert_id = str(row[0])
                if not await tx.fetchone("SELECT 1 FROM alerts WHERE id = ?", (alert_id,)):
                    return Queued(alert_id, created=False, added=0, purged=True)
            else:
                text_ru, text_en, digest = texts(alert_id)
                await tx.execute(
                    "INSERT INTO alerts (id, kind, region, area, place_type, time_window,"
                    " certainty, advice, text_ru, text_en, text_hash, state, created_at,"
                    " approved_at) VALUES (?, 'announcement', '*', '', '', '', 'single', '',"
                    " ?, ?, ?, 'sending', ?, ?)",
                    (alert_id, text_ru, text_en, digest, now, now),
                )
                await tx.execute(
                    "INSERT INTO moves (username, alert_id, created_at) VALUES (?, ?, ?)",
                    (username, alert_id, now),
                )
            added = await enqueue_alert(tx, alert_id, "*")
            for channel in channels:  # subscribers are all queued: this adds the channel's post
                added += await enqueue_alert(tx, alert_id, "*", channel)
            if added:
                await tx.execute("UPDATE alerts SET state = 'sending' WHERE id = ?", (alert_id,))
            elif created:
                await tx.execute("UPDATE alerts SET state = 'sent' WHERE id = ?", (alert_id,))
        return Queued(alert_id, created=created, added=added)

    async def moved_to(self, alert_id: str) -> str | None:
        """The new bot a notice names, if `alert_id` is one."""
        value = await self._db.fetchval(
            "SELECT username FROM moves WHERE alert_id = ?", (alert_id,)
        )
        return None if value is None else str(value)
