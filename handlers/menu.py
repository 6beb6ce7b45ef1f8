"""The main menu: one keyboard that every feature adds its entry to."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Tr


class Nav(CallbackData, prefix="nav"):
    """Navigation between top-level screens; `to` is a screen name, never user data."""

    to: str


# (screen, catalogue key of its button), in menu order. Features register their screens here.
MENU_ITEMS: tuple[tuple[str, str], ...] = (
    ("topics", "menu-faq"),
    ("check", "menu-check"),
    ("sos", "menu-sos"),
    ("privacy", "menu-privacy"),
    ("help", "menu-help"),
    ("language", "menu-language"),
)


def main_menu(tr: Tr) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for screen, key in MENU_ITEMS:
        builder.button(text=tr(key), callback_data=Nav(to=screen))
    builder.adjust(1)
    return builder.as_markup()


def home_row(tr: Tr) -> list[InlineKeyboardButton]:
    """The Home button every screen ends with."""
    return [InlineKeyboardButton(text=tr("button-home"), callback_data=Nav(to="home").pack())]
