"""The direct route: a message or a button press goes from the update to the router tree without
aiogram's empty layers in between.

Before a feature router sees a message, aiogram hands it down through layers that do nothing
for this bot but cost time on every update: the update observer's handler
(`Dispatcher._listen_update`, with its own middleware wrapping and argument filtering), then
each router on the way (the dispatcher, the private-chat router) copies the workflow data and
builds its middleware chain again with `functools.wraps`. Measured in-process, those layers cost
as much as answering a question, search included.

`DirectRoute`, the last outer middleware on the update observer, walks the same tree in the
same order with plain calls: for each router, its outer middlewares (the query throttle, the
flow rule), then its root filters and handlers through the router's own propagation, which for a
`GatedRouter` keeps the gates. The dispatcher's own observer is skipped only while it has no
handlers and no filters for the event; otherwise, and for every other kind of update, aiogram's
path runs unchanged. tests/unit/test_gates.py routes the same updates both ways.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiogram import Dispatcher, Router
from aiogram.dispatcher.event.bases import UNHANDLED, SkipHandler
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.types import TelegramObject, Update

from handlers.gates import GatedRouter

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

KINDS = ("message", "callback_query")  # what people send most; the rest keep aiogram's path


class DirectRoute:
    """Routes messages and button presses down the router tree without aiogram's wrappers.

    Must be the last outer middleware on `dispatcher.update` (what runs after it is skipped)."""

    def __init__(self, dispatcher: Dispatcher, kinds: Iterable[str] = KINDS) -> None:
        self._dispatcher = dispatcher
        self._kinds = frozenset(kinds)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        kind = self._kind(event)
        if kind is None:
            return await handler(event, data)
        assert isinstance(event, Update)
        data["event_update"] = event  # what Dispatcher._listen_update adds
        try:
            return await self._walk(self._dispatcher, kind, getattr(event, kind), data)
        except SkipHandler:  # aiogram's update observer treats it as "not handled"
            return UNHANDLED

    def _kind(self, event: TelegramObject) -> str | None:
        """The event's kind if this route can take it exactly as aiogram would, else None."""
        if not isinstance(event, Update):
            return None
        kind = "message" if event.message is not None else None
        if kind is None and event.callback_query is not None:
            kind = "callback_query"
        if kind not in self._kinds:
            return None
        dispatcher = self._dispatcher
        update = dispatcher.update
        # Only the dispatcher's own update handler, nothing around it (aiogram's default), and
        # no outer middleware after this one (it would be skipped).
        if len(update.handlers) != 1 or len(update.middleware) or update._handler.filters:
            return None
        if update.outer_middleware[-1] is not self:
            return None
        observer = dispatcher.observers[kind]
        if observer.handlers or observer._handler.filters:
            return None  # the dispatcher itself handles or filters this kind: aiogram's path
        return kind

    async def _walk(
        self, router: Router, kind: str, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        """Router.propagate_event: the router's outer middlewares around its propagation."""
        data["event_router"] = router
        observer = router.observers[kind]
        chain: Handler = functools.partial(self._inside, router, observer, kind)
        for middleware in reversed(list(observer.outer_middleware)):
            chain = functools.partial(middleware, chain)
        return await chain(event, data)

    async def _inside(
        self,
        router: Router,
        observer: TelegramEventObserver,
        kind: str,
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """Router._propagate_event. A router's own filters and handlers run through its own
        propagation; the dispatcher has none for this kind (checked in `_kind`), so the walk
        goes straight on to its sub-routers, each with a copy of the data as aiogram gives."""
        if router is not self._dispatcher:
            return await router._propagate_event(observer, kind, event, **data)
        raw_state = data.get("raw_state")
        for sub in router.sub_routers:
            if isinstance(sub, GatedRouter) and not sub.admits(kind, event, raw_state):
                continue
            response = await self._walk(sub, kind, event, {**data})
            if response is not UNHANDLED:
                return response
        return UNHANDLED
