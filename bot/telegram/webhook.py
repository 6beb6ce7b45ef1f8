"""Webhook mode's listener: the aiohttp app Telegram posts updates to, and `/healthz` beside it.

Built on aiogram's `SimpleRequestHandler`, with three changes:
- the secret in `X-Telegram-Bot-Api-Secret-Token` is compared as bytes in constant time (the
  library compares `str`, which raises for a non-ASCII header: a stranger's header made a 500),
  and a wrong or missing one is answered 401 and counted in `WebhookStats`;
- each posted update goes through the same `UpdateGate` as a getUpdates batch, and one it skips
  is answered 200 (Telegram would otherwise post it again and again) and never reaches a handler;
- the update is handled before the answer (`handle_in_background=False`), at most
  MAX_CONCURRENT_UPDATES at once, so that an update is confirmed to Telegram only once it was
  handled: a stop drains the requests in flight, and one that never got its answer is posted
  again by Telegram after the restart. A method a handler returns is called, not sent back in
  the answer, as polling does.

aiogram's `setup_application` is not used: it starts the dispatcher when the aiohttp app starts,
before the port is bound, and stops it before the requests in flight are drained. The order
lives in bot.app.run_webhook instead.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.config import HEALTH_PATH, ConfigError, listen_refusal
from bot.logs import fields
from bot.telegram.updates import SkippedUpdate, UpdateGate

log = logging.getLogger("helpline.webhook")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
HEALTH_TIMEOUT_SECONDS = 2.0  # a database that does not answer a trivial read by then is "not ok"
REFUSAL_LOG_SECONDS = 10.0  # refused requests are logged at most this often (a flood fills disks)


@dataclass
class WebhookStats:
    """What the listener counts, for an operator's status screen: counts and one time, no ids."""

    accepted: int = 0  # posts with the right secret, answered 200 (handled or skipped)
    refused: int = 0  # posts with a wrong or missing secret, answered 401
    last_update_at: float | None = None  # time.time() of the last accepted post
    _logged_refusal_at: float | None = None

    def refusal(self) -> bool:
        """Count a refused request; True when it should be logged (the first in a while)."""
        self.refused += 1
        now = time.monotonic()
        if self._logged_refusal_at is None or now - self._logged_refusal_at >= REFUSAL_LOG_SECONDS:
            self._logged_refusal_at = now
            return True
        return False


def secret_matches(given: str, expected: bytes) -> bool:
    """Constant-time comparison of the header's bytes (whatever they are) with the secret."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected)


class GatedRequestHandler(SimpleRequestHandler):
    """aiogram's single-bot handler with the secret counted, the gate and back-pressure."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        gate: UpdateGate,
        stats: WebhookStats,
        *,
        secret: str,
        max_concurrent: int,
        accepting: Callable[[], bool],
    ) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret)
        self._secret = secret.encode()
        self.gate = gate
        self.stats = stats
        self._accepting = accepting
        self._slots = asyncio.Semaphore(max_concurrent)

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        return secret_matches(telegram_secret_token, self._secret)

    async def close(self) -> None:
        """The bot's session outlives the listener: shutdown still deletes messages with it."""

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None or not self.verify_secret(given, self.bot):
            if self.stats.refusal():
                log.warning(
                    "webhook request refused: wrong or missing secret",
                    extra=fields(
                        secret="missing" if given is None else "wrong", refused=self.stats.refused
                    ),
                )
            return web.Response(status=401, text="Unauthorized")
        if not self._accepting():  # starting or stopping: Telegram posts it again later
            return web.Response(status=503, text="Service Unavailable")
        try:
            raw = await request.json(loads=self.bot.session.json_loads)
        except ValueError:
            log.warning("webhook request refused: the body is not JSON")
            return web.Response(status=400, text="Bad Request")
        self.stats.accepted += 1
        self.stats.last_update_at = time.time()
        self.gate.liveness.saw_updates()  # `helpline-bot status`: the last webhook call
        update = self.gate.parse(raw, self.bot)
        if update is None or isinstance(update, SkippedUpdate):
            return web.json_response({})
        async with self._slots:
            result: Any = await self.dispatcher.feed_webhook_update(self.bot, update, **self.data)
        if isinstance(result, TelegramMethod):
            await self.dispatcher.silent_call_request(bot=self.bot, result=result)
        return web.json_response({})


async def _no_server_header(request: web.Request, response: web.StreamResponse) -> None:
    """Nothing on the listener says which software (and version) answers."""
    response.headers.pop("Server", None)


class WebhookListener:
    """The aiohttp server of webhook mode: the update path and `/healthz`."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        gate: UpdateGate,
        stats: WebhookStats,
        healthy: Callable[[], Awaitable[bool]],
        *,
        secret: str,
        path: str,
        max_concurrent: int,
        shutdown_timeout: float,
    ) -> None:
        self.accepting = False  # True between the dispatcher's start-up and the stop
        self._healthy = healthy
        self.handler = GatedRequestHandler(
            dispatcher,
            bot,
            gate,
            stats,
            secret=secret,
            max_concurrent=max_concurrent,
            accepting=lambda: self.accepting,
        )
        app = web.Application()
        app.router.add_post(path, self.handler.handle)
        app.router.add_get(HEALTH_PATH, self._health)
        app.on_response_prepare.append(_no_server_header)
        # The requests in flight at a stop are handlers running: they get this long to finish.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout)
        self.port: int | None = None

    async def start(self, host: str, port: int) -> None:
        """Bind and serve; a port in use (or a host that is not ours) is a ConfigError."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise ConfigError(listen_refusal(host, port, exc)) from None
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening, then wait for the requests in flight (up to the shutdown timeout)."""
        self.accepting = False
        await self._runner.cleanup()

    async def _health(self, request: web.Request) -> web.Response:
        ok = False
        if self.accepting:
            try:
                async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
                    ok = await self._healthy()
            except Exception as exc:  # any failure is "not ok"; the class is enough to log
                log.warning("health check failed", extra=fields(error=type(exc).__name__))
        if ok:
            return web.Response(text="ok")
        return web.Response(status=503, text="not ok")
