"""The scheduler's periodic jobs. Each computes "what is due now" from the database, so a missed
run heals itself; none stacks up after a pause (coalesce, one instance, no misfire limit)."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.services.local_time import MOSCOW, zone
from bot.telegram.commands import delete_messages
from bot.telegram.health import send_heartbeat, write_status
from bot.telegram.inflight import InFlight
from handlers.flow import forget_idle_forms

if TYPE_CHECKING:
    from bot.app import App

# (id, function, its arguments, seconds between runs, first run or None for one interval away)
Job = tuple[str, Callable[..., Any], list[Any], float, dt.datetime | None]
# The jobs that need the keyring: removed when it is destroyed while the bot runs.
KEYRING_JOBS = ("delete-report-copies", "alert-expiry", "audit-retention", "key-rotation", "panic")
PANIC_WATCH_SECONDS = 5.0


def schedule_jobs(app: App) -> None:
    settings = app.settings
    now = dt.datetime.now(dt.UTC)
    # Every minute, or more often when drafts are forgotten sooner than in two minutes.
    sweep_every = min(60.0, settings.draft_idle_minutes * 30)
    jobs: list[Job] = [
        ("wal-checkpoint", app.db.checkpoint, [], 3600, None),
        # Retention also right after a start.
        (
            "report-retention",
            app.reports.purge,
            [settings.report_retention_days, settings.report_decided_retention_days],
            3600,
            now,
        ),
        ("alert-retention", app.alert_desk.purge, [settings.alert_retention_days], 3600, now),
        ("invite-retention", app.team.purge_invites, [], 3600, now),
        ("forget-idle-drafts", forget_idle_drafts, [app], sweep_every, None),
        # The row `helpline-bot status` reads: start-up writes the first one itself, this one
        # soon after the first getUpdates.
        ("status", write_status, [app], 60, now + dt.timedelta(seconds=15)),
    ]
    if not app.team.locked:
        jobs.append(("delete-report-copies", delete_report_copies, [app], 60, now))
        # Alerts past ALERT_TTL_HOURS stop sending and their copies say so (the service wakes
        # the broadcaster for those edits). First run: start-up itself.
        jobs.append(("alert-expiry", app.alert_desk.expire_due, [], 60, None))
        # The anchor that retention moves is authenticated: only with the keyring unlocked.
        jobs.append(
            ("audit-retention", app.audit_chain.prune, [settings.audit_retention_days], 3600, now)
        )
    if app.key_rotation is not None:
        first = now + dt.timedelta(minutes=1)
        jobs.append(("key-rotation", app.key_rotation.run, [], 24 * 3600, first))
        # `helpline-bot panic` on the server destroys the keyring under the running bot: a look
        # at the tombstone every few seconds lets the bot go to guidance only without a restart.
        jobs.append(("panic", notice_panic, [app], PANIC_WATCH_SECONDS, None))
    for job_id, func, args, seconds, first_run in jobs:
        app.scheduler.add_job(
            counted(app.inflight, func),
            "interval",
            seconds=seconds,
            args=args,
            id=job_id,
            replace_existing=True,
            misfire_grace_time=None,
            **({"next_run_time": first_run} if first_run else {}),
        )
    if settings.heartbeat_hour >= 0 and settings.admin_ids:
        # Daily, Moscow time: an admin who misses it one morning knows the bot is silent.
        app.scheduler.add_job(
            counted(app.inflight, send_heartbeat),
            "cron",
            hour=settings.heartbeat_hour,
            minute=0,
            timezone=zone(MOSCOW),
            args=[app],
            id="heartbeat",
            replace_existing=True,
            misfire_grace_time=None,
        )


def counted(inflight: InFlight, func: Callable[..., Any]) -> Callable[..., Any]:
    """A job that shutdown waits for like a handler: cancelled half-way, a job leaves its work
    half done and APScheduler logs the cancellation as an error."""
    if not inspect.iscoroutinefunction(func):
        return func

    @functools.wraps(func)
    async def run(*args: Any) -> Any:
        inflight.enter()
        try:
            return await func(*args)
        finally:
            inflight.leave()

    return run


async def notice_panic(app: App) -> None:
    """The keyring was destroyed by someone else (the server command): let go of its keys."""
    panic = app.panic
    if panic is not None and panic.on_destroyed is not None and panic.destroyed:
        await panic.on_destroyed()


async def forget_idle_drafts(app: App) -> None:
    await forget_idle_forms(
        app.drafts,
        app.bot,
        app.translator,
        app.settings.draft_idle_minutes * 60,
        app.settings.default_language,
    )


async def delete_report_copies(app: App, everything: bool = False) -> None:
    """Decrypted reports shown to moderators leave their chats after REPORT_VIEW_MINUTES, and
    all of them at shutdown and at an unlocked start (`everything`)."""
    for chat_id, message_ids in (await app.team.due_copies(everything=everything)).items():
        await delete_messages(app.bot, chat_id, message_ids)
