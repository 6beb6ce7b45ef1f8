"""Start-up, shutdown and the last-resort error handler: plain functions the dispatcher calls
with `app` from its workflow data (as in aiogram's examples/web_app/main.py)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import ErrorEvent, Message, User

from bot.config import ConfigError, Settings
from bot.i18n import Tr
from bot.jobs import delete_report_copies, schedule_jobs
from bot.logs import fields
from bot.metrics import MetricsServer, registry_for
from bot.services.team import rule_weaknesses
from bot.telegram.audit_notices import head_text, verify_audit_log
from bot.telegram.commands import set_commands
from bot.telegram.health import write_status

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("helpline.app")
T = TypeVar("T")

# Between two getMe tries at start: doubling from the first, never longer than the last.
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 60.0
REJECTED_TOKEN = "BOT_TOKEN was rejected by the Bot API (revoked or mistyped)"  # noqa: S105


async def wait_for_bot_api(bot: Bot, stop: asyncio.Event) -> User | None:
    """getMe until the Bot API answers: a network outage at boot is waited out (one log line a
    try), a rejected token is a configuration mistake. None: `stop` was set while waiting."""
    return await retry_at_start(bot.get_me, stop, "Bot API unreachable at start; retrying")


async def retry_at_start(
    call: Callable[[], Awaitable[T]], stop: asyncio.Event, event: str
) -> T | None:
    """`call` until it answers: network trouble and 5xx are retried with a growing pause (one
    log line `event` a try), any other refusal is a ConfigError (`refusal`). None: stopped."""
    delay = FIRST_RETRY_SECONDS
    tries = 0
    while not stop.is_set():
        tries += 1
        try:
            return await call()
        except TelegramRetryAfter as exc:
            wait, error = float(exc.retry_after), type(exc).__name__
        except (TelegramNetworkError, TelegramServerError) as exc:
            wait, error = delay, type(exc).__name__
            delay = min(delay * 2, MAX_RETRY_SECONDS)
        except (TelegramAPIError, ClientDecodeError) as exc:
            raise ConfigError(refusal(exc)) from None
        log.warning(event, extra=fields(error=error, tries=tries, retry_in=round(wait, 2)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
    return None


def refusal(exc: Exception) -> str:
    """One line for an answer to getMe that retrying cannot fix: the token or the URL."""
    if isinstance(exc, TelegramUnauthorizedError):
        return REJECTED_TOKEN
    if isinstance(exc, TelegramNotFound):
        return "the Bot API answered 404 to getMe: check BOT_TOKEN and BOT_API_URL"
    if isinstance(exc, ClientDecodeError):
        return "BOT_API_URL does not answer like a Bot API (not JSON): check the URL"
    return f"the Bot API refused getMe ({type(exc).__name__}): check BOT_TOKEN and BOT_API_URL"


async def on_startup(bot: Bot, app: App) -> None:
    if app.settings.metrics_addr is not None and app.metrics is None:
        # First: a port in use is a configuration mistake, said in one line (exit 2).
        registry = registry_for(app.health, app.updates)
        app.metrics = await MetricsServer.start(app.settings.metrics_addr, registry)
    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError:
        raise ConfigError(REJECTED_TOKEN) from None
    app.alert_desk.name_instance(me.username)  # the name signed alerts carry: asked once
    if app.webhook is None:
        # Polling and a webhook exclude each other; a stale webhook would make polling fail.
        await bot.delete_webhook(drop_pending_updates=False)
    await verify_audit_log(app)  # before anything is appended in this run
    await _apply_pending_subscriptions(app)
    await set_commands(
        bot,
        app.translator,
        app.settings.default_language,
        app.settings.admin_ids,
        await app.team.moderator_chats(),
    )
    await app.reports.resume_total()
    approvers = await app.team.approvers() if not app.team.locked else None
    needed = app.alert_desk.approvals_needed
    if approvers is not None and rule_weaknesses(needed, approvers):
        # `check` says what to do; the log says that it applies.
        log.warning(
            "two-person rule rests on one person",
            extra=fields(approvals=needed, approvers=approvers),
        )
    schedule_jobs(app)
    app.scheduler.start()
    await write_status(app)  # `helpline-bot status` sees this run at once
    if app.janitor is not None:
        app.janitor.start()
    # Copies a previous run showed and could not delete (it was killed): they go now.
    await _delete_every_report_copy(app, "start")
    if app.broadcaster is not None:
        # Alerts that expired while the bot was down are closed first, so that resuming the
        # outbox never sends them on; then it resumes any interrupted broadcast.
        await app.alert_desk.expire_due()
        app.broadcaster.start()
    elif app.reports.enabled:
        await tell_locked(app)
    # Everything built so far (content, search index, aiogram's models) lives as long as the
    # process: move it out of the garbage collector's sight so that the collections that
    # per-update allocations trigger do not rescan it every time.
    gc.collect()
    gc.freeze()
    log.info(
        "bot started",
        extra=fields(
            bot_username=me.username, api=_api_kind(app.settings), keyring=keyring_state(app)
        ),
    )


async def on_shutdown(app: App) -> None:
    await app.notices.close()
    if app.scheduler.running:
        app.scheduler.pause()  # no job starts now; the drain below waits for running ones
    try:
        async with asyncio.timeout(app.settings.shutdown_grace_seconds):
            await app.inflight.wait_idle()
    except TimeoutError:
        log.warning("shutdown with handlers still running", extra=fields(left=app.inflight.count))
    if app.scheduler.running:
        app.scheduler.shutdown(wait=False)
    if app.broadcaster is not None:
        await app.broadcaster.stop()
    if app.janitor is not None:
        await app.janitor.stop()  # what was to be deleted later is deleted now
    await _delete_every_report_copy(app, "shutdown")
    await write_status(app, stopped=True)  # `status` then says when it stopped
    if app.metrics is not None:
        await app.metrics.stop()
        app.metrics = None
    await app.db.close()
    log.info("bot stopped")


async def on_error(event: ErrorEvent, app: App, tr: Tr | None = None) -> bool:
    # One line with the error class: exception texts may carry user input, tracebacks too.
    log.error("handler failed", extra=fields(error=type(event.exception).__name__))
    update = event.update
    message: Message | None = update.message or (
        update.callback_query.message
        if update.callback_query and isinstance(update.callback_query.message, Message)
        else None
    )
    if message is not None and message.chat.type == "private":
        text = (
            tr("error-generic")
            if tr
            else app.translator(app.settings.default_language, "error-generic")
        )
        try:
            await message.answer(text)
        except Exception as exc:
            log.warning(
                "could not tell the user about an error", extra=fields(error=type(exc).__name__)
            )
    return True


async def _delete_every_report_copy(app: App, when: str) -> None:
    """No decrypted report outlives the process that showed it: every copy still in a
    moderator's chat is deleted (bounded by SHUTDOWN_GRACE_SECONDS: Telegram may be away).
    Locked, the chats cannot be found: the admins are told at start instead (tell_locked)."""
    if app.team.locked:
        return
    try:
        async with asyncio.timeout(max(app.settings.shutdown_grace_seconds, 1)):
            await delete_report_copies(app, everything=True)
    except (TimeoutError, TelegramAPIError) as exc:
        log.warning(
            "report copies not all deleted", extra=fields(at=when, error=type(exc).__name__)
        )


async def tell_locked(app: App) -> None:
    """Moderators must know why the queue does not open: tell the admins and the group."""
    waiting = await app.review.waiting_reports()
    text = app.translator(app.settings.default_language, "mod-locked", reports=waiting)
    await app.notices.send(text)
    copies = await app.team.copies_outstanding()
    if copies:
        # Shown before the bot stopped and never deleted (it was killed, or Telegram was away):
        # while locked their chats cannot be found. Only the admins are told how many.
        text += "\n\n" + app.translator(
            app.settings.default_language, "mod-locked-copies", copies=copies
        )
    # Admins also get the audit log's head (readable without the key, so not verified now).
    tr = Tr(app.translator, app.settings.default_language)
    text += "\n\n" + head_text(tr, await app.audit_chain.head())
    for admin_id in sorted(app.settings.admin_ids):
        try:
            await app.bot.send_message(admin_id, text)
        except TelegramAPIError as exc:
            log.warning("could not tell an admin", extra=fields(error=type(exc).__name__))


async def _apply_pending_subscriptions(app: App) -> None:
    try:
        applied = await app.subscriptions.apply_pending()
    except Exception as exc:  # start anyway: the changes stay pending for the next start
        log.error(
            "pending subscription changes not applied", extra=fields(error=type(exc).__name__)
        )
        return
    if applied:
        log.info("subscription changes applied", extra=fields(count=applied))


async def set_webhook(app: App, stop: asyncio.Event) -> bool:
    """Tell Telegram where to post updates, with the secret; pending updates are dropped only
    when WEBHOOK_DROP_PENDING says so. False: stopped before the Bot API answered."""
    settings = app.settings
    if settings.webhook_url is None or settings.webhook_secret is None:
        raise ConfigError("webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET")
    url, secret = settings.webhook_url, settings.webhook_secret.get_secret_value()
    allowed = app.dispatcher.resolve_used_update_types()

    async def call() -> bool:
        try:
            return await app.bot.set_webhook(
                url,
                secret_token=secret,
                drop_pending_updates=settings.webhook_drop_pending,
                allowed_updates=allowed,
            )
        except (TelegramUnauthorizedError, TelegramNotFound):
            raise  # the token or the URL: `refusal` says which
        except TelegramBadRequest as exc:  # Telegram's words are about our URL, never a person's
            said = " ".join(exc.message.split())[:200]
            raise ConfigError(f"the Bot API refused WEBHOOK_URL ({said})") from None

    done = await retry_at_start(call, stop, "setWebhook failed; retrying")
    if done is None:
        return False
    log.info(
        "webhook set",
        extra=fields(drop_pending=settings.webhook_drop_pending, api=_api_kind(settings)),
    )
    return True


async def remove_webhook(app: App) -> None:
    """A clean stop removes the webhook: Telegram keeps what comes meanwhile (up to 24 h) for
    the next start, by webhook or by polling. Bounded: Telegram may be away."""
    try:
        async with asyncio.timeout(max(app.settings.shutdown_grace_seconds, 1)):
            await app.bot.delete_webhook(drop_pending_updates=False)
    except (TimeoutError, TelegramAPIError) as exc:
        log.warning("webhook not removed", extra=fields(error=type(exc).__name__))
        return
    log.info("webhook removed")


def keyring_state(app: App) -> str:
    """unlocked, locked, none or destroyed: the start-up log line, status and the heartbeat."""
    if app.dispatcher.get("keyring_destroyed"):
        return "destroyed"
    if not app.reports.enabled:
        return "none"
    return "unlocked" if app.dispatcher.get("keyring_unlocked") else "locked"


def _api_kind(settings: Settings) -> str:
    return "official" if settings.uses_official_api else "custom"
