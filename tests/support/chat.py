"""Driving a simulated user through the stand-in the way a person taps through the bot."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.devserver.server import ChatMessage, FakeBotAPI

# Ids above 2**24 make the 3-, 4- and 6-byte integer encodings distinctive in disk scans.
USER_IDS = (5_123_456_789, 5_223_456_789, 5_323_456_789)


class User:
    def __init__(
        self, api: FakeBotAPI, user_id: int, language_code: str = "ru", **names: str
    ) -> None:
        self.api = api
        self.id = user_id
        api.add_user(user_id, language_code=language_code, **names)

    async def say(self, text: str | None = None, **kwargs: Any) -> ChatMessage:
        """Send a message and return the bot's latest message after it settled."""
        self.api.push_message(self.id, text, **kwargs)
        await self.api.wait_idle()
        return self.last()

    def last(self) -> ChatMessage:
        message = self.api.last_message(self.id)
        assert message is not None, "the bot sent nothing"
        return message

    def labels(self, message: ChatMessage | None = None) -> list[str]:
        message = message or self.last_with_buttons()
        return [b.text for row in message.buttons for b in row]

    def last_with_buttons(self) -> ChatMessage:
        for message in reversed(self.api.messages(self.id)):
            if message.buttons:
                return message
        raise AssertionError("no message with buttons")

    async def press(self, label: str, *, exact: bool = False) -> ChatMessage:
        """Press the first button whose text is (or contains) `label` on the latest keyboard."""
        message = self.last_with_buttons()
        labels = self.labels(message)
        matches = [i for i, t in enumerate(labels) if (t == label if exact else label in t)]
        assert matches, f"no button {label!r} among {labels}"
        self.api.press_button(self.id, message.message_id, matches[0])
        await self.api.wait_idle()
        return self.last()


def last_text(api: FakeBotAPI, chat_id: int) -> str:
    """The visible text of the bot's latest message in the chat; fails if the bot sent nothing."""
    message = api.last_message(chat_id)
    assert message is not None, "the bot sent nothing"
    return message.visible_text


async def wait_calls(api: FakeBotAPI, method: str, count: int, timeout: float = 30.0) -> None:
    """Until the bot has made `count` calls of `method` (a burst's answers, however loaded the
    machine is), then until it is idle again."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(api.calls_for(method)) < count:
        if loop.time() > deadline:
            raise TimeoutError(
                f"{len(api.calls_for(method))} of {count} {method} calls after {timeout:g}s"
            )
        await asyncio.sleep(0.05)
    await api.wait_idle(quiet=0.5, timeout=timeout)


def sent_to(api: FakeBotAPI, chat_id: int, method: str = "sendMessage") -> list[dict[str, Any]]:
    """The parameters of every `method` call the bot made to the chat."""
    return [
        c.params
        for c in api.calls
        if c.method == method and int(c.params.get("chat_id", 0)) == chat_id
    ]
