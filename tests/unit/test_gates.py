"""Router gates (handlers.gates): a gate only turns away what no handler of its router takes.

The routing must be exactly aiogram's: the same handler answers every update with or without
gates. These tests feed real updates through a real Dispatcher (the handlers record what ran and
make no Bot API call), and check the app's own routers are all gated.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject, Update

from handlers.callbacks import ExactButton
from handlers.gates import (
    CLOSED,
    MAX_MESSAGE_ROUTES,
    ButtonGate,
    GatedRouter,
    MessageGate,
    install_gates,
)

USER = 5


class Form(StatesGroup):
    name = State()


class PickCb(CallbackData, prefix="pick"):
    value: str


class GoCb(CallbackData, prefix="go"):  # a menu factory whose buttons live in several routers
    to: str


def _update(**event: Any) -> dict[str, Any]:
    return {"update_id": 1, **event}


def _message(text: str | None = None, caption: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": USER, "type": "private"},
        "from": {"id": USER, "is_bot": False, "first_name": "a"},
    }
    if text is not None:
        body["text"] = text
    if caption is not None:
        body["caption"] = caption
        body["photo"] = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
    return _update(message=body)


def _button(data: str) -> dict[str, Any]:
    message = _message("menu")["message"]
    return _update(
        callback_query={
            "id": "q",
            "from": message["from"],
            "chat_instance": "c",
            "message": message,
            "data": data,
        }
    )


def _tree(router_class: type[Router], ran: list[str]) -> Dispatcher:
    """Commands, a state, buttons, free text and a fallback, in aiogram's usual layout."""

    def record(name: str) -> Callable[..., Awaitable[None]]:
        async def handler(event: TelegramObject) -> None:
            ran.append(name)

        return handler

    commands = router_class(name="commands")
    commands.message.register(record("hello"), Command("hello"))
    commands.message.register(record("name-given"), StateFilter(Form.name))
    commands.callback_query.register(record("pick"), PickCb.filter())
    commands.callback_query.register(record("go-a"), ExactButton(GoCb(to="a")))
    buttons_only = router_class(name="buttons-only")
    buttons_only.callback_query.register(record("other"), PickCb.filter())
    buttons_only.callback_query.register(record("go-b"), ExactButton(GoCb(to="b"), GoCb(to="c")))
    texts = router_class(name="texts")
    texts.message.register(record("text"), StateFilter(None))
    fallback = router_class(name="fallback")
    fallback.message.register(record("fallback"))
    fallback.callback_query.register(record("stale"))
    root = router_class(name="root")
    root.include_routers(commands, buttons_only, texts, fallback)
    install_gates(root)
    dispatcher = Dispatcher()
    dispatcher.include_router(root)
    return dispatcher


async def _route(router_class: type[Router], raw: dict[str, Any], state: State | None) -> list[str]:
    ran: list[str] = []
    dispatcher = _tree(router_class, ran)
    bot = Bot("1:test")
    try:
        if state is not None:
            await dispatcher.fsm.get_context(bot, USER, USER).set_state(state)
        update = Update.model_validate(raw, context={"bot": bot})
        await dispatcher.feed_update(bot, update)
    finally:
        await bot.session.close()
    return ran


CASES = [
    (_message("/hello"), None, ["hello"]),
    (_message("/hello there"), None, ["hello"]),
    (_message("/HELLO"), None, ["text"]),  # the gate admits it; aiogram's Command decides
    (_message(caption="/hello"), None, ["hello"]),
    (_message("/hello"), Form.name, ["hello"]),
    (_message("Ivan"), Form.name, ["name-given"]),
    (_message("a question"), None, ["text"]),
    (_message("/unknown"), None, ["text"]),
    (_message("/unknown"), Form.name, ["name-given"]),
    (_message(caption="a photo"), Form.name, ["name-given"]),
    (_message(caption="a photo"), None, ["text"]),
    (_button(PickCb(value="x").pack()), None, ["pick"]),
    (_button("pick"), None, ["stale"]),
    (_button("pickx:1"), None, ["stale"]),
    (_button("nav:home"), Form.name, ["stale"]),
    (_button("go:a"), None, ["go-a"]),
    (_button("go:c"), None, ["go-b"]),
    (_button("go:d"), None, ["stale"]),
    (_button("go:a:b"), None, ["stale"]),
]


@pytest.mark.parametrize(("raw", "state", "expected"), CASES)
async def test_gated_routing_is_aiogram_routing(
    raw: dict[str, Any], state: State | None, expected: list[str]
) -> None:
    assert await _route(Router, raw, state) == expected
    assert await _route(GatedRouter, raw, state) == expected


async def test_one_tree_routes_every_case_in_turn() -> None:
    """The message routes a router keeps (per state and command) are right for each update
    that follows, and their number stays bounded under a flood of unknown commands."""
    ran: list[str] = []
    dispatcher = _tree(GatedRouter, ran)
    bot = Bot("1:test")
    context = dispatcher.fsm.get_context(bot, USER, USER)
    try:
        for raw, state, expected in CASES * 2:
            ran.clear()
            await context.set_state(state)
            await dispatcher.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))
            assert ran == expected, raw
        await context.set_state(None)
        for number in range(MAX_MESSAGE_ROUTES + 10):
            update = Update.model_validate(_message(f"/unknown{number}"), context={"bot": bot})
            await dispatcher.feed_update(bot, update)
    finally:
        await bot.session.close()
    root = dispatcher.sub_routers[0]
    assert isinstance(root, GatedRouter)
    assert 0 < len(root._message_routes) <= MAX_MESSAGE_ROUTES


def test_gates_describe_what_each_router_takes() -> None:
    dispatcher = _tree(GatedRouter, [])
    root = dispatcher.sub_routers[0]
    assert isinstance(root, GatedRouter)
    commands, buttons_only, texts, fallback = root.sub_routers
    assert isinstance(commands, GatedRouter)
    assert commands.gates["message"] == MessageGate(
        frozenset({"hello"}), frozenset({Form.name.state})
    )
    assert commands.gates["callback_query"] == ButtonGate(("pick:",), frozenset({"pick", "go:a"}))
    assert isinstance(buttons_only, GatedRouter)
    assert buttons_only.gates["message"] is CLOSED  # no message handler: never entered
    exact = frozenset({"pick", "go:b", "go:c"})
    assert buttons_only.gates["callback_query"] == ButtonGate(("pick:",), exact)
    assert isinstance(texts, GatedRouter)
    assert texts.gates["message"] == MessageGate(frozenset(), frozenset({None}))
    assert texts.gates["callback_query"] is CLOSED
    assert isinstance(fallback, GatedRouter)
    assert fallback.gates == {}  # takes anything: stays open
    assert root.gates == {}


def test_a_router_with_its_own_outer_middleware_stays_open() -> None:
    class Passing(BaseMiddleware):
        async def __call__(
            self,
            handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
            event: TelegramObject,
            data: dict[str, Any],
        ) -> Any:
            return await handler(event, data)

    async def hello(message: Message) -> None:
        pass

    async def pick(query: CallbackQuery) -> None:
        pass

    router = GatedRouter(name="with-middleware")
    router.message.outer_middleware(Passing())
    router.message.register(hello, Command("hello"))
    router.callback_query.register(pick, PickCb.filter())
    install_gates(router)
    assert "message" not in router.gates  # the middleware may change what a gate reads
    assert "callback_query" in router.gates


# GatedRouter._propagate_event is aiogram's Router._propagate_event with one added check. If
# aiogram changes its own, this fails: port the change into GatedRouter, then update the hash.
AIOGRAM_PROPAGATE_SHA256 = "76fc938efce3eacf9dba64d150d6370d4f506adb68ed143a25dddbc752ee0670"


def test_the_copied_propagation_matches_the_installed_aiogram() -> None:
    source = inspect.getsource(Router._propagate_event)
    assert hashlib.sha256(source.encode()).hexdigest() == AIOGRAM_PROPAGATE_SHA256
