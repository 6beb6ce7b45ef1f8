"""A local stand-in for the Telegram Bot API, for e2e tests, the terminal demo and benchmarks.

`FakeBotAPI` serves the Bot API on 127.0.0.1 and simulates users; `DevServerClient` drives one
running in another process (`python -m bot.devserver`).
"""

from .calls import Call
from .chats import BotMessage, Button, ChatMessage
from .client import ControlError, DevServerClient
from .protocol import ApiError
from .server import DEFAULT_TOKEN, FakeBotAPI

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "BotMessage",
    "Button",
    "Call",
    "ChatMessage",
    "ControlError",
    "DevServerClient",
    "FakeBotAPI",
]
