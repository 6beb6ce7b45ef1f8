"""`helpline-bot run --webhook`, the real process against the stand-in delivering to it: a user
flow through the webhook, the secret (right, wrong, missing), /healthz, a clean stop that
deletes the webhook, and the settings and port it refuses in one line."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp

from bot.config import load_settings
from bot.devserver.server import FakeBotAPI
from bot.telegram.webhook import SECRET_HEADER
from tests.e2e.test_operator_errors import assert_one_line, cli
from tests.flows.test_adversary import SECRET as POISON_TEXT
from tests.flows.test_adversary import poison_hidden_forward
from tests.support.chat import USER_IDS, User, sent_to
from tests.support.leaks import needles, scan_bytes
from tests.support.process import ProcessStarter

SECRET = "e2e-webhook-secret_0123456789abcdef"
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
    return port


def webhook_env(port: int, **more: str) -> dict[str, str]:
    return {
        "WEBHOOK_URL": f"http://{LOOPBACK}:{port}/telegram/hook",
        "WEBHOOK_SECRET": SECRET,
        "LISTEN_PORT": str(port),
        **more,
    }


async def post_update(url: str, update_id: int, secret: str | None) -> int:
    """A stranger's post: a /start from a chat that never talked to the bot."""
    body = {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": USER_IDS[2], "type": "private"},
            "from": {"id": USER_IDS[2], "is_bot": False, "first_name": "X"},
            "text": "/start",
        },
    }
    headers = {} if secret is None else {SECRET_HEADER: secret}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers) as response,
    ):
        return response.status


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def test_webhook_mode_end_to_end(api: FakeBotAPI, start_bot: ProcessStarter) -> None:
    port = free_port()
    user = User(api, USER_IDS[0])
    # Sent while the bot was down: the webhook must bring it (pending updates are kept).
    api.push_message(user.id, "/start")
    bot = await start_bot.webhook(webhook_env(port))
    hook, health = f"http://{LOOPBACK}:{port}/telegram/hook", f"http://{LOOPBACK}:{port}/healthz"
    assert api.webhook["url"] == hook and api.webhook["secret_token"] == SECRET
    assert api.webhook.get("drop_pending_updates") in (None, False)
    await api.wait_idle()
    assert "📚 Вопросы и права" in user.labels()  # the /start sent before the start: answered
    screen = await user.press("Вопросы и права")
    assert screen.buttons
    answer = await user.say("отсрочка студенту")
    assert answer.visible_text
    # A poison update (the adversary issue's): answered 200 once, skipped, never logged; the
    # next person's message is handled.
    poison = poison_hidden_forward(api, user.id)["update_id"]
    await user.say("/start")
    assert "📚 Вопросы и права" in user.labels()
    delivered = api.webhook_deliveries
    assert len(delivered) == 5 and all(d.status == 200 and d.secret_sent for d in delivered)
    assert [d.update_id for d in delivered].count(poison) == 1
    assert api.calls_for("getUpdates") == []  # no polling in webhook mode
    assert await get(health) == (200, "ok")
    # The operator's status screen names the webhook as what brings updates.
    code, out, _ = await cli("status", cwd=bot.data_dir.parent, DATA_DIR=str(bot.data_dir))
    assert code == 0 and "webhook call" in out and "getUpdates" not in out, out

    calls_before = len(api.calls)
    stranger = USER_IDS[2]
    api.add_user(stranger)
    assert await post_update(hook, 10_000, "wrong-secret-0123456789") == 401
    assert await post_update(hook, 10_001, None) == 401
    await api.wait_idle(quiet=0.5)
    assert api.calls[calls_before:] == []  # nothing was handled: no Bot API call at all
    assert api.messages(stranger) == []

    assert await bot.stop() == 0
    logs = bot.logs()
    assert "webhook request refused" in logs and "secret=wrong" in logs
    assert "webhook removed" in logs and "bot stopped" in logs
    assert SECRET not in logs
    assert f'update skipped: the library cannot parse it" update_id={poison}' in logs
    assert scan_bytes(logs.encode(), needles(texts=[POISON_TEXT], ids=[user.id])) == []
    assert api.webhook == {}  # deleted at the clean stop
    assert [c.method for c in api.calls if "Webhook" in c.method] == [
        "setWebhook",
        "deleteWebhook",
    ]
    assert api.calls_for("deleteWebhook")[0].params.get("drop_pending_updates") in (None, False)


async def test_sigterm_drains_the_update_in_flight(
    api: FakeBotAPI, start_bot: ProcessStarter
) -> None:
    """The same drain as polling: the webhook is deleted first (Telegram posts nothing new),
    the reply in flight at SIGTERM still goes out, and the post that brought it is answered
    200, so it is not posted again after a restart."""
    port = free_port()
    user = User(api, USER_IDS[0])
    bot = await start_bot.webhook(webhook_env(port))
    api.set_latency(1.5, method="sendMessage")
    update_id = api.push_message(user.id, "/help")["update_id"]
    while api.stats()["delivered_upto"] < update_id:  # posted: its handler now waits on Telegram
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    assert api.webhook_deliveries == []  # not answered yet
    assert await bot.stop() == 0
    assert sent_to(api, user.id), "the reply in flight at SIGTERM was lost"
    assert [d.status for d in api.webhook_deliveries] == [200]
    assert api.webhook == {} and api.pending_updates == 0


async def test_drop_pending_when_configured(api: FakeBotAPI, start_bot: ProcessStarter) -> None:
    port = free_port()
    user = User(api, USER_IDS[0])
    api.push_message(user.id, "/start")
    bot = await start_bot.webhook(webhook_env(port, WEBHOOK_DROP_PENDING="true"))
    await api.wait_idle()
    assert api.webhook_deliveries == [] and api.messages(user.id) == []
    assert await bot.stop() == 0


async def test_webhook_settings_refused_in_one_line(api: FakeBotAPI, tmp_path: Path) -> None:
    env = {"BOT_TOKEN": api.token, "BOT_API_URL": api.base_url, "DATA_DIR": str(tmp_path / "d")}
    port = free_port()
    full = {**env, **webhook_env(port)}
    without_secret = {k: v for k, v in full.items() if k != "WEBHOOK_SECRET"}
    code, _, err = await cli("run", "--webhook", cwd=tmp_path, **without_secret)
    assert_one_line(code, err, "WEBHOOK_SECRET is not set")
    without_url = {k: v for k, v in full.items() if k != "WEBHOOK_URL"}
    code, _, err = await cli("run", "--webhook", cwd=tmp_path, **without_url)
    assert_one_line(code, err, "WEBHOOK_URL is not set")
    code, _, err = await cli("run", "--webhook", cwd=tmp_path, **{**full, "WEBHOOK_URL": "hook"})
    assert_one_line(code, err, "WEBHOOK_URL: is not a valid URL")
    official = {**full, "BOT_API_URL": "https://api.telegram.org"}
    code, _, err = await cli("run", "--webhook", cwd=tmp_path, **official)
    assert_one_line(code, err, "must be https://")
    with socket.socket() as taken:
        taken.bind((LOOPBACK, port))
        taken.listen()
        code, _, err = await cli("run", "--webhook", cwd=tmp_path, **full)
        assert_one_line(code, err, f"LISTEN_PORT {port} on {LOOPBACK} is already in use")
        code, out, _ = await cli("check", "--offline", "--webhook", cwd=tmp_path, **full)
        assert code == 1 and f"problem: LISTEN_PORT {port}" in out, out
    assert not (tmp_path / "d").exists()  # refused before anything was created
    assert api.calls == []  # nor was the Bot API asked anything
    code, out, _ = await cli("check", "--offline", "--webhook", cwd=tmp_path, **without_secret)
    assert code == 1 and "problem: WEBHOOK_SECRET is not set" in out, out
    code, out, _ = await cli("check", "--offline", "--webhook", cwd=tmp_path, **full)
    assert "ok: webhook: Telegram posts to" in out and "problem: WEBHOOK" not in out, out


async def test_a_webhook_the_bot_api_refuses_stops_cleanly_in_one_line(
    api: FakeBotAPI, start_bot: ProcessStarter
) -> None:
    port = free_port()
    # Not loopback by address: the stand-in, like Telegram for any plain http, refuses it.
    env = webhook_env(port, WEBHOOK_URL=f"http://localhost:{port}/telegram/hook")
    bot = await start_bot.webhook(env, wait_ready=False)
    assert await asyncio.wait_for(bot.process.wait(), 60) == 2
    logs = bot.logs()
    lines = [line for line in logs.splitlines() if "configuration error" in line]
    assert len(lines) == 1, logs
    assert "the Bot API refused WEBHOOK_URL (Bad Request: bad webhook" in lines[0]
    assert "Traceback" not in logs and SECRET not in logs
    assert "bot stopped" in logs  # the start-up that had run was undone by the same shutdown
    assert api.webhook == {} and api.calls_for("deleteWebhook") == []


async def test_webhook_secret_prints_one_the_settings_take(tmp_path: Path) -> None:
    code, out, _ = await cli("webhook-secret", cwd=tmp_path)
    secret = out.strip()
    assert code == 0 and len(secret) == 43
    settings = load_settings(_env_file=None, webhook_secret=secret)
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.get_secret_value() == secret
