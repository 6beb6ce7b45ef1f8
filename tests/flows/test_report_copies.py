"""Decrypted reports in moderators' chats, through the real app in-process: a report with links
reaches the moderator with none live, and no copy outlives the process that showed it (deleted
at shutdown; after a kill, the admins of a locked start are told, and an unlocked start deletes
them)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.devserver.server import FakeBotAPI
from tests.support.alerts import ADMIN, REPORTER, start
from tests.support.chat import User
from tests.support.process import RunningBot, StartBot

LINKS = "машины у выхода 2, подробности: https://evil.example/x, t.me/fake_bot, @fake_helpline"
LIVE = {"url", "email", "mention", "text_link", "text_mention"}


def copy_rows(bot: RunningBot) -> list[tuple[object, ...]]:
    with sqlite3.connect(bot.data_dir / "helpline.sqlite3") as db:
        return list(
            db.execute("SELECT moderator_ref, message_id, delete_after FROM moderator_copies")
        )


async def report_and_read(api: FakeBotAPI, admin: User) -> list[int]:
    reporter = User(api, REPORTER, "ru")
    await reporter.say("/report")
    await reporter.say("мск")
    await reporter.press("Метро")
    await reporter.press("Прямо сейчас")
    await reporter.say(LINKS)
    await reporter.press("Пропустить")
    await reporter.press("Пропустить")
    await reporter.press("Отправить")
    await reporter.press("Всё равно отправить")  # the @mention and t.me link warned about
    await admin.say("/queue")
    await admin.press("Москва")
    await admin.press("Прочитать")
    return [m.message_id for m in api.messages(ADMIN) if m.text and "evil" in m.text]


async def test_a_report_reaches_the_moderator_with_no_live_link(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin = User(api, ADMIN, "ru")
    await start(start_bot, ALERT_APPROVALS="1")
    shown = await report_and_read(api, admin)
    assert len(shown) == 1
    copy = next(m for m in api.messages(ADMIN) if m.message_id == shown[0])
    assert "evil[.]example" in (copy.text or "") and "[@]fake_helpline" in (copy.text or "")
    assert not LIVE & {e["type"] for e in copy.entities}, copy.entities
    assert copy.protect_content


async def test_no_decrypted_report_outlives_the_process_that_showed_it(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin = User(api, ADMIN, "ru")
    bot = await start(start_bot, ALERT_APPROVALS="1")
    shown = await report_and_read(api, admin)
    left = copy_rows(bot)
    assert left and shown  # the report, and what else the bot remembered to delete
    # A clean stop deletes every copy still shown, due or not (REPORT_VIEW_MINUTES is 30).
    assert await bot.stop() == 0
    assert copy_rows(bot) == []
    assert not any(m.message_id in shown for m in api.messages(ADMIN))

    # A process killed before it could: the row is still there at the next start.
    with sqlite3.connect(bot.data_dir / "helpline.sqlite3") as db:
        db.executemany("INSERT INTO moderator_copies VALUES (NULL, ?, ?, ?)", left)
    locked = await start_bot(wait_ready=True, ADMIN_IDS=str(ADMIN))  # no passphrase
    told = admin.last().visible_text
    assert "Бот заперт" in told or "заперт" in told
    assert f": {len(left)}." in told and "вручную" in told  # how many, what to do meanwhile
    assert await locked.stop() == 0
    assert len(copy_rows(locked)) == len(left)  # locked: the chat cannot be found, nothing is lost
    since = len(api.calls)
    bot = await start(start_bot, ALERT_APPROVALS="1")
    await api.wait_idle()
    assert copy_rows(bot) == []
    deletes = [c for c in api.calls[since:] if c.method == "deleteMessages"]
    assert deletes and str(deletes[0].params["chat_id"]) == str(ADMIN)
