"""Repository for the alert outbox: the only SQL about delivering alerts to subscribers.

One row per recipient of an approved alert (`outbox` in migrations/0003_alerts.sql), written in
the approval's own transaction by `enqueue_alert`, then drained by the broadcaster. Rows name a
subscriber by row id; the chat id exists only encrypted in `subscribers.chat_ct`. A row marked
'sent' is never handed out again: every update below is guarded by `state = 'pending'`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import LANGUAGES
from bot.storage.db import Database, Transaction

ALL_REGIONS = "*"
LANGS = LANGUAGES


@dataclass(frozen=True)
class Delivery:
    """A due outbox row with what is needed to send it (the chat id still encrypted)."""

    id: int
    alert_id: str
    subscriber_id: int
    ref: bytes
    chat_ct: bytes
    lang: str
    silent: bool
    attempts: int
    action: str = (
        "send"  # or "edit": change the copy `target_message_id` to what the alert says now
    )
    target_message_id: int | None = None
    channel_id: int | None = None  # a region channel's post (no subscriber, nothing encrypted)


@dataclass(frozen=True)
class Progress:
    sent: int = 0
    failed: int = 0
    dropped: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.dropped + self.pending

    @property
    def done(self) -> bool:
        return self.pending == 0


# Everyone subscribed to `region`, everyone subscribed to all regions, or everyone at all when
# the alert is for the whole country. A subscriber is one row whatever the number of matches.
_ENQUEUE = (
    "INSERT INTO outbox (alert_id, subscriber_id)"
    " SELECT ?, s.id FROM subscribers AS s"
    " WHERE ? = '*' OR s.all_regions = 1"
    " OR s.id IN (SELECT r.subscriber_id FROM subscriber_regions AS r WHERE r.region = ?)"
    " ORDER BY s.id"
    " ON CONFLICT (alert_id, subscriber_id, action) DO NOTHING"
)

# Both walk the (state, next_at) index and stop after `limit` rows, so the cost of a batch does
# not grow with the outbox. Rows never tried have next_at = 0; a retry or a row put back after a
# 429 has next_at = the unix time it waits for. Due retries come first (they have waited
# longest), then fresh rows in the order they were queued. LEFT JOIN: orphans are seen too.
_COLUMNS = (
    "SELECT o.id, o.alert_id, o.subscriber_id, s.ref, s.chat_ct,"
    " coalesce(s.lang, o.channel_lang), s.silent, o.attempts, o.action, o.target_message_id,"
    " o.channel_id"
    " FROM outbox AS o LEFT JOIN subscribers AS s ON s.id = o.subscriber_id"
)
_DUE_RETRIES = (
    f"{_COLUMNS} WHERE o.state = 'pending' AND o.next_at > 0 AND o.next_at <= ?"
    " ORDER BY o.next_at, o.id LIMIT ?"
)
_DUE_FRESH = f"{_COLUMNS} WHERE o.state = 'pending' AND o.next_at = 0 ORDER BY o.id LIMIT ?"


async def enqueue_alert(
    tx: Transaction,
    alert_id: str,
    region: str,
    channel: tuple[int, str] | None = None,
) -> int:
    """Queue `alert_id` for every subscriber of `region` ('*': everyone) inside the caller's
    transaction (the approval), so an approved alert always has its recipients; `channel`
    (id, language) adds one post to the region's channel. Idempotent for subscribers: a
    second call adds nobody. Returns the number of rows added."""
    added = await tx.execute(_ENQUEUE, (alert_id, region, region))
    if channel is not None:
        added += await tx.execute(
            "INSERT INTO outbox (alert_id, channel_id, channel_lang) SELECT ?, ?, ?"
            " WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE alert_id = ? AND channel_id = ?"
            " AND action = 'send')",
            (alert_id, channel[0], channel[1], alert_id, channel[0]),
        )
    return added


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def due(self, now: float, limit: int) -> list[Delivery]:
        """Up to `limit` pending rows whose time has come: due retries, then fresh rows.

        Rows whose subscriber is gone (subscriber_id NULL) are marked 'dropped' on the way and
        not returned.
        """
        if limit <= 0:
            return []
        while True:
            rows = await self._db.fetchall(_DUE_RETRIES, (now, limit))
            if len(rows) < limit:
                rows += await self._db.fetchall(_DUE_FRESH, (limit - len(rows),))
            orphans = [(int(r[0]),) for r in rows if r[3] is None and r[10] is None]
            if not orphans:
                return [
                    Delivery(
                        id=int(r[0]),
                        alert_id=str(r[1]),
                        subscriber_id=0 if r[2] is None else int(r[2]),
                        ref=b"" if r[3] is None else bytes(r[3]),
                        chat_ct=b"" if r[4] is None else bytes(r[4]),
                        lang=str(r[5] or "ru"),
                        silent=bool(r[6]),
                        attempts=int(r[7]),
                        action=str(r[8]),
                        target_message_id=None if r[9] is None else int(r[9]),
                        channel_id=None if r[10] is None else int(r[10]),
                    )
                    for r in rows
                ]
            async with self._db.transaction() as tx:
                await tx.executemany(
                    "UPDATE outbox SET state = 'dropped', last_error = 'SubscriberGone'"
                    " WHERE id = ? AND state = 'pending'",
                    orphans,
                )

    async def mark_sent(self, outbox_id: int, message_id: int | None) -> bool:
        """Record a delivery (the attempt that succeeded counts). False if the row was not
        pending any more (dropped meanwhile, or already recorded)."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE outbox SET state = 'sent', message_id = ?, attempts = attempts + 1,"
                " last_error = NULL WHERE id = ? AND state = 'pending'",
                (message_id, outbox_id),
            )
            if changed == 0 and message_id is not None:
                # A send that was in flight while its alert was withdrawn (or expired, or
                # replaced) still arrived: record it, and have that copy edited too.
                closed = await tx.execute(
                    "UPDATE outbox SET state = 'sent', message_id = ?, last_error = NULL"
                    " WHERE id = ? AND action = 'send' AND state = 'dropped' AND alert_id IN"
                    " (SELECT id FROM alerts WHERE state IN ('withdrawn', 'expired', 'replaced'))",
                    (message_id, outbox_id),
                )
                if closed:
                    await tx.execute(
                        "INSERT INTO outbox (alert_id, subscriber_id, action, target_message_id,"
                        " channel_id, channel_lang) SELECT alert_id, subscriber_id, 'edit',"
                        " message_id, channel_id, channel_lang FROM outbox WHERE id = ?"
                        " ON CONFLICT (alert_id, subscriber_id, action) DO NOTHING",
                        (outbox_id,),
                    )
                    return True
        return changed == 1

    async def reschedule(
        self, outbox_id: int, next_at: float, error_class: str, *, count_attempt: bool
    ) -> bool:
        """Try again at `next_at`; a 429 does not count as an attempt, a 5xx does."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE outbox SET next_at = ?, last_error = ?, attempts = attempts + ?"
                " WHERE id = ? AND state = 'pending'",
                (next_at, error_class, int(count_attempt), outbox_id),
            )
        return changed == 1

    async def mark_failed(
        self, outbox_id: int, error_class: str, *, count_attempt: bool = True
    ) -> bool:
        """Give up on a row. `count_attempt=False` when no request was made (e.g. the chat id
        did not decrypt)."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE outbox SET state = 'failed', last_error = ?, attempts = attempts + ?"
                " WHERE id = ? AND state = 'pending'",
                (error_class, int(count_attempt), outbox_id),
            )
        return changed == 1

    async def mark_dropped(self, outbox_id: int, error_class: str) -> bool:
        """The recipient is gone (retired, unsubscribed): nothing to deliver to any more."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE outbox SET state = 'dropped', last_error = ?"
                " WHERE id = ? AND state = 'pending'",
                (error_class, outbox_id),
            )
        return changed == 1

    async def progress(self, alert_id: str) -> Progress:
        rows = await self._db.fetchall(
            "SELECT state, count(*) FROM outbox WHERE alert_id = ? AND action = 'send'"
            " GROUP BY state",
            (alert_id,),
        )
        counts = {str(r[0]): int(r[1]) for r in rows}
        return Progress(
            sent=counts.get("sent", 0),
            failed=counts.get("failed", 0),
            dropped=counts.get("dropped", 0),
            pending=counts.get("pending", 0),
        )

    async def texts(self, alert_id: str, action: str = "send") -> dict[str, str]:
        """The alert's text by language; empty if none. For 'edit': what a copy says now, the
        closed text, or (after a withdrawal was undone) the alert's own text again."""
        columns = (
            "coalesce(closed_ru, text_ru), coalesce(closed_en, text_en)"
            if action == "edit"
            else "text_ru, text_en"
        )
        row = await self._db.fetchone(
            f"SELECT {columns} FROM alerts WHERE id = ?",  # noqa: S608 - two fixed column sets
            (alert_id,),
        )
        if row is None:
            return {}
        return {lang: str(text) for lang, text in zip(LANGS, row, strict=True) if text}

    async def is_open(self, alert_id: str) -> bool:
        """The alert stands (sending or sent): an edit of its copy brings its buttons back."""
        state = await self._db.fetchval("SELECT state FROM alerts WHERE id = ?", (alert_id,))
        return state in ("sending", "sent")

    async def kind(self, alert_id: str) -> str | None:
        """'alert' or 'announcement'; None if the alert does not exist."""
        value = await self._db.fetchval("SELECT kind FROM alerts WHERE id = ?", (alert_id,))
        return None if value is None else str(value)

    async def next_due_at(self) -> float | None:
        """When the earliest pending row becomes due (possibly in the past); None if none."""
        value = await self._db.fetchval("SELECT min(next_at) FROM outbox WHERE state = 'pending'")
        return None if value is None else float(value)

    async def active_alerts(self) -> list[str]:
        """Alerts being broadcast (state 'sending'), oldest first."""
        rows = await self._db.fetchall(
            "SELECT id FROM alerts WHERE state = 'sending' ORDER BY created_at, id"
        )
        return [str(r[0]) for r in rows]

    async def has_pending(self, alert_id: str) -> bool:
        value = await self._db.fetchval(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE alert_id = ? AND state = 'pending')",
            (alert_id,),
        )
        return bool(value)

    async def finish_if_done(self, alert_id: str) -> bool:
        """'sending' -> 'sent' once no row of the alert is pending; True if this call did it."""
        if await self.has_pending(alert_id):  # the common case, without taking the write lock
            return False
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE alerts SET state = 'sent' WHERE id = ? AND state = 'sending'"
                " AND NOT EXISTS (SELECT 1 FROM outbox WHERE alert_id = ? AND state = 'pending')",
                (alert_id, alert_id),
            )
        return changed == 1
