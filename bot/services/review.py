"""The review queue: new reports grouped by region and window, read a page at a time, rejected
one by one or by group, and the counts /stats shows.

Groups and counts use clear columns only and work while locked; reading a report decrypts it
with the unlocked keyring, only for the page being read, and writes who read what to the audit
log. A decrypted report lives in memory only, on its way to a moderator's chat.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.crypto.keyring import UnlockedKeyring
from bot.crypto.sealing import KeyDestroyed, SealError, open_sealed
from bot.logs import fields
from bot.services.audit_trail import AuditTrail, minute
from bot.services.report_window import ReportWindow, group_key
from bot.services.reporters import ReporterMemory
from bot.services.reports import LEGACY_SCHEMA, REPORT_PURPOSE, REPORT_SCHEMA, bound_columns
from bot.services.review_keys import ReviewKeys
from bot.services.team import Moderator
from bot.storage.db import Database
from bot.storage.reports import ReportGroup, ReportGroups, StoredReport
from bot.storage.stats import BroadcastResult, StatsRepository
from bot.storage.subscribers import SubscriberRepository

log = logging.getLogger("helpline.moderation")

PAGE_SIZE = 10  # reports shown at once by "Read": a flooded group never floods the moderator


class RejectReason(StrEnum):
    """Why reports are rejected: the audit log's action says it; labels are `mod-reject-*`."""

    FALSE = "false"
    SPAM = "spam"
    DUPLICATE = "duplicate"

    @property
    def label_key(self) -> str:
        return f"mod-reject-{self.value}"


def open_report(ring: UnlockedKeyring, report: StoredReport) -> dict[str, Any]:
    """A stored report's sealed payload (text, photo_file_id, location, reported_at and, since
    migration 0004, "bound": the clear columns it was sent with), decrypted.

    The one place a report is opened: moderators' reading and the CLI's export. KeyDestroyed
    when its review key was shredded (the report expired), SealError when anything is off (a
    changed seal_version too: the version is bound, so it cannot be downgraded).
    """
    # LEGACY_SCHEMA rows were sealed before the clear columns were bound. Retention removes
    # them within REPORT_RETENTION_DAYS (14 at most) of the upgrade; this path, LEGACY_SCHEMA and
    # the seal_version column go after that.
    if report.seal_version not in (LEGACY_SCHEMA, REPORT_SCHEMA):
        raise SealError("unknown seal version")
    return open_sealed(
        ring,
        report.sealed,
        key_id=report.key_id,
        purpose=REPORT_PURPOSE,
        record_id=report.id,
        schema=report.seal_version,
    )


def moved_from(report: StoredReport, payload: dict[str, Any]) -> dict[str, str] | None:
    """The region, place type, time bucket and hour a report was sent with, when its clear
    columns no longer say so (someone edited the row after it was sent); None when they agree
    or the report predates the binding."""
    if report.seal_version == LEGACY_SCHEMA:
        return None
    bound = payload.get("bound")
    if not isinstance(bound, dict):
        return {}  # sealed as schema 2 without the columns: not something this code writes
    sent = {key: str(bound.get(key, "")) for key in bound_columns(report)}
    return None if sent == bound_columns(report) else sent


@dataclass(frozen=True)
class Group:
    """New reports of one region and window: how many, from how many people."""

    region: str
    window: ReportWindow
    reports: int
    reporters: int | None  # None: unknown (reports from before a restart; see ReporterMemory)

    @classmethod
    def of(cls, stored: ReportGroup, reporters: ReporterMemory) -> Group:
        return cls(
            stored.region,
            ReportWindow.parse(stored.window),
            stored.reports,
            reporters.count(stored.report_ids),
        )


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
    # Set when the stored region, place, time or hour were changed after the report was sent:
    # what it was sent with (values may be empty when even that is unreadable).
    moved_from: dict[str, str] | None = None


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
class Stats:
    """What /stats shows: counts only."""

    reports_day: dict[str, int]
    reports_week: dict[str, int]
    alerts_day: dict[str, int]
    alerts_week: dict[str, int]
    subscribers: dict[str, int]
    subscribers_total: int
    broadcasts: list[BroadcastResult]


def _reason(value: str) -> RejectReason:
    """A reason from a caller; ValueError for anything that is not one."""
    try:
        return RejectReason(value)
    except ValueError:
        raise ValueError("unknown reason") from None


def _page_number(page: int, total: int) -> tuple[int, int]:
    """The page to show (0-based, clamped to those that exist) and how many pages there are."""
    pages = max(1, -(-total // PAGE_SIZE))
    return min(max(page, 0), pages - 1), pages


class ReviewQueue:
    """New reports waiting for a moderator, read and rejected here (drafting is the AlertDesk's)."""

    def __init__(
        self,
        db: Database,
        keys: ReviewKeys,
        *,
        clock: Callable[[], float] = time.time,
        reporters: ReporterMemory | None = None,
    ) -> None:
        self._groups = ReportGroups(db)
        self._reporters = reporters if reporters is not None else ReporterMemory(clock=clock)
        self._stats = StatsRepository(db)
        self._subscribers = SubscriberRepository(db)
        self._audit = AuditTrail(db, keys, clock)
        self._keys = keys

    async def groups(self) -> list[Group]:
        """New reports by region and window, newest window first (works while locked too)."""
        return [Group.of(stored, self._reporters) for stored in await self._groups.new_groups()]

    async def waiting_reports(self) -> int:
        return await self._groups.count_new()

    async def group(self, region: str, window: ReportWindow) -> tuple[Group, list[str]] | None:
        """A new group's counts and its reports' place types (clear columns, nothing opened)."""
        for group in await self.groups():
            if group.region == region and group.window == window:
                members = await self._groups.members(region, str(window))
                return group, [m.place_type for m in members]
        return None

    async def open_group(
        self, moderator: Moderator, region: str, window: ReportWindow, page: int = 0
    ) -> ReportPage:
        """One page of a group's new reports, newest first; only that page is decrypted."""
        self._keys.require()
        total = await self._groups.count_members(region, str(window))
        number, pages = _page_number(page, total)
        offset = number * PAGE_SIZE
        stored = await self._groups.members_page(region, str(window), offset, PAGE_SIZE)
        if stored:
            await self._audit.moderator_did(
                moderator.alias, "group.read", group_key(region, window)
            )
        return ReportPage(self._open(stored), number, pages, offset, len(stored), total)

    async def open_alert_reports(
        self, moderator: Moderator, alert_id: str, page: int = 0
    ) -> ReportPage:
        """The evidence behind a draft, for whoever is asked to approve it: paged like a group."""
        self._keys.require()
        total = await self._groups.count_of_alert(alert_id)
        number, pages = _page_number(page, total)
        offset = number * PAGE_SIZE
        stored = await self._groups.of_alert_page(alert_id, offset, PAGE_SIZE)
        if stored:
            await self._audit.moderator_did(moderator.alias, "alert.read", alert_id)
        return ReportPage(self._open(stored), number, pages, offset, len(stored), total)

    async def reject_report(
        self, moderator: Moderator, report_id: str, reason: RejectReason
    ) -> bool:
        """Reject one report of a group (the rest stay in the queue); False if it was no longer
        waiting for a decision (rejected, drafted from, or deleted)."""
        reason = _reason(reason)
        self._keys.require()
        rejected = await self._groups.reject_one(report_id, self._hour())
        if rejected:
            await self._audit.moderator_did(moderator.alias, f"report.reject.{reason}", report_id)
        return rejected

    async def reject_group(
        self, moderator: Moderator, region: str, window: ReportWindow, reason: RejectReason
    ) -> int:
        """Reject every new report of a group; how many were rejected."""
        reason = _reason(reason)
        self._keys.require()
        count = await self._groups.decide(region, str(window), "rejected", self._hour())
        if count:
            await self._audit.moderator_did(
                moderator.alias, f"group.reject.{reason}", group_key(region, window)
            )
        return count

    async def stats(self) -> Stats:
        """Reports and alerts per region over 24 h and 7 days, subscribers per region, and
        the delivery results of recent broadcasts."""
        now = self._audit.now()
        day, week = now - dt.timedelta(days=1), now - dt.timedelta(days=7)
        return Stats(
            reports_day=await self._stats.reports_by_region(day.strftime("%Y-%m-%dT%H")),
            reports_week=await self._stats.reports_by_region(week.strftime("%Y-%m-%dT%H")),
            alerts_day=await self._stats.alerts_by_region(minute(day)),
            alerts_week=await self._stats.alerts_by_region(minute(week)),
            subscribers=await self._subscribers.count_by_region(),
            subscribers_total=await self._subscribers.count(),
            broadcasts=await self._stats.recent_broadcasts(),
        )

    def _hour(self) -> str:
        """A decision's time as stored: the hour, never the minute."""
        return self._audit.now().strftime("%Y-%m-%dT%H")

    def _open(self, reports: list[StoredReport]) -> list[OpenedReport]:
        ring = self._keys.require()
        opened = []
        for report in reports:
            try:
                payload = open_report(ring, report)
            except KeyDestroyed:
                continue
            except SealError as exc:
                log.warning("report did not open", extra=fields(error=type(exc).__name__))
                continue
            location = payload.get("location")
            moved = moved_from(report, payload)
            if moved is not None:
                log.warning("report row changed after it was sent")
            opened.append(
                OpenedReport(
                    id=report.id,
                    place_type=report.place_type,
                    time_bucket=report.time_bucket,
                    created_hour=report.created_hour,
                    text=str(payload.get("text", "")),
                    photo_file_id=payload.get("photo_file_id") or None,
                    location=(float(location[0]), float(location[1])) if location else None,
                    moved_from=moved,
                )
            )
        return opened
