"""FSM storage for drafts and questionnaire answers: memory only, bounded, and forgetful.

aiogram's MemoryStorage keeps a record for every chat that ever sent a message (reads create
records) and keeps drafts forever. This storage creates records only when there is state, drops
them when they are cleared, and `sweep()` discards any draft left idle too long, so an abandoned
report does not sit in memory for days.

It holds at most `max_records` drafts. At the cap the least recently touched one is dropped, and
`on_evict` is told (a report form's messages are then deleted from its chat at once).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey


@dataclass
class _Record:
    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    touched: float = 0.0


Evicted = Callable[[StorageKey, dict[str, Any]], Awaitable[None]]


class DraftStorage(BaseStorage):
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_records: int = 50_000,
        on_evict: Evicted | None = None,
    ) -> None:
        # Least recently touched first: the sweep and the cap both take from the front.
        self._records: OrderedDict[StorageKey, _Record] = OrderedDict()
        self._clock = clock
        self.max_records = max_records
        self.on_evict = on_evict

    async def _write(self, key: StorageKey) -> _Record:
        record = self._records.get(key)
        if record is None:
            while len(self._records) >= self.max_records:
                old_key, old = self._records.popitem(last=False)
                if self.on_evict is not None:
                    # Awaited: whoever makes the store grow waits for the clean-up it causes.
                    await self.on_evict(old_key, old.data)
            record = self._records[key] = _Record()
        else:
            self._records.move_to_end(key)
        record.touched = self._clock()
        return record

    def _prune(self, key: StorageKey) -> None:
        record = self._records.get(key)
        if record is not None and record.state is None and not record.data:
            del self._records[key]

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        if value is None and key not in self._records:
            return  # clearing what does not exist: no record, and nobody else's is evicted
        (await self._write(key)).state = value
        self._prune(key)

    async def get_state(self, key: StorageKey) -> str | None:
        record = self._records.get(key)
        return record.state if record else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not data and key not in self._records:
            return
        (await self._write(key)).data = dict(data)
        self._prune(key)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        record = self._records.get(key)
        return dict(record.data) if record else {}

    async def close(self) -> None:
        self._records.clear()

    def take(self, key: StorageKey, expected: str, then: str) -> dict[str, Any] | None:
        """Compare and set, in one step with no `await`: the draft's data if it is in state
        `expected`, which becomes `then`; else None. Of two simultaneous Send taps, the second
        finds nothing to send."""
        record = self._records.get(key)
        if record is None or record.state != expected:
            return None
        record.state = then
        return dict(record.data)

    async def sweep(self, max_idle_seconds: float) -> list[tuple[StorageKey, dict[str, Any]]]:
        """Forget every draft untouched for `max_idle_seconds`; returns what was forgotten (the
        caller may still have to clean the chat the form was in).

        A coroutine, so that it runs on the event loop like the handlers that touch the drafts.
        """
        limit = self._clock() - max_idle_seconds
        stale = []
        while self._records:
            key, record = next(iter(self._records.items()))
            if record.touched >= limit:
                break
            del self._records[key]
            stale.append((key, record.data))
        return stale

    def __len__(self) -> int:
        return len(self._records)

    def __bool__(self) -> bool:
        # aiogram picks `storage or MemoryStorage()`: an empty storage must not look false.
        return True
