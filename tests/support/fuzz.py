"""The real app, in-process, against an in-process stand-in: for fuzz and property tests.

`build_test_app` builds exactly what `helpline-bot run` builds (`bot.app.build_app`) without
polling: a test hands updates straight to `feed`, which runs them through the real dispatcher,
middlewares, filters, handlers, services and SQLite database, and the replies go over HTTP to
the stand-in like they would to Telegram.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from aiogram.types import Update
from pydantic import SecretStr

from bot.app import App, build_app
from bot.config import Settings
from bot.devserver.server import FakeBotAPI
from bot.logs import LogfmtFormatter
from tests.support.keys import unlocked_keyring
from tests.support.parsed_content import reuse_parsed_content


def settings_for(api: FakeBotAPI, data_dir: Path, **overrides: Any) -> Settings:
    """Settings for the in-process app; `_env_file=None` so no developer `.env` leaks in."""
    values: dict[str, Any] = {
        # Tests drive one person through many messages a minute: the flood limit (when the
        # product has one) is lifted unless a test sets it.
        "queries_per_minute": 1_000_000,
        "bot_token": SecretStr(api.token),
        "bot_api_url": api.base_url,
        "data_dir": data_dir,
        "admin_ids": frozenset(),
        "moderator_chat_id": None,
        "default_language": "ru",
        "region_channels": {},
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


async def build_test_app(
    api: FakeBotAPI, data_dir: Path, *, keyring: bool = True, **overrides: Any
) -> App:
    """The real app; with `keyring` it is unlocked (reports, alerts, moderation all work). The
    content files are parsed once per session (tests.support.parsed_content)."""
    unlocked = unlocked_keyring(data_dir / "keys") if keyring else None
    with reuse_parsed_content():
        app = await build_app(settings_for(api, data_dir, **overrides), unlocked=unlocked)
    # What start-up learns from getMe, without the rest of start-up.
    app.alert_desk.name_instance(api.bot_username)
    return app


def start_background(app: App) -> None:
    """The long-lived senders start-up starts (the broadcaster, the message janitor), without
    the rest of start-up (menus, scheduled jobs, gc.freeze)."""
    for name in ("broadcaster", "janitor"):
        worker = getattr(app, name, None)
        if worker is not None:
            worker.start()


async def close_app(app: App) -> None:
    """The app's own shutdown handler (it stops what is running), then the HTTP session."""
    try:
        await app.dispatcher.emit_shutdown(bot=app.bot, **app.dispatcher.workflow_data)
    finally:
        await app.bot.session.close()


async def feed(app: App, raw: Mapping[str, Any]) -> Any:
    """Validate a raw Bot API update as aiogram's polling does and run it through the app."""
    update = Update.model_validate(dict(raw), context={"bot": app.bot})
    return await app.dispatcher.feed_update(app.bot, update)


def rendered(records: Iterable[logging.LogRecord]) -> list[str]:
    """Each record as the production formatter writes it (one logfmt line)."""
    formatter = LogfmtFormatter()
    return [formatter.format(record) for record in records]


def failures(records: Iterable[logging.LogRecord]) -> list[logging.LogRecord]:
    """Records that mean something went wrong: the app's error handler, or any ERROR."""
    return [
        r
        for r in records
        if r.levelno >= logging.ERROR or (r.name == "helpline.app" and r.msg == "handler failed")
    ]
