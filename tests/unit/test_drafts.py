"""The memory-only draft storage: drafts exist only while there is state, and idle ones go."""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.fsm.storage.base import StorageKey

from bot.telegram.drafts import DraftStorage
from tests.support.clock import ManualClock

USERS = (5_123_456_789, 5_223_456_789)


async def test_forgets_only_idle_drafts_and_returns_them() -> None:
    clock = ManualClock(1_000.0)
    drafts = DraftStorage(clock=clock)
    idle, busy = (StorageKey(bot_id=1, chat_id=uid, user_id=uid) for uid in USERS)
    for key in (idle, busy):
        await drafts.set_state(key, "ReportForm:text")
        await drafts.set_data(key, {"region": "spb", "cleanup": [3, 4]})
    clock.now += 50
    await drafts.set_data(busy, {"region": "spb", "place_type": "metro"})  # a step answered
    clock.now += 10  # idle: untouched for exactly 60 s, busy for 10 s
    assert await drafts.sweep(60) == [] and len(drafts) == 2
    clock.now += 1
    assert await drafts.sweep(60) == [(idle, {"region": "spb", "cleanup": [3, 4]})]
    assert await drafts.get_state(idle) is None and await drafts.get_data(idle) == {}
    assert await drafts.get_state(busy) == "ReportForm:text"
    clock.now += 3600
    assert len(await drafts.sweep(60)) == 1 and len(drafts) == 0


async def test_keeps_no_record_once_cleared() -> None:
    drafts = DraftStorage(clock=ManualClock(1_000.0))
    key = StorageKey(bot_id=1, chat_id=USERS[0], user_id=USERS[0])
    await drafts.set_state(key, "ReportForm:region")
    await drafts.set_data(key, {"cleanup": [1]})
    await drafts.set_state(key, None)
    await drafts.set_data(key, {})
    assert len(drafts) == 0 and await drafts.sweep(0) == []


def test_an_empty_storage_is_still_used_by_the_dispatcher() -> None:
    # aiogram takes `storage or MemoryStorage()`: an empty DraftStorage must not be falsy.
    drafts = DraftStorage()
    assert Dispatcher(storage=drafts).storage is drafts


async def test_at_the_cap_the_least_recently_touched_draft_goes_and_is_reported() -> None:
    clock = ManualClock(1_000.0)
    evicted: list[tuple[int, dict[str, object]]] = []

    async def on_evict(key: StorageKey, data: dict[str, object]) -> None:
        evicted.append((key.chat_id, data))

    drafts = DraftStorage(clock=clock, max_records=3, on_evict=on_evict)
    keys = [StorageKey(bot_id=1, chat_id=i, user_id=i) for i in range(1, 5)]
    for key in keys[:3]:
        clock.now += 1
        await drafts.set_state(key, "ReportForm:text")
        await drafts.set_data(key, {"cleanup": [key.chat_id * 10]})
    clock.now += 1
    await drafts.set_data(keys[0], {"cleanup": [10, 11]})  # the oldest is touched again
    await drafts.set_state(keys[3], "ReportForm:region")  # a fourth person: one must go
    assert len(drafts) == 3
    assert evicted == [(2, {"cleanup": [20]})]  # the least recently touched, with its messages
    assert await drafts.get_state(keys[1]) is None
    assert await drafts.get_data(keys[0]) == {"cleanup": [10, 11]}


async def test_take_is_a_compare_and_set() -> None:
    drafts = DraftStorage(clock=ManualClock(1_000.0))
    key = StorageKey(bot_id=1, chat_id=USERS[0], user_id=USERS[0])
    await drafts.set_state(key, "ReportForm:review")
    await drafts.set_data(key, {"text": "x"})
    assert drafts.take(key, "ReportForm:review", "ReportForm:sending") == {"text": "x"}
    assert drafts.take(key, "ReportForm:review", "ReportForm:sending") is None  # second tap
    assert await drafts.get_state(key) == "ReportForm:sending"
