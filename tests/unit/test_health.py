"""Health without people: the status row on a real SQLite file, the verdict `status` gives, the
settings that turn metrics and the heartbeat on, and the counts the broadcaster keeps (against
the stand-in) as the private Prometheus registry exposes them."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from aiogram import Bot
from prometheus_client import generate_latest

from bot.checks import run_checks
from bot.config import ConfigError, load_settings
from bot.crypto.sealing import ChatIdCipher
from bot.devserver.server import FakeBotAPI
from bot.metrics import registry_for
from bot.services.audit_trail import AuditHead
from bot.services.health import (
    Health,
    Liveness,
    Observed,
    completed_hour,
    minute,
    status_view,
)
from bot.storage import migrations
from bot.storage.db import Database
from bot.storage.health import Backlog, StatusRepository, StatusRow
from bot.telegram.broadcast import Broadcaster
from bot.telegram.updates import UpdateGate
from tests.support.parsed_content import reuse_parsed_content
from tests.unit.test_broadcast import FIRST_CHAT, Recorder, add_alert, crowd, run
from tests.unit.test_broadcast import bot as bot  # the fixture
from tests.unit.test_broadcast import cipher as cipher  # the fixture

NOW = dt.datetime(2026, 12, 6, 14, 5, 30, tzinfo=dt.UTC)
BACKLOG = Backlog(reports_waiting=3, drafts_waiting=1, outbox=0)
HEAD = AuditHead(12, "2026-12-06T14:00Z", "1a2b3c4d5e6f7a8b")


def row(**changes: object) -> StatusRow:
    values: dict[str, object] = {
        "started_at": "2026-12-06T13:01Z",
        "seen_at": "2026-12-06T14:05Z",
        "updates_at": "2026-12-06T14:05Z",
        "receiver": "polling",
        "keyring": "unlocked",
        "next_runs": {"status": "2026-12-06T14:06Z", "heartbeat": "2026-12-07T06:00Z"},
    }
    values.update(changes)
    return StatusRow(**values)  # type: ignore[arg-type]


def observed(status: StatusRow | None, keyring: str = "present") -> Observed:
    return Observed("ok", status, BACKLOG, HEAD, keyring)


# --------------------------------------------------------------------------- the status row


async def test_the_row_round_trips_with_minutes_only(db: Database) -> None:
    repo = StatusRepository(db)
    assert await repo.read() is None
    await repo.write(row())
    assert await repo.read() == row()
    await repo.write(row(stopped_at="2026-12-06T14:07Z", next_runs={}))
    assert (await repo.read()) == row(stopped_at="2026-12-06T14:07Z", next_runs={})
    assert await db.fetchval("SELECT count(*) FROM bot_status") == 1


async def test_the_migration_upgrades_a_database_of_the_previous_version(tmp_path: Path) -> None:
    """An old data directory (schema 6, a report in it) gains the table and keeps its rows."""
    every = migrations.discover()
    at = [m.name for m in every].index("health")
    db = await Database.open(tmp_path / "old.sqlite3")
    try:
        await migrations.apply(db, every[:at])
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO reports (id, region, place_type, time_bucket, created_hour, key_id,"
                " sealed, state) VALUES ('r1', 'moscow', 'metro', 'now', '2026-12-06T13', 'r1',"
                " x'00', 'new')"
            )
        assert await StatusRepository(db).read() is None  # no table yet: no row, no error
        assert [m.name for m in await migrations.apply(db, every[: at + 1])] == ["health"]
        repo = StatusRepository(db)
        assert await repo.backlog() == Backlog(1, 0, 0)
        assert await repo.reports_in_hour("2026-12-06T13") == 1
        assert await repo.reports_in_hour("2026-12-06T14") == 0
    finally:
        await db.close()


async def test_the_row_refuses_anything_but_its_one_id_and_known_states(db: Database) -> None:
    await StatusRepository(db).write(row())
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO bot_status (id, started_at, seen_at, receiver, keyring)"
                " VALUES (2, 'a', 'b', 'polling', 'unlocked')"
            )
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute("UPDATE bot_status SET keyring = 'maybe'")


def test_times_are_kept_to_the_minute_and_the_hour_figure_is_the_last_completed_hour() -> None:
    assert minute(NOW) == "2026-12-06T14:05Z"
    assert minute(NOW.timestamp()) == "2026-12-06T14:05Z"
    assert completed_hour(NOW) == "2026-12-06T13"
    ticks = iter([100.0, 160.5])
    liveness = Liveness(clock=lambda: next(ticks))
    assert liveness.last_updates is None
    liveness.saw_updates()
    liveness.saw_updates()
    assert liveness.last_updates == 160.5


# --------------------------------------------------------------------------- the verdict


def test_a_fresh_row_is_healthy_and_shows_every_line() -> None:
    view = status_view(observed(row()), NOW)
    assert view.problems == []
    text = "\n".join(view.lines)
    for line in (
        "database: ok",
        "bot: running since 13:01 UTC, last seen 14:05 UTC (polling)",
        "last successful getUpdates: 14:05 UTC",
        "keyring: unlocked",
        "reports waiting: 3",
        "drafts awaiting approval: 1",
        "outbox backlog: 0",
        "14:06 UTC  status",
        "2026-12-07 06:00 UTC  heartbeat",
        "audit head: #12 2026-12-06T14:00Z 1a2b3c4d5e6f7a8b",
    ):
        assert line in text, text


def test_a_stale_row_says_the_bot_is_not_running_and_when_it_was_last_seen() -> None:
    view = status_view(observed(row(seen_at="2026-12-06T14:01Z")), NOW)
    assert view.problems == ["bot not running / last seen 14:01 UTC"]
    assert "next runs:" not in view.lines  # a dead scheduler's plans mean nothing
    assert "keyring: present (locked or unlocked when the bot starts)" in view.lines
    assert "reports waiting: 3" in view.lines  # read from the database itself


def test_a_clean_stop_and_a_missing_row_are_said_as_they_are() -> None:
    stopped = status_view(observed(row(stopped_at="2026-12-06T12:30Z")), NOW)
    assert stopped.problems == ["bot not running / stopped at 12:30 UTC"]
    never = status_view(observed(None, keyring="none"), NOW)
    assert never.problems == ["bot not running (no status row: it never ran with this version)"]
    assert "keyring: none" in never.lines


def test_locked_keys_and_a_stuck_poll_are_problems_a_quiet_webhook_is_not() -> None:
    locked = status_view(observed(row(keyring="locked")), NOW)
    assert "keyring: locked" in locked.lines
    assert [p for p in locked.problems if p.startswith("keyring locked")]
    stuck = status_view(observed(row(updates_at="2026-12-06T13:50Z")), NOW)
    assert stuck.problems == ["no successful getUpdates since 13:50 UTC"]
    never = status_view(observed(row(updates_at=None)), NOW)
    assert never.problems == ["no successful getUpdates since 13:01 UTC"]  # the start
    just_started = status_view(observed(row(updates_at=None, started_at="2026-12-06T14:04Z")), NOW)
    assert just_started.problems == []
    assert "last successful getUpdates: none yet" in just_started.lines
    quiet = status_view(observed(row(receiver="webhook", updates_at="2026-12-06T09:00Z")), NOW)
    assert quiet.problems == []
    assert "last successful webhook call: 09:00 UTC" in quiet.lines


def test_a_broken_database_or_keyring_is_a_problem_destroyed_keys_are_not() -> None:
    broken = status_view(
        Observed("migration 0003_alerts.sql was changed", None, None, None, "destroyed"), NOW
    )
    assert "database: migration 0003_alerts.sql was changed" in broken.problems
    assert "keyring: destroyed" in broken.lines
    assert not [p for p in broken.problems if p.startswith("keyring")]
    just_panicked = status_view(observed(row(keyring="unlocked"), keyring="destroyed"), NOW)
    assert "keyring: destroyed" in just_panicked.lines  # not the row's minute-old 'unlocked'
    assert "keyring: unlocked" not in just_panicked.lines
    bad = status_view(observed(None, keyring="/k: the keyring file is damaged"), NOW)
    assert "keyring: /k: the keyring file is damaged" in bad.problems


# --------------------------------------------------------------------------- settings


def test_metrics_addr_and_heartbeat_hour_are_checked() -> None:
    assert load_settings(_env_file=None).metrics_addr is None
    assert load_settings(_env_file=None).heartbeat_hour == 9
    assert load_settings(_env_file=None, metrics_addr="127.0.0.1:9464").metrics_addr
    assert load_settings(_env_file=None, metrics_addr="[::1]:9464").metrics_addr == "[::1]:9464"
    assert load_settings(_env_file=None, metrics_addr=" ").metrics_addr is None
    for bad in ("9464", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "a b:1", ":9464"):
        with pytest.raises(ConfigError, match="METRICS_ADDR"):
            load_settings(_env_file=None, metrics_addr=bad)
    for off in ("", "-1", "off", "OFF"):
        assert load_settings(_env_file=None, heartbeat_hour=off).heartbeat_hour == -1
    for bad_hour in ("24", "-2", "nine"):
        with pytest.raises(ConfigError, match="HEARTBEAT_HOUR"):
            load_settings(_env_file=None, heartbeat_hour=bad_hour)


# --------------------------------------------------------------------------- counts


async def test_the_broadcasters_counts_reach_the_metrics_and_carry_no_id(
    api: FakeBotAPI,
    db: Database,
    bot: Bot,
    cipher: ChatIdCipher,
) -> None:
    chats = await crowd(api, db, cipher, 5)
    api.block_chat(chats[0])  # dropped
    await add_alert(db, "a1", "moscow")
    api.fail_next(1, method="sendMessage", status=502)  # retried, then sent
    api.fail_next(1, method="sendMessage", retry_after=1)  # one pause of every send
    health = Health()
    recorder = Recorder()
    broadcaster = Broadcaster(
        db, bot, cipher, rate=50, on_progress=recorder, activity=health.activity
    )
    await run(broadcaster, recorder)

    activity = health.activity
    assert activity.deliveries == {"sent": 4, "failed": 0, "dropped": 1, "retried": 1}
    assert activity.rate_limit_pauses == 1
    assert activity.alerts_sent == 1
    health.activity.updates_handled = 7
    health.reports_last_hour = 2
    gate = UpdateGate(health.liveness)
    gate.parse({"update_id": 5, "message": {"chat": "nonsense"}})  # skipped
    body = generate_latest(registry_for(health, gate)).decode()
    for sample in (
        "helpline_updates_handled_total 7.0",
        "helpline_updates_skipped_total 1.0",
        'helpline_deliveries_total{outcome="sent"} 4.0',
        'helpline_deliveries_total{outcome="dropped"} 1.0',
        'helpline_deliveries_total{outcome="retried"} 1.0',
        "helpline_rate_limit_pauses_total 1.0",
        "helpline_alerts_sent_total 1.0",
        'helpline_alerts_approved_total{kind="alert"} 0.0',
        "helpline_reports_last_hour 2.0",
    ):
        assert sample in body, body
    assert "a1" not in body.replace("helpline", "")
    assert not [chat for chat in chats if str(chat) in body] and str(FIRST_CHAT) not in body
    assert "python_" not in body and "process_" not in body  # a private registry only
    assert "locked" not in body and "keyring" not in body


@pytest.mark.parametrize(
    ("addr", "warned"),
    [
        ("127.0.0.1:9464", False),
        ("[::1]:9464", False),
        ("localhost:9464", False),
        ("0.0.0.0:9464", True),
        ("[::]:9464", True),
        ("metrics.example.org:9464", True),
    ],
)
async def test_check_warns_about_metrics_off_loopback(
    tmp_path: Path, addr: str, warned: bool
) -> None:
    settings = load_settings(_env_file=None, data_dir=tmp_path / "data", metrics_addr=addr)
    with reuse_parsed_content():  # the content check is not this test's: parsed once a session
        report = await run_checks(settings, offline=True)
    warnings = [w for w in report.warnings if w.startswith("METRICS_ADDR")]
    assert bool(warnings) is warned, report.warnings
    assert all("\n" not in w for w in warnings)
