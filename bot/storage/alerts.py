"""Repository for alerts and their approvals. Approval and the outbox rows of every recipient
are written in one transaction, so an approved alert can never miss its recipients."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from bot.storage.db import Database, Transaction
from bot.storage.outbox import enqueue_alert


@dataclass(frozen=True)
class Alert:
    id: str
    kind: str
    region: str
    area: str
    place_type: str
    time_window: str
    certainty: str
    advice: str
    text_ru: str
    text_en: str
    text_hash: bytes
    state: str
    group_key: str | None
    created_at: str
    approved_at: str | None = None
    expires_at: str | None = None
    progress_by: bytes | None = None
    progress_message_id: int | None = None
    progress_lang: str | None = None
    closed_ru: str | None = None
    closed_en: str | None = None
    update_of: str | None = None
    withdrawn_at: float | None = None
    withdrawn_by: bytes | None = None
    # The hours ('2026-12-06T21', UTC) of the first and last report drafted from (0007).
    reported_first: str | None = None
    reported_last: str | None = None


_COLUMNS = ", ".join(f.name for f in fields(Alert))
# Fields a moderator may change while the alert is a draft (the texts follow from them).
EDITABLE = ("area", "place_type", "time_window", "certainty", "advice")


@dataclass(frozen=True)
class Approval:
    """What happened when a moderator approved: `state` is the alert's state afterwards."""

    outcome: str  # recorded | duplicate | stale | gone | sending
    approvals: int
    recipients: int = 0


@dataclass(frozen=True)
class DraftSummary:
    alert: Alert
    approvals: int


# The shortest hash prefix an approval may name (an Approve button carries 8 bytes).
MIN_HASH_PREFIX = 8


def _same_text(stored_hash: bytes, seen: bytes) -> bool:
    """The approver saw the stored text: `seen` is its hash, or a long enough prefix of it."""
    return len(seen) >= MIN_HASH_PREFIX and hmac.compare_digest(stored_hash[: len(seen)], seen)


@dataclass(frozen=True)
class Reopened:
    """An undone withdrawal: `outcome` is undone | self (the withdrawer cannot undo their own)
    | late (the undo window is over) | gone (not withdrawn); copies to edit back, sends
    resumed."""

    outcome: str
    copies: int = 0
    resumed: int = 0


async def _edit_every_copy(tx: Transaction, alert_id: str) -> int:
    """An 'edit' row for every delivered copy of the alert, replacing any earlier ones (new row
    ids, so that an edit still in flight cannot mark the new one done)."""
    await tx.execute("DELETE FROM outbox WHERE alert_id = ? AND action = 'edit'", (alert_id,))
    return await tx.execute(
        "INSERT INTO outbox (alert_id, subscriber_id, action, target_message_id,"
        " channel_id, channel_lang)"
        " SELECT o.alert_id, o.subscriber_id, 'edit', o.message_id, o.channel_id,"
        " o.channel_lang FROM outbox AS o"
        " WHERE o.alert_id = ? AND o.action = 'send' AND o.state = 'sent'"
        " AND o.message_id IS NOT NULL"
        " AND (o.subscriber_id IS NOT NULL OR o.channel_id IS NOT NULL)",
        (alert_id,),
    )


class _Taken(Exception):
    """A report was drafted by someone else meanwhile: roll the whole draft back."""


def _alert(row: Sequence[Any]) -> Alert:
    values = list(row)
    values[10] = bytes(values[10])
    for blob in (16, 23):  # progress_by, withdrawn_by
        if values[blob] is not None:
            values[blob] = bytes(values[blob])
    return Alert(*values)


class AlertRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, alert: Alert, report_ids: Sequence[str] = ()) -> bool:
        """Store a draft and mark the reports it is drafted from as reviewed, in one
        transaction; False (and nothing stored) if another draft took any of them first."""
        try:
            async with self._db.transaction() as tx:
                marks = ", ".join("?" for _ in fields(Alert))
                values = [getattr(alert, f.name) for f in fields(Alert)]
                await tx.execute(f"INSERT INTO alerts ({_COLUMNS}) VALUES ({marks})", values)  # noqa: S608
                for report_id in report_ids:
                    # Decided when drafted from, to the hour (retention counts from it).
                    taken = await tx.execute(
                        "UPDATE reports SET state = 'reviewed', decided_hour = ?"
                        " WHERE id = ? AND state = 'new'",
                        (alert.created_at[:13], report_id),
                    )
                    if not taken:
                        raise _Taken
                    await tx.execute(
                        "INSERT INTO alert_reports (alert_id, report_id) VALUES (?, ?)",
                        (alert.id, report_id),
                    )
        except _Taken:
            return False
        return True

    async def get(self, alert_id: str) -> Alert | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM alerts WHERE id = ?", (alert_id,))  # noqa: S608
        return None if row is None else _alert(row)

    async def update_draft(
        self,
        alert_id: str,
        expected_hash: bytes,
        changes: dict[str, str],
        text_ru: str,
        text_en: str,
        text_hash: bytes,
    ) -> bool:
        """Change a draft's fields and texts, only if its text is still `expected_hash` (two
        edits at once must not leave fields and text disagreeing); approvals are voided."""
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        assignments = "".join(f"{name} = ?, " for name in changes)
        async with self._db.transaction() as tx:
            updated = await tx.execute(
                f"UPDATE alerts SET {assignments}text_ru = ?, text_en = ?, text_hash = ?"  # noqa: S608
                " WHERE id = ? AND state = 'draft' AND text_hash = ?",
                (*changes.values(), text_ru, text_en, text_hash, alert_id, expected_hash),
            )
            if updated:
                await tx.execute("DELETE FROM approvals WHERE alert_id = ?", (alert_id,))
        return bool(updated)

    async def approve(
        self,
        alert_id: str,
        moderator_ref: bytes,
        text_hash: bytes,
        *,
        needed: int,
        now: str,
        expires_at: str | None,
        progress_message_id: int | None,
        progress_lang: str | None = None,
        admin_refs: frozenset[bytes] = frozenset(),
        final_texts: Callable[[str, str], tuple[str, str]] | None = None,
        channel: tuple[int, str] | None = None,
    ) -> Approval:
        """Record one approval of the text whose hash is `text_hash` (or starts with it: at
        least 8 bytes, what a button carries); with `needed` distinct approvals the alert goes
        to 'sending' and every recipient gets an outbox row, all in one transaction.

        The hash is checked here and only here, against the text as this transaction reads it.
        The role is checked again inside the transaction, and only approvals of people who are
        still active moderators (confirmed: the two-person rule for membership) or admins
        count: a removal racing with an approval cannot slip one in.
        `final_texts` makes the texts sent from the approved ones (ru, en), read in this same
        transaction: the approved texts with their signature line; the stored hash stays that
        of the approved texts.
        """
        admins = ", ".join("?" for _ in admin_refs) or "NULL"
        current = (
            f"(a.moderator_ref IN ({admins})"  # noqa: S608 - placeholders only
            " OR EXISTS (SELECT 1 FROM moderators m"
            " WHERE m.ref = a.moderator_ref AND m.state = 'active'))"
        )
        async with self._db.transaction() as tx:
            if moderator_ref not in admin_refs and not await tx.fetchone(
                "SELECT 1 FROM moderators WHERE ref = ? AND state = 'active'", (moderator_ref,)
            ):
                return Approval("refused", 0)
            row = await tx.fetchone(
                "SELECT state, text_hash, region, text_ru, text_en FROM alerts WHERE id = ?",
                (alert_id,),
            )
            if row is None or row[0] != "draft":
                return Approval("gone", 0)
            stored_hash = bytes(row[1])
            if not _same_text(stored_hash, text_hash):
                return Approval("stale", 0)
            added = await tx.execute(
                "INSERT OR IGNORE INTO approvals (alert_id, moderator_ref, text_hash, approved_at)"
                " VALUES (?, ?, ?, ?)",
                (alert_id, moderator_ref, stored_hash, now),
            )
            counted = await tx.fetchone(
                f"SELECT count(*) FROM approvals AS a WHERE a.alert_id = ? AND a.text_hash = ?"  # noqa: S608
                f" AND {current}",
                (alert_id, stored_hash, *admin_refs),
            )
            count = int(counted[0]) if counted else 0
            if count < needed:
                return Approval("recorded" if added else "duplicate", count)
            if final_texts is not None:
                await tx.execute(
                    "UPDATE alerts SET text_ru = ?, text_en = ? WHERE id = ?",
                    (*final_texts(str(row[3]), str(row[4])), alert_id),
                )
            recipients = await enqueue_alert(tx, alert_id, str(row[2]), channel)
            await tx.execute(
                "UPDATE alerts SET state = ?, approved_at = ?, expires_at = ?, progress_by = ?,"
                " progress_message_id = ?, progress_lang = ? WHERE id = ?",
                (
                    "sending" if recipients else "sent",
                    now,
                    expires_at,
                    moderator_ref,
                    progress_message_id,
                    progress_lang,
                    alert_id,
                ),
            )
            return Approval("sending", count, recipients)

    async def close(
        self,
        alert_id: str,
        state: str,
        closed: tuple[str, str],
        *,
        withdrawn_by: bytes | None = None,
        at: float | None = None,
    ) -> int | None:
        """Withdraw, expire or replace a sent alert in one transaction: sends still pending
        stop, and every delivered copy gets an 'edit' row that changes it to `closed` (ru, en).
        (A bot may edit its own messages at any age; Telegram's 48-hour limit is for business
        messages.) A withdrawal records who (a ref) and when, for the undo. None if the alert
        was not open; else the number of edits."""
        if state not in ("withdrawn", "expired", "replaced"):
            raise ValueError("an alert closes as withdrawn, expired or replaced")
        async with self._db.transaction() as tx:
            closed_now = await tx.execute(
                "UPDATE alerts SET state = ?, closed_ru = ?, closed_en = ?, withdrawn_by = ?,"
                " withdrawn_at = ? WHERE id = ? AND kind = 'alert'"
                " AND state IN ('sending', 'sent')",
                (state, *closed, withdrawn_by, at, alert_id),
            )
            if not closed_now:
                return None
            await tx.execute(
                "UPDATE outbox SET state = 'dropped', last_error = ?"
                " WHERE alert_id = ? AND action = 'send' AND state = 'pending'",
                (state.capitalize(), alert_id),
            )
            return await _edit_every_copy(tx, alert_id)

    async def reopen(self, alert_id: str, undoer: bytes, withdrawn_since: float) -> Reopened:
        """Undo a withdrawal made at `withdrawn_since` or later by someone other than `undoer`:
        the alert stands again, the sends it stopped resume, and every delivered copy gets an
        'edit' row that brings it back to the alert's text (the courier edits a copy to what
        the alert says now). One transaction."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT state, withdrawn_by, withdrawn_at FROM alerts"
                " WHERE id = ? AND kind = 'alert'",
                (alert_id,),
            )
            if row is None or row[0] != "withdrawn" or row[2] is None:
                return Reopened("gone")
            if row[1] is not None and hmac.compare_digest(bytes(row[1]), undoer):
                return Reopened("self")
            if float(row[2]) < withdrawn_since:
                return Reopened("late")
            resumed = await tx.execute(
                "UPDATE outbox SET state = 'pending', last_error = NULL, next_at = 0"
                " WHERE alert_id = ? AND action = 'send' AND state = 'dropped'"
                " AND last_error = 'Withdrawn'",
                (alert_id,),
            )
            await tx.execute(
                "UPDATE alerts SET state = ?, closed_ru = NULL, closed_en = NULL,"
                " withdrawn_by = NULL, withdrawn_at = NULL WHERE id = ?",
                ("sending" if resumed else "sent", alert_id),
            )
            return Reopened("undone", await _edit_every_copy(tx, alert_id), resumed)

    async def expired(self, now: str) -> list[str]:
        """Open alerts whose expiry has passed."""
        rows = await self._db.fetchall(
            "SELECT id FROM alerts WHERE kind = 'alert' AND state IN ('sending', 'sent')"
            " AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at",
            (now,),
        )
        return [str(r[0]) for r in rows]

    async def open_alerts(self) -> list[Alert]:
        """Alerts sent (or sending) and not yet withdrawn or expired, newest first."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM alerts WHERE kind = 'alert'"  # noqa: S608
            " AND state IN ('sending', 'sent') ORDER BY approved_at DESC"
        )
        return [_alert(r) for r in rows]

    async def reject(self, alert_id: str) -> bool:
        """Reject a draft; its reports go back to the queue (the draft, not they, was wrong)."""
        async with self._db.transaction() as tx:
            rejected = await tx.execute(
                "UPDATE alerts SET state = 'rejected' WHERE id = ? AND state = 'draft'",
                (alert_id,),
            )
            if rejected:
                await tx.execute(
                    "UPDATE reports SET state = 'new', decided_hour = NULL"
                    " WHERE state = 'reviewed' AND id IN"
                    " (SELECT report_id FROM alert_reports WHERE alert_id = ?)",
                    (alert_id,),
                )
        return bool(rejected)

    async def approvals(self, alert_id: str) -> list[bytes]:
        """Refs of the moderators whose approval is for the alert's current text."""
        rows = await self._db.fetchall(
            "SELECT a.moderator_ref FROM approvals a JOIN alerts x ON x.id = a.alert_id"
            " WHERE a.alert_id = ? AND a.text_hash = x.text_hash ORDER BY a.approved_at",
            (alert_id,),
        )
        return [bytes(r[0]) for r in rows]

    async def drafts(self) -> list[DraftSummary]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS}, (SELECT count(*) FROM approvals a"  # noqa: S608
            " WHERE a.alert_id = alerts.id AND a.text_hash = alerts.text_hash)"
            " FROM alerts WHERE state = 'draft' ORDER BY created_at"
        )
        return [DraftSummary(_alert(r[:-1]), int(r[-1])) for r in rows]

    async def purge(self, created_before: str) -> int:
        """Delete finished alerts (and their outbox rows and approvals) created before a time."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM alerts WHERE created_at < ? AND state != 'sending'",
                (created_before,),
            )
