"""Raid reports: rate-limited per reporter without identities, sealed, stored, and expired.

Nothing here knows who reported: the rate limit and the queue's "independent reporters" count
use a keyed hash of the user id under an in-memory key replaced every day (EpochTagger), and the
report itself is sealed to the review public key before it reaches the database.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.crypto.keyring import PublicKeyring
from bot.crypto.sealing import EpochTagger, seal
from bot.services.limits import DEFAULT_MAX_ENTRIES, LimiterFull, SlidingLimiter
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
REPORT_PURPOSE = "report"
REPORT_SCHEMA = 1
DAY_SECONDS = 24 * 3600


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


@dataclass(frozen=True)
class Busy:
    """The instance took REPORTS_PER_HOUR_TOTAL reports in the last hour, or tracks too many
    people at once: try again later."""


Refused = RateLimited | GroupFull | Busy


def group_window(moment: dt.datetime) -> str:
    """The report group's window of a moment: its first hour, YYYY-MM-DDTHH (UTC, even hours),
    as the queue groups reports (bot.storage.reports)."""
    return moment.strftime("%Y-%m-%dT") + f"{moment.hour // 2 * 2:02d}"


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
    ) -> None:
        self._db = db
        self._repo = ReportRepository(db)
        self._keyring = keyring
        # The keyring was destroyed on purpose: reports are off for good, and people are told so.
        self.keys_destroyed = False
        self._clock = clock
        # One key per day: tags link a person's reports within the day, never across days.
        self._tagger = EpochTagger(DAY_SECONDS, clock)
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
        """Minutes until this person may report again (0: now)."""
        seconds = self._per_person.wait_seconds(self._tagger.tag(user_id))
        return -(-seconds // 60)

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
        refused = self._reserve(tag, group)
        if refused is not None:
            return refused
        try:
            return await self._store(draft, tag, now)
        except BaseException:
            self._release(tag, group)
            raise

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
            return GroupFull()
        if self._total.reserve("all"):
            self._per_person.release(tag)
            self._per_group.release(group)
            return Busy()
        return None

    def _release(self, tag: bytes, group: tuple[bytes, str, str]) -> None:
        self._per_person.release(tag)
        self._per_group.release(group)
        self._total.release("all")

    async def _store(self, draft: ReportDraft, tag: bytes, now: dt.datetime) -> Submitted:
        assert self._keyring is not None
        report_id = str(uuid.uuid4())
        key = self._keyring.current_review_key
        payload = {
            "text": clean_text(draft.text or ""),
            "photo_file_id": draft.photo_file_id,
            "location": list(draft.location) if draft.location else None,
            "reported_at": now.strftime("%Y-%m-%dT%H:%MZ"),
        }
        sealed = seal(
            key, payload, purpose=REPORT_PURPOSE, record_id=report_id, schema=REPORT_SCHEMA
        )
        await self._repo.add(
            StoredReport(
                id=report_id,
                created_hour=now.strftime("%Y-%m-%dT%H"),
                region=str(draft.region),
                place_type=str(draft.place_type),
                time_bucket=str(draft.time_bucket),
                state="new",
                key_id=key.key_id,
                reporter_tag=tag,
                sealed=sealed,
            )
        )
        return Submitted(report_id)

    async def purge(self, retention_days: int) -> int:
        """Delete reports past retention and checkpoint, so their pages leave the WAL too."""
        cutoff = dt.datetime.fromtimestamp(self._clock(), dt.UTC) - dt.timedelta(
            days=retention_days
        )
        deleted = await self._repo.delete_older_than(cutoff.strftime("%Y-%m-%dT%H"))
        await self._db.checkpoint()
        return deleted
