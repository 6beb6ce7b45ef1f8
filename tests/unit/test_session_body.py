"""TolerantSession sends each request as one JSON body, with a reused keyboard's JSON made once:
the body must say exactly what aiogram's own preparation of the same method says."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiogram import Bot
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import BytesPayload

from bot.telegram.updates import TolerantSession, UpdateGate


def _keyboard(label: str = 'Вопросы «и» права \\ "') -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(text=f"{label} {i}", callback_data=f"nav:{i}")] for i in range(3)]
    rows.append([InlineKeyboardButton(text="сайт", url="https://example.org/a?b=c")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _reference(session: TolerantSession, bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any]:
    """aiogram's own preparation of every field, without any cache."""
    prepared = {
        key: session.prepare_value(value, bot=bot, files={}, _dumps_json=False)
        for key, value in method.model_dump(warnings=False).items()
    }
    return {key: value for key, value in prepared.items() if value is not None}


def _sent(session: TolerantSession, bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any]:
    payload = session.build_form_data(bot, method)
    assert isinstance(payload, BytesPayload)
    assert payload.content_type == "application/json"
    body: dict[str, Any] = json.loads(payload._value)
    return body


KEYBOARD = _keyboard()
METHODS: list[TelegramMethod[Any]] = [
    SendMessage(chat_id=1, text="привет <b>мир</b>", reply_markup=KEYBOARD),
    SendMessage(chat_id=2, text="no keyboard", disable_notification=True),
    EditMessageText(chat_id=3, message_id=4, text="edited", reply_markup=KEYBOARD),
    AnswerCallbackQuery(callback_query_id="q", text="toast", show_alert=True),
    AnswerCallbackQuery(callback_query_id="q"),
]


@pytest.mark.parametrize("method", METHODS)
async def test_the_body_is_what_aiogram_prepares(method: TelegramMethod[Any]) -> None:
    session = TolerantSession(UpdateGate())
    bot = Bot("1:test", session=session)
    try:
        first = _sent(session, bot, method)
        again = _sent(session, bot, method)  # the keyboard from the cache this time
        assert first == again == _reference(session, bot, method)
    finally:
        await session.close()


async def test_a_new_keyboard_object_is_prepared_anew() -> None:
    session = TolerantSession(UpdateGate())
    bot = Bot("1:test", session=session)
    try:
        _sent(session, bot, SendMessage(chat_id=1, text="a", reply_markup=_keyboard("one")))
        fresh = SendMessage(chat_id=1, text="a", reply_markup=_keyboard("two"))
        assert _sent(session, bot, fresh) == _reference(session, bot, fresh)
    finally:
        await session.close()
