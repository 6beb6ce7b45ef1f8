"""Telegram housekeeping: command menus (public commands for everyone, more for moderators
and admins) and deleting messages from a chat.

Menus only hide commands; every command checks the role on the server. Moderator and admin
menus are scoped to their private chats, so nobody else ever sees those commands.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.i18n import LANGUAGES, Tr, Translator

# (command, catalogue key of its description), in menu order.
PUBLIC_COMMANDS = (
    ("start", "cmd-start"),
    ("sos", "cmd-sos"),
    ("help", "cmd-help"),
    ("privacy", "cmd-privacy"),
    ("report", "cmd-report"),
    ("alerts", "cmd-alerts"),
    ("verify", "cmd-verify"),
    ("documents", "cmd-documents"),
    ("deadlines", "cmd-deadlines"),
    ("language", "cmd-language"),
    ("cancel", "cmd-cancel"),
)
MODERATOR_COMMANDS = (("queue", "cmd-queue"), ("stats", "cmd-stats"))
ADMIN_COMMANDS = (
    ("announce", "cmd-announce"),
    ("invite", "cmd-invite"),
    ("moderators", "cmd-moderators"),
    ("reload", "cmd-reload"),
    ("panic", "cmd-panic"),
)


def _menu(texts: Tr, *groups: tuple[tuple[str, str], ...]) -> list[BotCommand]:
    return [BotCommand(command=c, description=texts(key)) for group in groups for c, key in group]


async def set_commands(
    bot: Bot,
    translator: Translator,
    default_language: str,
    admin_ids: frozenset[int] = frozenset(),
    moderator_chats: list[int] | None = None,
) -> None:
    """Register the menus per language, and for clients in any other language."""
    for lang in (*LANGUAGES, None):
        texts = Tr(translator, lang or default_language)
        await bot.set_my_commands(
            _menu(texts, PUBLIC_COMMANDS), scope=BotCommandScopeDefault(), language_code=lang
        )
        admin = _menu(texts, PUBLIC_COMMANDS, MODERATOR_COMMANDS, ADMIN_COMMANDS)
        for admin_id in sorted(admin_ids):
            await bot.set_my_commands(
                admin, scope=BotCommandScopeChat(chat_id=admin_id), language_code=lang
            )
    for chat_id in moderator_chats or []:
        if chat_id not in admin_ids:
            await show_moderator_menu(bot, chat_id, translator, default_language)


async def show_moderator_menu(
    bot: Bot, chat_id: int, translator: Translator, default_language: str = "ru"
) -> None:
    for lang in (*LANGUAGES, None):
        texts = Tr(translator, lang or default_language)
        try:
            await bot.set_my_commands(
                _menu(texts, PUBLIC_COMMANDS, MODERATOR_COMMANDS),
                scope=BotCommandScopeChat(chat_id=chat_id),
                language_code=lang,
            )
        except TelegramAPIError:
            return  # the moderator blocked the bot; their menu does not matter then


async def delete_messages(bot: Bot, chat_id: int, message_ids: list[int]) -> None:
    """Delete messages in one chat, 100 a request; ones too old or gone are skipped."""
    for start in range(0, len(message_ids), 100):
        try:
            await bot.delete_messages(chat_id, message_ids[start : start + 100])
        except TelegramAPIError:
            continue


async def hide_moderator_menu(bot: Bot, chat_id: int) -> None:
    for lang in (*LANGUAGES, None):
        try:
            await bot.delete_my_commands(
                scope=BotCommandScopeChat(chat_id=chat_id), language_code=lang
            )
        except TelegramAPIError:
            return
