"""Nothing on disk links a reporter, through the real app in-process: the queue counts people
from memory, says after a restart that it cannot know and why, and flags a report whose stored
group was changed after it was sent."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.devserver.server import FakeBotAPI
from bot.services import reports as reports_module
from handlers.report import handlers as report_handlers
from tests.support.chat import User
from tests.support.keys import PASSPHRASE
from tests.support.process import RunningBot, StartBot
from tests.support.reports import fill_form

ADMIN = 5_100_000_001
ANNA, BORIS = 5_400_000_011, 5_400_000_022
MARKER = "связь-маркер-9d"


async def send_report(user: User, number: int) -> None:
    await fill_form(user, f"Сообщение {number}, {MARKER}", region="мск", extras=False, send=True)


def execute(bot: RunningBot, sql: str) -> None:
    with sqlite3.connect(bot.data_dir / "helpline.sqlite3", timeout=10) as db:
        db.execute(sql)


async def start(start_bot: StartBot) -> RunningBot:
    """The bot with the test keyring (the `keyring_dir` fixture puts it in the data directory)."""
    return await start_bot(KEY_PASSPHRASE=PASSPHRASE, ADMIN_IDS=str(ADMIN), REPORTS_PER_HOUR="5")


async def test_the_queue_counts_people_and_after_a_restart_says_it_cannot_know(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin, anna, boris = User(api, ADMIN, "en"), User(api, ANNA, "ru"), User(api, BORIS, "ru")
    bot = await start(start_bot)
    for user, number in ((anna, 1), (anna, 2), (boris, 3)):
        await send_report(user, number)
    await admin.say("/queue")
    assert "· 3 rep. / 2 people" in " ".join(admin.labels())
    group = await admin.press("Moscow ·")
    assert "from 2 independent reporters" in group.visible_text

    assert await bot.stop() == 0
    bot = await start(start_bot)  # a new process on the same data directory
    await admin.say("/queue")
    assert "· 3 rep. / people: ?" in " ".join(admin.labels())
    group = await admin.press("Moscow ·")
    text = group.visible_text
    assert "independent reporters: unknown" in text
    assert "held only in the bot's memory, so that the disk never links reports" in text
    assert "starts again from zero for reports that arrive from now on" in text

    ru = User(api, ADMIN, "ru")
    await ru.say("/language")
    await ru.press("Русский")
    await ru.say("/queue")
    assert "сообщ. 3 / людей: ?" in " ".join(ru.labels())
    group = await ru.press("Москва ·")
    assert "независимых авторов: неизвестно" in group.visible_text
    assert "только в оперативной памяти, чтобы на диске ничто не связывало" in group.visible_text
    # A draft from a group of unknown reporters is never "corroborated".
    card = await ru.press("Составить предупреждение")
    assert "Одно сообщение, не подтверждено." in card.visible_text


async def test_a_report_moved_to_another_group_is_flagged_when_read(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin, anna = User(api, ADMIN, "en"), User(api, ANNA, "ru")
    bot = await start(start_bot)
    await send_report(anna, 1)
    await send_report(anna, 2)
    # Someone with the disk moves one report to another region (to fake a second one there).
    execute(bot, "UPDATE reports SET region = 'spb' WHERE rowid = (SELECT min(rowid) FROM reports)")
    await admin.say("/queue")
    await admin.press("St Petersburg ·")
    await admin.press("Read the reports")
    [moved] = [m for m in api.messages(ADMIN) if MARKER in m.visible_text]
    assert "Сообщение 1" in moved.visible_text
    assert "changed after it was sent: do not take it as genuine" in moved.visible_text
    assert "It was sent as: moscow · Metro, station · Right now" in moved.visible_text
    await admin.say("/queue")
    await admin.press("Moscow ·")
    await admin.press("Read the reports")
    [genuine] = [m for m in api.messages(ADMIN) if "Сообщение 2" in m.visible_text]
    assert "changed after it was sent" not in genuine.visible_text


async def test_the_form_warns_about_current_location_and_keeps_a_draft_that_does_not_fit(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = User(api, ANNA, "en")
    await start(start_bot)
    await user.say("/report")
    await user.say("Moscow")
    await user.press("Metro")
    await user.press("Right now")
    await user.say(f"Checks at the south exit, {MARKER}. " + "Two vans. " * 30)
    # A photo whose file id would not fit the one sealed size is refused at once.
    monkeypatch.setattr(report_handlers, "PHOTO_ID_LIMIT", 5)
    refused = await user.say(photo=True)
    assert "This photo cannot be attached" in refused.visible_text
    assert "Skip" in " ".join(user.labels(refused))
    monkeypatch.undo()
    prompt = await user.press("Skip")
    assert "Step 6 of 6" in prompt.visible_text
    assert "sends where you are standing now" in prompt.visible_text
    assert "pick a point on the map near the place" in prompt.visible_text
    review = await user.say(location=(55.7558, 37.6173))
    assert "Location: yes" in review.visible_text
    # Whatever does not fit at Send (here: a report size made too small) keeps the draft.
    monkeypatch.setattr(reports_module, "REPORT_PADDED_SIZE", 256)
    await user.press("Send")
    toast = api.calls_for("answerCallbackQuery")[-1].params
    assert "too large to send as it is" in str(toast.get("text"))
    assert "Check your report" in user.last().visible_text  # the draft is still there
    monkeypatch.undo()
    done = await user.press("Send")
    assert "received" in done.visible_text.lower() or "thank" in done.visible_text.lower()
