"""/language: switch between Russian and English (remembered in memory only)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.i18n import LANGUAGES, Tr, Translator
from bot.services.preferences import LanguagePreferences
from bot.services.subscriptions import SubscriptionService
from handlers.callbacks import ExactButton
from handlers.gates import GatedRouter
from handlers.menu import Nav, home_row
from handlers.screens import show


class SetLanguage(CallbackData, prefix="lang"):
    code: str


def build_router() -> Router:
    router = GatedRouter(name="language")
    router.message.register(choose, Command("language"))
    router.callback_query.register(choose_from_menu, ExactButton(Nav(to="language")))
    router.callback_query.register(
        switch, ExactButton(*(SetLanguage(code=code) for code in LANGUAGES))
    )
    return router


async def choose(message: Message, tr: Tr) -> None:
    await message.answer(tr("language-choose"), reply_markup=_keyboard(tr))


async def choose_from_menu(query: CallbackQuery, tr: Tr) -> None:
    await show(query, tr("language-choose"), _keyboard(tr))


async def switch(
    query: CallbackQuery,
    callback_data: SetLanguage,
    translator: Translator,
    language_preferences: LanguagePreferences,
    subscriptions: SubscriptionService,
) -> None:
    language_preferences.set(query.from_user.id, callback_data.code)
    # Alerts already subscribed to arrive in the new language from now on.
    await subscriptions.set_language(query.from_user.id, callback_data.code)
    tr = Tr(translator, callback_data.code)
    await show(query, tr("language-switched"), InlineKeyboardMarkup(inline_keyboard=[home_row(tr)]))


def _keyboard(tr: Tr) -> InlineKeyboardMarkup:
    row = [
        InlineKeyboardButton(
            text=tr(f"language-name-{code}"), callback_data=SetLanguage(code=code).pack()
        )
        for code in LANGUAGES
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row, home_row(tr)])
