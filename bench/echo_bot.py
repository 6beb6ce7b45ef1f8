"""The baseline for bench/updates.py: a bare aiogram echo bot, as in aiogram's own examples.

It replies once to any text, and answers a button with answerCallbackQuery plus one edit: the
least Telegram work each of the helpline's paths does.

Reads BOT_TOKEN and BOT_API_URL like the real bot, so both run against the same stand-in.
"""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["BOT_API_URL"]))
    bot = Bot(os.environ["BOT_TOKEN"], session=session)
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    @dispatcher.callback_query()
    async def button(query: CallbackQuery) -> None:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(query.data or "?")

    await dispatcher.start_polling(bot)


if __name__ == "__main__":
    asyncio.run(main())
