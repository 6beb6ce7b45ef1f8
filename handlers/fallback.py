"""What is left after every feature router: a short hint, never silence in a private chat."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.i18n import Tr
from handlers.filters import has_text
from handlers.gates import GatedRouter


def build_router() -> Router:
    router = GatedRouter(name="fallback")
    router.message.register(unknown_text, has_text)
    router.message.register(unsupported)
    router.callback_query.register(stale_button)
    return router


async def unknown_text(message: Message, tr: Tr) -> None:
    await message.answer(tr("not-understood"))


async def unsupported(message: Message, tr: Tr) -> None:
    await message.answer(tr("unsupported-message"))


async def stale_button(query: CallbackQuery, tr: Tr) -> None:
    await query.answer(tr("button-expired"), show_alert=False)
