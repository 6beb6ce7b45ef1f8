"""Health through the real app in-process: the status row a run writes (and its clean stop),
the admins' daily heartbeat in each admin's language, and the Prometheus metrics scraped over
HTTP on 127.0.0.1 while people use the bot: the counters move, and no id or text is in them."""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path

import aiohttp

from bot.app import App
from bot.devserver.server import FakeBotAPI
from bot.services.local_time import MOSCOW, zone
from bot.telegram.health import send_heartbeat, write_status
from tests.support.alerts import (
    ADMIN,
    MARKER,
    MOSCOW_RU,
    OUTSIDER,
    REPORTER,
    report_and_approve,
    rows,
    start,
    subscribe,
)
from tests.support.chat import User
from tests.support.inprocess import InProcessBot
from tests.support.process import StartBot

SECOND_ADMIN = 5_100_000_009


def app_of(bot: object) -> App:
    assert isinstance(bot, InProcessBot) and bot.app is not None
    return bot.app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def scrape(port: int) -> str:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        assert response.status == 200
        return await response.text()


def sample(body: str, name: str) -> float:
    [line] = [line for line in body.splitlines() if line.startswith(name + " ")]
    return float(line.split()[-1])


async def test_a_run_writes_its_status_row_and_says_when_it_stopped(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    bot = await start(start_bot)
    now = dt.datetime.now(dt.UTC)
    [(started, seen, stopped, receiver, keyring)] = rows(
        bot, "SELECT started_at, seen_at, stopped_at, receiver, keyring FROM bot_status"
    )
    assert (receiver, keyring, stopped) == ("polling", "unlocked", None)
    assert started.endswith("Z") and len(started) == len("2026-12-06T14:05Z")
    assert abs(dt.datetime.strptime(seen, "%Y-%m-%dT%H:%MZ").replace(tzinfo=dt.UTC) - now) < (
        dt.timedelta(minutes=2)
    )
    await User(api, OUTSIDER, "ru").say("/start")  # polling has answered by now
    await write_status(app_of(bot))  # what the job does every minute
    [(updates_at, runs)] = rows(bot, "SELECT updates_at, next_runs FROM bot_status")
    assert updates_at is not None and updates_at.endswith("Z")
    assert '"status"' in runs and '"heartbeat"' in runs and '"report-retention"' in runs
    assert str(OUTSIDER) not in repr(rows(bot, "SELECT * FROM bot_status"))
    await bot.stop()
    [(stopped, runs)] = rows(bot, "SELECT stopped_at, next_runs FROM bot_status")
    assert stopped is not None and runs == "{}"


async def test_the_heartbeat_reaches_each_admin_in_their_language_and_nobody_else(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin, outsider = User(api, ADMIN, "en"), User(api, OUTSIDER, "en")
    api.add_user(SECOND_ADMIN)  # never wrote to the bot: DEFAULT_LANGUAGE (ru)
    bot = await start(start_bot, ADMIN_IDS=f"{ADMIN},{SECOND_ADMIN}", ALERT_APPROVALS="1")
    app = app_of(bot)
    job = app.scheduler.get_job("heartbeat")
    assert job is not None
    assert job.next_run_time.astimezone(zone(MOSCOW)).hour == 9
    assert (job.next_run_time.minute, job.next_run_time.astimezone(dt.UTC).hour) == (0, 6)
    await admin.say("/start")
    await outsider.say("/start")
    await subscribe(User(api, MOSCOW_RU, "ru"), "мск")
    await report_and_approve(api, admin)  # one audit entry at least; nothing waits after
    await User(api, REPORTER, "ru").say("/report")  # a form opened is no report waiting

    assert await send_heartbeat(app) == 2
    english = admin.last().visible_text
    assert "Daily check: the bot is running" in english
    assert "Reports waiting: 0. Drafts awaiting approval: 0. Outbox backlog: 0." in english
    assert "Keyring: unlocked." in english
    [(seq,)] = rows(bot, "SELECT max(seq) FROM audit_log")
    assert f"Audit log head: #{seq} " in english
    russian = api.messages(SECOND_ADMIN)[-1].visible_text
    assert "Ежедневная проверка: бот работает" in russian and "Ключи: открыты" in russian
    assert f"#{seq} " in russian
    assert not any("Daily check" in m.visible_text for m in api.messages(OUTSIDER))
    assert "heartbeat sent" in bot.logs() and str(ADMIN) not in bot.logs()
    api.block_chat(SECOND_ADMIN)  # one admin unreachable: the others still get it
    assert await send_heartbeat(app) == 1
    assert "heartbeat not delivered" in bot.logs() and str(SECOND_ADMIN) not in bot.logs()


async def test_no_heartbeat_when_it_is_turned_off(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    bot = await start(start_bot, HEARTBEAT_HOUR="-1")
    assert app_of(bot).scheduler.get_job("heartbeat") is None
    assert app_of(bot).scheduler.get_job("status") is not None


async def test_metrics_move_as_people_use_the_bot_and_name_nobody(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    port = free_port()
    admin, subscriber = User(api, ADMIN, "en"), User(api, MOSCOW_RU, "ru")
    bot = await start(start_bot, ALERT_APPROVALS="1", METRICS_ADDR=f"127.0.0.1:{port}")
    before = await scrape(port)
    assert sample(before, 'helpline_deliveries_total{outcome="sent"}') == 0
    handled = sample(before, "helpline_updates_handled_total")

    await subscribe(subscriber, "мск")
    api.push_raw({"message": {"chat": "not a chat"}})  # the library cannot parse it
    await report_and_approve(api, admin)
    await api.wait_idle()
    after = await scrape(port)
    assert sample(after, "helpline_updates_handled_total") > handled + 5
    assert sample(after, "helpline_updates_skipped_total") == 1
    assert sample(after, 'helpline_alerts_approved_total{kind="alert"}') == 1
    assert sample(after, "helpline_alerts_sent_total") == 1
    assert sample(after, 'helpline_deliveries_total{outcome="sent"}') >= 1
    # Reports appear only as the last completed hour's number, never as they arrive.
    assert sample(after, "helpline_reports_last_hour") == 0
    assert "helpline_reports_total" not in after
    [(alert_id,)] = rows(bot, "SELECT id FROM alerts")
    for secret in (str(ADMIN), str(MOSCOW_RU), str(REPORTER), MARKER, alert_id, api.token):
        assert secret not in after
    assert "locked" not in after and "keyring" not in after
    await bot.stop()
    try:
        await scrape(port)
    except aiohttp.ClientConnectionError:
        pass
    else:
        raise AssertionError("the metrics port is still open after the bot stopped")
