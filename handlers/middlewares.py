"""Outer middlewares: what every update needs before routing, and the query throttle."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineQuery, InlineQueryResultsButton, Message, TelegramObject, User

from bot.crypto.sealing import EpochTagger
from bot.i18n import Tr, Translator, pick_language
from bot.services.limits import DEFAULT_MAX_ENTRIES, LimiterFull, SlidingLimiter
from bot.services.preferences import LanguagePreferences
from bot.services.reports import DAY_SECONDS
from bot.telegram.health import UpdateCounter
from bot.telegram.inflight import InFlight
from bot.telegram.live_data import LiveWorkflowData
from bot.telegram.updates import SkippedUpdate
from handlers.filters import command_name
from handlers.flow import FlowRule, track_message

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UserLanguage:
    """The language a person is answered in: their explicit choice, else Telegram's language,
    else the default."""

    def __init__(
        self, translator: Translator, preferences: LanguagePreferences, default: str
    ) -> None:
        self.translator = translator
        self._preferences = preferences
        self._default = default

    def of(self, user: User | None) -> str:
        if user is None:
            return self._default
        return self._preferences.get(user.id) or pick_language(user.language_code, self._default)


class UpdateContext(BaseMiddleware):
    """What every update needs before routing, in one outer middleware: aiogram wraps each
    middleware again on every update, so five small ones cost more than their work.

    - A `SkippedUpdate` (the library could not parse it) stops here (bot.telegram.updates).
    - The workflow data that may change while the bot runs is read afresh
      (bot.telegram.live_data).
    - The update counts as in flight until it is handled, so shutdown can wait for it
      (bot.telegram.inflight).
    - `lang` and `tr` are set (`UserLanguage`).
    - The health counter hears of it (bot.telegram.health).
    """

    def __init__(
        self,
        live: LiveWorkflowData,
        inflight: InFlight,
        language: UserLanguage,
        counter: UpdateCounter,
    ) -> None:
        self._live = live
        self._inflight = inflight
        self._language = language
        self._counter = counter

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, SkippedUpdate):
            return UNHANDLED
        self._live.apply(data)
        self._inflight.enter()
        try:
            user: User | None = data.get("event_from_user")
            lang = self._language.of(user)
            data["lang"] = lang
            data["tr"] = Tr(self._language.translator, lang)
            self._counter.count(user, lang)
            return await handler(event, data)
        finally:
            self._inflight.leave()


class QueryThrottleMiddleware(BaseMiddleware):
    """At most QUERIES_PER_MINUTE messages and inline queries a person a minute.

    Free text is what costs CPU (search, region matching), and every other message gets a reply
    too; commands and buttons are cheap and stay free, so /cancel and /sos always work. Over the
    limit, the first refusal in a window is answered politely and the rest are dropped without a
    reply, so that a flood costs the bot almost nothing and never turns into a flood of replies.
    Inside a report form, a refused message and the refusal are remembered with the form, which
    deletes them when it ends. People are counted under an in-memory daily tag, never an id;
    when the table of people is full, everyone new is told the bot is busy (forgetting someone
    would let them flood again).
    """

    def __init__(
        self,
        per_minute: int,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        rule: FlowRule | None = None,
    ) -> None:
        self._rule = rule
        self._tagger = EpochTagger(DAY_SECONDS)
        self._limiter = SlidingLimiter(per_minute, 60, max_entries=max_entries)
        self._told = SlidingLimiter(1, 60, max_entries=max_entries)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Message):
            if event.chat.type != "private" or command_name(event) is not None:
                return await handler(event, data)
        elif not isinstance(event, InlineQuery):
            return await handler(event, data)
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        tag = self._tagger.tag(user.id)
        try:
            wait = self._limiter.reserve(tag)
        except LimiterFull:
            wait = -1
        if wait == 0:
            return await handler(event, data)
        tr: Tr = data["tr"]
        text = tr("busy") if wait < 0 else tr("throttled", seconds=wait)
        if isinstance(event, InlineQuery):
            # Inline answers appear in no chat: each gets its polite, empty answer.
            await event.answer(
                [],
                cache_time=5,
                is_personal=True,
                button=InlineQueryResultsButton(text=text[:64], start_parameter="throttled"),
            )
            return UNHANDLED
        flow = self._rule.of_state(data.get("raw_state")) if self._rule else None
        state: FSMContext | None = data.get("state")
        form = state if flow is not None and flow.deletes_messages else None
        if form is not None:
            await track_message(form, event)
        try:
            first = self._told.reserve(tag) == 0
        except LimiterFull:
            first = True
        if first:
            sent = await event.answer(text)
            if form is not None:
                await track_message(form, sent)
        return UNHANDLED
