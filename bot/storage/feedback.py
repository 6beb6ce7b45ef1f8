"""Repository for subscribers' feedback on alerts: two counts per alert, nothing else."""

from __future__ import annotations

from bot.storage.db import Database

VOTES = ("still", "gone")


class FeedbackRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def change(self, alert_id: str, add: str, remove: str | None) -> None:
        """Count one answer (`add`), taking back the same person's earlier one (`remove`)."""
        if add not in VOTES or (remove is not None and remove not in VOTES):
            raise ValueError("a vote is 'still' or 'gone'")
        still = (add == "still") - (remove == "still")
        gone = (add == "gone") - (remove == "gone")
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO alert_feedback (alert_id, still, gone)"
                " VALUES (?, max(?, 0), max(?, 0)) ON CONFLICT (alert_id)"
                " DO UPDATE SET still = max(still + ?, 0), gone = max(gone + ?, 0)",
                (alert_id, still, gone, still, gone),
            )
