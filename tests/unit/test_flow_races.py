"""Two updates of one person at once, through the real dispatcher in-process: they take turns,
so the flow rule and the flows never act on a state another update is changing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey

from bot.app import App
from bot.devserver.server import FakeBotAPI
from handlers.flow import PAUSED, ChatTurns
from tests.support.fuzz import build_test_app, close_app, feed

PERSON = 5_912_345_678
MARKER = "секрет-гонки-31"


@pytest.fixture
async def app(api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[App]:
    built = await build_test_app(api, tmp_path / "data")
    api.add_user(PERSON, first_name="Racer", language_code="ru")
    try:
        yield built
    finally:
        await close_app(built)


async def say(app: App, api: FakeBotAPI, text: str) -> None:
    await feed(app, api.push_message(PERSON, text))


async def press(app: App, api: FakeBotAPI, label: str) -> None:
    message = next(m for m in reversed(api.messages(PERSON)) if m.buttons)
    flat = [b for row in message.buttons for b in row]
    index = next(i for i, b in enumerate(flat) if label in b.text)
    await feed(app, api.press_button(PERSON, message.message_id, index))


async def to_review(app: App, api: FakeBotAPI) -> None:
    await say(app, api, "/report")
    await say(app, api, "Питер")
    await press(app, api, "Метро")
    await press(app, api, "Прямо сейчас")
    await say(app, api, f"Проверяют документы, {MARKER}")
    await press(app, api, "Пропустить")
    await press(app, api, "Пропустить")
    assert "Проверьте сообщение" in api.messages(PERSON)[-1].visible_text


def key(app: App, destiny: str = "default") -> StorageKey:
    return StorageKey(bot_id=app.bot.id, chat_id=PERSON, user_id=PERSON, destiny=destiny)


def send_update(api: FakeBotAPI) -> dict[str, Any]:
    review = api.messages(PERSON)[-1]
    flat = [b for row in review.buttons for b in row]
    index = next(i for i, b in enumerate(flat) if "Отправить" in b.text)
    return api.press_button(PERSON, review.message_id, index)


async def test_a_detour_during_send_does_not_bring_the_sent_report_back(
    app: App, api: FakeBotAPI
) -> None:
    await to_review(app, api)
    send, sos = send_update(api), api.push_message(PERSON, "/sos")
    await asyncio.gather(feed(app, send), feed(app, sos))
    assert len(await app.reports._repo.all()) == 1
    assert await app.drafts.get_state(key(app, PAUSED)) is None  # nothing paused to send again
    assert not any(MARKER in m.visible_text for m in api.messages(PERSON))


async def test_two_detours_at_once_leave_one_continue_message(app: App, api: FakeBotAPI) -> None:
    await say(app, api, "/report")
    await say(app, api, "Питер")
    await asyncio.gather(
        feed(app, api.push_message(PERSON, "/sos")),
        feed(app, api.push_message(PERSON, "/privacy")),
    )
    offers = [m for m in api.messages(PERSON) if "незаконченная форма" in m.visible_text]
    assert len(offers) == 1
    await say(app, api, "/cancel")
    assert not [m for m in api.messages(PERSON) if "незаконченная форма" in m.visible_text]


async def test_cancel_during_send_is_not_undone(app: App, api: FakeBotAPI) -> None:
    await to_review(app, api)
    await asyncio.gather(feed(app, send_update(api)), say(app, api, "/cancel"))
    assert await app.drafts.get_state(key(app)) is None
    assert await app.drafts.get_state(key(app, PAUSED)) is None
    assert not any(MARKER in m.visible_text for m in api.messages(PERSON))


async def test_a_full_chat_queue_drops_more_updates() -> None:
    turns = ChatTurns(max_waiting=2)
    entered = [turns.enter(1) for _ in range(4)]
    assert [t is not None for t in entered] == [True, True, True, False]
    assert turns.enter(2) is not None  # another chat is not affected
    for turn in entered[:3]:
        assert turn is not None
        turns.leave(1, turn)
    assert len(turns) == 1  # only chat 2 still has an update in progress


async def test_clearing_nothing_evicts_nobody(app: App) -> None:
    drafts = app.drafts
    drafts.max_records = 1
    await drafts.set_state(key(app), "ReportForm:text")
    stranger = StorageKey(bot_id=app.bot.id, chat_id=1, user_id=1)
    await drafts.set_state(stranger, None)
    await drafts.set_data(stranger, {})
    assert await drafts.get_state(key(app)) == "ReportForm:text"
