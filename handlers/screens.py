"""Showing a screen by editing the message the button was on, rather than flooding the chat."""

from __future__ import annotations

import functools
from collections.abc import Callable

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.i18n import Tr, Translator


async def show(
    query: CallbackQuery,
    text: str,
    markup: InlineKeyboardMarkup | None,
    *,
    toast: str | None = None,
) -> None:
    """Edit the button's message in place (or send a new one if it is too old or gone), then
    answer the button once, with `toast` if given: a query can be answered only once."""
    message = query.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest as exc:
            if "not modified" not in str(exc):
                await message.answer(text, reply_markup=markup)
    elif query.bot is not None:
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)
    await query.answer(toast)


def page_of(
    pages: list[str], page: int, tr: Tr, page_data: Callable[[int], str]
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    """One page of a long text with a "page i of n" line and Previous/Next buttons."""
    page = min(max(page, 0), len(pages) - 1)
    text = pages[page]
    if len(pages) == 1:
        return text, []
    text += "\n\n" + tr("faq-page", page=page + 1, pages=len(pages))
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(text=tr("faq-prev"), callback_data=page_data(page - 1)))
    if page < len(pages) - 1:
        nav.append(InlineKeyboardButton(text=tr("faq-next"), callback_data=page_data(page + 1)))
    return text, [nav]


def per_language(
    build: Callable[[Tr], InlineKeyboardMarkup],
) -> Callable[[Tr], InlineKeyboardMarkup]:
    """For a keyboard that is the same for everyone in a language: built once per language and
    reused (the session then prepares the reused object once as well). Never mutate its result."""

    @functools.cache
    def cached(translator: Translator, lang: str) -> InlineKeyboardMarkup:
        return build(Tr(translator, lang))

    @functools.wraps(build)
    def keyboard(tr: Tr) -> InlineKeyboardMarkup:
        return cached(tr.translator, tr.lang)

    return keyboard
