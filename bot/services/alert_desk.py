"""Alerts from draft to close: drafting from a report group, editing, the two-person rule,
withdrawing, expiring, replacing, and an admin's announcement (approved like an alert).

What goes out is signed with the instance's key; the text hash is checked once, inside the
transaction that records an approval, so only the very text a moderator saw is ever signed.
Whenever an action leaves work in the outbox the broadcaster is woken here, never by a handler.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.crypto.keyring import UnlockedKeyring
from bot.services.alert_text import (
    Advice,
    AlertField,
    AlertText,
    Certainty,
    Closing,
    edited_value,
)
from bot.services.announcements import announcement_draft
from bot.services.audit_trail import SYSTEM, AuditTrail, minute
from bot.services.report_window import ReportWindow, group_key
from bot.services.reporters import ReporterMemory
from bot.services.reports import TIME_BUCKETS
from bot.services.review_keys import ReviewKeys
from bot.services.signatures import (
    USERNAME,
    InstanceUnnamed,
    alert_signer,
    announcement_signer,
)
from bot.services.team import Moderator, ModeratorTeam
from bot.storage.alerts import Alert, AlertRepository, Approval, Reopened
from bot.storage.db import Database
from bot.storage.reports import ReportGroups


class AlertProgress:
    """Where a broadcast's progress is shown: the approving moderator's message."""

    def __init__(self, db: Database, team: ModeratorTeam) -> None:
        self._alerts = AlertRepository(db)
        self._team = team

    async def target(self, alert_id: str) -> tuple[int, int, str | None] | None:
        """(chat, message id, language) of the progress message, if there is one."""
        alert = await self._alerts.get(alert_id)
        if alert is None or alert.progress_by is None or alert.progress_message_id is None:
            return None
        chat = await self._team.chat_of(alert.progress_by)
        return None if chat is None else (chat, alert.progress_message_id, alert.progress_lang)


class AlertDesk:
    """Drafts, approvals and the life of sent alerts."""

    def __init__(
        self,
        db: Database,
        keys: ReviewKeys,
        team: ModeratorTeam,
        text: AlertText,
        *,
        approvals_needed: int,
        ttl_hours: int,
        region_channels: dict[str, int] | None = None,
        channel_lang: str = "ru",
        undo_minutes: float = 5,
        wake: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.time,
        reporters: ReporterMemory | None = None,
    ) -> None:
        self._alerts = AlertRepository(db)
        self._clock = clock
        self.undo_minutes = undo_minutes
        self._reporters = reporters if reporters is not None else ReporterMemory(clock=clock)
        self._groups = ReportGroups(db)
        self._audit = AuditTrail(db, keys, clock)
        self._keys = keys
        self._team = team
        self._text = text
        self.approvals_needed = approvals_needed
        self._ttl_hours = ttl_hours
        self._region_channels = dict(region_channels or {})
        self._channel_lang = channel_lang
        self._wake = wake or (lambda: None)
        self.on_sending: Callable[[str], None] = lambda kind: None  # quorum reached (metrics)
        self.issuer: str | None = None  # this bot's @username, once start-up has asked Telegram

    def name_instance(self, username: str | None) -> None:
        """This bot's username, from getMe at start: the name signed texts carry (an approval
        never asks Telegram). Anything but a valid username leaves it unknown."""
        self.issuer = username if username and USERNAME.fullmatch(username) else None

    # --- reading -------------------------------------------------------------------------------

    async def alert(self, alert_id: str) -> Alert | None:
        return await self._alerts.get(alert_id)

    async def approvers(self, alert_id: str) -> list[bytes]:
        """Refs of those whose approval is for the draft's current text."""
        return await self._alerts.approvals(alert_id)

    async def drafts(self) -> list[tuple[Alert, int]]:
        """Drafts waiting for approval, oldest first, with their approvals of the current text."""
        return [(d.alert, d.approvals) for d in await self._alerts.drafts()]

    async def open_alerts(self) -> list[Alert]:
        """Alerts sent (or sending) and still standing, newest first."""
        return await self._alerts.open_alerts()

    def render_text(self, alert: Alert, lang: str) -> str:
        """The alert as subscribers in `lang` will read it."""
        return self._text.render(alert, lang)

    # --- drafts --------------------------------------------------------------------------------

    async def draft_from_group(
        self, moderator: Moderator, region: str, window: ReportWindow
    ) -> Alert:
        """An alert draft pre-filled from a group: its most common place and latest time;
        corroborated only when two or more people are known to have reported (who sent which
        is in memory only: after a restart the count is unknown, and the draft single)."""
        self._keys.require()
        members = await self._groups.members(region, str(window))
        if not members:
            raise LookupError("the group is empty or already decided")
        reporters = self._reporters.count(r.id for r in members) or 0
        place = Counter(r.place_type for r in members).most_common(1)[0][0]
        bucket = min((r.time_bucket for r in members), key=TIME_BUCKETS.index)
        alert = self._text.with_texts(
            Alert(
                id=secrets.token_hex(4),
                kind="alert",
                region=region,
                area="",
                place_type=place,
                time_window=bucket,
                certainty=Certainty.CORROBORATED if reporters >= 2 else Certainty.SINGLE,
                advice=Advice.AVOID,
                text_ru="",
                text_en="",
                text_hash=b"",
                state="draft",
                group_key=group_key(region, window),
                created_at=minute(self._audit.now()),
                reported_first=min(r.created_hour for r in members),
                reported_last=max(r.created_hour for r in members),
            )
        )
        if not await self._alerts.create(alert, [r.id for r in members]):
            raise LookupError("another moderator drafted from this group meanwhile")
        await self._audit.moderator_did(moderator.alias, "alert.draft", alert.id)
        return alert

    async def draft_update(self, moderator: Moderator, alert_id: str) -> Alert:
        """A draft that updates a sent alert: the same fields to edit, a line that refers to the
        original, and, once approved like any alert, the original's copies say it was replaced."""
        self._keys.require()
        original = await self._alerts.get(alert_id)
        if (
            original is None
            or original.kind != "alert"
            or original.state not in ("sending", "sent")
        ):
            raise LookupError("only an open alert can be updated")
        alert = self._text.with_texts(
            replace(
                original,
                id=secrets.token_hex(4),
                state="draft",
                created_at=minute(self._audit.now()),
                approved_at=None,
                expires_at=None,
                progress_by=None,
                progress_message_id=None,
                progress_lang=None,
                closed_ru=None,
                closed_en=None,
                update_of=original.id,
            )
        )
        if not await self._alerts.create(alert):
            raise LookupError("the update could not be stored")
        await self._audit.moderator_did(
            moderator.alias, "alert.update", f"{alert.id}:{original.id}"
        )
        return alert

    async def edit(
        self, moderator: Moderator, alert_id: str, field: AlertField, value: str | None = None
    ) -> Alert | None:
        """Change one template field (cycling through the choices when `value` is None).

        Any change voids the approvals given so far: they were for the old text. None when the
        draft is gone or was changed meanwhile; ValueError when `value` does not fit.
        """
        self._keys.require()
        try:
            field = AlertField(field)
        except ValueError:
            return None
        alert = await self._alerts.get(alert_id)
        if alert is None or alert.state != "draft" or alert.kind != "alert":
            return None
        new_value = edited_value(alert, field, value)
        changed = replace(alert, **{field.value: new_value})  # type: ignore[arg-type]  # str fields
        updated = self._text.with_texts(changed)
        if not await self._alerts.update_draft(
            alert_id,
            alert.text_hash,
            {field.value: new_value},
            updated.text_ru,
            updated.text_en,
            updated.text_hash,
        ):
            return None
        await self._audit.moderator_did(moderator.alias, "alert.edit", f"{alert_id}:{field}")
        return updated

    async def reject_alert(self, moderator: Moderator, alert_id: str) -> bool:
        """Reject a draft; its reports go back to the queue (the draft, not they, was wrong)."""
        self._keys.require()
        rejected = await self._alerts.reject(alert_id)
        if rejected:
            await self._audit.moderator_did(moderator.alias, "alert.reject", alert_id)
        return rejected

    # --- approval ------------------------------------------------------------------------------

    async def approve(
        self,
        moderator: Moderator,
        alert_id: str,
        seen_hash: bytes,
        progress_message_id: int | None,
        lang: str,
        before_sending: Callable[[int], Awaitable[None]] | None = None,
    ) -> Approval:
        """One moderator's approval of the text they saw: `seen_hash` is its hash, or the first
        8 bytes of it (an Approve button's). At the quorum the alert is queued, signed with the
        instance's key, and the broadcaster woken.

        `before_sending(recipients)` runs after the quorum is recorded and before the wake: the
        approving moderator's message says "sending" before the broadcaster's progress edits of
        that same message can start, so its final "sent" is never overwritten. While this
        bot's username is unknown: InstanceUnnamed, and nothing is recorded."""
        ring, issuer = self._keys.require(), self.issuer
        if issuer is None:
            raise InstanceUnnamed("this bot's username is unknown: no text is signed")
        alert = await self._alerts.get(alert_id)
        if alert is None:
            return Approval("gone", 0)
        now = self._audit.now()
        expires = now + dt.timedelta(hours=self._ttl_hours)
        alert_kind = alert.kind == "alert"
        result = await self._alerts.approve(
            alert_id,
            moderator.ref,
            seen_hash,
            needed=self.approvals_needed,
            now=minute(now),
            expires_at=minute(expires) if alert_kind else None,
            progress_message_id=progress_message_id,
            progress_lang=lang,
            admin_refs=self._team.admin_refs(),
            final_texts=(
                self._signer(ring, alert, expires, issuer)
                if alert_kind
                else announcement_signer(
                    ring, alert_id, lambda lang: self._text.issued_by(lang, issuer)
                )
            ),
            channel=(
                (self._region_channels[alert.region], self._channel_lang)
                if alert_kind and alert.region in self._region_channels
                else None
            ),
        )
        if result.outcome in ("recorded", "sending"):
            await self._audit.moderator_did(moderator.alias, f"{alert.kind}.approve", alert_id)
        if result.outcome == "sending":
            self.on_sending(alert.kind)
            await self._audit.record(
                SYSTEM, f"{alert.kind}.send", f"{alert_id}:{result.recipients}"
            )
            if alert.update_of is not None:
                await self._close(alert.update_of, Closing.REPLACED)
            if before_sending is not None:
                try:
                    await before_sending(result.recipients)
                finally:
                    self._wake()
            else:
                self._wake()
        return result

    def _signer(
        self, ring: UnlockedKeyring, alert: Alert, expires: dt.datetime, issuer: str
    ) -> Callable[[str, str], tuple[str, str]]:
        """What goes out, made from the texts as the approving transaction reads them: the
        approved text, when it stops being valid, which bot issues it, and the signature."""
        return alert_signer(
            ring,
            alert.id,
            lambda lang: self._text.valid_until(lang, alert, expires),
            lambda lang: self._text.issued_by(lang, issuer),
        )

    # --- sent alerts ---------------------------------------------------------------------------

    async def withdraw(self, moderator: Moderator, alert_id: str) -> int | None:
        """Withdraw a sent alert: pending sends stop and delivered copies are edited to say so.
        None if it was not open; else how many copies will be edited. Any other moderator may
        undo it for `undo_minutes` (a taken-over account must not silence an alert unseen)."""
        self._keys.require()
        edits = await self._close(alert_id, Closing.WITHDRAWN, by=moderator.ref)
        if edits is not None:
            await self._audit.moderator_did(moderator.alias, "alert.withdraw", alert_id)
            self._wake()
        return edits

    async def undo_withdrawal(self, moderator: Moderator, alert_id: str) -> Reopened:
        """Another moderator's (or admin's) undo of a withdrawal, within `undo_minutes`: the
        alert stands again, its stopped sends resume and its copies are edited back."""
        self._keys.require()
        since = self._clock() - self.undo_minutes * 60
        reopened = await self._alerts.reopen(alert_id, moderator.ref, since)
        if reopened.outcome == "undone":
            await self._audit.moderator_did(moderator.alias, "alert.undo-withdraw", alert_id)
            self._wake()
        return reopened

    async def expire_due(self) -> int:
        """Close every alert past its expiry (a job); returns how many copies will be edited."""
        edits = 0
        for alert_id in await self._alerts.expired(minute(self._audit.now())):
            closed = await self._close(alert_id, Closing.EXPIRED)
            if closed is not None:
                edits += closed
                await self._audit.record(SYSTEM, "alert.expire", alert_id)
        if edits:
            self._wake()
        return edits

    async def purge(self, retention_days: int) -> int:
        """Retention: finished alerts (with their outbox rows) go."""
        before = self._audit.now() - dt.timedelta(days=retention_days)
        return await self._alerts.purge(minute(before))

    async def _close(self, alert_id: str, closing: Closing, by: bytes | None = None) -> int | None:
        alert = await self._alerts.get(alert_id)
        if alert is None:
            return None
        closed = (self._text.closed(alert, "ru", closing), self._text.closed(alert, "en", closing))
        if by is None:
            return await self._alerts.close(alert_id, closing, closed)
        return await self._alerts.close(
            alert_id, closing, closed, withdrawn_by=by, at=self._clock()
        )

    # --- announcements -------------------------------------------------------------------------

    async def draft_announcement(self, admin: Moderator, text: str) -> Alert:
        """An admin's announcement to every subscriber, as a draft (bot.services.announcements):
        like an alert it goes out, signed, only once ALERT_APPROVALS different people (the
        admin may be one) have approved exactly its texts. One taken-over admin account cannot
        speak for the helpline."""
        if not admin.is_admin:
            raise PermissionError("admins only")
        self._keys.require()
        alert = announcement_draft(self._text, text, minute(self._audit.now()))
        if not await self._alerts.create(alert):
            raise LookupError("the announcement could not be stored")
        await self._audit.moderator_did(admin.alias, "announcement.draft", alert.id)
        return alert
