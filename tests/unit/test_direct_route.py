"""The direct route (handlers.direct_route) routes exactly as aiogram does.

The same updates go through a real Dispatcher shaped like the app's (an outer middleware on the
dispatcher's message and button observers, a private-chat router with a root filter and its own
outer middleware, gated feature routers, a fallback, other routers after it) once with aiogram's
own propagation and once with `DirectRoute` last on the update observer. What ran, in which
order, and what each handler saw (its router, the update, data set by a middleware) must be
the same. The app's own dispatcher must end with the route.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, StateFilter
from aiogram.fsm.state import State
from aiogram.types import Message, TelegramObject, Update

from bot.devserver.server import FakeBotAPI
from handlers.direct_route import DirectRoute
from handlers.gates import GatedRouter, install_gates
from tests.support.fuzz import build_test_app, close_app
from tests.unit.test_gates import CASES, USER, Form, GoCb, PickCb, _button, _message, _update

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class Trace(BaseMiddleware):
    """Records that it ran and leaves a mark in the data the handlers see."""

    def __init__(self, name: str, ran: list[str], *, refuse: str | None = None) -> None:
        self.name = name
        self.ran = ran
        self.refuse = refuse  # a text this middleware answers itself (as the throttle does)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self.ran.append(f"{self.name}:in")
        if self.refuse is not None and isinstance(event, Message) and event.text == self.refuse:
            self.ran.append(f"{self.name}:refused")
            return "refused"
        data[f"mark_{self.name}"] = True
        try:
            return await handler(event, data)
        finally:
            self.ran.append(f"{self.name}:out")


async def in_private(message: Message) -> bool:
    return message.chat.type == "private"


def _tree(ran: list[str], *, direct: bool) -> Dispatcher:
    def record(name: str, *, skip: bool = False) -> Callable[..., Awaitable[str]]:
        async def handler(event: TelegramObject, **data: Any) -> str:
            router = data["event_router"].name
            marks = sorted(key for key in data if key.startswith("mark_"))
            update = isinstance(data.get("event_update"), Update)
            ran.append(f"{name} in {router} {marks} update={update}")
            if skip:
                raise SkipHandler
            return name

        return handler

    commands = GatedRouter(name="commands")
    commands.message.register(record("hello"), Command("hello"))
    commands.message.register(record("skipped"), Command("skip"))  # raises SkipHandler
    commands.message.register(record("name-given"), StateFilter(Form.name))
    commands.callback_query.register(record("pick"), PickCb.filter())
    commands.callback_query.register(record("go-a"), GoCb.filter())
    texts = GatedRouter(name="texts")
    texts.message.register(record("text"), StateFilter(None))
    fallback = GatedRouter(name="fallback")
    fallback.message.register(record("fallback"))
    fallback.callback_query.register(record("stale"))
    private = GatedRouter(name="private")
    private.message.filter(in_private)
    private.message.outer_middleware(Trace("flows", ran))
    private.callback_query.outer_middleware(Trace("flows", ran))
    private.include_routers(commands, texts, fallback)
    install_gates(private)
    # After the private router: a router that takes what the private one turned away.
    groups = Router(name="groups")
    groups.message.register(record("group"))
    commands.message.handlers[1].callback = record("skipped", skip=True)
    dispatcher = Dispatcher()
    dispatcher.update.outer_middleware(Trace("context", ran))
    dispatcher.message.outer_middleware(Trace("throttle", ran, refuse="flood"))
    dispatcher.include_routers(private, groups)
    if direct:
        dispatcher.update.outer_middleware(DirectRoute(dispatcher))
    return dispatcher


async def _run(raw: dict[str, Any], state: State | None, *, direct: bool) -> tuple[list[str], Any]:
    ran: list[str] = []
    dispatcher = _tree(ran, direct=direct)
    bot = Bot("1:test")
    try:
        if state is not None:
            await dispatcher.fsm.get_context(bot, USER, USER).set_state(state)
        update = Update.model_validate(raw, context={"bot": bot})
        result = await dispatcher.feed_update(bot, update)
    finally:
        await bot.session.close()
    return ran, result


def _group(text: str) -> dict[str, Any]:
    raw = _message(text)
    raw["message"]["chat"] = {"id": -100, "type": "supergroup", "title": "g"}
    return raw


def _edited(text: str) -> dict[str, Any]:
    return _update(edited_message=_message(text)["message"])


MORE_CASES = [
    (_message("/skip"), None),  # SkipHandler: the next handler (free text) takes it
    (_message("flood"), None),  # answered by the dispatcher-level middleware itself
    (_group("in a group"), None),  # the private router's filter refuses: the next router
    (_group("/hello"), None),
    (_edited("edited"), None),  # not a kind the route takes: aiogram's path
    (_button(GoCb(to="a").pack()), Form.name),
]


@pytest.mark.parametrize(("raw", "state"), [(raw, state) for raw, state, _ in CASES] + MORE_CASES)
async def test_the_direct_route_is_aiogram_routing(
    raw: dict[str, Any], state: State | None
) -> None:
    expected = await _run(raw, state, direct=False)
    assert expected[0], "the case must reach something"
    assert await _run(raw, state, direct=True) == expected


async def test_it_steps_aside_for_what_it_cannot_walk_exactly() -> None:
    """A handler on the dispatcher itself, or an update middleware after the route: aiogram's
    path, so that neither is skipped."""
    ran: list[str] = []
    dispatcher = _tree(ran, direct=True)

    async def own(message: Message) -> str:
        ran.append("dispatcher's own")
        return "own"

    dispatcher.message.register(own, Command("mine"))
    bot = Bot("1:test")
    try:
        update = Update.model_validate(_message("/mine"), context={"bot": bot})
        assert await dispatcher.feed_update(bot, update) == "own"
        dispatcher.update.outer_middleware(Trace("late", ran))
        ran.clear()
        update = Update.model_validate(_message("hi"), context={"bot": bot})
        assert await dispatcher.feed_update(bot, update) == "text"
        assert "late:in" in ran
    finally:
        await bot.session.close()


async def test_the_app_routes_directly(api: FakeBotAPI, tmp_path: Path) -> None:
    """The route is the app's last update middleware (anything after it would be skipped)."""
    app = await build_test_app(api, tmp_path / "data", keyring=False)
    try:
        middlewares = list(app.dispatcher.update.outer_middleware)
        assert isinstance(middlewares[-1], DirectRoute)
        assert sum(isinstance(m, DirectRoute) for m in middlewares) == 1
    finally:
        await close_app(app)


# DirectRoute reproduces Router.propagate_event and what Dispatcher._listen_update adds. If
# aiogram changes either, this fails: check the route against the new code, then the hashes.
AIOGRAM_SOURCES_SHA256 = {
    "propagate_event": "78ee00b916f43e055d2ef074978ae7a6703fe3cb50155e7d046f9852dd3a9908",
    "_listen_update": "1d7b85fb78b6763a654f7db7f2016a120ae3a8fad972e4f1f362216e7a71a1fa",
}


def test_the_reproduced_aiogram_code_is_unchanged() -> None:
    sources = {
        "propagate_event": inspect.getsource(Router.propagate_event),
        "_listen_update": inspect.getsource(Dispatcher._listen_update),
    }
    digests = {name: hashlib.sha256(s.encode()).hexdigest() for name, s in sources.items()}
    assert digests == AIOGRAM_SOURCES_SHA256
