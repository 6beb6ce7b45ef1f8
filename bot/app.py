"""Composition root: builds the Bot, the Dispatcher, the scheduler and the services.

Nothing here is module-level state: `build_app` returns an `App`, and `run_polling` drives it
until SIGINT/SIGTERM, then drains in-flight handlers, stops the scheduler and closes the database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import gc
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import ErrorEvent, Message
from aiogram.utils.token import TokenValidationError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import ConfigError, Settings
from bot.content.faq import ContentError
from bot.content.regions import RegionCatalog, RegionError
from bot.content.store import ContentStore
from bot.crypto.keyring import KeyringMissing, PublicKeyring, UnlockedKeyring
from bot.i18n import Tr, Translator
from bot.logs import fields
from bot.services.alert_desk import AlertDesk, AlertProgress
from bot.services.alert_text import AlertText
from bot.services.broadcast import Broadcaster
from bot.services.commands import delete_messages, set_commands
from bot.services.drafts import DraftStorage
from bot.services.feedback import FeedbackService
from bot.services.inflight import InFlight
from bot.services.janitor import MessageJanitor
from bot.services.keypins import check_and_pin
from bot.services.keyrotation import KeyRotation
from bot.services.notices import ModeratorNotices, ProgressReporter
from bot.services.people import subscriber_cipher
from bot.services.preferences import LanguagePreferences
from bot.services.reports import ReportService
from bot.services.review import ReviewQueue
from bot.services.review_keys import ReviewKeys
from bot.services.subscriptions import SubscriptionService
from bot.services.team import ModeratorTeam
from bot.services.updates import SkippedUpdateMiddleware, TolerantSession, UpdateGate
from bot.storage import migrations
from bot.storage.db import Database
from bot.storage.instance import InstanceRepository
from handlers import flow_rule, get_routers
from handlers.feedback import feedback_buttons
from handlers.flow import LANG_KEY, delete_form_messages, form_message_ids
from handlers.middlewares import InFlightMiddleware, LanguageMiddleware, QueryThrottleMiddleware

log = logging.getLogger("helpline.app")

FEEDBACK_KEY_LABEL = "feedback-button"


@dataclass
class App:
    settings: Settings
    bot: Bot
    dispatcher: Dispatcher
    db: Database
    scheduler: AsyncIOScheduler
    translator: Translator
    content: ContentStore
    drafts: DraftStorage
    reports: ReportService
    subscriptions: SubscriptionService
    team: ModeratorTeam
    review: ReviewQueue
    alert_desk: AlertDesk
    review_keys: ReviewKeys
    notices: ModeratorNotices
    broadcaster: Broadcaster | None
    key_rotation: KeyRotation | None = None
    inflight: InFlight = field(default_factory=InFlight)
    updates: UpdateGate = field(default_factory=UpdateGate)
    janitor: MessageJanitor | None = None


def load_regions(path: Path) -> RegionCatalog:
    try:
        return RegionCatalog.load(path)
    except RegionError as exc:
        raise ContentError([str(exc)]) from None


def load_public_keyring(settings: Settings) -> PublicKeyring | None:
    """The keyring's public part (no passphrase needed): without one, reports stay off."""
    try:
        return PublicKeyring.load(settings.keyring_dir)
    except KeyringMissing:
        log.warning("no keyring: raid reports are off until `helpline-bot keys init`")
        return None


def build_bot(settings: Settings, gate: UpdateGate | None = None) -> Bot:
    if settings.bot_token is None:
        raise ConfigError("BOT_TOKEN is not set: get a token from @BotFather and set BOT_TOKEN")
    session = TolerantSession(
        gate or UpdateGate(), api=TelegramAPIServer.from_base(settings.bot_api_url)
    )
    try:
        return Bot(
            token=settings.bot_token.get_secret_value(),
            session=session,
            default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
        )
    except TokenValidationError:
        raise ConfigError(
            "BOT_TOKEN is not a valid bot token (it looks like 123456:ABC...; ask @BotFather)"
        ) from None


async def open_database(settings: Settings) -> Database:
    """Open the database and bring its schema up to date (start-up runs `migrate` itself)."""
    db = await Database.open(settings.database_path)
    try:
        applied = await migrations.apply(db)
    except Exception:
        await db.close()
        raise
    if applied:
        log.info("schema migrated", extra=fields(version=applied[-1].version, applied=len(applied)))
    return db


async def build_app(settings: Settings, *, unlocked: UnlockedKeyring | None = None) -> App:
    """Everything the bot needs; `unlocked` is the keyring when it was unlocked at start."""
    translator = Translator.load(settings.content_dir / "locales")
    content = ContentStore(settings.content_dir, lambda lang: Tr(translator, lang))
    regions = load_regions(settings.content_dir / "regions.toml")
    unknown = sorted(code for code in settings.region_channels if regions.get(code) is None)
    if unknown:
        raise ConfigError(
            f"REGION_CHANNELS names unknown region code(s) {', '.join(unknown)}:"
            " use the codes in content/regions.toml"
        )
    keyring = load_public_keyring(settings)
    gate = UpdateGate()
    bot = build_bot(settings, gate)
    db = await open_database(settings)
    if keyring is not None:
        try:
            await check_and_pin(
                InstanceRepository(db), unlocked or keyring, authenticated=unlocked is not None
            )
        except Exception:
            await db.close()
            await bot.session.close()
            raise
    report_service = ReportService(
        db,
        keyring,
        settings.reports_per_hour,
        per_group_per_person=settings.reports_per_group_per_person,
        per_hour_total=settings.reports_per_hour_total,
        max_entries=settings.max_rate_entries,
    )
    subscriptions = SubscriptionService(
        db, keyring, unlocked, max_entries=settings.max_rate_entries
    )
    review_keys = ReviewKeys(unlocked)
    team = ModeratorTeam(
        db, review_keys, admin_ids=settings.admin_ids, copy_minutes=settings.report_view_minutes
    )
    review = ReviewQueue(db, review_keys)

    async def queue_counts() -> dict[str, int]:
        counts: dict[str, int] = {}
        for group in await review.groups():
            region = regions.get(group.region)
            name = region.name(settings.default_language) if region else group.region
            counts[name] = counts.get(name, 0) + group.reports
        return counts

    notices = ModeratorNotices(
        bot, settings.moderator_chat_id, translator, settings.default_language, queue_counts
    )
    feedback = FeedbackService(
        db,
        key=unlocked.subkey(FEEDBACK_KEY_LABEL) if unlocked is not None else None,
        max_entries=settings.max_rate_entries,
    )
    broadcaster = None
    if unlocked is not None:
        broadcaster = Broadcaster(
            db,
            bot,
            subscriber_cipher(unlocked),
            rate=settings.broadcast_rate,
            buttons=functools.partial(feedback_buttons, translator, feedback),
            on_progress=ProgressReporter(
                bot,
                translator,
                settings.default_language,
                settings.broadcast_rate,
                AlertProgress(db, team).target,
            ),
        )
    alert_desk = AlertDesk(
        db,
        review_keys,
        team,
        AlertText(translator, regions),
        approvals_needed=settings.alert_approvals,
        ttl_hours=settings.alert_ttl_hours,
        region_channels=settings.region_channels,
        channel_lang=settings.default_language,
        wake=broadcaster.wake if broadcaster is not None else None,
    )
    scheduler = AsyncIOScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1}
    )
    inflight = InFlight()
    janitor = MessageJanitor(bot, max_pending=settings.max_cleanup_lists)
    drafts = DraftStorage(
        max_records=settings.max_drafts, on_evict=functools.partial(_evicted, bot)
    )
    dispatcher = Dispatcher(
        storage=drafts,  # drafts and questionnaire answers live in memory only
        settings=settings,
        db=db,
        translator=translator,
        content=content,
        regions=regions,
        report_service=report_service,
        subscriptions=subscriptions,
        team=team,
        review=review,
        alert_desk=alert_desk,
        notices=notices,
        broadcaster=broadcaster,
        feedback=feedback,
        janitor=janitor,
        signing_keyring=keyring,  # /verify needs only the public part
        keyring_unlocked=unlocked,  # None: locked (intake works; reading reports waits)
        language_preferences=LanguagePreferences(max_size=settings.max_language_choices),
        scheduler=scheduler,
    )
    # First: an update the library could not parse never reaches a handler.
    dispatcher.update.outer_middleware(SkippedUpdateMiddleware())
    dispatcher.update.outer_middleware(InFlightMiddleware(inflight))
    dispatcher.update.outer_middleware(
        LanguageMiddleware(
            translator, dispatcher["language_preferences"], settings.default_language
        )
    )
    throttle = QueryThrottleMiddleware(
        settings.queries_per_minute, settings.max_rate_entries, flow_rule()
    )
    dispatcher.message.outer_middleware(throttle)
    dispatcher.inline_query.outer_middleware(throttle)
    dispatcher.include_routers(*get_routers(settings))
    app = App(
        settings,
        bot,
        dispatcher,
        db,
        scheduler,
        translator,
        content,
        drafts,
        report_service,
        subscriptions,
        team,
        review,
        alert_desk,
        review_keys,
        notices,
        broadcaster,
        inflight=inflight,
        updates=gate,
        janitor=janitor,
    )
    if keyring is not None:
        app.key_rotation = KeyRotation(
            settings.keyring_dir,
            settings.key_passphrase,
            settings.key_passphrase_file,
            settings.key_rotation_days,
            report_service.key_ids_in_use,
            _keys_changed(app),
            report_service.sealing_key_id,
        )
    dispatcher.startup.register(_on_startup(app))
    dispatcher.shutdown.register(_on_shutdown(app))
    dispatcher.errors.register(_on_error(app))
    return app


def _keys_changed(app: App) -> Any:
    async def keys_changed(public: PublicKeyring, unlocked: UnlockedKeyring | None) -> None:
        """A rotation rewrote the keyring: pin the new keys and hand them to the services.

        Without the unlocked part (hardened mode, after `keys rotate`), the new public key must
        already be pinned, which `keys rotate` does with the passphrase.
        """
        repo = InstanceRepository(app.db)
        await check_and_pin(repo, unlocked or public, authenticated=unlocked is not None)
        app.reports.use_keyring(public)
        app.subscriptions.use_keyring(public, unlocked)
        if unlocked is not None:
            app.review_keys.use(unlocked)
            app.dispatcher["feedback"].use_key(unlocked.subkey(FEEDBACK_KEY_LABEL))
            app.dispatcher["keyring_unlocked"] = unlocked

    return keys_changed


def _on_startup(app: App) -> Any:
    async def on_startup(bot: Bot) -> None:
        try:
            me = await bot.get_me()
        except TelegramUnauthorizedError:
            raise ConfigError(
                "BOT_TOKEN was rejected by the Bot API (revoked or mistyped)"
            ) from None
        # Polling and a webhook exclude each other; a stale webhook would make polling fail.
        await bot.delete_webhook(drop_pending_updates=False)
        try:
            applied = await app.subscriptions.apply_pending()
        except Exception as exc:  # start anyway: the changes stay pending for the next start
            log.error(
                "pending subscription changes not applied", extra=fields(error=type(exc).__name__)
            )
        else:
            if applied:
                log.info("subscription changes applied", extra=fields(count=applied))
        await set_commands(
            bot,
            app.translator,
            app.settings.default_language,
            app.settings.admin_ids,
            await app.team.moderator_chats(),
        )
        await app.reports.resume_total()
        _schedule_jobs(app)
        app.scheduler.start()
        if app.janitor is not None:
            app.janitor.start()
        if app.broadcaster is not None:
            # Alerts that expired while the bot was down are closed first, so that resuming
            # the outbox never sends them on; then it resumes any interrupted broadcast.
            await app.alert_desk.expire_due()
            app.broadcaster.start()
        elif app.reports.enabled:
            await _tell_locked(app)
        # Everything built so far (content, search index, aiogram's models) lives as long as the
        # process: move it out of the garbage collector's sight so that the collections that
        # per-update allocations trigger do not rescan it every time.
        gc.collect()
        gc.freeze()
        log.info(
            "bot started",
            extra=fields(
                bot_username=me.username,
                api=_api_kind(app.settings),
                keyring=_keyring_state(app),
            ),
        )

    return on_startup


def _on_shutdown(app: App) -> Any:
    async def on_shutdown() -> None:
        await app.notices.close()
        try:
            async with asyncio.timeout(app.settings.shutdown_grace_seconds):
                await app.inflight.wait_idle()
        except TimeoutError:
            log.warning(
                "shutdown with handlers still running", extra=fields(left=app.inflight.count)
            )
        if app.scheduler.running:
            app.scheduler.shutdown(wait=False)
        if app.broadcaster is not None:
            await app.broadcaster.stop()
        if app.janitor is not None:
            await app.janitor.stop()  # what was to be deleted later is deleted now
        await app.db.close()
        log.info("bot stopped")

    return on_shutdown


def _on_error(app: App) -> Any:
    async def on_error(event: ErrorEvent, tr: Tr | None = None) -> bool:
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

    return on_error


def _schedule_jobs(app: App) -> None:
    """Periodic jobs compute "what is due now" from the database, so a missed run heals itself;
    none stacks up after a pause (coalesce, one instance, no misfire limit)."""
    settings = app.settings
    now = dt.datetime.now(dt.UTC)
    jobs: list[tuple[str, Any, list[Any], float, dt.datetime | None]] = [
        ("wal-checkpoint", app.db.checkpoint, [], 3600, None),
        # Retention also right after a start.
        ("report-retention", app.reports.purge, [settings.report_retention_days], 3600, now),
        ("alert-retention", app.alert_desk.purge, [settings.alert_retention_days], 3600, now),
        ("invite-retention", app.team.purge_invites, [], 3600, now),
        # Every minute, or more often when drafts are forgotten sooner than in two minutes.
        ("forget-idle-drafts", _forget_idle_drafts, [app],
         min(60.0, settings.draft_idle_minutes * 30), None),
    ]  # fmt: skip
    if not app.team.locked:
        jobs.append(("delete-report-copies", _delete_report_copies, [app], 60, now))
        jobs.append(("alert-expiry", _expire_alerts, [app], 60, None))  # first run: start-up
    if app.key_rotation is not None:
        first = now + dt.timedelta(minutes=1)
        jobs.append(("key-rotation", app.key_rotation.run, [], 24 * 3600, first))
    for job_id, func, args, seconds, first_run in jobs:
        app.scheduler.add_job(
            func,
            "interval",
            seconds=seconds,
            args=args,
            id=job_id,
            replace_existing=True,
            misfire_grace_time=None,
            **({"next_run_time": first_run} if first_run else {}),
        )


async def _evicted(bot: Bot, key: StorageKey, data: dict[str, Any]) -> None:
    """A draft dropped at the MAX_DRAFTS cap: its form's messages leave the chat now."""
    await delete_form_messages(bot, key.chat_id, data)  # no request when it left none


async def _forget_idle_drafts(app: App) -> None:
    """Forget drafts left idle, and take an abandoned report form's messages out of the chat:
    a phone seized later must not show a half-written report."""
    forgotten = await app.drafts.sweep(app.settings.draft_idle_minutes * 60)
    for key, data in forgotten:
        if not form_message_ids(data):
            continue
        await delete_form_messages(app.bot, key.chat_id, data)
        if not data.get(LANG_KEY):
            continue  # not a report form (a paused questionnaire): nothing to explain
        try:
            lang = str(data.get(LANG_KEY) or app.settings.default_language)
            text = app.translator(lang, "draft-expired")
            await app.bot.send_message(key.chat_id, text)
        except TelegramAPIError as exc:
            log.warning("could not close an idle form", extra=fields(error=type(exc).__name__))


async def _expire_alerts(app: App) -> None:
    """Alerts past ALERT_TTL_HOURS: stop their sends and have their copies say so."""
    await app.alert_desk.expire_due()  # wakes the broadcaster when copies are to be edited


async def _tell_locked(app: App) -> None:
    """Moderators must know why the queue does not open: tell the admins and the group."""
    waiting = await app.review.waiting_reports()
    text = app.translator(app.settings.default_language, "mod-locked", reports=waiting)
    await app.notices.send(text)
    for admin_id in sorted(app.settings.admin_ids):
        try:
            await app.bot.send_message(admin_id, text)
        except TelegramAPIError as exc:
            log.warning("could not tell an admin", extra=fields(error=type(exc).__name__))


async def _delete_report_copies(app: App) -> None:
    """Decrypted reports shown to moderators leave their chats after REPORT_VIEW_MINUTES."""
    for chat_id, message_ids in (await app.team.due_copies()).items():
        await delete_messages(app.bot, chat_id, message_ids)


def _keyring_state(app: App) -> str:
    if not app.reports.enabled:
        return "none"
    return "unlocked" if app.dispatcher.get("keyring_unlocked") else "locked"


def _api_kind(settings: Settings) -> str:
    return "official" if settings.uses_official_api else "custom"


async def run_polling(app: App, *, handle_signals: bool = True) -> None:
    await app.dispatcher.start_polling(
        app.bot,
        handle_signals=handle_signals,
        close_bot_session=True,
        tasks_concurrency_limit=app.settings.max_concurrent_updates,
        allowed_updates=app.dispatcher.resolve_used_update_types(),
    )
