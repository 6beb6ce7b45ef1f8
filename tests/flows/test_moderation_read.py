"""A flooded report group through the real app in-process: "Read" pages the reports ten at a time,
newest first, and a moderator rejects one report without rejecting the genuine ones with it."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

import pytest

from bot.devserver.server import ChatMessage, FakeBotAPI
from tests.support.chat import User
from tests.support.inprocess import InProcessBot
from tests.support.keys import PASSPHRASE
from tests.support.leaks import needles, scan_bytes
from tests.support.process import RunningBot, StartBot
from tests.support.reports import fill_form

ADMIN, OUTSIDER = 5_100_000_001, 5_300_000_003
REPORTERS = (5_400_000_011, 5_400_000_022, 5_400_000_033, 5_400_000_044)
MARKER = "поток-маркер-5c"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def db_rows(bot: RunningBot, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with sqlite3.connect(bot.data_dir / "helpline.sqlite3", timeout=10) as db:
        return list(db.execute(sql, params))


async def send_report(user: User, number: int) -> None:
    text = f"Сообщение номер {number:02d}, {MARKER}"
    await fill_form(user, text, region="мск", extras=False, send=True)


def copies(api: FakeBotAPI, chat_id: int, since: int) -> list[ChatMessage]:
    """The decrypted report copies the bot sent to the chat after message `since`."""
    return [m for m in api.messages(chat_id) if m.message_id > since and MARKER in m.visible_text]


def report_number(copy: ChatMessage) -> int:
    found = re.search(r"номер (\d+)", copy.visible_text)
    assert found is not None, "a report copy without its number"
    return int(found.group(1))


def numbers(shown: list[ChatMessage]) -> list[int]:
    return [report_number(m) for m in shown]


def last_id(api: FakeBotAPI, chat_id: int) -> int:
    return max((m.message_id for m in api.messages(chat_id)), default=0)


async def test_read_pages_a_flooded_group_and_one_report_can_be_rejected(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = User(api, ADMIN, "en", first_name="Admin-Name")
    reporters = [
        User(api, rid, "ru", first_name=f"Reporter-{n}") for n, rid in enumerate(REPORTERS)
    ]
    bot = await start_bot(
        KEY_PASSPHRASE=PASSPHRASE,
        ADMIN_IDS=str(ADMIN),
        REPORTS_PER_HOUR="50",
        REPORTS_PER_GROUP_PER_PERSON="50",
    )
    # The stored hour is all the order there is: the first six are sent in the window's first
    # hour and the last six in its second, so that "newest first" is visible. (Editing the
    # stored hours instead would be flagged when read: the hour is sealed into each report.)
    assert isinstance(bot, InProcessBot) and bot.app is not None
    now = dt.datetime.now(dt.UTC)
    window = now.replace(hour=now.hour // 2 * 2, minute=10, second=0, microsecond=0)
    for number in range(1, 13):  # twelve reports in one group, from four people
        sent_at = (window + dt.timedelta(hours=number > 6)).timestamp()
        monkeypatch.setattr(bot.app.reports, "_clock", lambda at=sent_at: at)
        await send_report(reporters[(number - 1) % len(reporters)], number)
    assert db_rows(bot, "SELECT count(*), count(DISTINCT region) FROM reports") == [(12, 1)]
    start, later = (f"{window:%Y-%m-%dT}{hour:02d}" for hour in (window.hour, window.hour + 1))
    assert db_rows(bot, "SELECT created_hour, count(*) FROM reports GROUP BY 1") == [
        (start, 6),
        (later, 6),
    ]

    await admin.say("/queue")
    assert "· 12 rep. / 4 people" in " ".join(admin.labels())
    await admin.press("Moscow ·")
    since = last_id(api, ADMIN)
    nav = await admin.press("Read the reports")

    # Page one: ten copies, newest first, plain and protected, each with its reject button.
    first = copies(api, ADMIN, since)
    assert len(first) == 10
    assert sorted(numbers(first[:6])) == list(range(7, 13))  # the later hour comes first
    assert set(numbers(first[6:])) < set(range(1, 7))
    assert [m.visible_text.split(" ·")[0] for m in first] == [
        f"Report {n} of 12" for n in range(1, 11)
    ]

    # The hours as the region reads them: Moscow is UTC+3.
    def moscow(hour: str) -> str:
        return f"around {(int(hour[11:]) + 3) % 24:02d}:00 Moscow time, UTC+3"

    assert all(moscow(later) in m.visible_text for m in first[:6])
    assert all(moscow(start) in m.visible_text for m in first[6:])
    assert all(m.protect_content and m.parse_mode is None for m in first)
    assert all(
        [b.text for row in m.buttons for b in row] == ["🗑 Reject this report"] for m in first
    )
    assert (
        "Reports 1–10 of 12, newest first." in nav.visible_text and MARKER not in nav.visible_text
    )
    assert "Next ▶" in admin.labels(nav) and "◀ Previous" not in admin.labels(nav)
    assert "← Queue" in admin.labels(nav)

    # Page two: the remaining two, and the way back.
    since = last_id(api, ADMIN)
    nav = await admin.press("Next ▶")
    second = copies(api, ADMIN, since)
    assert len(second) == 2
    assert set(numbers(first + second)) == set(range(1, 13))
    assert [m.visible_text.split(" ·")[0] for m in second] == ["Report 11 of 12", "Report 12 of 12"]
    assert "Reports 11–12 of 12" in nav.visible_text
    assert "◀ Previous" in admin.labels(nav) and "Next ▶" not in admin.labels(nav)

    # Reject one report: one tap for the reasons, one for the reason.
    target = second[0]
    data = target.buttons[0][0].callback_data or ""
    assert re.fullmatch(rf"m1\.report:{UUID}", data) and len(data.encode()) <= 64
    report_id = data.split(":")[1]
    api.press_button(ADMIN, target.message_id, 0)
    await api.wait_idle()
    shown = next(m for m in api.messages(ADMIN) if m.message_id == target.message_id)
    assert [b.text for row in shown.buttons for b in row] == [
        "🗑 False",
        "🗑 Spam",
        "🗑 Duplicate",
        "↩ Keep it",
    ]
    api.press_button(ADMIN, target.message_id, 1)
    await api.wait_idle()
    toast = api.calls_for("answerCallbackQuery")[-1].params
    assert "Rejected: 1" in str(toast.get("text"))
    shown = next(m for m in api.messages(ADMIN) if m.message_id == target.message_id)
    assert "rejected as spam" in shown.visible_text and MARKER not in shown.visible_text
    assert shown.buttons == []
    assert db_rows(bot, "SELECT state FROM reports WHERE id = ?", (report_id,)) == [("rejected",)]
    assert db_rows(bot, "SELECT state, count(*) FROM reports GROUP BY state") == [
        ("new", 11),
        ("rejected", 1),
    ]
    await admin.say("/queue")
    assert "· 11 rep." in " ".join(admin.labels())

    # A forged reject button from someone who is not a moderator does nothing.
    other = first[0].buttons[0][0].callback_data or ""
    other_id = other.split(":")[1]
    outsider = User(api, OUTSIDER, "ru")
    await outsider.say("/start")
    bait = api.messages(OUTSIDER)[-1]
    api.push_callback(OUTSIDER, bait.message_id, f"m1.reject-one:{other_id}:false")
    await api.wait_idle()
    toast = api.calls_for("answerCallbackQuery")[-1].params
    assert "модераторов" in str(toast.get("text"))
    assert db_rows(bot, "SELECT state FROM reports WHERE id = ?", (other_id,)) == [("new",)]
    assert "moderation button refused" in bot.logs()

    actions = db_rows(bot, "SELECT action, subject FROM audit_log ORDER BY seq")
    assert [a for a, _ in actions] == ["group.read", "group.read", "report.reject.spam"]
    assert actions[-1][1] == report_id
    assert not [c for c in api.calls if c.method in ("forwardMessage", "copyMessage")]

    assert await bot.stop() == 0
    people = [ADMIN, OUTSIDER, *REPORTERS]
    names = ["Admin-Name", *(f"Reporter-{n}" for n in range(len(REPORTERS)))]
    assert scan_bytes(bot.logs().encode(), needles([MARKER, *names], people)) == []
