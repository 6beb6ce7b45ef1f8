"""/sos — the emergency card for someone stopped right now — and /privacy."""

from __future__ import annotations

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import (
    CallbackQuery,
    CopyTextButton,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    SwitchInlineQueryChosenChat,
)

from bot.config import Settings
from bot.content.emergency import SOS_INLINE_QUERY, Emergency, render_card, share_link
from bot.content.store import ContentStore
from bot.i18n import Tr
from bot.protection import Protection
from handlers.callbacks import ExactButton
from handlers.faq import EntryCb
from handlers.gates import GatedRouter
from handlers.menu import Nav, home_only, home_row
from handlers.screens import show


def build_router() -> Router:
    router = GatedRouter(name="sos")
    router.message.register(sos, Command("sos"))
    router.callback_query.register(sos_from_menu, ExactButton(Nav(to="sos")))
    router.message.register(privacy, Command("privacy"))
    router.callback_query.register(privacy_from_menu, ExactButton(Nav(to="privacy")))
    return router


async def sos(message: Message, tr: Tr, content: ContentStore, settings: Settings) -> None:
    text, markup = sos_screen(tr, content, settings.backup_bot, await _inline_mode(message))
    await message.answer(text, reply_markup=markup)


async def sos_from_menu(
    query: CallbackQuery, tr: Tr, content: ContentStore, settings: Settings
) -> None:
    text, markup = sos_screen(tr, content, settings.backup_bot, await _inline_mode(query))
    await show(query, text, markup)


async def privacy(message: Message, tr: Tr, protection: Protection) -> None:
    await message.answer(privacy_text(tr, protection), reply_markup=home_only(tr))


async def privacy_from_menu(query: CallbackQuery, tr: Tr, protection: Protection) -> None:
    await show(query, privacy_text(tr, protection), home_only(tr))


def privacy_text(tr: Tr, protection: Protection) -> str:
    """What is stored, for how long and how it is protected in the mode this instance runs in:
    a promise stronger than the mode keeps would put people at risk."""
    return tr("privacy-text", **protection.args())


async def _inline_mode(event: Message | CallbackQuery) -> bool:
    """Whether inline mode is on in BotFather: only then is a button that opens it offered
    (getMe is cached; if it cannot be had, the card goes out without that button)."""
    if event.bot is None:
        return False
    try:
        me = await event.bot.me()
    except TelegramAPIError:
        return False
    return bool(me.supports_inline_queries)


def sos_screen(
    tr: Tr, content: ContentStore, backup_bot: str | None = None, inline_mode: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """The card; with BACKUP_BOT, the backup bot's name last (this bot's own words, so a live
    name: people stopped right now may need it when this bot is blocked)."""
    current = content.current
    text = render_card(current.emergency, current.contacts, tr, tr.lang)
    if backup_bot is not None:
        text += "\n\n" + tr("sos-backup-bot", bot=f"@{backup_bot}")
    rows = _act_rows(current.emergency, tr, inline_mode)
    for entry_id in current.emergency.entries:
        entry = current.faq.entry(tr.lang, entry_id)
        if entry is not None:
            rows.append(
                [InlineKeyboardButton(text=entry.title, callback_data=EntryCb(id=entry.id).pack())]
            )
    rows.append(home_row(tr))
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def _act_rows(card: Emergency, tr: Tr, inline_mode: bool) -> list[list[InlineKeyboardButton]]:
    """The message to someone he trusts (a share link: sent from his own account, no "via
    @bot"; or through inline mode for those who want the bot's name on it), then one copy
    button per phrase to say to officers. Nothing here is stored or asks where he is."""
    rows = [
        [InlineKeyboardButton(text=tr("sos-share-button"), url=share_link(card.share[tr.lang]))]
    ]
    if inline_mode:
        chosen = SwitchInlineQueryChosenChat(
            query=SOS_INLINE_QUERY, allow_user_chats=True, allow_group_chats=True
        )
        rows.append(
            [
                InlineKeyboardButton(
                    text=tr("sos-share-inline-button"), switch_inline_query_chosen_chat=chosen
                )
            ]
        )
    for phrase in card.phrases:
        rows.append(
            [
                InlineKeyboardButton(
                    text=phrase.labels[tr.lang], copy_text=CopyTextButton(text=phrase.say)
                )
            ]
        )
    return rows
