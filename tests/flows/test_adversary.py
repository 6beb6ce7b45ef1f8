"""Attacks on the real app, polling in-process: poison updates, bursts and floods."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from bot.config import REPO_ROOT
from bot.devserver.server import ChatMessage, FakeBotAPI
from handlers.flow import MAX_WAITING
from tests.support.alerts import ADMIN, report_and_approve, rows
from tests.support.chat import USER_IDS, User, wait_calls
from tests.support.keys import PASSPHRASE
from tests.support.leaks import needles, scan_bytes
from tests.support.process import StartBot

INNOCENT = ("Innocent-Firstname", "innocent_username_31")
ATTACKER = ("Attacker-Firstname", "attacker_username_52")
SECRET = "секретныйтекст9c1e"


def poison_hidden_forward(api: FakeBotAPI, user_id: int) -> dict[str, Any]:
    """A forward from a hidden user without `sender_user_name` (aiogram issue #1840)."""
    update = api.push_message(user_id, f"{SECRET} forwarded", forward_from="Hidden Sender")
    del update["message"]["forward_origin"]["sender_user_name"]
    return update


def poison_new_origin(api: FakeBotAPI, user_id: int) -> dict[str, Any]:
    """A message origin type a newer Bot API might add: not in aiogram's union."""
    update = api.push_message(user_id, f"{SECRET} from the future", forward_from="x")
    update["message"]["forward_origin"] = {"type": "future_origin", "date": 1, "who": SECRET}
    return update


def fetched_ids(api: FakeBotAPI) -> list[int]:
    """Every update id the bot received, once per getUpdates answer that carried it."""
    return [u["update_id"] for call in api.calls_for("getUpdates") for u in call.result or []]


async def test_unparseable_updates_are_skipped_acknowledged_and_never_logged(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    bot = await start_bot()
    innocent = User(api, USER_IDS[0], "ru", first_name=INNOCENT[0], username=INNOCENT[1])
    User(api, USER_IDS[1], "ru", first_name=ATTACKER[0], username=ATTACKER[1])

    # One batch: an innocent question between two poison updates, the last one last in the
    # batch (pushed without an await in between, so that one getUpdates answer carries all).
    first = poison_hidden_forward(api, USER_IDS[1])
    api.push_message(innocent.id, f"/start {SECRET}")
    last = poison_new_origin(api, USER_IDS[1])
    await api.wait_idle()

    assert innocent.last().buttons  # the person got the main menu
    # Then idle: later polls move past the last poison update and never fetch either again.
    polls = len(api.calls_for("getUpdates"))
    await api.wait_for(lambda c: c.method == "getUpdates", since=api.calls[-1].index + 1)
    later = api.calls_for("getUpdates")[polls:]
    assert later and all(int(c.params["offset"]) > last["update_id"] for c in later)
    ids = fetched_ids(api)
    assert ids.count(first["update_id"]) == 1
    assert ids.count(last["update_id"]) == 1
    assert api.pending_updates == 0

    logs = bot.logs()
    skipped = [line for line in logs.splitlines() if "update skipped" in line]
    assert len(skipped) == 2, logs
    assert f"update_id={first['update_id']}" in skipped[0]
    assert "field=message.forward_origin.hidden_user.sender_user_name" in skipped[0]
    assert f"update_id={last['update_id']}" in skipped[1]
    assert all("level=warning" in line for line in skipped)
    assert "level=error" not in logs
    leaks = needles(texts=[SECRET, *INNOCENT, *ATTACKER, "Hidden Sender"], ids=USER_IDS[:2])
    assert scan_bytes(logs.encode(), leaks) == []
    assert re.search(r"Traceback", logs) is None


# --- bursts: check-then-act races through the real app -----------------------------------------


def export_reports(data_dir: Path) -> list[dict[str, Any]]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "reports", "export"],
        env={
            **keep,
            "PYTHONPATH": str(REPO_ROOT),
            "DATA_DIR": str(data_dir),
            "KEY_PASSPHRASE": PASSPHRASE,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


async def to_review(user: User, text: str = f"Проверяют документы, {SECRET}") -> ChatMessage:
    await user.say("/report")
    await user.say("Питер")
    await user.press("Метро")
    await user.press("Прямо сейчас")
    await user.say(text)
    await user.press("Пропустить")
    review = await user.press("Пропустить")
    assert "Проверьте сообщение" in review.visible_text
    return review


async def test_a_send_burst_stores_one_report(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE, REPORTS_PER_HOUR="50")
    user = User(api, USER_IDS[0], "ru")
    review = await to_review(user)
    send = next(b for row in review.buttons for b in row if "Отправить" in b.text)
    answered = len(api.calls_for("answerCallbackQuery"))
    for _ in range(20):  # twenty taps in one getUpdates batch
        api.push_callback(user.id, review.message_id, str(send.callback_data))
    await wait_calls(api, "answerCallbackQuery", answered + 20)
    [report] = export_reports(bot.data_dir)
    assert SECRET in report["text"]
    toasts = [str(c.params.get("text")) for c in api.calls_for("answerCallbackQuery")[-20:]]
    assert sum("уже закрыта" in t for t in toasts) == 19  # the other taps found nothing to send


async def test_a_send_burst_at_the_rate_limit_stores_one_report(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    # A draft outlives the hour's wait, so the second form still opens (a shorter one would
    # keep the form closed: tests/flows/test_newflows.py).
    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE, REPORTS_PER_HOUR="1", DRAFT_IDLE_MINUTES="90")
    users = [User(api, USER_IDS[0], "ru")]
    first = await to_review(users[0], "first")
    # Two forms of one person, both at review: their Send taps race for the one allowed report.
    send = next(b for row in first.buttons for b in row if "Отправить" in b.text)
    answered = len(api.calls_for("answerCallbackQuery"))
    for _ in range(10):
        api.push_callback(users[0].id, first.message_id, str(send.callback_data))
    await wait_calls(api, "answerCallbackQuery", answered + 10)
    second = await to_review(users[0], "second")
    send = next(b for row in second.buttons for b in row if "Отправить" in b.text)
    answered = len(api.calls_for("answerCallbackQuery"))
    for _ in range(10):
        api.push_callback(users[0].id, second.message_id, str(send.callback_data))
    await wait_calls(api, "answerCallbackQuery", answered + 10)
    assert [r["text"] for r in export_reports(bot.data_dir)] == ["first"]
    assert "Проверьте сообщение" in users[0].last_with_buttons().visible_text  # the draft is kept


async def test_a_feedback_burst_counts_one_vote_and_forged_votes_none(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin = User(api, ADMIN, "en")
    subscriber = User(api, USER_IDS[0], "ru")
    outsider = User(api, USER_IDS[1], "ru")
    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE, ADMIN_IDS=str(ADMIN), ALERT_APPROVALS="1")
    await subscriber.say("/alerts")
    await subscriber.press("➕")
    await subscriber.say("мск")
    await report_and_approve(api, admin)
    alert = subscriber.last()
    still = alert.buttons[0][0]
    assert str(still.callback_data).startswith("fv:")
    answered = len(api.calls_for("answerCallbackQuery"))
    for _ in range(30):
        api.push_callback(subscriber.id, alert.message_id, str(still.callback_data))
    # One at a time per chat, MAX_WAITING more waiting: the rest of the burst is dropped.
    await wait_calls(api, "answerCallbackQuery", answered + 1 + MAX_WAITING)
    assert rows(bot, "SELECT still, gone FROM alert_feedback") == [(1, 0)]

    # Someone who never got the alert copies the button's data, or makes up the old format.
    own = await outsider.say("/start")
    alert_id = str(still.callback_data).split(":")[1]
    for data in (str(still.callback_data), f"fb:{alert_id}:still", f"fv:{alert_id}:still:AAAA"):
        api.push_callback(outsider.id, own.message_id, data)
        await api.wait_idle()
        toast = str(api.calls_for("answerCallbackQuery")[-1].params.get("text"))
        assert "нельзя ответить" in toast
    assert rows(bot, "SELECT still, gone FROM alert_feedback") == [(1, 0)]


# --- floods ------------------------------------------------------------------------------------


def long_word(seed: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return "".join(letters[(seed * 7 + i * 13) % 26] for i in range(4096))


async def test_a_long_word_flood_does_not_hold_up_a_bystander(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    # The throttle is lifted here, so that every flood message really runs a search.
    await start_bot(QUERIES_PER_MINUTE="100000")
    attacker = User(api, USER_IDS[1], "en")
    bystander = User(api, USER_IDS[0], "ru")
    sent_before = len(api.calls_for("sendMessage"))
    for i in range(150):
        api.push_message(attacker.id, long_word(i))
    asked = api.push_message(bystander.id, "как получить отсрочку")
    for i in range(150, 300):
        api.push_message(attacker.id, long_word(i))
    await wait_calls(api, "sendMessage", sent_before + 2, timeout=90)
    await api.wait_idle(quiet=1.0, timeout=90)
    sends = [c for c in api.calls_for("sendMessage") if c.ok]
    to_attacker = [c.index for c in sends if int(c.params["chat_id"]) == attacker.id]
    to_bystander = [c.index for c in sends if int(c.params["chat_id"]) == bystander.id]
    # One chat's updates take turns, and a chat with a queue of them gets no more: most of the
    # flood is dropped unanswered, and what is answered does not hold up anyone else.
    assert 1 <= len(to_attacker) < 300 and len(to_bystander) == 1
    assert to_bystander[0] < to_attacker[-1]  # answered before the flood's last reply
    assert asked["update_id"]  # (pushed between the two halves of the flood)


async def test_a_flood_is_throttled_politely_and_once(api: FakeBotAPI, start_bot: StartBot) -> None:
    bot = await start_bot(QUERIES_PER_MINUTE="20")
    attacker = User(api, USER_IDS[1], "en")
    bystander = User(api, USER_IDS[0], "ru")
    for i in range(100):
        api.push_message(attacker.id, f"deferral question {i} " + long_word(i)[:500])
    api.push_inline_query(attacker.id, "deferral")
    await wait_calls(api, "answerInlineQuery", 1, timeout=90)
    await api.wait_idle(quiet=1.0, timeout=90)  # then nothing more comes
    replies = [m.visible_text for m in api.messages(attacker.id)]
    assert sum("faster than I can answer" in t for t in replies) == 1
    assert len(replies) == 21  # 20 answers, one polite refusal, then silence
    inline = api.calls_for("answerInlineQuery")[-1].params
    assert inline["results"] == []  # the inline query was refused too, politely
    assert "faster" in inline["button"]["text"]
    assert (await attacker.say("/sos")).text  # commands stay free: /sos always works
    assert "отсрочк" in (await bystander.say("как получить отсрочку")).visible_text.lower() or (
        bystander.last().buttons
    )
    assert "level=error" not in bot.logs()
