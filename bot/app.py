"""Composition root: builds the Bot, the Dispatcher, the scheduler and the services.

Nothing here is module-level state: `build_app` returns an `App`, and `run_polling` (or
`run_webhook`) drives it until SIGINT/SIGTERM. What start-up and shutdown do is in
bot.lifecycle (they drain in-flight handlers, stop the scheduler and close the database), the
scheduler's jobs in bot.jobs.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.utils.token import TokenValidationError
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.checks import unknown_region_codes
from bot.config import ConfigError, Settings
from bot.content.faq import ContentError
from bot.content.regions import RegionCatalog, RegionError
from bot.content.store import ContentStore
from bot.crypto.keyring import (
    KeyringDestroyed,
    KeyringMissing,
    PublicKeyring,
    UnlockedKeyring,
    destroyed_at,
)
from bot.i18n import Tr, Translator
from bot.jobs import KEYRING_JOBS, delete_report_copies
from bot.lifecycle import (
    on_error,
    on_shutdown,
    on_startup,
    remove_webhook,
    set_webhook,
    wait_for_bot_api,
)
from bot.logs import fields
from bot.metrics import MetricsServer
from bot.protection import Mode, Protection
from bot.services.alert_desk import AlertDesk, AlertProgress
from bot.services.alert_text import AlertText
from bot.services.audit_trail import AuditChain, AuditTrail
from bot.services.bot_move import MoveNotices
from bot.services.feedback import FeedbackService
from bot.services.health import Health
from bot.services.keyrotation import KeyRotation
from bot.services.keytrust import verify_keyring
from bot.services.panic import PanicSwitch, revoked_key
from bot.services.people import subscriber_cipher
from bot.services.preferences import LanguagePreferences
from bot.services.reporters import ReporterMemory
from bot.services.reports import ReportService
from bot.services.review import ReviewQueue
from bot.services.review_keys import ReviewKeys
from bot.services.subscriptions import SubscriptionService
from bot.services.team import ModeratorTeam
from bot.storage import migrations
from bot.storage.db import Database
from bot.storage.instance import InstanceRepository
from bot.telegram.broadcast import Broadcaster
from bot.telegram.drafts import DraftStorage
from bot.telegram.health import UpdateCounter
from bot.telegram.inflight import InFlight
from bot.telegram.janitor import MessageJanitor
from bot.telegram.live_data import LiveWorkflowData
from bot.telegram.notices import ModeratorNotices, ProgressReporter
from bot.telegram.updates import TolerantSession, UpdateGate
from bot.telegram.webhook import WebhookListener, WebhookStats
from handlers import flow_rule, get_routers
from handlers.direct_route import DirectRoute
from handlers.feedback import feedback_buttons
from handlers.flow import close_evicted_form
from handlers.middlewares import QueryThrottleMiddleware, UpdateContext, UserLanguage

log = logging.getLogger("helpline.app")

FEEDBACK_KEY_LABEL = "feedback-button"
# Workflow data that changes while the bot runs: after a rotation and after the panic switch.
LIVE_KEYS = (
    "keyring_destroyed",
    "keyring_unlocked",
    "signing_keyring",
    "revoked_signing_key",
    "broadcaster",
    "protection",
)


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
    audit_chain: AuditChain
    key_rotation: KeyRotation | None = None
    panic: PanicSwitch | None = None
    inflight: InFlight = field(default_factory=InFlight)
    updates: UpdateGate = field(default_factory=UpdateGate)
    janitor: MessageJanitor | None = None
    # Liveness, counts since start, admins' languages (memory only): status, metrics, heartbeat.
    health: Health = field(default_factory=Health)
    metrics: MetricsServer | None = None  # serving while METRICS_ADDR is set and the bot runs
    # Webhook mode's counts (None when polling): what an operator's status screen reads.
    webhook: WebhookStats | None = None


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
    except KeyringDestroyed as exc:
        # Destroyed on purpose (the panic switch): guidance goes on, reports and alerts do not.
        log.warning(
            "keyring destroyed on purpose: serving guidance only; reports and alerts are off",
            extra=fields(keyring="destroyed", destroyed_at=exc.destroyed_at),
        )
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
    unknown = unknown_region_codes(settings, regions)
    if unknown is not None:
        raise ConfigError(unknown)
    keyring = load_public_keyring(settings)
    health = Health()
    gate = UpdateGate(health.liveness)
    bot = build_bot(settings, gate)
    db = await open_database(settings)
    if keyring is not None:
        try:
            await verify_keyring(
                InstanceRepository(db),
                unlocked or keyring,
                authenticated=unlocked is not None,
                fingerprint=settings.signing_key_fingerprint,
            )
        except Exception:
            await db.close()
            await bot.session.close()
            raise
    keys_destroyed = keyring is None and destroyed_at(settings.keyring_dir) is not None
    # Which report came from whom (per-day tags), shared by intake, the queue and drafting:
    # memory only, so that nothing on disk links reports.
    reporters = ReporterMemory(max_entries=settings.max_rate_entries)
    report_service = ReportService(
        db,
        keyring,
        settings.reports_per_hour,
        per_group_per_person=settings.reports_per_group_per_person,
        per_hour_total=settings.reports_per_hour_total,
        max_entries=settings.max_rate_entries,
        reporters=reporters,
    )
    subscriptions = SubscriptionService(
        db, keyring, unlocked, max_entries=settings.max_rate_entries
    )
    report_service.keys_destroyed = subscriptions.keys_destroyed = keys_destroyed
    # What /privacy, the alerts note and the FAQ say is protected: this instance's mode.
    protection = Protection.of(settings, has_keyring=keyring is not None, destroyed=keys_destroyed)
    subscriptions.protection = protection
    review_keys = ReviewKeys(unlocked)
    team = ModeratorTeam(
        db, review_keys, admin_ids=settings.admin_ids, copy_minutes=settings.report_view_minutes
    )
    review = ReviewQueue(db, review_keys, reporters=reporters)
    audit_chain = AuditChain(db, review_keys)

    async def queue_counts() -> dict[str, int]:
        counts: dict[str, int] = {}
        for group in await review.groups():
            region = regions.get(group.region)
            name = region.name(settings.default_language) if region else group.region
            counts[name] = counts.get(name, 0) + group.reports
        return counts

    notices = ModeratorNotices(
        bot,
        settings.moderator_chat_id,
        translator,
        settings.default_language,
        queue_counts,
        staff_chats=team.staff_chats,
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
            activity=health.activity,
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
        AlertText(translator, regions, settings.backup_bot),
        approvals_needed=settings.alert_approvals,
        ttl_hours=settings.alert_ttl_hours,
        region_channels=settings.region_channels,
        channel_lang=settings.default_language,
        undo_minutes=settings.withdraw_undo_minutes,
        wake=broadcaster.wake if broadcaster is not None else None,
        reporters=reporters,
    )
    alert_desk.on_sending = health.activity.approved  # counted for the metrics
    scheduler = AsyncIOScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1}
    )
    inflight = InFlight()
    janitor = MessageJanitor(bot, max_pending=settings.max_cleanup_lists)
    drafts = DraftStorage(
        max_records=settings.max_drafts, on_evict=functools.partial(close_evicted_form, bot)
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
        audit_chain=audit_chain,  # the head on admins' /stats
        notices=notices,
        broadcaster=broadcaster,
        feedback=feedback,
        janitor=janitor,
        signing_keyring=keyring,  # /verify needs only the public part
        # Destroyed: the signing key's public half, revoked (/verify says what that means).
        revoked_signing_key=await revoked_key(
            settings.keyring_dir, InstanceRepository(db), settings.signing_key_fingerprint
        ),
        move_notices=MoveNotices(db, translator),  # /verify: the new bot a notice names
        keyring_unlocked=unlocked,  # None: locked (intake works; reading reports waits)
        keyring_destroyed=keys_destroyed,  # on purpose: guidance only, and people are told so
        protection=protection,
        language_preferences=LanguagePreferences(max_size=settings.max_language_choices),
        scheduler=scheduler,
    )
    # Skipped updates, the live keyring state (the panic switch), in-flight accounting, the
    # language, the health counter: one middleware (handlers.middlewares.UpdateContext).
    dispatcher.update.outer_middleware(
        UpdateContext(
            LiveWorkflowData(dispatcher.workflow_data, LIVE_KEYS),
            inflight,
            UserLanguage(translator, dispatcher["language_preferences"], settings.default_language),
            UpdateCounter(health, settings.admin_ids),
        )
    )
    throttle = QueryThrottleMiddleware(
        settings.queries_per_minute, settings.max_rate_entries, flow_rule()
    )
    dispatcher.message.outer_middleware(throttle)
    dispatcher.inline_query.outer_middleware(throttle)
    dispatcher.include_routers(*get_routers(settings))
    # Last on the update observer: messages and buttons go down the same routers without
    # aiogram's empty layers in between (handlers.direct_route).
    dispatcher.update.outer_middleware(DirectRoute(dispatcher))
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
        audit_chain=audit_chain,
        inflight=inflight,
        updates=gate,
        janitor=janitor,
        health=health,
    )
    panic = PanicSwitch(
        settings.keyring_dir,
        team,
        AuditTrail(db, review_keys),
        on_destroyed=functools.partial(guidance_only, app),
    )
    app.panic = dispatcher["panic"] = panic
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
    dispatcher["app"] = app  # for start-up, shutdown and the error handler only
    dispatcher.startup.register(on_startup)
    dispatcher.shutdown.register(on_shutdown)
    dispatcher.errors.register(on_error)
    return app


def _keys_changed(app: App) -> Any:
    async def keys_changed(public: PublicKeyring, unlocked: UnlockedKeyring | None) -> None:
        """A rotation rewrote the keyring: pin the new keys and hand them to the services.

        Without the unlocked part (hardened mode, after `keys rotate`), the new public key must
        already be pinned, which `keys rotate` does with the passphrase.
        """
        repo = InstanceRepository(app.db)
        await verify_keyring(
            repo,
            unlocked or public,
            authenticated=unlocked is not None,
            fingerprint=app.settings.signing_key_fingerprint,
        )
        app.reports.use_keyring(public)
        app.subscriptions.use_keyring(public, unlocked)
        if unlocked is not None:
            app.review_keys.use(unlocked)
            app.dispatcher["feedback"].use_key(unlocked.subkey(FEEDBACK_KEY_LABEL))
            app.dispatcher["keyring_unlocked"] = unlocked

    return keys_changed


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event, enabled: bool) -> Iterator[None]:
    """SIGTERM and SIGINT set `stop` while inside (a second one changes nothing)."""
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT) if enabled else ()
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        yield
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


async def guidance_only(app: App) -> None:
    """The keyring was destroyed while the bot runs (`/panic`, or `helpline-bot panic` on the
    server, which a job notices): every holder of a key lets go of it and the bot serves
    guidance only from the next update on, without a restart, as it would after one."""
    if app.dispatcher.get("keyring_destroyed"):
        return
    # First, before anything is awaited: no new report, subscription or signature from here on.
    protection = Protection.with_settings(Mode.DESTROYED, app.settings)
    app.reports.destroyed()
    app.subscriptions.destroyed(protection)
    app.review_keys.forget()
    app.key_rotation = None
    app.dispatcher.workflow_data.update(
        keyring_destroyed=True,
        keyring_unlocked=None,
        signing_keyring=None,
        broadcaster=None,
        protection=protection,
    )
    for job_id in KEYRING_JOBS:
        with contextlib.suppress(JobLookupError):
            app.scheduler.remove_job(job_id)
    settings = app.settings
    app.dispatcher["revoked_signing_key"] = await revoked_key(
        settings.keyring_dir, InstanceRepository(app.db), settings.signing_key_fingerprint
    )
    # Decrypted reports still shown to moderators leave their chats while they can be found.
    with contextlib.suppress(Exception):
        await delete_report_copies(app, everything=True)
    app.team.forget_keys()
    app.dispatcher["feedback"].forget_key()
    if app.broadcaster is not None:
        await app.broadcaster.stop()
    log.warning(
        "keyring destroyed while running: serving guidance only; reports and alerts are off",
        extra=fields(keyring="destroyed"),
    )


async def run_polling(app: App, *, handle_signals: bool = True) -> None:
    """Wait for the Bot API (an outage at boot is survived; SIGTERM/SIGINT end the wait),
    then poll until a signal."""
    stop = asyncio.Event()
    with _stop_on_signals(stop, handle_signals):
        me = await wait_for_bot_api(app.bot, stop)
    if me is None:
        log.info("stopped before the Bot API answered")
        return
    await app.dispatcher.start_polling(
        app.bot,
        handle_signals=handle_signals,
        close_bot_session=True,
        tasks_concurrency_limit=app.settings.max_concurrent_updates,
        allowed_updates=app.dispatcher.resolve_used_update_types(),
    )


async def run_webhook(
    app: App, *, handle_signals: bool = True, stop: asyncio.Event | None = None
) -> None:
    """Webhook mode, in the order that loses nothing: wait for the Bot API as polling does,
    bind the port (in use: a ConfigError before anything started), the same start-up as
    polling, setWebhook; at SIGTERM/SIGINT (or `stop`): deleteWebhook, stop listening and let
    the requests in flight finish, then the same shutdown as polling (its drain included)."""
    stop = stop or asyncio.Event()
    settings = app.settings
    if settings.webhook_secret is None:
        raise ConfigError("WEBHOOK_SECRET is not set")
    with _stop_on_signals(stop, handle_signals):
        me = await wait_for_bot_api(app.bot, stop)
        if me is None:
            log.info("stopped before the Bot API answered")
            return
        app.webhook = WebhookStats()
        app.health.receiver = "webhook"  # the status row says "last webhook call"
        listener = WebhookListener(
            app.dispatcher,
            app.bot,
            app.updates,
            app.webhook,
            functools.partial(is_healthy, app),
            secret=settings.webhook_secret.get_secret_value(),
            path=settings.webhook_path,
            max_concurrent=settings.max_concurrent_updates,
            shutdown_timeout=settings.shutdown_grace_seconds,
        )
        await listener.start(settings.listen_host, settings.listen_port)
        log.info("webhook listener started", extra=fields(port=listener.port))
        await _serve(app, listener, stop)


async def _serve(app: App, listener: WebhookListener, stop: asyncio.Event) -> None:
    workflow = {"dispatcher": app.dispatcher, "bots": (app.bot,), **app.dispatcher.workflow_data}
    started = webhook_set = False
    try:
        await app.dispatcher.emit_startup(bot=app.bot, **workflow)
        started = True
        listener.accepting = True  # Telegram may post before setWebhook has even answered
        webhook_set = await set_webhook(app, stop)
        await stop.wait()
    finally:
        listener.accepting = False  # /healthz says "not ok" from now on
        if webhook_set:
            await remove_webhook(app)
        await listener.stop()
        log.info("webhook listener stopped")
        try:
            if started:
                await app.dispatcher.emit_shutdown(bot=app.bot, **workflow)
        finally:
            await app.bot.session.close()


async def is_healthy(app: App) -> bool:
    """/healthz's "ok": the scheduler runs (start-up finished, no stop begun) and the database
    answers a trivial read."""
    if not app.scheduler.running:
        return False
    await app.db.ping()
    return True
