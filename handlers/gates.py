"""Router gates: one cheap check at a feature router's door instead of trying every handler.

aiogram offers an update to each router in turn, and a router tries its handlers one by one:
a typed question used to run some twenty Command, State and button filters before search got
it. `install_gates` reads what each router's handlers (and its sub-routers') accept and puts
one root filter on the router that lets in a superset of that: a message that is one of its
commands or arrives in one of its states, a button with one of its prefixes. Nothing is
declared by hand, so a handler added later is gated correctly the next time routers are built.
A router whose handlers accept something the gate cannot describe (any text, any state, any
button) gets no gate for that kind of update and behaves exactly as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from inspect import isclass
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.filters import Command, Filter, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from handlers.filters import command_or_caption_name


class Ungateable(Exception):
    """A handler accepts something no gate can describe: its router stays open."""


@dataclass
class MessageGate(Filter):
    """Passes a message whose command is one of `commands`, or whose state is in `states`
    (None: no state). A superset of what the router's handlers accept."""

    commands: frozenset[str] = frozenset()
    states: frozenset[str | None] = frozenset()

    async def __call__(self, message: Message, raw_state: str | None = None) -> bool:
        if raw_state in self.states:
            return True
        return bool(self.commands) and command_or_caption_name(message) in self.commands


@dataclass
class ButtonGate(Filter):
    """Passes a button whose data starts with one of the router's callback prefixes."""

    prefixes: tuple[str, ...] = field(default=())  # each with its separator: "nav:"
    bare: frozenset[str] = frozenset()  # a factory without fields packs to its bare prefix

    async def __call__(self, query: CallbackQuery) -> bool:
        data = query.data or ""
        return data.startswith(self.prefixes) or data in self.bare


def install_gates(router: Router) -> None:
    """Gate `router` and every router under it, each for what its own subtree handles."""
    for child in router.sub_routers:
        install_gates(child)
    messages = list(_handlers(router, "message"))
    if messages:
        with contextlib.suppress(Ungateable):
            router.message.filter(message_gate(messages))
    buttons = list(_handlers(router, "callback_query"))
    if buttons:
        with contextlib.suppress(Ungateable):
            router.callback_query.filter(button_gate(buttons))


def message_gate(handlers: list[HandlerObject]) -> MessageGate:
    commands: set[str] = set()
    states: set[str | None] = set()
    for handler in handlers:
        found = _commands(handler)
        if found is None:
            found_states = _states(handler)
            if found_states is None:
                raise Ungateable
            states |= found_states
        else:
            commands |= found
    return MessageGate(frozenset(commands), frozenset(states))


def button_gate(handlers: list[HandlerObject]) -> ButtonGate:
    prefixes: set[tuple[str, str]] = set()
    for handler in handlers:
        factory = next(
            (
                f.callback.callback_data
                for f in handler.filters or []
                if isinstance(f.callback, CallbackQueryFilter)
            ),
            None,
        )
        if factory is None:
            raise Ungateable
        prefixes.add((factory.__prefix__, factory.__separator__))
    return ButtonGate(
        tuple(sorted(prefix + separator for prefix, separator in prefixes)),
        frozenset(prefix for prefix, _ in prefixes),
    )


def _handlers(router: Router, event: str) -> Iterator[HandlerObject]:
    yield from router.observers[event].handlers
    for child in router.sub_routers:
        yield from _handlers(child, event)


def _commands(handler: HandlerObject) -> set[str] | None:
    """The command names a handler's Command filter accepts (lower-cased), or None."""
    for flt in handler.filters or []:
        command = flt.callback
        if not isinstance(command, Command):
            continue
        if command.prefix != "/" or not all(isinstance(c, str) for c in command.commands):
            raise Ungateable  # regex commands or another prefix: not worth describing
        return {str(c).lower() for c in command.commands}
    return None


def _states(handler: HandlerObject) -> set[str | None] | None:
    """The raw states a handler's StateFilter accepts, or None when it has none."""
    for flt in handler.filters or []:
        if isinstance(flt.callback, StateFilter):
            return {name for state in flt.callback.states for name in _names(state)}
    return None


def _names(state: Any) -> set[str | None]:
    if state is None or isinstance(state, str):
        names: set[str | None] = {state}
    elif isinstance(state, State):
        names = {state.state}
    elif isinstance(state, StatesGroup):
        names = set(type(state).__all_states_names__)
    elif isclass(state) and issubclass(state, StatesGroup):
        names = set(state.__all_states_names__)
    else:
        raise Ungateable
    if "*" in names:
        raise Ungateable  # any state: the gate could not say no to anything
    return names
