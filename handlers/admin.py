"""Admin commands. Non-admins get the same answer as for any unknown command."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.config import Settings
from bot.content.store import ContentStore
from bot.i18n import Tr
from handlers.filters import FromUser


def build_router(settings: Settings) -> Router:
    router = Router(name="admin")
    # Checked on the server for every message: the command menu only hides, it does not protect.
    router.message.filter(FromUser(settings.admin_ids))

    @router.message(Command("reload"))
    async def reload(message: Message, tr: Tr, content: ContentStore) -> None:
        problems = content.reload()
        if problems:
            await message.answer(tr("reload-failed", count=len(problems), first=problems[0]))
        else:
            await message.answer(tr("reload-ok", entries=len(content.current.faq.ids())))

    return router
