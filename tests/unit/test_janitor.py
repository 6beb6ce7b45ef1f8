"""The message janitor deletes what is due, at once at its cap, and everything at shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.devserver.server import FakeBotAPI
from bot.telegram.janitor import MessageJanitor

USER = 5_123_456_789


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
    bot = Bot(api.token, session=session)
    yield bot
    await bot.session.close()


async def sent(api: FakeBotAPI, bot: Bot, count: int) -> list[int]:
    return [(await bot.send_message(USER, f"m{i}")).message_id for i in range(count)]


def alive(api: FakeBotAPI) -> list[int]:
    return [m.message_id for m in api.messages(USER)]


async def test_deletes_when_due_and_not_before(api: FakeBotAPI, bot: Bot) -> None:
    api.add_user(USER)
    janitor = MessageJanitor(bot)
    janitor.start()
    first, second = await sent(api, bot, 2)
    janitor.schedule(USER, [second], 0.6)
    janitor.schedule(USER, [first], 0.1)
    await asyncio.sleep(0.35)
    assert alive(api) == [second]
    await asyncio.sleep(0.5)
    assert alive(api) == []
    await janitor.stop()


async def test_at_the_cap_it_refuses_and_everything_pending_goes_at_shutdown(
    api: FakeBotAPI, bot: Bot
) -> None:
    api.add_user(USER)
    janitor = MessageJanitor(bot, max_pending=2)
    janitor.start()
    ids = await sent(api, bot, 3)
    assert janitor.schedule(USER, [ids[0]], 3600)
    assert janitor.schedule(USER, [ids[1]], 3600)
    assert not janitor.schedule(USER, [ids[2]], 3600)  # the caller deletes it now instead
    assert len(janitor) == 2
    await janitor.stop()  # what is still pending goes at shutdown
    assert alive(api) == [ids[2]]
