"""Health inside the running bot: counting handled updates, the status row it writes every
minute (and at a clean stop), and the admins' daily heartbeat.

Nothing here stores or logs an id: the status row holds minute-rounded times and states, the
heartbeat counts and the audit head, and admins' languages are remembered in memory only.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from aiogram.exceptions import TelegramAPIError
from aiogram.types import User

from bot.i18n import Tr
from bot.logs import fields
from bot.services.audit_trail import AuditHead
from bot.services.health import Health, completed_hour, minute
from bot.storage.audit import AuditRepository
from bot.storage.health import StatusRepository, StatusRow
from bot.telegram.audit_notices import head_text

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("helpline.health")


class UpdateCounter:
    """Counts the updates that reach the handlers (skipped ones never do) and remembers, in
    memory, the language an admin's own updates are answered in: the heartbeat's language.
    handlers.middlewares.UpdateContext calls it for every update."""

    def __init__(self, health: Health, admin_ids: frozenset[int]) -> None:
        self._health = health
        self._admins = admin_ids

    def count(self, user: User | None, lang: str) -> None:
        self._health.activity.updates_handled += 1
        if user is not None and user.id in self._admins:
            self._health.admin_languages[user.id] = lang


def next_runs(app: App) -> dict[str, str]:
    """Each scheduled job's next run, to the minute (a paused job has none)."""
    runs: dict[str, str] = {}
    for job in app.scheduler.get_jobs():
        at = getattr(job, "next_run_time", None)
        if isinstance(at, dt.datetime):
            runs[job.id] = minute(at)
    return runs


def status_row(app: App, now: float, *, stopped: bool = False) -> StatusRow:
    from bot.lifecycle import keyring_state

    health = app.health
    fetched = health.liveness.last_updates
    return StatusRow(
        started_at=minute(health.started),
        seen_at=minute(now),
        stopped_at=minute(now) if stopped else None,
        updates_at=None if fetched is None else minute(fetched),
        receiver=health.receiver,
        keyring=keyring_state(app),
        next_runs={} if stopped else next_runs(app),
    )


async def write_status(app: App, *, stopped: bool = False) -> None:
    """The status row `helpline-bot status` reads (every minute, and once at a clean stop);
    also the metrics' reports-per-hour figure, refreshed once the hour has turned."""
    now = dt.datetime.now(dt.UTC)
    repo = StatusRepository(app.db)
    try:
        await repo.write(status_row(app, now.timestamp(), stopped=stopped))
        hour = completed_hour(now)
        if app.health.reports_hour != hour:
            app.health.reports_last_hour = await repo.reports_in_hour(hour)
            app.health.reports_hour = hour
    except Exception as exc:  # the next minute tries again
        log.warning("status row not written", extra=fields(error=type(exc).__name__))


async def send_heartbeat(app: App) -> int:
    """The admins' daily message: the bot is alive, what waits, the keyring, the audit head.
    Each admin gets it in the language their own updates were last answered in (else their
    /language choice, else DEFAULT_LANGUAGE). Returns how many admins it reached."""
    from bot.lifecycle import keyring_state

    backlog = await StatusRepository(app.db).backlog()
    head = AuditHead.of(await AuditRepository(app.db).head())
    preferences = app.dispatcher.get("language_preferences")
    reached = 0
    for admin_id in sorted(app.settings.admin_ids):
        lang = app.health.admin_languages.get(admin_id) or (
            preferences.get(admin_id) if preferences is not None else None
        )
        tr = Tr(app.translator, lang or app.settings.default_language)
        text = (
            tr(
                "heartbeat",
                keyring=keyring_state(app),
                reports=backlog.reports_waiting,
                drafts=backlog.drafts_waiting,
                outbox=backlog.outbox,
            )
            + "\n\n"
            + head_text(tr, head)
        )
        try:
            await app.bot.send_message(admin_id, text)
        except TelegramAPIError as exc:
            log.warning("heartbeat not delivered", extra=fields(error=type(exc).__name__))
            continue
        reached += 1
    log.info("heartbeat sent", extra=fields(admins=reached))
    return reached
