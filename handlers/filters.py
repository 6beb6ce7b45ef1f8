"""Small async filters used on every update.

aiogram runs a plain `F...` magic filter through `asyncio.to_thread` (a sync callable), which
costs a thread hop per check on every update; these coroutine filters run inline instead.
"""

from __future__ import annotations

import re

from aiogram.enums import ChatType
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message


async def in_private_chat(message: Message) -> bool:
    return message.chat.type == ChatType.PRIVATE


async def from_private_chat(query: CallbackQuery) -> bool:
    """Buttons on messages in a private chat (inline-mode messages have no chat: refused)."""
    return query.message is not None and query.message.chat.type == ChatType.PRIVATE


async def has_text(message: Message) -> bool:
    return bool(message.text)


async def has_photo(message: Message) -> bool:
    return bool(message.photo)


async def has_location(message: Message) -> bool:
    return message.location is not None


# What Telegram marks as a bot command: "/name" or "/name@bot" at the start, then a space or
# the end. "/" followed by anything else (a pasted alert, "/ hello") is plain text.
_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]{1,64})?(?=\s|$)")


def command_name(message: Message) -> str | None:
    """The command a message starts with, lower-cased, or None for anything else."""
    match = _COMMAND.match(message.text or "")
    return match.group(1).lower() if match else None


def command_or_caption_name(message: Message) -> str | None:
    """As `command_name`, reading a caption too (aiogram's Command filter reads both)."""
    match = _COMMAND.match(message.text or message.caption or "")
    return match.group(1).lower() if match else None


async def is_question(message: Message) -> bool:
    """Free text that is not a command."""
    return bool(message.text) and command_name(message) is None


class FromUser(Filter):
    """The sender is one of `user_ids` (checked on the server for every update)."""

    def __init__(self, user_ids: frozenset[int]) -> None:
        self._user_ids = user_ids

    async def __call__(self, event: Message | CallbackQuery) -> bool:
        return event.from_user is not None and event.from_user.id in self._user_ids
