"""Workflow data that may change while the bot runs (the keyring's state), read per update.

aiogram copies the dispatcher's workflow data once when polling starts, so a value set on the
dispatcher later (after a key rotation, or after the panic switch destroyed the keyring) would
never reach a handler. `LiveWorkflowData.apply` puts the current values of `keys` into every
update's data, so the running bot switches in place, without a restart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class LiveWorkflowData:
    """Copies the current values of `keys` from the dispatcher's workflow data into an update's
    data (handlers.middlewares.UpdateContext calls it for every update)."""

    def __init__(self, source: Mapping[str, Any], keys: Iterable[str]) -> None:
        self._source = source
        self._keys = tuple(keys)

    def apply(self, data: dict[str, Any]) -> None:
        for key in self._keys:
            if key in self._source:
                data[key] = self._source[key]
