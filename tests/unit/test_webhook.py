"""Webhook mode's parts: the settings it refuses, the listener (secret, gate, back-pressure,
/healthz) and the stand-in's delivery to a webhook. The real process is in
tests/e2e/test_webhook.py."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from aiohttp import web

from bot.config import ConfigError, load_settings, port_problem, webhook_problem
from bot.devserver import FakeBotAPI
from bot.storage.db import Database
from bot.telegram.updates import UpdateGate
from bot.telegram.webhook import SECRET_HEADER, WebhookListener, WebhookStats, secret_matches
from tests.support.db import migrated_database

SECRET = "s3cret-for-tests_0123456789"
USER = 1001
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
    return port


# --------------------------------------------------------------------------- settings


def test_webhook_settings_refused_in_one_line() -> None:
    with pytest.raises(ConfigError, match=r"^WEBHOOK_URL: is not a valid URL") as bad_url:
        load_settings(_env_file=None, webhook_url="https://exa mple.org/hook")
    assert "\n" not in str(bad_url.value)
    with pytest.raises(ConfigError, match=r"^WEBHOOK_URL: is not a valid URL"):
        load_settings(_env_file=None, webhook_url="ftp://example.org/hook")
    with pytest.raises(ConfigError, match="/healthz"):
        load_settings(_env_file=None, webhook_url="https://example.org/healthz")
    with pytest.raises(ConfigError, match=r"^WEBHOOK_SECRET: must be 16 to 256") as short:
        load_settings(_env_file=None, webhook_secret="short")
    with pytest.raises(ConfigError, match=r"^WEBHOOK_SECRET"):
        load_settings(_env_file=None, webhook_secret="x" * 20 + "!")
    assert "short" not in str(short.value)  # a secret is never echoed
    with pytest.raises(ConfigError, match=r"^LISTEN_PORT"):
        load_settings(_env_file=None, listen_port="70000")
    assert load_settings(_env_file=None, webhook_url="").webhook_url is None


def test_webhook_problem_says_what_is_missing() -> None:
    settings = load_settings(_env_file=None)
    assert "WEBHOOK_URL is not set" in (webhook_problem(settings) or "")
    settings = load_settings(_env_file=None, webhook_url="https://bot.example.org/tg")
    assert "WEBHOOK_SECRET is not set" in (webhook_problem(settings) or "")
    ok = load_settings(
        _env_file=None, webhook_url="https://bot.example.org/tg", webhook_secret=SECRET
    )
    assert webhook_problem(ok) is None
    assert ok.webhook_path == "/tg"
    plain = load_settings(
        _env_file=None, webhook_url="http://bot.example.org/tg", webhook_secret=SECRET
    )
    assert "must be https://" in (webhook_problem(plain) or "")
    port = load_settings(
        _env_file=None, webhook_url="https://bot.example.org:9000/tg", webhook_secret=SECRET
    )
    assert "port 9000" in (webhook_problem(port) or "")
    # A self-hosted telegram-bot-api in --local mode takes http and any port.
    local = load_settings(
        _env_file=None,
        bot_api_url="http://127.0.0.1:8081",
        webhook_url="http://127.0.0.1:9000",
        webhook_secret=SECRET,
    )
    assert webhook_problem(local) is None
    assert local.webhook_path == "/"


def test_port_in_use_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen()
        port = taken.getsockname()[1]
        problem = port_problem(LOOPBACK, port)
    assert problem is not None and "already in use" in problem and "\n" not in problem
    assert port_problem(LOOPBACK, port) is None  # let go: free again
    assert "cannot be resolved" in (port_problem("no-such-host.invalid", 8080) or "")


def test_secret_compared_as_bytes() -> None:
    assert secret_matches(SECRET, SECRET.encode())
    assert not secret_matches(SECRET[:-1], SECRET.encode())
    assert not secret_matches("секрет" + SECRET, SECRET.encode())  # no TypeError on non-ASCII
    assert not secret_matches("", SECRET.encode())


# --------------------------------------------------------------------------- the listener


class Served:
    """A listener around a one-handler dispatcher, on a free loopback port."""

    def __init__(self, listener: WebhookListener, stats: WebhookStats, gate: UpdateGate) -> None:
        self.listener = listener
        self.stats = stats
        self.gate = gate
        self.seen: list[str] = []
        self.url = f"http://{LOOPBACK}:{listener.port}"


def message_update(update_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": USER, "type": "private"},
            "from": {"id": USER, "is_bot": False, "first_name": "T"},
            "text": text,
        },
    }


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await migrated_database(tmp_path / "data")
    yield db
    await db.close()


@pytest.fixture
async def served(database: Database) -> AsyncIterator[Served]:
    bot = Bot("123456:TEST-token-for-local-stand-in")
    dispatcher = Dispatcher()
    router = Router()
    stats, gate = WebhookStats(), UpdateGate()
    seen: list[str] = []
    release = asyncio.Event()
    release.set()

    @router.message()
    async def remember(message: Message) -> None:
        await release.wait()
        seen.append(message.text or "")

    dispatcher.include_router(router)

    async def healthy() -> bool:
        await database.ping()
        return True

    listener = WebhookListener(
        dispatcher,
        bot,
        gate,
        stats,
        healthy,
        secret=SECRET,
        path="/tg/hook",
        max_concurrent=1,
        shutdown_timeout=2,
    )
    await listener.start(LOOPBACK, 0)
    listener.accepting = True
    result = Served(listener, stats, gate)
    result.seen = seen
    dispatcher["release"] = release
    try:
        yield result
    finally:
        await listener.stop()
        await bot.session.close()


async def post(
    url: str, body: Any, secret: str | None = SECRET, raw: bytes | None = None
) -> tuple[int, str, aiohttp.typedefs.LooseHeaders]:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with aiohttp.ClientSession() as session:
        data = raw if raw is not None else None
        kwargs: dict[str, Any] = {"data": data} if raw is not None else {"json": body}
        async with session.post(url, headers=headers, **kwargs) as response:
            return response.status, await response.text(), dict(response.headers)


async def test_right_secret_is_handled_wrong_or_missing_is_401_and_counted(
    served: Served,
) -> None:
    hook = served.url + "/tg/hook"
    status, body, headers = await post(hook, message_update(1, "hello"))
    assert (status, served.seen) == (200, ["hello"])
    assert "Server" not in headers
    for secret in ("wrong-secret-0123456789", None, ""):
        status, body, _ = await post(hook, message_update(2, "intruder"), secret=secret)
        assert (status, body) == (401, "Unauthorized")
    assert served.seen == ["hello"]  # nothing from the refused posts reached a handler
    assert (served.stats.accepted, served.stats.refused) == (1, 3)
    assert served.stats.last_update_at is not None


async def test_non_ascii_secret_header_is_401_not_500(served: Served) -> None:
    hook = served.url + "/tg/hook"
    async with aiohttp.ClientSession() as session:
        # Header bytes outside ASCII, as a prober may send them.
        headers = {SECRET_HEADER: "s\u00e9cret".encode().decode("latin-1")}
        async with session.post(hook, json=message_update(3, "x"), headers=headers) as response:
            assert response.status == 401
    assert served.stats.refused == 1 and served.seen == []


# aiogram's "unknown update type" warning dumps the update: a skipped one never gets that far.
@pytest.mark.filterwarnings("error::RuntimeWarning")
async def test_unparseable_update_is_answered_200_and_skipped(served: Served) -> None:
    hook = served.url + "/tg/hook"
    poison = {"update_id": 7, "message": {"message_id": "not a number", "chat": "?"}}
    assert (await post(hook, poison))[0] == 200
    assert (await post(hook, {"no": "update id"}))[0] == 200
    assert (await post(hook, None, raw=b"{not json"))[0] == 400
    assert served.gate.skipped == 2 and served.seen == []
    assert (await post(hook, message_update(8, "after")))[0] == 200
    assert served.seen == ["after"]


async def test_not_accepting_answers_503_so_telegram_posts_again(served: Served) -> None:
    served.listener.accepting = False
    assert (await post(served.url + "/tg/hook", message_update(9, "early")))[0] == 503
    assert served.seen == []


async def test_healthz_says_ok_or_not_ok_and_nothing_else(
    served: Served, database: Database
) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(served.url + "/healthz") as response:
            assert (response.status, await response.text()) == (200, "ok")
        served.listener.accepting = False
        async with session.get(served.url + "/healthz") as response:
            assert (response.status, await response.text()) == (503, "not ok")
        served.listener.accepting = True
        await database.close()
        async with session.get(served.url + "/healthz") as response:
            assert (response.status, await response.text()) == (503, "not ok")
        async with session.get(served.url + "/tg/hook") as response:
            assert response.status == 405  # the update path takes POST only


async def test_a_stop_lets_the_request_in_flight_finish(served: Served) -> None:
    hook = served.url + "/tg/hook"
    release: asyncio.Event = served.listener.handler.dispatcher["release"]
    release.clear()
    posted = asyncio.create_task(post(hook, message_update(10, "in flight")))
    await asyncio.sleep(0.2)
    stopping = asyncio.create_task(served.listener.stop())
    await asyncio.sleep(0.1)
    release.set()
    status, _, _ = await posted
    await stopping
    assert (status, served.seen) == (200, ["in flight"])


async def test_port_in_use_at_start_is_a_config_error(served: Served) -> None:
    other = WebhookListener(
        served.listener.handler.dispatcher,
        served.listener.handler.bot,
        UpdateGate(),
        WebhookStats(),
        lambda: asyncio.sleep(0, True),
        secret=SECRET,
        path="/",
        max_concurrent=1,
        shutdown_timeout=1,
    )
    with pytest.raises(ConfigError, match="already in use"):
        await other.start(LOOPBACK, served.listener.port or 0)


# --------------------------------------------------------------------------- the stand-in


class Receiver:
    """A small webhook: records what is posted, answers `status`."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, Any], str | None]] = []
        self.status = 200
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._post)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, LOOPBACK, 0)
        await site.start()
        self.port = int(self.runner.addresses[0][1])

    async def _post(self, request: web.Request) -> web.Response:
        self.posts.append((await request.json(), request.headers.get(SECRET_HEADER)))
        return web.json_response({}, status=self.status)


@pytest.fixture
async def stand_in() -> AsyncIterator[tuple[FakeBotAPI, Bot, Receiver]]:
    api, receiver = FakeBotAPI(), Receiver()
    await api.start()
    await receiver.start()
    session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
    bot = Bot(api.token, session=session)
    try:
        yield api, bot, receiver
    finally:
        await session.close()
        await api.stop()
        if receiver.runner is not None:
            await receiver.runner.cleanup()


async def test_stand_in_delivers_with_the_secret_and_retries(
    stand_in: tuple[FakeBotAPI, Bot, Receiver],
) -> None:
    api, bot, receiver = stand_in
    api.add_user(USER)
    waiting = api.push_message(USER, "sent while the bot was away")["update_id"]
    url = f"http://{LOOPBACK}:{receiver.port}/hook"
    await bot.set_webhook(url, secret_token=SECRET)
    await api.wait_idle(quiet=0.1)
    assert [(u["update_id"], s) for u, s in receiver.posts] == [(waiting, SECRET)]
    receiver.status = 500  # the webhook fails: the update stays pending and is posted again
    failing = api.push_message(USER, "again")["update_id"]
    await asyncio.sleep(0.5)
    receiver.status = 200
    await api.wait_idle(quiet=0.3)
    ids = [u["update_id"] for u, _ in receiver.posts]
    assert ids[0] == waiting and set(ids[1:]) == {failing} and len(ids) >= 3
    assert [d.status for d in api.webhook_deliveries][-1] == 200
    assert api.pending_updates == 0
    info = await bot.get_webhook_info()
    assert info.url == url and info.last_error_message == "Wrong response from the webhook: 500"


async def test_stand_in_takes_http_to_loopback_only_and_stops_at_delete(
    stand_in: tuple[FakeBotAPI, Bot, Receiver],
) -> None:
    from aiogram.exceptions import TelegramBadRequest

    api, bot, receiver = stand_in
    with pytest.raises(TelegramBadRequest, match="HTTPS URL must be provided"):
        await bot.set_webhook("http://example.org/hook")
    with pytest.raises(TelegramBadRequest, match="secret token"):
        await bot.set_webhook(f"http://{LOOPBACK}:{receiver.port}/hook", secret_token="a b")
    await bot.set_webhook(f"http://{LOOPBACK}:{receiver.port}/hook", drop_pending_updates=True)
    await bot.delete_webhook()
    api.add_user(USER)
    kept = api.push_message(USER, "after the webhook went")["update_id"]
    await asyncio.sleep(0.2)
    assert receiver.posts == []
    assert [u.update_id for u in await bot.get_updates()] == [kept]
