"""The main menu: one keyboard that every feature adds its entry to."""

from __future__ import annotations

import functools

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Tr, Translator


class Nav(CallbackData, prefix="nav"):
    """Navigation between top-level screens; `to` is a screen name, never user data."""

    to: str


# (screen, catalogue key of its button), in menu order. Features register their screens here.
MENU_ITEMS: tuple[tuple[str, str], ...] = (
    ("topics", "menu-faq"),
    ("check", "menu-check"),
    ("deadlines", "menu-deadlines"),
    ("documents", "menu-documents"),
    ("report", "menu-report"),
    ("alerts", "menu-alerts"),
    ("sos", "menu-sos"),
    ("privacy", "menu-privacy"),
    ("help", "menu-help"),
    ("language", "menu-language"),
)


def main_menu(tr: Tr, *, reports: bool = False) -> InlineKeyboardMarkup:
    """The same for everyone in a language, so built once per language and reused.

    "Report a raid" and "Alerts" are shown only when the instance has a keyring (reports are
    sealed to it, subscribers' chat ids are hidden with keys derived from it).
    """
    return _main_menu(tr.translator, tr.lang, reports)


@functools.cache
def _main_menu(translator: Translator, lang: str, reports: bool) -> InlineKeyboardMarkup:
    # Built directly: aiogram's keyboard builder deep-copies every button on export, which
    # made the menu the most expensive part of handling /start.
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=translator(lang, key), callback_data=Nav(to=screen).pack())]
            for screen, key in MENU_ITEMS
            if reports or screen not in ("report", "alerts")
        ]
    )


def home_row(tr: Tr) -> list[InlineKeyboardButton]:
    """The Home button every screen ends with."""
    return [_home_button(tr.translator, tr.lang)]


def home_only(tr: Tr) -> InlineKeyboardMarkup:
    """A keyboard with just the Home button (static screens: help, privacy, ...)."""
    return _home_only(tr.translator, tr.lang)


@functools.cache
def _home_button(translator: Translator, lang: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=translator(lang, "button-home"), callback_data=Nav(to="home").pack()
    )


@functools.cache
def _home_only(translator: Translator, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_home_button(translator, lang)]])
