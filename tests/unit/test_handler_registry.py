"""Every handler and filter on the update paths is a coroutine.

aiogram runs a plain callable (a bare `State`, a bare `F` magic filter, a sync function) through
`asyncio.to_thread`: a thread hop per filter per update, which made a typed question cost three
times the bare bot's CPU. `StateFilter(...)`, `SomeCb.filter(...)` and async functions are
awaited directly; this test keeps it that way for every router the app builds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from aiogram import Router
from pydantic import SecretStr

from bot.config import Settings
from handlers import get_routers
from handlers.gates import GatedRouter


def _routers(router: Router) -> Iterator[Router]:
    yield router
    for child in router.sub_routers:
        yield from _routers(child)


def _app_routers(tmp_path: Path) -> list[Router]:
    settings = Settings(
        _env_file=None,
        bot_token=SecretStr("1:test"),
        data_dir=tmp_path,
        admin_ids=frozenset({1}),
        region_channels={},
    )
    return get_routers(settings)


def _sync_callables(roots: list[Router]) -> list[str]:
    found: list[str] = []
    for root in roots:
        for router in _routers(root):
            for event, observer in router.observers.items():
                where = f"{router.name}.{event}"
                for flt in observer._handler.filters or []:
                    if not flt.awaitable:
                        found.append(f"{where}: router filter {flt.callback!r}")
                for handler in observer.handlers:
                    name = getattr(handler.callback, "__qualname__", repr(handler.callback))
                    if not handler.awaitable:
                        found.append(f"{where}: handler {name} is not a coroutine")
                    for flt in handler.filters or []:
                        if not flt.awaitable:
                            found.append(f"{where}: {name} has sync filter {flt.callback!r}")
    return found


def test_no_sync_filter_or_handler_on_any_path(tmp_path: Path) -> None:
    assert _sync_callables(_app_routers(tmp_path)) == []


def test_the_walk_reports_each_kind_of_sync_callable() -> None:
    """A bare State, a bare magic filter and a sync handler, in a nested router, are all found."""
    from aiogram import F
    from aiogram.filters import StateFilter
    from aiogram.fsm.state import State, StatesGroup

    class Probe(StatesGroup):
        step = State()

    async def fine() -> None: ...

    def sync_handler() -> None: ...

    outer, inner = Router(name="outer"), Router(name="inner")
    outer.include_router(inner)
    inner.message.register(fine, Probe.step)
    inner.callback_query.register(fine, F.data == "x")
    inner.message.register(sync_handler, StateFilter(Probe.step))
    inner.message.register(fine, StateFilter(Probe.step))  # awaited directly: not reported
    found = _sync_callables([outer])
    assert len(found) == 3, found
    assert all(line.startswith("inner.") for line in found)


def test_every_router_the_app_builds_is_gated(tmp_path: Path) -> None:
    """A plain aiogram Router is entered by every update (handlers.gates): ~25 µs each."""
    routers = [r for root in _app_routers(tmp_path) for r in _routers(root)]
    assert [r.name for r in routers if not isinstance(r, GatedRouter)] == []
