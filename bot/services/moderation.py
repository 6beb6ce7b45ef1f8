"""Moderation: who may moderate, the report queue, alert drafts and the two-person rule.

Roles are checked here, on the server, for every action; handlers only translate buttons into
calls. Moderators are identified by a blind index of their user id (admins come from ADMIN_IDS),
and every action goes to the hash-chained audit log under the moderator's alias, never an id.
Decrypting reports needs the unlocked keyring: while the bot runs locked, moderation waits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.content.regions import RegionCatalog
from bot.crypto.keyring import UnlockedKeyring
from bot.crypto.sealing import KeyDestroyed, SealError, open_sealed
from bot.i18n import LANGUAGES, Translator
from bot.logs import fields
from bot.services.people import moderator_cipher
from bot.services.reports import PLACE_TYPES, REPORT_PURPOSE, REPORT_SCHEMA, TIME_BUCKETS
from bot.services.signatures import SIGNATURE_SEPARATOR, sign_alert
from bot.storage.alerts import EDITABLE, Alert, AlertRepository, Approval
from bot.storage.audit import AuditRepository
from bot.storage.db import Database
from bot.storage.moderators import CopyRepository, ModeratorRepository
from bot.storage.reports import ReportGroup, ReportGroups, StoredReport
from bot.storage.stats import BroadcastResult, StatsRepository
from bot.storage.subscribers import SubscriberRepository

log = logging.getLogger("helpline.moderation")

INVITE_HOURS = 24
INVITE_PREFIX = "inv_"
CERTAINTIES = ("corroborated", "single")
ADVICE = ("avoid", "calm", "warn")
REJECT_REASONS = ("false", "spam", "duplicate")
PAGE_SIZE = 10  # reports shown at once by "Read": a flooded group never floods the moderator
AREA_LIMIT = 60
ANNOUNCEMENT_LIMIT = 3000
ALIAS_LIMIT = 24
# A moderator's alias: short, printable, no markup.
_ALIAS_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class Moderator:
    """A person allowed to moderate, as the handlers see them (never stored like this)."""

    ref: bytes
    alias: str
    chat_id: int
    is_admin: bool


@dataclass(frozen=True)
class OpenedReport:
    """A decrypted report, for a moderator's eyes only (in memory, never stored)."""

    id: str
    place_type: str
    time_bucket: str
    created_hour: str
    text: str
    photo_file_id: str | None
    location: tuple[float, float] | None


@dataclass(frozen=True)
class ReportPage:
    """One page of decrypted reports, newest first: `offset` reports come before it, of `total`
    (counted when the page was read). `stored` is how many were on the page before opening: a
    report whose key was destroyed is skipped."""

    reports: list[OpenedReport]
    page: int
    pages: int
    offset: int
    stored: int
    total: int

    @property
    def first(self) -> int:
        return self.offset + 1 if self.stored else self.offset

    @property
    def last(self) -> int:
        return self.offset + self.stored


@dataclass(frozen=True)
class Queue:
    groups: list[ReportGroup]
    drafts: list[tuple[Alert, int]]


@dataclass(frozen=True)
class Stats:
    """What /stats shows: counts only."""

    reports_day: dict[str, int]
    reports_week: dict[str, int]
    alerts_day: dict[str, int]
    alerts_week: dict[str, int]
    subscribers: dict[str, int]
    subscribers_total: int
    broadcasts: list[BroadcastResult]


@dataclass(frozen=True)
class Removed:
    """A removed moderator: their alias, chat (None if it would not decrypt), and the messages
    with decrypted reports still in that chat."""

    alias: str
    chat_id: int | None
    copies: list[int]


class ModerationLocked(Exception):
    """The keyring is locked: reports cannot be read and alerts cannot be sent until unlock."""


def clean_alias(text: str) -> str | None:
    alias = text.strip().lower().replace(" ", "-")
    if not alias or len(alias) > ALIAS_LIMIT or not set(alias) <= _ALIAS_CHARS:
        return None
    return alias


def clean_area(text: str) -> str | None:
    """One short line: a station or district. None when it is empty, too long or multi-line."""
    area = " ".join(text.split())
    if not area or len(area) > AREA_LIMIT or not area.isprintable():
        return None
    return area


def text_hash(text_ru: str, text_en: str) -> bytes:
    return hashlib.sha256(text_ru.encode() + b"\x00" + text_en.encode()).digest()


def group_key(region: str, window: str) -> str:
    return f"{region}|{window}"


def _page_number(page: int, total: int) -> tuple[int, int]:
    """The page to show (0-based, clamped to those that exist) and how many pages there are."""
    pages = max(1, -(-total // PAGE_SIZE))
    return min(max(page, 0), pages - 1), pages


class ModerationService:
    def __init__(
        self,
        db: Database,
        *,
        admin_ids: frozenset[int],
        unlocked: UnlockedKeyring | None,
        translator: Translator,
        regions: RegionCatalog,
        approvals_needed: int,
        ttl_hours: int,
        copy_minutes: int = 30,
        region_channels: dict[str, int] | None = None,
        channel_lang: str = "ru",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._moderators = ModeratorRepository(db)
        self._alerts = AlertRepository(db)
        self._groups = ReportGroups(db)
        self._audit = AuditRepository(db)
        self._copies = CopyRepository(db)
        self._stats = StatsRepository(db)
        self._subscribers = SubscriberRepository(db)
        self._copy_seconds = copy_minutes * 60
        self._region_channels = dict(region_channels or {})
        self._channel_lang = channel_lang
        self._admin_ids = admin_ids
        self._unlocked = unlocked
        self._cipher = moderator_cipher(unlocked) if unlocked is not None else None
        self._translator = translator
        self._regions = regions
        self.approvals_needed = approvals_needed
        self._ttl_hours = ttl_hours
        self._clock = clock

    # --- who is who ----------------------------------------------------------------------------

    @property
    def locked(self) -> bool:
        return self._cipher is None

    def use_keyring(self, unlocked: UnlockedKeyring) -> None:
        """After a rotation: open reports sealed to the new review key too."""
        self._unlocked = unlocked

    @property
    def admin_ids(self) -> frozenset[int]:
        return self._admin_ids

    async def identify(self, user_id: int) -> Moderator | None:
        """The moderator (or admin) with this user id, checked against the database each time."""
        if self._cipher is None:
            return None
        ref = self._cipher.ref(user_id)
        if user_id in self._admin_ids:
            return Moderator(ref, f"admin-{ref.hex()[:6]}", user_id, True)
        stored = await self._moderators.get(ref)
        if stored is None:
            return None
        return Moderator(ref, stored.alias, user_id, False)

    async def chat_of(self, ref: bytes) -> int | None:
        """The chat of a moderator or admin given their ref (to show progress, delete copies)."""
        if self._cipher is None:
            return None
        for admin_id in self._admin_ids:
            if hmac.compare_digest(self._cipher.ref(admin_id), ref):
                return admin_id
        stored = await self._moderators.get(ref)
        return None if stored is None else self._chat(stored.ref, stored.chat_ct)

    async def moderator_chats(self) -> list[int]:
        """Chats of the stored moderators (admins come from the configuration)."""
        chats = [self._chat(m.ref, m.chat_ct) for m in await self._moderators.all()]
        return [chat for chat in chats if chat is not None]

    def _chat(self, ref: bytes, chat_ct: bytes) -> int | None:
        """A stored moderator's chat id; None while locked or if it does not decrypt."""
        if self._cipher is None:
            return None
        try:
            return self._cipher.decrypt(chat_ct, ref)
        except SealError:
            log.warning("moderator chat id did not decrypt")
            return None

    # --- invites and the moderator list (admins) -------------------------------------------

    async def invite(self, admin: Moderator, alias: str) -> str:
        """A single-use token for `t.me/<bot>?start=inv_<token>`; only its hash is stored."""
        self._require_admin(admin)
        token = secrets.token_urlsafe(24)
        expires = self._now() + dt.timedelta(hours=INVITE_HOURS)
        await self._moderators.add_invite(_token_hash(token), alias, _minute(expires))
        await self._log(admin, "invite.create", alias)
        return token

    async def redeem(self, token: str, user_id: int) -> str | None:
        """Make the holder of an invite a moderator; their alias, or None if it is not valid."""
        if self._cipher is None or not token or len(token) > 64:
            return None
        ref = self._cipher.ref(user_id)
        alias = await self._moderators.redeem(
            _token_hash(token),
            _minute(self._now()),
            ref=ref,
            chat_ct=self._cipher.encrypt(user_id, ref),
            day=self._now().strftime("%Y-%m-%d"),
        )
        if alias is not None:
            await self._audit.append(_minute(self._now()), alias, "moderator.join")
        return alias

    async def moderators(self) -> list[tuple[int, str]]:
        return [(m.id, m.alias) for m in await self._moderators.all()]

    async def remove(self, admin: Moderator, moderator_id: int) -> Removed | None:
        """Remove a moderator: their pending approvals are voided, and the reports they were
        shown are handed back to be deleted from their chat now (the chat id cannot be
        recovered after this)."""
        self._require_admin(admin)
        removed = await self._moderators.remove(moderator_id)
        if removed is None:
            return None
        await self._log(admin, "moderator.remove", removed.alias)
        copies = await self._copies.take_all(removed.ref)
        return Removed(removed.alias, self._chat(removed.ref, removed.chat_ct), copies)

    # --- the queue -----------------------------------------------------------------------------

    async def queue(self) -> Queue:
        drafts = [(d.alert, d.approvals) for d in await self._alerts.drafts()]
        return Queue(await self.report_groups(), drafts)

    async def report_groups(self) -> list[ReportGroup]:
        """New reports by region and window (clear columns only: works while locked too)."""
        return await self._groups.new_groups()

    async def waiting_reports(self) -> int:
        return await self._groups.count_new()

    async def group(self, region: str, window: str) -> tuple[ReportGroup, list[str]] | None:
        """A new group's counts and its reports' place types (clear columns, nothing opened)."""
        for group in await self._groups.new_groups():
            if group.region == region and group.window == window:
                members = await self._groups.members(region, window)
                return group, [m.place_type for m in members]
        return None

    async def open_group(
        self, moderator: Moderator, region: str, window: str, page: int = 0
    ) -> ReportPage:
        """One page of a group's new reports, newest first; only that page is decrypted."""
        self._ring()
        total = await self._groups.count_members(region, window)
        number, pages = _page_number(page, total)
        stored = await self._groups.members_page(region, window, number * PAGE_SIZE, PAGE_SIZE)
        if stored:
            await self._log(moderator, "group.read", group_key(region, window))
        return ReportPage(self._open(stored), number, pages, number * PAGE_SIZE, len(stored), total)

    async def open_alert_reports(
        self, moderator: Moderator, alert_id: str, page: int = 0
    ) -> ReportPage:
        """The evidence behind a draft, for whoever is asked to approve it: paged like a group."""
        self._ring()
        total = await self._groups.count_of_alert(alert_id)
        number, pages = _page_number(page, total)
        stored = await self._groups.of_alert_page(alert_id, number * PAGE_SIZE, PAGE_SIZE)
        if stored:
            await self._log(moderator, "alert.read", alert_id)
        return ReportPage(self._open(stored), number, pages, number * PAGE_SIZE, len(stored), total)

    async def reject_report(self, moderator: Moderator, report_id: str, reason: str) -> bool:
        """Reject one report of a group (the rest stay in the queue); False if it was no longer
        waiting for a decision (rejected, drafted from, or deleted)."""
        if reason not in REJECT_REASONS:
            raise ValueError("unknown reason")
        self._ring()
        rejected = await self._groups.reject_one(report_id)
        if rejected:
            await self._log(moderator, f"report.reject.{reason}", report_id)
        return rejected

    def _open(self, reports: list[StoredReport]) -> list[OpenedReport]:
        ring = self._ring()
        opened = []
        for report in reports:
            try:
                payload = open_sealed(
                    ring,
                    report.sealed,
                    key_id=report.key_id,
                    purpose=REPORT_PURPOSE,
                    record_id=report.id,
                    schema=REPORT_SCHEMA,
                )
            except KeyDestroyed:
                continue
            except SealError as exc:
                log.warning("report did not open", extra=fields(error=type(exc).__name__))
                continue
            location = payload.get("location")
            opened.append(
                OpenedReport(
                    id=report.id,
                    place_type=report.place_type,
                    time_bucket=report.time_bucket,
                    created_hour=report.created_hour,
                    text=str(payload.get("text", "")),
                    photo_file_id=payload.get("photo_file_id") or None,
                    location=(float(location[0]), float(location[1])) if location else None,
                )
            )
        return opened

    async def draft_from_group(self, moderator: Moderator, region: str, window: str) -> Alert:
        """An alert draft pre-filled from a group: its most common place and latest time."""
        self._ring()
        members = await self._groups.members(region, window)
        if not members:
            raise LookupError("the group is empty or already decided")
        reporters = len({r.reporter_tag for r in members})
        place = Counter(r.place_type for r in members).most_common(1)[0][0]
        bucket = min((r.time_bucket for r in members), key=TIME_BUCKETS.index)
        alert = self._render(
            Alert(
                id=secrets.token_hex(4),
                kind="alert",
                region=region,
                area="",
                place_type=place,
                time_window=bucket,
                certainty="corroborated" if reporters >= 2 else "single",
                advice=ADVICE[0],
                text_ru="",
                text_en="",
                text_hash=b"",
                state="draft",
                group_key=group_key(region, window),
                created_at=_minute(self._now()),
            )
        )
        if not await self._alerts.create(alert, [r.id for r in members]):
            raise LookupError("another moderator drafted from this group meanwhile")
        await self._log(moderator, "alert.draft", alert.id)
        return alert

    async def draft_update(self, moderator: Moderator, alert_id: str) -> Alert:
        """A draft that updates a sent alert: the same fields to edit, a line that refers to the
        original, and, once approved like any alert, the original's copies say it was replaced."""
        self._ring()
        original = await self._alerts.get(alert_id)
        if (
            original is None
            or original.kind != "alert"
            or original.state not in ("sending", "sent")
        ):
            raise LookupError("only an open alert can be updated")
        alert = self._render(
            replace(
                original,
                id=secrets.token_hex(4),
                state="draft",
                created_at=_minute(self._now()),
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
        await self._log(moderator, "alert.update", f"{alert.id}:{original.id}")
        return alert

    async def reject_group(
        self, moderator: Moderator, region: str, window: str, reason: str
    ) -> int:
        if reason not in REJECT_REASONS:
            raise ValueError("unknown reason")
        self._ring()
        count = await self._groups.decide(region, window, "rejected")
        if count:
            await self._log(moderator, f"group.reject.{reason}", group_key(region, window))
        return count

    async def remember_copy(self, moderator: Moderator, message_id: int) -> None:
        """A message showing a decrypted report: deleted from the chat after a while."""
        await self._copies.add(moderator.ref, message_id, self._clock() + self._copy_seconds)

    async def due_copies(self) -> dict[int, list[int]]:
        """Messages to delete now, by chat; forgotten here (deleting is the caller's job)."""
        due = await self._copies.due(self._clock())
        by_chat: dict[int, list[int]] = {}
        for _, ref, message_id in due:
            chat = await self.chat_of(ref)
            if chat is not None:
                by_chat.setdefault(chat, []).append(message_id)
        await self._copies.forget([row_id for row_id, _, _ in due])
        return by_chat

    # --- alerts --------------------------------------------------------------------------------

    async def alert(self, alert_id: str) -> Alert | None:
        return await self._alerts.get(alert_id)

    async def approvers(self, alert_id: str) -> list[bytes]:
        return await self._alerts.approvals(alert_id)

    async def edit(
        self, moderator: Moderator, alert_id: str, field: str, value: str | None = None
    ) -> Alert | None:
        """Change one template field (cycling through the choices when `value` is None).

        Any change voids the approvals given so far: they were for the old text.
        """
        self._ring()
        alert = await self._alerts.get(alert_id)
        if alert is None or alert.state != "draft" or field not in EDITABLE:
            return None
        choices = {
            "place_type": PLACE_TYPES,
            "time_window": TIME_BUCKETS,
            "certainty": CERTAINTIES,
            "advice": ADVICE,
        }.get(field)
        if field == "area":
            area = clean_area(value or "")
            if area is None:
                raise ValueError("area must be one short line")
            new_value = area
        elif choices is not None:
            current = getattr(alert, field)
            if value is None:
                index = choices.index(current) if current in choices else -1
                new_value = choices[(index + 1) % len(choices)]
            elif value in choices:
                new_value = value
            else:
                raise ValueError(f"not a choice for {field}")
        else:
            return None
        updated = self._render(replace(alert, **{field: new_value}))  # type: ignore[arg-type]
        if not await self._alerts.update_draft(
            alert_id,
            alert.text_hash,
            {field: new_value},
            updated.text_ru,
            updated.text_en,
            updated.text_hash,
        ):
            return None
        await self._log(moderator, "alert.edit", f"{alert_id}:{field}")
        return updated

    async def approve(
        self,
        moderator: Moderator,
        alert_id: str,
        expected_hash: bytes,
        progress_message_id: int | None,
        lang: str,
    ) -> Approval:
        """One moderator's approval of the text they saw; at the quorum the alert is queued,
        signed with the instance's key."""
        ring = self._ring()
        alert = await self._alerts.get(alert_id)
        if alert is None:
            return Approval("gone", 0)
        if alert.text_hash != expected_hash:
            return Approval("stale", 0)  # sign only the very text being approved
        now = self._now()
        expires = now + dt.timedelta(hours=self._ttl_hours)
        # What goes out: the approved text, when it stops being valid, and the signature of both.
        signed = tuple(
            sign_alert(ring, text + "\n" + self._valid_until(lang, alert.id, expires), alert.id)
            for lang, text in (("ru", alert.text_ru), ("en", alert.text_en))
        )
        result = await self._alerts.approve(
            alert_id,
            moderator.ref,
            expected_hash,
            needed=self.approvals_needed,
            now=_minute(now),
            expires_at=_minute(expires),
            progress_message_id=progress_message_id,
            progress_lang=lang,
            admin_refs=self._admin_refs(),
            final_texts=(signed[0], signed[1]),
            channel=(
                (self._region_channels[alert.region], self._channel_lang)
                if alert.region in self._region_channels
                else None
            ),
        )
        if result.outcome in ("recorded", "sending"):
            await self._log(moderator, "alert.approve", alert_id)
        if result.outcome == "sending":
            await self._audit.append(
                _minute(now), "system", "alert.send", f"{alert_id}:{result.recipients}"
            )
            if alert.update_of is not None:
                await self._close(alert.update_of, "replaced")
        return result

    async def reject_alert(self, moderator: Moderator, alert_id: str) -> bool:
        self._ring()
        rejected = await self._alerts.reject(alert_id)
        if rejected:
            await self._log(moderator, "alert.reject", alert_id)
        return rejected

    async def stats(self) -> Stats:
        """Reports and alerts per region over 24 h and 7 days, subscribers per region, and
        the delivery results of recent broadcasts."""
        now = self._now()
        day, week = now - dt.timedelta(days=1), now - dt.timedelta(days=7)
        return Stats(
            reports_day=await self._stats.reports_by_region(day.strftime("%Y-%m-%dT%H")),
            reports_week=await self._stats.reports_by_region(week.strftime("%Y-%m-%dT%H")),
            alerts_day=await self._stats.alerts_by_region(_minute(day)),
            alerts_week=await self._stats.alerts_by_region(_minute(week)),
            subscribers=await self._subscribers.count_by_region(),
            subscribers_total=await self._subscribers.count(),
            broadcasts=await self._stats.recent_broadcasts(),
        )

    async def announce(
        self, admin: Moderator, text: str, progress_message_id: int | None, lang: str
    ) -> int:
        """Queue an admin's announcement (plain text, signed like alerts) to every subscriber,
        in both languages alike; returns how many will get it."""
        self._require_admin(admin)
        ring = self._ring()
        text = text.strip()
        if not text or len(text) > ANNOUNCEMENT_LIMIT:
            raise ValueError("an announcement is 1 to 3000 characters")
        body = html.escape(text, quote=False)
        markup = self._translator(lang, "announcement-title") + "\n\n" + body
        alert_id = secrets.token_hex(4)
        signed = sign_alert(ring, markup, alert_id, kind="announcement")
        now = self._now()
        alert = Alert(
            id=alert_id,
            kind="announcement",
            region="*",
            area="",
            place_type="",
            time_window="",
            certainty="single",
            advice="",
            text_ru=signed,
            text_en=signed,
            text_hash=text_hash(markup, markup),
            state="sending",
            group_key=None,
            created_at=_minute(now),
            approved_at=_minute(now),
            expires_at=None,
            progress_by=admin.ref,
            progress_message_id=progress_message_id,
            progress_lang=lang,
        )
        recipients = await self._alerts.create_announcement(alert)
        await self._log(admin, "announcement.send", f"{alert.id}:{recipients}")
        return recipients

    async def withdraw(self, moderator: Moderator, alert_id: str) -> int | None:
        """Withdraw a sent alert: pending sends stop and delivered copies are edited to say so.
        None if it was not open; else how many copies will be edited."""
        self._ring()
        edits = await self._close(alert_id, "withdrawn")
        if edits is not None:
            await self._log(moderator, "alert.withdraw", alert_id)
        return edits

    async def expire_due(self) -> int:
        """Close every alert past its expiry (a job); returns how many copies will be edited."""
        edits = 0
        for alert_id in await self._alerts.expired(_minute(self._now())):
            closed = await self._close(alert_id, "expired")
            if closed is not None:
                edits += closed
                await self._audit.append(_minute(self._now()), "system", "alert.expire", alert_id)
        return edits

    async def open_alerts(self) -> list[Alert]:
        return await self._alerts.open_alerts()

    async def _close(self, alert_id: str, state: str) -> int | None:
        alert = await self._alerts.get(alert_id)
        if alert is None:
            return None
        closed = (self._closed_text(alert, "ru", state), self._closed_text(alert, "en", state))
        return await self._alerts.close(alert_id, state, closed)

    def _closed_text(self, alert: Alert, lang: str, state: str) -> str:
        """The notice, then the old text struck through (its signature line dropped: it no
        longer stands as an alert)."""
        text = alert.text_ru if lang == "ru" else alert.text_en
        body = text.split(SIGNATURE_SEPARATOR, 1)[0]
        return self._translator(lang, f"alert-{state}") + "\n\n<s>" + body + "</s>"

    async def progress_target(self, alert_id: str) -> tuple[int, int, str | None] | None:
        """Where a broadcast's progress is shown: (chat, message id, language), if anywhere."""
        alert = await self._alerts.get(alert_id)
        if alert is None or alert.progress_by is None or alert.progress_message_id is None:
            return None
        chat = await self.chat_of(alert.progress_by)
        return None if chat is None else (chat, alert.progress_message_id, alert.progress_lang)

    async def purge(self, retention_days: int) -> int:
        """Retention: finished alerts (with their outbox rows) and expired invites go."""
        now = self._now()
        await self._moderators.purge_invites(_minute(now))
        return await self._alerts.purge(_minute(now - dt.timedelta(days=retention_days)))

    def render_text(self, alert: Alert, lang: str) -> str:
        """The alert as subscribers in `lang` will read it."""
        tr = self._translator
        region = self._regions.get(alert.region)
        lines = [tr(lang, "alert-title", region=region.name(lang) if region else alert.region)]
        if alert.area:
            lines.append(tr(lang, "alert-area", area=alert.area))
        lines.append(tr(lang, "alert-place", place=tr(lang, f"place-{alert.place_type}")))
        lines.append(tr(lang, "alert-when", when=tr(lang, f"when-{alert.time_window}")))
        if alert.update_of is not None:
            lines.insert(0, tr(lang, "alert-update-of", id=alert.update_of))
        reported = _reported_window(alert.group_key)
        if reported is not None:
            lines.append(tr(lang, "alert-reported", day=reported[0], window=reported[1]))
        lines.append(tr(lang, f"certainty-{alert.certainty}"))
        lines.append("")
        lines.append(tr(lang, f"advice-{alert.advice}"))
        return "\n".join(lines)

    def _valid_until(self, lang: str, alert_id: str, expires: dt.datetime) -> str:
        local = expires.astimezone(MOSCOW)
        return self._translator(
            lang, "alert-valid-until", id=alert_id, day=f"{local:%d.%m.%Y}", time=f"{local:%H:%M}"
        )

    def _render(self, alert: Alert) -> Alert:
        text_ru, text_en = (self.render_text(alert, lang) for lang in LANGUAGES)
        return replace(
            alert, text_ru=text_ru, text_en=text_en, text_hash=text_hash(text_ru, text_en)
        )

    # --- internals -----------------------------------------------------------------------------

    def _ring(self) -> UnlockedKeyring:
        if self._unlocked is None:
            raise ModerationLocked("the keyring is locked")
        return self._unlocked

    def _admin_refs(self) -> frozenset[bytes]:
        if self._cipher is None:
            return frozenset()
        return frozenset(self._cipher.ref(admin_id) for admin_id in self._admin_ids)

    def _require_admin(self, moderator: Moderator) -> None:
        if not moderator.is_admin:
            raise PermissionError("admins only")

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock(), dt.UTC)

    async def _log(self, moderator: Moderator, action: str, subject: str = "") -> None:
        await self._audit.append(_minute(self._now()), moderator.alias, action, subject)
        log.info("moderation", extra=fields(action=action))


# Alerts give times in Moscow time (UTC+3 all year since 2014): the reference people in Russia
# use, where a UTC time would mislead. The region's own zone is not in the data yet.
MOSCOW = dt.timezone(dt.timedelta(hours=3))


def _reported_window(key: str | None) -> tuple[str, str] | None:
    """('30.11', '17:00–19:00') in Moscow time for a group key 'region|2026-11-30T14'."""
    if not key or "|" not in key:
        return None
    try:
        start = dt.datetime.strptime(key.split("|", 1)[1], "%Y-%m-%dT%H").replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    local = start.astimezone(MOSCOW)
    end = local + dt.timedelta(hours=2)
    return local.strftime("%d.%m"), f"{local:%H:%M}–{end:%H:%M}"


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(b"helpline-invite:" + token.encode("utf-8", "replace")).digest()


def _minute(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%MZ")
