"""Raid reports: rate-limited per reporter without identities, sealed, stored, and expired.

Nothing here knows who reported: the rate limit and the queue's "independent reporters" count
use a keyed hash of the user id under an in-memory key replaced every day (EpochTagger), which
never reaches the database (ReporterMemory holds which report has which tag). The report itself
is sealed to the review public key before it reaches the database: one size for every report,
its location snapped to a ~500 m cell, and its clear columns sealed inside it too, so a row moved
to another group is noticed when it is read.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from bot.crypto.keyring import PublicKeyring
from bot.crypto.sealing import EpochTagger, TooLarge, seal
from bot.services.limits import DEFAULT_MAX_ENTRIES, LimiterFull, SlidingLimiter
from bot.services.location import coarse_location
from bot.services.reporters import DAY_SECONDS as DAY_SECONDS  # one day epoch for every tag
from bot.services.reporters import ReporterMemory
from bot.storage.db import Database
from bot.storage.reports import ReportRepository, StoredReport


class PlaceType(StrEnum):
    """Where a raid is happening. The values are what reports and alerts store: never change
    one (stored rows keep it); add a member with its `place-<value>` catalogue label."""

    METRO = "metro"
    STREET = "street"
    HOSTEL = "hostel"
    CLUB = "club"
    WORKPLACE = "workplace"
    UNIVERSITY = "university"
    HOSPITAL = "hospital"
    COMMISSARIAT = "commissariat"
    OTHER = "other"

    @property
    def label_key(self) -> str:
        return f"place-{self.value}"


class TimeBucket(StrEnum):
    """When it happened, most recent first (the order alert drafts rely on). The values are
    stored like PlaceType's; labels are `when-<value>`."""

    NOW = "now"
    HOUR = "hour"
    TODAY = "today"
    EARLIER = "earlier"

    @property
    def label_key(self) -> str:
        return f"when-{self.value}"


# The members in order. A member equals its string, so a stored value is found here as it is:
# `"metro" in PLACE_TYPES`, `TIME_BUCKETS.index("now")`.
PLACE_TYPES: tuple[PlaceType, ...] = tuple(PlaceType)
TIME_BUCKETS: tuple[TimeBucket, ...] = tuple(TimeBucket)
TEXT_LIMIT = 1000
# Telegram's file ids are ~80-100 characters; a longer one is refused at the photo step.
PHOTO_ID_LIMIT = 256
REPORT_PURPOSE = "report"
# Schema 2 seals the clear columns too ("bound"); schema 1 rows (sealed before migration 0004)
# open with the old binding until retention has removed them.
REPORT_SCHEMA = 2
LEGACY_SCHEMA = 1
# Every report is padded to this one size, whatever it holds: TEXT_LIMIT characters of up to 4
# UTF-8 bytes, a PHOTO_ID_LIMIT file id, a location and the bound columns fit with room to spare
# (tests/unit/test_reports_unlinked.py seals the largest report the form allows).
REPORT_PADDED_SIZE = 4864


@dataclass
class ReportDraft:
    """What a reporter has entered so far; lives only in the memory-only FSM."""

    region: str | None = None
    place_type: str | None = None
    time_bucket: str | None = None
    text: str | None = None
    photo_file_id: str | None = None
    location: tuple[float, float] | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ReportDraft:
        location = data.get("location")
        return cls(
            region=data.get("region"),
            place_type=data.get("place_type"),
            time_bucket=data.get("time_bucket"),
            text=data.get("text"),
            photo_file_id=data.get("photo_file_id"),
            location=(float(location[0]), float(location[1])) if location else None,
        )

    def is_complete(self) -> bool:
        return bool(
            self.region
            and self.place_type in PLACE_TYPES
            and self.time_bucket in TIME_BUCKETS
            and self.text
        )


def clean_text(text: str) -> str:
    """Normalise a report text: no control characters, trimmed, at most TEXT_LIMIT characters.

    Callers check the limit first and tell the reporter; this only guarantees what is sealed.
    """
    kept = "".join(ch for ch in text if ch in "\n\t" or (ch.isprintable() and ch != "\x00"))
    return kept.strip()[:TEXT_LIMIT]


@dataclass(frozen=True)
class Submitted:
    report_id: str


@dataclass(frozen=True)
class RateLimited:
    wait_minutes: int


@dataclass(frozen=True)
class GroupFull:
    """This person already sent REPORTS_PER_GROUP_PER_PERSON reports about this region and
    two-hour window: one account must not bury a region's group."""

    wait_minutes: int = 0  # until the person's oldest report of the group leaves the window


@dataclass(frozen=True)
class TooLong:
    """The report would not fit the one sealed size (only a strange photo id can do that):
    the draft is kept and the reporter asked to change it."""


@dataclass(frozen=True)
class Busy:
    """The instance took REPORTS_PER_HOUR_TOTAL reports in the last hour, or tracks too many
    people at once: try again later."""


Refused = RateLimited | GroupFull | Busy | TooLong


def group_window(moment: dt.datetime) -> str:
    """The report group's window of a moment: its first hour, YYYY-MM-DDTHH (UTC, even hours),
    as the queue groups reports (bot.storage.reports)."""
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour // 2 * 2:02d}"


def _until_next_window(now: float) -> int:
    """Whole seconds until the next two-hour group window starts (a new group: a person full
    in this one may report again then)."""
    return max(1, math.ceil(2 * 3600 - now % (2 * 3600)))


class ReportsUnavailable(Exception):
    """This instance has no keyring yet, so reports cannot be sealed."""


class ReportService:
    def __init__(
        self,
        db: Database,
        keyring: PublicKeyring | None,
        per_hour: int,
        clock: Callable[[], float] = time.time,
        *,
        per_group_per_person: int = 3,
        per_hour_total: int = 500,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        reporters: ReporterMemory | None = None,
    ) -> None:
        self._db = db
        self._repo = ReportRepository(db)
        self._keyring = keyring
        # The keyring was destroyed on purpose: reports are off for good, and people are told so.
        self.keys_destroyed = False
        self._clock = clock
        # One key per day: tags link a person's reports within the day, never across days.
        self._tagger = EpochTagger(DAY_SECONDS, clock)
        # Which report has which tag: memory only (the queue's reporter counts read it).
        self.reporters = reporters if reporters is not None else ReporterMemory(max_entries, clock)
        self._per_person = SlidingLimiter(per_hour, 3600, max_entries=max_entries, clock=clock)
        # A group is a region and a two-hour window; an entry lives as long as its window.
        self._per_group = SlidingLimiter(
            per_group_per_person, 2 * 3600, max_entries=max_entries, clock=clock
        )
        self._total = SlidingLimiter(per_hour_total, 3600, max_entries=1, clock=clock)

    @property
    def enabled(self) -> bool:
        return self._keyring is not None

    def use_keyring(self, keyring: PublicKeyring) -> None:
        """Seal to the keyring's current review key from now on (after a rotation)."""
        self._keyring = keyring

    def destroyed(self) -> None:
        """The keyring was destroyed while running (the panic switch): reports are off now."""
        self._keyring = None
        self.keys_destroyed = True

    def sealing_key_id(self) -> str | None:
        return None if self._keyring is None else self._keyring.current_review_key.key_id

    async def key_ids_in_use(self) -> set[str]:
        return await self._repo.key_ids_in_use()

    async def resume_total(self) -> int:
        """After a restart, count the reports of the current and the previous hour against
        REPORTS_PER_HOUR_TOTAL (hours are all the database knows), so a restart does not start
        the instance's hour again."""
        hour = dt.datetime.fromtimestamp(self._clock(), dt.UTC) - dt.timedelta(hours=1)
        recent = await self._repo.count_since(hour.strftime("%Y-%m-%dT%H"))
        for _ in range(min(recent, self._total.limit)):
            self._total.reserve("all")
        return recent

    def wait_minutes(self, user_id: int) -> int:
        """Minutes until this person may report again (0: now). Checks, never consumes: the
        form asks before anyone types six steps for nothing."""
        seconds = self._per_person.wait_seconds(self._tagger.tag(user_id))
        return -(-seconds // 60)

    def group_wait_minutes(self, user_id: int, region: str) -> int:
        """Minutes until this person may report about `region` again (0: now); checks, never
        consumes. The group is the one a report sent now would join."""
        now = dt.datetime.fromtimestamp(self._clock(), dt.UTC)
        group = (self._tagger.tag(user_id), region, group_window(now))
        seconds = self._per_group.wait_seconds(group)
        if not seconds:
            return 0
        return -(-min(seconds, _until_next_window(self._clock())) // 60)

    async def submit(self, draft: ReportDraft, user_id: int) -> Submitted | Refused:
        """Seal and store a report, within the limits; the limits are reserved before the first
        `await` and given back if the report is not stored."""
        if self._keyring is None:
            raise ReportsUnavailable("no keyring: run `helpline-bot keys init`")
        if not draft.is_complete():
            raise ValueError("incomplete report draft")
        now = dt.datetime.fromtimestamp(self._clock(), dt.UTC)
        tag = self._tagger.tag(user_id)
        group = (tag, str(draft.region), group_window(now))
        report = self._seal(draft, now)
        if report is None:
            return TooLong()
        refused = self._reserve(tag, group)
        if refused is not None:
            return refused
        try:
            await self._repo.add(report)
        except BaseException:
            self._release(tag, group)
            raise
        self.reporters.remember(report.id, tag, self._tagger.epoch)
        return Submitted(report.id)

    def _reserve(self, tag: bytes, group: tuple[bytes, str, str]) -> Refused | None:
        """All three limits, reserved together or not at all (no `await` in here); None when
        the report may be stored."""
        try:
            seconds = self._per_person.reserve(tag)
        except LimiterFull:
            return Busy()
        if seconds:
            return RateLimited(wait_minutes=-(-seconds // 60))
        try:
            group_full = self._per_group.reserve(group)
        except LimiterFull:
            self._per_person.release(tag)
            return Busy()
        if group_full:
            self._per_person.release(tag)
            wait = min(group_full, _until_next_window(self._clock()))
            return GroupFull(wait_minutes=-(-wait // 60))
        if self._total.reserve("all"):
            self._per_person.release(tag)
            self._per_group.release(group)
            return Busy()
        return None

    def _release(self, tag: bytes, group: tuple[bytes, str, str]) -> None:
        self._per_person.release(tag)
        self._per_group.release(group)
        self._total.release("all")

    def _seal(self, draft: ReportDraft, now: dt.datetime) -> StoredReport | None:
        """The row to store: the report sealed at the one padded size; None if it does not fit."""
        assert self._keyring is not None
        report_id = str(uuid.uuid4())
        key = self._keyring.current_review_key
        row = StoredReport(
            id=report_id,
            created_hour=now.strftime("%Y-%m-%dT%H"),
            region=str(draft.region),
            place_type=str(draft.place_type),
            time_bucket=str(draft.time_bucket),
            state="new",
            key_id=key.key_id,
            sealed=b"",
            seal_version=REPORT_SCHEMA,
        )
        payload = {
            "text": clean_text(draft.text or ""),
            "photo_file_id": draft.photo_file_id,
            "location": list(coarse_location(*draft.location)) if draft.location else None,
            "reported_at": now.strftime("%Y-%m-%dT%H:%MZ"),
            "bound": bound_columns(row),
        }
        try:
            sealed = seal(
                key,
                payload,
                purpose=REPORT_PURPOSE,
                record_id=report_id,
                schema=REPORT_SCHEMA,
                size=REPORT_PADDED_SIZE,
            )
        except TooLarge:
            return None
        return replace(row, sealed=sealed)

    async def purge(self, retention_days: int, decided_days: int | None = None) -> int:
        """Delete reports past retention (REPORT_RETENTION_DAYS after they came, and
        `decided_days` after a moderator's decision) and checkpoint, so their pages leave the
        WAL too."""
        now = dt.datetime.fromtimestamp(self._clock(), dt.UTC)
        cutoff = now - dt.timedelta(days=retention_days)
        decided = None if decided_days is None else now - dt.timedelta(days=decided_days)
        deleted = await self._repo.delete_older_than(
            cutoff.strftime("%Y-%m-%dT%H"),
            None if decided is None else decided.strftime("%Y-%m-%dT%H"),
        )
        await self._db.checkpoint()
        return deleted


def bound_columns(report: StoredReport) -> dict[str, str]:
    """The clear columns a report is sealed with: what it says where and when it belongs."""
    return {
        "region": report.region,
        "place_type": report.place_type,
        "time_bucket": report.time_bucket,
        "created_hour": report.created_hour,
    }
