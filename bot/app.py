"""Composition root: builds the Bot, the Dispatcher, the scheduler and the services.

Nothing here is module-level state: `build_app` returns an `App`, and `run_polling` drives it
until SIGINT/SIGTERM, then drains in-flight handlers, stops the scheduler and closes the database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    ErrorEvent,
    Message,
)
from aiogram.utils.token import TokenValidationError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import ConfigError, Settings
from bot.content.faq import ContentError
from bot.content.regions import RegionCatalog, RegionError
from bot.content.store import ContentStore
from bot.crypto.keyring import KeyringMissing, PublicKeyring, UnlockedKeyring
from bot.i18n import LANGUAGES, Tr, Translator
from bot.logs import fields
from bot.services.drafts import DraftStorage
from bot.services.inflight import InFlight
from bot.services.keypins import check_and_pin
from bot.services.preferences import LanguagePreferences
from bot.services.reports import ReportService
from bot.storage import migrations
from bot.storage.db import Database
from bot.storage.instance import InstanceRepository
from handlers import get_routers
from handlers.middlewares import InFlightMiddleware, LanguageMiddleware

log = logging.getLogger("helpline.app")

# Commands shown in Telegram's menu, per language: (command, catalogue key of its description).
PUBLIC_COMMANDS = (
    ("start", "cmd-start"),
    ("sos", "cmd-sos"),
    ("help", "cmd-help"),
    ("privacy", "cmd-privacy"),
    ("report", "cmd-report"),
    ("language", "cmd-language"),
    ("cancel", "cmd-cancel"),
)
ADMIN_COMMANDS = (("reload", "cmd-reload"),)


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
    inflight: InFlight = field(default_factory=InFlight)


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


def build_bot(settings: Settings) -> Bot:
    if settings.bot_token is None:
        raise ConfigError("BOT_TOKEN is not set: get a token from @BotFather and set BOT_TOKEN")
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.bot_api_url))
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
    keyring = load_public_keyring(settings)
    bot = build_bot(settings)
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
    report_service = ReportService(db, keyring, settings.reports_per_hour)
    scheduler = AsyncIOScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1}
    )
    inflight = InFlight()
    drafts = DraftStorage()
    dispatcher = Dispatcher(
        storage=drafts,  # drafts and questionnaire answers live in memory only
        settings=settings,
        db=db,
        translator=translator,
        content=content,
        regions=regions,
        report_service=report_service,
        keyring_unlocked=unlocked,  # None: locked (intake works; reading reports waits)
        language_preferences=LanguagePreferences(),
        scheduler=scheduler,
    )
    dispatcher.update.outer_middleware(InFlightMiddleware(inflight))
    dispatcher.update.outer_middleware(
        LanguageMiddleware(
            translator, dispatcher["language_preferences"], settings.default_language
        )
    )
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
        inflight,
    )
    dispatcher.startup.register(_on_startup(app))
    dispatcher.shutdown.register(_on_shutdown(app))
    dispatcher.errors.register(_on_error(app))
    return app


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
        await set_commands(
            bot, app.translator, app.settings.default_language, app.settings.admin_ids
        )
        _schedule_jobs(app)
        app.scheduler.start()
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
        try:
            async with asyncio.timeout(app.settings.shutdown_grace_seconds):
                await app.inflight.wait_idle()
        except TimeoutError:
            log.warning(
                "shutdown with handlers still running", extra=fields(left=app.inflight.count)
            )
        if app.scheduler.running:
            app.scheduler.shutdown(wait=False)
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


async def set_commands(
    bot: Bot, translator: Translator, default_language: str, admin_ids: frozenset[int] = frozenset()
) -> None:
    """Register the command menu per language, and for clients in any other language.

    Admins get their own menu (scoped to their private chat) with the admin commands added;
    everyone else never sees those commands. The server still checks the role on every use.
    """
    for lang in (*LANGUAGES, None):
        texts = Tr(translator, lang or default_language)
        public = [BotCommand(command=c, description=texts(key)) for c, key in PUBLIC_COMMANDS]
        await bot.set_my_commands(public, scope=BotCommandScopeDefault(), language_code=lang)
        admin = public + [
            BotCommand(command=c, description=texts(key)) for c, key in ADMIN_COMMANDS
        ]
        for admin_id in sorted(admin_ids):
            await bot.set_my_commands(
                admin, scope=BotCommandScopeChat(chat_id=admin_id), language_code=lang
            )


def _schedule_jobs(app: App) -> None:
    # Periodic jobs compute "what is due now" from the database, so a missed run heals itself.
    app.scheduler.add_job(
        app.db.checkpoint,
        "interval",
        hours=1,
        id="wal-checkpoint",
        replace_existing=True,
        misfire_grace_time=None,
    )
    app.scheduler.add_job(
        app.reports.purge,
        "interval",
        hours=1,
        args=[app.settings.report_retention_days],
        id="report-retention",
        replace_existing=True,
        misfire_grace_time=None,
        next_run_time=dt.datetime.now(dt.UTC),  # also right after a start
    )
    app.scheduler.add_job(
        app.drafts.sweep,
        "interval",
        minutes=1,
        args=[app.settings.draft_idle_minutes * 60],
        id="forget-idle-drafts",
        replace_existing=True,
    )


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
