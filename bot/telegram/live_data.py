"""Workflow data that may change while the bot runs (the keyring's state), read per update.

aiogram copies the dispatcher's workflow data once when polling starts, so a value set on the
dispatcher later (after a key rotation, or after the panic switch destroyed the keyring) would
never reach a handler. This outer middleware puts the current values of `keys` into every
update's data, so the running bot switches in place, without a restart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject


class LiveWorkflowData(BaseMiddleware):
    def __init__(self, source: Mapping[str, Any], keys: Iterable[str]) -> None:
        self._source = source
        self._keys = tuple(keys)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        for key in self._keys:
            if key in self._source:
                data[key] = self._source[key]
        return await handler(event, data)
