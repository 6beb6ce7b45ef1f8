"""Health without people: what the running bot knows about itself, and the verdict `status`
gives from the status row, the database and the keyring directory.

Everything here is a count or a time rounded to the minute; nothing names or times a person.
`Liveness.saw_updates()` is the one call a receiver of updates makes (polling's getUpdates in
bot.telegram.updates; a webhook handler calls it per request).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.services.audit_trail import AuditHead
from bot.storage.health import Backlog, StatusRow

STALE_MINUTES = 3  # a status row older than this: the bot is not running (it writes every minute)
FETCH_STALE_MINUTES = 3  # polling: getUpdates returns at least every ~10 s while it works
DELIVERY_OUTCOMES = ("sent", "failed", "dropped", "retried")
ALERT_KINDS = ("alert", "announcement")


def minute(moment: float | dt.datetime) -> str:
    """A moment as the status row keeps it: UTC, to the minute, '2026-12-06T14:05Z'."""
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.fromtimestamp(moment, dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


def parse_minute(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%MZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def clock_time(text: str | None) -> str:
    """'2026-12-06T14:05Z' -> '14:05 UTC' (the date too when it is not today's)."""
    moment = parse_minute(text) if text else None
    if moment is None:
        return "never"
    if moment.date() == dt.datetime.now(dt.UTC).date():
        return moment.strftime("%H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class Liveness:
    """When updates last arrived (a successful getUpdates, or a webhook call): in memory, the
    status writer persists it rounded to the minute."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.last_updates: float | None = None

    def saw_updates(self) -> None:
        """Call after every successful getUpdates (even an empty one) or webhook request."""
        self.last_updates = self._clock()


@dataclass
class Activity:
    """Counts since this process started (plain ints; the metrics read them at each scrape).
    The keys are fixed up front so that a reader never sees a dict change size."""

    updates_handled: int = 0
    alerts_approved: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ALERT_KINDS, 0))
    alerts_sent: int = 0  # broadcasts that finished (every row sent, failed or dropped)
    deliveries: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DELIVERY_OUTCOMES, 0))
    rate_limit_pauses: int = 0  # 429s that paused every send

    def approved(self, kind: str) -> None:
        if kind in self.alerts_approved:
            self.alerts_approved[kind] += 1

    def delivered(self, outcome: str) -> None:
        if outcome in self.deliveries:
            self.deliveries[outcome] += 1


@dataclass
class Health:
    """What the running bot keeps about its own health, shared by the jobs and the metrics."""

    liveness: Liveness = field(default_factory=Liveness)
    activity: Activity = field(default_factory=Activity)
    receiver: str = "polling"  # the webhook mode sets 'webhook'
    started: float = field(default_factory=time.time)
    # Reports created in the last completed hour, and which hour that is: set once an hour.
    reports_last_hour: int = 0
    reports_hour: str | None = None
    # Admins' languages as their own updates showed them: memory only, at most one per admin.
    admin_languages: dict[int, str] = field(default_factory=dict)


def completed_hour(now: dt.datetime) -> str:
    """The last completed hour, as reports store theirs ('2026-12-06T13' at 14:05 UTC)."""
    return (now.astimezone(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H")


@dataclass(frozen=True)
class StatusView:
    """`helpline-bot status`: one screen of lines, and the problems that make it exit 1."""

    lines: list[str]
    problems: list[str]


@dataclass(frozen=True)
class Observed:
    """What `status` found, read from the database and the keyring directory."""

    schema: str  # 'ok' or the reason it is not
    row: StatusRow | None
    backlog: Backlog | None
    head: AuditHead | None
    keyring_on_disk: str  # 'present', 'none', 'destroyed' or a one-line problem


def status_view(seen: Observed, now: dt.datetime) -> StatusView:
    """The operator's screen: every line, then the problems (none: healthy)."""
    lines = [f"helpline status at {now.astimezone(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}"]
    problems: list[str] = []
    lines.append(f"database: {seen.schema}")
    if seen.schema != "ok":
        problems.append(f"database: {seen.schema}")
    running = _bot_lines(seen.row, now, lines, problems)
    keyring = seen.row.keyring if running and seen.row is not None else None
    if seen.keyring_on_disk == "destroyed":
        # A panic is final at once; the running bot's row may be up to a minute older.
        keyring = "destroyed"
    lines.append(f"keyring: {_keyring_text(keyring, seen.keyring_on_disk)}")
    if keyring == "locked":
        problems.append(
            "keyring locked: reports wait unread and alerts cannot be sent; restart the bot "
            "with the passphrase"
        )
    elif keyring is None and seen.keyring_on_disk not in ("present", "none", "destroyed"):
        problems.append(f"keyring: {seen.keyring_on_disk}")
    if seen.backlog is not None:
        lines.append(f"reports waiting: {seen.backlog.reports_waiting}")
        lines.append(f"drafts awaiting approval: {seen.backlog.drafts_waiting}")
        lines.append(f"outbox backlog: {seen.backlog.outbox}")
    if running and seen.row is not None and seen.row.next_runs:
        lines.append("next runs:")
        for job, at in sorted(seen.row.next_runs.items(), key=lambda item: (item[1], item[0])):
            lines.append(f"  {clock_time(at)}  {job}")
    if seen.backlog is not None:
        head = seen.head
        lines.append(f"audit head: {head if head is not None else 'no entries yet'}")
    return StatusView(lines, problems)


def _bot_lines(
    row: StatusRow | None, now: dt.datetime, lines: list[str], problems: list[str]
) -> bool:
    """The bot's own lines; True when it runs (its row is fresh and it did not stop)."""
    if row is None:
        lines.append("bot: not running (it has not written a status row yet)")
        problems.append("bot not running (no status row: it never ran with this version)")
        return False
    seen = parse_minute(row.seen_at)
    if row.stopped_at is not None:
        lines.append(f"bot: not running / stopped at {clock_time(row.stopped_at)}")
        problems.append(f"bot not running / stopped at {clock_time(row.stopped_at)}")
        return False
    if seen is None or now - seen > dt.timedelta(minutes=STALE_MINUTES):
        lines.append(f"bot: not running / last seen {clock_time(row.seen_at)}")
        problems.append(f"bot not running / last seen {clock_time(row.seen_at)}")
        return False
    lines.append(
        f"bot: running since {clock_time(row.started_at)}, last seen {clock_time(row.seen_at)}"
        f" ({row.receiver})"
    )
    what = "getUpdates" if row.receiver == "polling" else "webhook call"
    lines.append(
        f"last successful {what}: {clock_time(row.updates_at) if row.updates_at else 'none yet'}"
    )
    # Since the last fetch, or since the start when there was none yet (the first minute).
    since = parse_minute(row.updates_at or row.started_at)
    # A quiet webhook gets no calls at all: only polling's silence means something is wrong.
    if row.receiver == "polling" and (
        since is None or now - since > dt.timedelta(minutes=FETCH_STALE_MINUTES)
    ):
        problems.append(
            f"no successful getUpdates since {clock_time(row.updates_at or row.started_at)}"
        )
    return True


def _keyring_text(running_state: str | None, on_disk: str) -> str:
    if running_state is not None:
        return running_state
    if on_disk == "present":
        return "present (locked or unlocked when the bot starts)"
    return on_disk
