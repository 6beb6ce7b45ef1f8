"""FSM storage for drafts and questionnaire answers: memory only, bounded, and forgetful.

aiogram's MemoryStorage keeps a record for every chat that ever sent a message (reads create
records) and keeps drafts forever. This storage creates records only when there is state, drops
them when they are cleared, and `sweep()` discards any draft left idle too long, so an abandoned
report does not sit in memory for days.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey


@dataclass
class _Record:
    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    touched: float = 0.0


class DraftStorage(BaseStorage):
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._records: dict[StorageKey, _Record] = {}
        self._clock = clock

    def _write(self, key: StorageKey) -> _Record:
        record = self._records.setdefault(key, _Record())
        record.touched = self._clock()
        return record

    def _prune(self, key: StorageKey) -> None:
        record = self._records.get(key)
        if record is not None and record.state is None and not record.data:
            del self._records[key]

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        self._write(key).state = state.state if isinstance(state, State) else state
        self._prune(key)

    async def get_state(self, key: StorageKey) -> str | None:
        record = self._records.get(key)
        return record.state if record else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        self._write(key).data = dict(data)
        self._prune(key)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        record = self._records.get(key)
        return dict(record.data) if record else {}

    async def close(self) -> None:
        self._records.clear()

    async def sweep(self, max_idle_seconds: float) -> list[tuple[StorageKey, dict[str, Any]]]:
        """Forget every draft untouched for `max_idle_seconds`; returns what was forgotten (the
        caller may still have to clean the chat the form was in).

        A coroutine, so that it runs on the event loop like the handlers that touch the drafts.
        """
        limit = self._clock() - max_idle_seconds
        stale = [(key, record) for key, record in self._records.items() if record.touched < limit]
        for key, _ in stale:
            del self._records[key]
        return [(key, record.data) for key, record in stale]

    def __len__(self) -> int:
        return len(self._records)

    def __bool__(self) -> bool:
        # aiogram picks `storage or MemoryStorage()`: an empty storage must not look false.
        return True
