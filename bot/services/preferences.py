"""A user's explicit language choice, held in memory only.

The key is a keyed hash of the user id under a random per-process secret, so even this map
does not hold user ids; it is bounded, and forgotten at restart (the user's Telegram language is
the fallback, so nothing breaks).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import OrderedDict


class LanguagePreferences:
    def __init__(self, max_size: int = 100_000) -> None:
        self._key = secrets.token_bytes(32)
        self._choices: OrderedDict[bytes, str] = OrderedDict()
        self._max_size = max_size

    def _tag(self, user_id: int) -> bytes:
        return hmac.new(self._key, str(user_id).encode(), hashlib.sha256).digest()[:16]

    def get(self, user_id: int) -> str | None:
        if not self._choices:
            return None  # nobody chose: skip the hash on every update
        tag = self._tag(user_id)
        lang = self._choices.get(tag)
        if lang is not None:
            self._choices.move_to_end(tag)
        return lang

    def set(self, user_id: int, lang: str) -> None:
        tag = self._tag(user_id)
        self._choices[tag] = lang
        self._choices.move_to_end(tag)
        while len(self._choices) > self._max_size:
            self._choices.popitem(last=False)

    def __len__(self) -> int:
        return len(self._choices)
