"""Outer middlewares: in-flight accounting and the per-update language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from bot.i18n import Tr, Translator, pick_language
from bot.services.inflight import InFlight
from bot.services.preferences import LanguagePreferences

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class InFlightMiddleware(BaseMiddleware):
    """Counts running handlers so that shutdown can wait for them (see bot.services.inflight)."""

    def __init__(self, inflight: InFlight) -> None:
        self._inflight = inflight

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self._inflight.enter()
        try:
            return await handler(event, data)
        finally:
            self._inflight.leave()


class LanguageMiddleware(BaseMiddleware):
    """Sets `lang` and `tr`: the explicit choice, else Telegram's language, else the default."""

    def __init__(
        self, translator: Translator, preferences: LanguagePreferences, default: str
    ) -> None:
        self._translator = translator
        self._preferences = preferences
        self._default = default

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        lang = self._default
        if user is not None:
            lang = self._preferences.get(user.id) or pick_language(
                user.language_code, self._default
            )
        data["lang"] = lang
        data["tr"] = Tr(self._translator, lang)
        return await handler(event, data)
