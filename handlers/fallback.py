"""What is left after every feature router: a short hint, never silence in a private chat."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.i18n import Tr
from handlers.filters import has_text


def build_router() -> Router:
    router = Router(name="fallback")

    @router.message(has_text)
    async def unknown_text(message: Message, tr: Tr) -> None:
        await message.answer(tr("not-understood"))

    @router.message()
    async def unsupported(message: Message, tr: Tr) -> None:
        await message.answer(tr("unsupported-message"))

    @router.callback_query()
    async def stale_button(query: CallbackQuery, tr: Tr) -> None:
        await query.answer(tr("button-expired"), show_alert=False)

    return router
