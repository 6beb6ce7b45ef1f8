"""A local stand-in for the Telegram Bot API, for tests, the terminal demo and benchmarks.

The real bot process talks HTTP to it exactly as it would to api.telegram.org (engineering notes
§2.1, §3.4), so config loading, aiogram's session and form encoding, the polling loop and
shutdown are all exercised. It answers with Telegram's status codes and wording (§1.2), long-polls
like Telegram (§1.3), validates what Telegram validates, records every request, and can inject
the faults a sender must survive: 429 with retry_after, 403 for blocked users, 5xx, latency,
dropped connections and a token-bucket rate limit.

It binds 127.0.0.1 only. Everything runs on one event loop, so state changes need no locks;
simulated users are driven with synchronous `push_*` calls from that loop, or over the
`/_control/` HTTP API from another process (see `client.py`).

`FakeBotAPI` is the one object tests hold; the work is done by its parts, one concern each:
`world.py` (users, chats, messages, files), `updates.py` (the update queue and long poll),
`methods_bot.py` and `methods_messages.py` (the Bot API methods), `faults.py` (injected
failures), `calls.py` (the call log) and `control.py` (the HTTP control API).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aiohttp import web

from .calls import Call, CallLog
from .chats import BotMessage, Button, ChatMessage
from .control import handle_control
from .faults import ConnectionDropped, Faults
from .methods_bot import BotMethods
from .methods_messages import MessageMethods
from .protocol import ApiError, Handler, Params, Upload, json_response, read_params
from .updates import Update, UpdateQueue
from .webhook import Delivery, WebhookDelivery
from .world import World

__all__ = [
    "DEFAULT_TOKEN",
    "HOST",
    "ApiError",
    "BotMessage",
    "Button",
    "Call",
    "ChatMessage",
    "FakeBotAPI",
]

HOST = "127.0.0.1"
DEFAULT_TOKEN = "123456:TEST-token-for-local-stand-in"  # noqa: S105 - a fixed test token


class FakeBotAPI:
    """The stand-in server. Start it, point the bot at `base_url`, push updates, assert on calls."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "helpline_test_bot",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": "Helpline Test Bot",
            "username": bot_username,
        }
        self.updates = UpdateQueue()
        self.world = World(clock, self.bot_user, self.updates)
        self.faults = Faults()
        self.call_log = CallLog(clock)
        self.delivery = WebhookDelivery(self.updates, self._delivering)
        self.bot_methods = BotMethods(self.world, self.updates, self.delivery)
        table = {**self.bot_methods.table(), **MessageMethods(self.world, self.faults).table()}
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in table.items()
        }
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._in_flight = 0  # Bot API requests received and not answered yet, polls aside
        self._last_activity = time.monotonic()

    # ----------------------------------------------------------------- lifecycle

    async def start(self, port: int = 0) -> None:
        """Serve on 127.0.0.1:`port` (a free port when 0)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_get("/_control/{action}", self._handle_control)
        app.router.add_post("/_control/{action}", self._handle_control)
        # handler_cancellation: a poller that hangs up must stop waiting, as on Telegram.
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, HOST, port)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self.updates.open()

    async def stop(self) -> None:
        """Answer a waiting long poll, stop posting to a webhook, then shut the server down."""
        self.updates.close()
        await self.delivery.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotAPI is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """What the bot gets as BOT_API_URL."""
        return f"http://{HOST}:{self.port}"

    def reset(self) -> None:
        """Forget users, chats, calls, updates and faults. update_id keeps growing on purpose:
        a running bot still holds its old offset and would otherwise drop the new updates."""
        self.call_log.clear()
        self.world.reset()
        self.updates.reset()
        self.bot_methods.reset()
        self.faults.reset()

    def _delivering(self, delta: int) -> None:
        """A webhook post started (+1) or ended (-1): `wait_idle` waits for it as for a call."""
        self._in_flight += delta
        self._last_activity = time.monotonic()

    # ----------------------------------------------------------------- HTTP

    async def _handle_bot_api(self, request: web.Request) -> web.StreamResponse:
        requested = request.match_info["method"]
        if request.match_info["token"] != self.token:
            error = ApiError(401, "Unauthorized")
            self.call_log.record(requested, {}, error.status, error.body())
            return json_response(error.body(), 401)
        entry = self._methods.get(requested.lower())
        if entry is None:
            error = ApiError(404, "Not Found: method not found")
            self.call_log.record(requested, {}, error.status, error.body())
            return json_response(error.body(), 404)
        name, handler = entry
        polling = name == "getUpdates"
        if not polling:
            self._in_flight += 1
            self._last_activity = time.monotonic()
        params: Params = {}
        uploads: dict[str, Upload] = {}
        try:
            params, uploads = await read_params(request)
            call = functools.partial(handler, params, uploads)
            status, body = await self.faults.answer(name, call)
        except ApiError as error:
            status, body = error.status, error.body()
        except ConnectionDropped as dropped:
            self.call_log.record(
                name, params, dropped.status, dropped.response, uploads, dropped=True
            )
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        except Exception as exc:  # a stand-in bug must reach the test as an error, not a hang
            failure = ApiError(500, f"Internal Server Error: stand-in failed: {exc!r}")
            status, body = failure.status, failure.body()
        finally:
            if not polling:
                self._in_flight -= 1
                self._last_activity = time.monotonic()
        if polling and status == 200 and body["result"]:
            self._last_activity = time.monotonic()
        self.call_log.record(name, params, status, body, uploads)
        return json_response(body, status)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return json_response(ApiError(401, "Unauthorized").body(), 401)
        stored = self.world.file_paths.get(request.match_info["path"])
        if stored is None:
            return json_response(ApiError(404, "Not Found").body(), 404)
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def _handle_control(self, request: web.Request) -> web.StreamResponse:
        return await handle_control(self, request)

    # ----------------------------------------------------------------- simulated users

    @property
    def users(self) -> dict[int, dict[str, Any]]:
        return self.world.users

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ru",
    ) -> dict[str, Any]:
        """Create (or replace) a user and the private chat with them; chat id == user id."""
        return self.world.add_user(
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )

    def add_chat(
        self,
        chat_id: int,
        *,
        chat_type: str = "supergroup",
        title: str | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        """Register a group, supergroup or channel the bot can post to (e.g. the moderators')."""
        return self.world.add_chat(chat_id, chat_type=chat_type, title=title, username=username)

    def push_message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        photo: bool = False,
        document: Mapping[str, Any] | None = None,
        location: tuple[float, float] | None = None,
        live_period: int | None = None,
        sticker: bool = False,
        contact: Mapping[str, Any] | None = None,
        forward_from: int | str | Mapping[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
        caption: str | None = None,
        media_group_id: str | None = None,
        sender_chat: Mapping[str, Any] | None = None,
    ) -> Update:
        """A user sends a message; returns the Update (see `World.push_message`)."""
        return self.world.push_message(
            user_id,
            text,
            chat_id=chat_id,
            chat_type=chat_type,
            photo=photo,
            document=document,
            location=location,
            live_period=live_period,
            sticker=sticker,
            contact=contact,
            forward_from=forward_from,
            entities=entities,
            caption=caption,
            media_group_id=media_group_id,
            sender_chat=sender_chat,
        )

    def push_edited_message(self, user_id: int, message_id: int, text: str) -> Update:
        """The user edits their own earlier text message."""
        return self.world.push_edited_message(user_id, message_id, text)

    def push_callback(
        self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None
    ) -> Update:
        """The user presses an inline button carrying `data` on a bot message."""
        return self.world.push_callback(user_id, message_id, data, chat_id=chat_id)

    def press_button(self, user_id: int, message_id: int, index: int) -> Update:
        """Press the `index`-th inline button (row-major, 0-based) of a bot message."""
        return self.world.press_button(user_id, message_id, index)

    def push_inline_query(self, user_id: int, query: str) -> Update:
        """The user types `@bot query` in any chat."""
        return self.world.push_inline_query(user_id, query)

    def push_my_chat_member(self, user_id: int, status: str) -> Update:
        """The user blocks ("kicked") or unblocks ("member") the bot; sends then fail with 403."""
        return self.world.push_my_chat_member(user_id, status)

    def push_raw(self, update: Mapping[str, Any]) -> Update:
        """Queue any update as given; its update_id is replaced to keep ids increasing."""
        return self.world.push_raw(update)

    # ----------------------------------------------------------------- what the bot did

    @property
    def calls(self) -> list[Call]:
        """Every Bot API request answered so far, in order."""
        return self.call_log.calls

    @property
    def callback_answers(self) -> dict[str, Params]:
        return self.bot_methods.callback_answers

    @property
    def inline_answers(self) -> dict[str, Params]:
        return self.bot_methods.inline_answers

    @property
    def webhook(self) -> Params:
        return self.bot_methods.webhook

    @property
    def webhook_deliveries(self) -> list[Delivery]:
        """Every POST of an update to the webhook so far, with the status it got."""
        return self.delivery.deliveries

    @property
    def polls_started(self) -> int:
        """getUpdates requests received so far, answered or still waiting."""
        return self.updates.polls_started

    @property
    def pending_updates(self) -> int:
        return self.updates.pending

    def messages(self, chat_id: int) -> list[ChatMessage]:
        """The bot's messages still in the chat, oldest first."""
        return self.world.messages(chat_id)

    def last_message(self, chat_id: int) -> ChatMessage | None:
        return self.world.last_message(chat_id)

    def documents(self, chat_id: int) -> list[tuple[str, bytes]]:
        """The files the bot sent the chat as documents (sendDocument uploads), oldest first:
        each one's file name and bytes, as a test needs them to open the file."""
        out = []
        for message in self.world.delivered(chat_id):
            document = message.raw.get("document")
            if message.kind == "document" and document and message.file_id:
                stored = self.world.files.get(message.file_id)
                if stored is not None:
                    out.append((str(document.get("file_name", "")), stored.data))
        return out

    def delivered(self, chat_id: int) -> list[ChatMessage]:
        """Every bot message the stand-in accepted for the chat, later deletions included."""
        return self.world.delivered(chat_id)

    def chat_log(self, chat_id: int) -> list[ChatMessage]:
        """User and bot messages of the chat in order, deleted ones flagged."""
        return self.world.chat_log(chat_id)

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The reply keyboard the user currently sees in the chat, if any."""
        return self.world.reply_keyboard(chat_id)

    def commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        return self.bot_methods.commands(scope, language_code)

    def description(self, language_code: str = "", *, short: bool = False) -> str:
        return self.bot_methods.description(language_code, short=short)

    def calls_for(self, method: str) -> list[Call]:
        return self.call_log.calls_for(method)

    def summary(self, last: int = 15) -> str:
        """Recent calls, one line each, for failure messages."""
        return self.call_log.summary(last)

    def stats(self) -> dict[str, int]:
        """Counters a benchmark reads to see how far the bot has got."""
        return {
            "calls": len(self.calls),
            "pending_updates": self.updates.pending,
            "delivered_upto": self.updates.delivered_upto,
            "next_update_id": self.updates.next_update_id,
            "in_flight": self._in_flight,
        }

    async def wait_for(
        self,
        predicate: Callable[[Call], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - the documented API, like asyncio.wait_for
        *,
        since: int = 0,
    ) -> Call:
        """The first call from index `since` on (already made or still to come) that matches."""
        return await self.call_log.wait_for(predicate, timeout, since=since)

    async def wait_polling(self, since: int, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Until a getUpdates request beyond the first `since` ones has arrived."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.polls_started <= since:
            if loop.time() > deadline:
                raise TimeoutError(f"the bot did not start polling within {timeout:g}s")
            await asyncio.sleep(0.02)

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until every pushed update was fetched and the bot made no request for `quiet` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            idle_for = time.monotonic() - self._last_activity
            if self.updates.drained() and self._in_flight == 0 and idle_for >= quiet:
                return
            if loop.time() >= deadline:
                raise TimeoutError(
                    f"not idle after {timeout:g}s: {self.updates.pending} updates queued "
                    f"(fetched up to id {self.updates.delivered_upto}), {self._in_flight} "
                    f"requests in flight, last request {idle_for:.2f}s ago; recent calls:\n"
                    f"{self.summary()}"
                )
            await asyncio.sleep(min(max(quiet - idle_for, 0.01), 0.05))

    # ----------------------------------------------------------------- faults

    def fail_next(
        self,
        n: int,
        *,
        status: int = 500,
        method: str | None = None,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """The next `n` matching requests fail (see `Faults.fail_next`)."""
        self.faults.fail_next(
            n, status=status, method=method, retry_after=retry_after, description=description
        )

    def drop_next(
        self, n: int, *, method: str | None = None, after_processing: bool = False
    ) -> None:
        """Close the connection on the next `n` matching requests (see `Faults.drop_next`)."""
        self.faults.drop_next(n, method=method, after_processing=after_processing)

    def block_chat(self, chat_id: int) -> None:
        """Sends to the chat get 403, as when its user has blocked the bot."""
        self.world.blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        self.world.blocked.discard(chat_id)

    def set_latency(self, seconds: float, method: str | None = None) -> None:
        """Delay answers; with no `method`, every method but getUpdates."""
        self.faults.set_latency(seconds, method)

    def set_rate_limit(
        self,
        per_second: float | None,
        *,
        per_chat_per_second: float | None = None,
        burst: float | None = None,
        chat_burst: float | None = None,
    ) -> None:
        """Token buckets for sends: one for all chats, one per chat (see `Faults`)."""
        self.faults.set_rate_limit(
            per_second,
            per_chat_per_second=per_chat_per_second,
            burst=burst,
            chat_burst=chat_burst,
        )

    def set_fault_rate(
        self,
        p: float,
        *,
        status: int = 502,
        seed: int = 0,
        methods: Iterable[str] = ("sendMessage", "copyMessage", "sendPhoto"),
    ) -> None:
        """Fail each request of `methods` with probability `p` (seeded, so runs repeat)."""
        self.faults.set_fault_rate(p, status=status, seed=seed, methods=methods)
