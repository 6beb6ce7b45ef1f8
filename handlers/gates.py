"""Router gates: one cheap check at a feature router's door instead of entering it.

aiogram offers an update to each router in turn. Entering a router is not free: aiogram copies
the workflow data (some forty entries) four times and wraps the router's middlewares, about
25 µs a router on this machine, before a single filter runs; a typed question used to enter
seven routers and try some twenty Command, State and button filters before search got it.
`install_gates` reads what each router's handlers (and its sub-routers') accept and gives the
router one gate per kind of update that lets in a superset of that: a message that is one of
its commands or arrives in one of its states, a button with one of its prefixes.
`GatedRouter.propagate_event` checks the gate before aiogram's propagation starts, so a router
an update cannot concern costs one set lookup. Nothing is declared by hand, so a handler added
later is gated correctly the next time routers are built. A router whose handlers accept
something the gate cannot describe (any text, any state, any button) gets no gate for that
kind of update and behaves exactly as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from inspect import isclass
from typing import Any, Protocol

from aiogram import Router
from aiogram.dispatcher.event.bases import REJECTED, UNHANDLED
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject

from handlers.callbacks import ExactButton
from handlers.filters import command_or_caption_name

MAX_MESSAGE_ROUTES = 256


class Gate(Protocol):
    def admits(self, event: Any, raw_state: str | None) -> bool: ...

    def admits_command(self, raw_state: str | None, command: str | None) -> bool:
        """For a message: admits one in this state with this command (None: no command)."""
        ...


def _admits(router: Router, update_type: str, event: TelegramObject, raw_state: str | None) -> bool:
    return not isinstance(router, GatedRouter) or router.admits(update_type, event, raw_state)


class GatedRouter(Router):
    """aiogram's Router, with its gates (set by `install_gates`) checked at the door.

    Every feature router is one. Behaviour is aiogram's: a gate only turns away updates that
    none of the router's handlers would take, and an admitted update takes aiogram's own path.
    """

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self.gates: dict[str, Gate] = {}
        self._message_routes: dict[tuple[str | None, str | None, int], tuple[Router, ...]] = {}

    def admits(self, update_type: str, event: TelegramObject, raw_state: str | None) -> bool:
        gate = self.gates.get(update_type)
        return gate is None or gate.admits(event, raw_state)

    def admits_message(self, raw_state: str | None, command: str | None) -> bool:
        """`admits` for a message, from what a message gate reads."""
        gate = self.gates.get("message")
        return gate is None or gate.admits_command(raw_state, command)

    def forget_routes(self) -> None:
        """Gates changed (install_gates): the kept message routes are stale."""
        self._message_routes.clear()

    async def propagate_event(self, update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        if not self.admits(update_type, event, kwargs.get("raw_state")):
            return UNHANDLED
        return await self._enter(update_type, event, kwargs)

    async def _enter(self, update_type: str, event: TelegramObject, kwargs: dict[str, Any]) -> Any:
        """aiogram's propagate_event, once the gate has admitted the update."""
        observer = self.observers.get(update_type)
        if observer is not None and len(observer.outer_middleware):
            return await super().propagate_event(update_type, event, **kwargs)
        # No outer middleware to wrap the propagation in: aiogram would call this directly too.
        kwargs["event_router"] = self
        return await self._propagate_event(observer, update_type, event, **kwargs)

    async def _propagate_event(
        self,
        observer: TelegramEventObserver | None,
        update_type: str,
        event: TelegramObject,
        **kwargs: Any,
    ) -> Any:
        """aiogram's own (Router._propagate_event, aiogram 3.31), except that a sub-router whose
        gate turns the update away is skipped before the workflow data is copied for it (and an
        admitted one is entered without asking its gate again)."""
        response = UNHANDLED
        if observer:
            result, data = await observer.check_root_filters(event, **kwargs)
            if not result:
                return UNHANDLED
            kwargs.update(data)
            response = await observer.trigger(event, **kwargs)
            if response is REJECTED:  # pragma: no cover - only if a handler returns REJECTED
                return UNHANDLED
            if response is not UNHANDLED:
                return response
        raw_state = kwargs.get("raw_state")
        routers: Sequence[Router]
        if update_type == "message" and isinstance(event, Message):
            routers = self._message_routers(raw_state, command_or_caption_name(event))
        else:
            routers = [r for r in self.sub_routers if _admits(r, update_type, event, raw_state)]
        for router in routers:
            if not isinstance(router, GatedRouter):
                response = await router.propagate_event(update_type, event, **kwargs)
            else:
                response = await router._enter(update_type, event, {**kwargs})
            if response is not UNHANDLED:
                break
        return response

    def _message_routers(self, raw_state: str | None, command: str | None) -> tuple[Router, ...]:
        """The sub-routers whose gates admit a message in this state with this command (None:
        not a command). A message gate reads nothing else, so the answer is kept: a few dozen
        states and commands, and at most MAX_MESSAGE_ROUTES kept (unknown commands are many)."""
        key = (raw_state, command, len(self.sub_routers))
        routers = self._message_routes.get(key)
        if routers is None:
            routers = tuple(
                r
                for r in self.sub_routers
                if not isinstance(r, GatedRouter) or r.admits_message(raw_state, command)
            )
            if len(self._message_routes) >= MAX_MESSAGE_ROUTES:
                self._message_routes.clear()
            self._message_routes[key] = routers
        return routers


class Ungateable(Exception):
    """A handler accepts something no gate can describe: its router stays open."""


@dataclass(frozen=True)
class MessageGate:
    """Admits a message whose command is one of `commands`, or whose state is in `states`
    (None: no state). A superset of what the router's handlers accept."""

    commands: frozenset[str] = frozenset()
    states: frozenset[str | None] = frozenset()

    def admits(self, event: Message, raw_state: str | None) -> bool:
        return self.admits_command(raw_state, command_or_caption_name(event))

    def admits_command(self, raw_state: str | None, command: str | None) -> bool:
        return raw_state in self.states or (command is not None and command in self.commands)


@dataclass(frozen=True)
class ButtonGate:
    """Admits a button whose data starts with one of the router's callback prefixes, or is one
    of its exact buttons (handlers.callbacks.ExactButton)."""

    prefixes: tuple[str, ...] = field(default=())  # each with its separator: "nav:"
    exact: frozenset[str] = frozenset()  # a factory without fields packs to its bare prefix

    def admits(self, event: CallbackQuery, raw_state: str | None) -> bool:
        data = event.data or ""
        return data in self.exact or data.startswith(self.prefixes)

    def admits_command(self, raw_state: str | None, command: str | None) -> bool:
        return False  # a button gate admits no message


def install_gates(router: Router) -> None:
    """Gate `router` and every GatedRouter under it, each for what its own subtree handles.
    (A plain aiogram Router is left open: correct, only slower.)"""
    for child in router.sub_routers:
        install_gates(child)
    if not isinstance(router, GatedRouter):
        return
    router.gates.clear()
    router.forget_routes()
    for update_type, describe in (("message", message_gate), ("callback_query", button_gate)):
        # A gate runs before the router's own outer middleware, which might change what it
        # reads: such a router stays open.
        if len(router.observers[update_type].outer_middleware):
            continue
        handlers = list(_handlers(router, update_type))
        with contextlib.suppress(Ungateable):
            router.gates[update_type] = describe(handlers) if handlers else CLOSED


class Closed:
    """The gate of a router with no handler for a kind of update: it admits nothing."""

    def admits(self, event: Any, raw_state: str | None) -> bool:
        return False

    def admits_command(self, raw_state: str | None, command: str | None) -> bool:
        return False


CLOSED = Closed()


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
    prefixes: set[str] = set()
    exact: set[str] = set()
    for handler in handlers:
        for flt in handler.filters or []:
            if isinstance(flt.callback, ExactButton):
                exact |= flt.callback.by_data.keys()
                break
            if isinstance(flt.callback, CallbackQueryFilter):
                factory = flt.callback.callback_data
                prefixes.add(factory.__prefix__ + factory.__separator__)
                exact.add(factory.__prefix__)
                break
        else:
            raise Ungateable
    return ButtonGate(tuple(sorted(prefixes)), frozenset(exact))


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
