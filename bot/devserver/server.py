"""A local stand-in for the Telegram Bot API, for tests, the terminal demo and benchmarks.

The real bot process talks HTTP to it exactly as it would to api.telegram.org (engineering notes
§2.1, §3.4), so config loading, aiogram's session and form encoding, the polling loop and
shutdown are all exercised. It answers with Telegram's status codes and wording (§1.2), long-polls
like Telegram (§1.3), validates what Telegram validates, records every request, and can inject
the faults a sender must survive: 429 with retry_after, 403 for blocked users, 5xx, latency,
dropped connections and a token-bucket rate limit.

It binds 127.0.0.1 only. Everything runs on one event loop, so state changes need no locks;
simulated users are driven with synchronous `push_*` calls from that loop, or over the
`/_control/` HTTP API from another process (see `client.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import json
import math
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from http import HTTPStatus
from typing import Any

from aiohttp import web

from bot.content.telegram_html import EntityParseError, ParsedText, utf16_len

from .formatting import UnsupportedParseModeError, parse_text

__all__ = [
    "DEFAULT_TOKEN",
    "HOST",
    "ApiError",
    "BotMessage",
    "Button",
    "Call",
    "ChatMessage",
    "FakeBotAPI",
]

HOST = "127.0.0.1"
DEFAULT_TOKEN = "123456:TEST-token-for-local-stand-in"  # noqa: S105 - a fixed test token

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_ROW_BUTTONS = 8
MAX_BUTTONS = 100
MAX_CALLBACK_ANSWER = 200
MAX_INLINE_RESULTS = 50
EDIT_WINDOW = 48 * 3600

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
BLOCKED = "Forbidden: bot was blocked by the user"

# Fields Telegram defines as strings: never JSON-decoded, so text "123" or "true" stays text.
_STRING_FIELDS = frozenset(
    {
        "text", "caption", "parse_mode", "action", "callback_query_id", "inline_query_id",
        "description", "short_description", "name", "language_code", "url", "secret_token",
        "ip_address", "business_connection_id", "message_effect_id", "next_offset", "photo",
        "document", "sticker", "audio", "video", "voice", "animation", "video_note",
        "inline_message_id", "file_id", "emoji", "title", "address", "phone_number",
        "first_name", "last_name", "vcard", "query", "data", "custom_emoji_id", "thumbnail",
        "switch_pm_text", "switch_pm_parameter",
    }
)  # fmt: skip
_INLINE_ACTIONS = (
    "callback_data", "url", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay", "disabled",
)  # fmt: skip
_BUTTON_STYLES = frozenset({"danger", "success", "primary"})
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note",
        "upload_video_note",
    }
)  # fmt: skip
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_LEADING_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_])")
# A photo file sent by a simulated user: the smallest valid JPEG-looking payload is enough.
_FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"

Params = dict[str, Any]


class ApiError(Exception):
    """A Bot API error answer: HTTP status = error_code, Telegram's description and parameters."""

    def __init__(
        self, status: int, description: str, parameters: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = dict(parameters or {})

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _retry_after(seconds: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


@dataclass
class Call:
    """One Bot API request as the stand-in saw it: decoded params and what it answered."""

    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]
    ts: float
    index: int = 0
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    dropped: bool = False  # the connection was closed instead of (or after) answering

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.dropped

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def description(self) -> str | None:
        return self.response.get("description")

    def to_dict(self) -> dict[str, Any]:
        # Shallow on purpose: the control API serialises it at once, and a deep copy of every
        # recorded request and response made polling the call log cost more than the Bot API.
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Call:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class Button:
    """A keyboard button; `kind` names its action field, "text" for reply-keyboard buttons."""

    text: str
    callback_data: str | None = None
    url: str | None = None
    kind: str = "callback_data"


@dataclass
class ChatMessage:
    """A message in a simulated chat, sent by the bot (`from_bot`) or by a simulated user.

    `text` is what a person sees: the visible text after parse_mode, or the caption of media.
    `source_text` keeps what the bot sent, markup included. `raw` is the Message object as the
    Bot API returned it.
    """

    message_id: int
    chat_id: int
    from_bot: bool
    kind: str
    date: int
    text: str | None = None
    source_text: str | None = None
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    deleted: bool = False
    edited: int = 0
    protect_content: bool = False
    disable_notification: bool = False
    link_preview_disabled: bool = False
    method: str = ""
    file_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def caption(self) -> str | None:
        return None if self.kind == "text" else self.text

    @property
    def buttons(self) -> list[list[Button]]:
        """Inline or reply-keyboard buttons, row by row."""
        markup = self.reply_markup or {}
        rows: list[list[Button]] = []
        for row in markup.get("inline_keyboard", []):
            rows.append([_inline_button(b) for b in row])
        for row in markup.get("keyboard", []):
            rows.append([Button(b if isinstance(b, str) else b["text"], kind="text") for b in row])
        return rows

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["buttons"] = [[asdict(b) for b in row] for row in self.buttons]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChatMessage:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


BotMessage = ChatMessage  # the name tests use for messages the bot sent


def _inline_button(raw: Mapping[str, Any]) -> Button:
    kind = next((k for k in _INLINE_ACTIONS if k in raw), "")
    return Button(raw.get("text", ""), raw.get("callback_data"), raw.get("url"), kind)


@dataclass
class _Chat:
    obj: dict[str, Any]
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    next_message_id: int = 1
    reply_keyboard: dict[str, Any] | None = None
    member_status: str = "member"

    @property
    def id(self) -> int:
        return int(self.obj["id"])

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class _Upload:
    filename: str
    content_type: str
    data: bytes


Handler = Callable[[Params, dict[str, _Upload]], Awaitable[Any]]


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str


@dataclass
class _FailRule:
    remaining: int
    status: int
    method: str | None
    retry_after: int | None = None
    description: str | None = None
    drop: bool = False
    after_processing: bool = False


@dataclass
class _Bucket:
    """Token bucket: `capacity` tokens, refilled at `rate` per second."""

    rate: float
    capacity: float
    tokens: float
    stamp: float

    def wait(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


@dataclass
class _FaultRate:
    p: float
    status: int
    rng: random.Random
    methods: frozenset[str]


class _Dropped(Exception):
    """Raised inside dispatch to close the connection instead of answering."""

    def __init__(self, status: int = 0, response: dict[str, Any] | None = None) -> None:
        super().__init__("connection dropped")
        self.status = status
        self.response = response or {}


# What a waiting long poll is woken with.
_WAKE = "wake"
_CONFLICT = "conflict"
_STOP = "stop"
_UNKNOWN_ACTION = object()  # marks a /_control/ path that does not exist


def _decode_value(key: str, value: Any) -> Any:
    """aiogram sends nested objects, numbers and booleans as JSON text in form fields."""
    if key in _STRING_FIELDS:
        return value if value is None or isinstance(value, str) else str(value)
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise _bad(f"invalid {name} specified")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    raise _bad(f"invalid {name} specified")


def _flag(params: Params, name: str) -> bool:
    value = params.get(name)
    return value is True or value in ("true", "True", 1, "1")


def _required(params: Params, name: str) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise _bad(f"{name} is empty")
    return value


def _update_type(update: Mapping[str, Any]) -> str:
    return next((k for k in update if k != "update_id"), "")


def _normalize_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """An inline keyboard with no buttons is the same as none, as Telegram compares them."""
    if not markup or not markup.get("inline_keyboard"):
        return None
    return markup


class FakeBotAPI:
    """The stand-in server. Start it, point the bot at `base_url`, push updates, assert on calls."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "helpline_test_bot",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self._clock = clock
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": "Helpline Test Bot",
            "username": bot_username,
        }
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = False
        self._next_update_id = 1
        self._query_counter = itertools.count(1)
        self._file_counter = itertools.count(1)
        self._dumps = functools.partial(json.dumps, ensure_ascii=False)
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in self._handler_table().items()
        }
        self._poller: asyncio.Future[str] | None = None
        # getUpdates requests received so far (a call is logged only when it is answered, and a
        # long poll is answered only after its timeout): lets a test see a bot start polling.
        self.polls_started = 0
        self._call_waiters: list[tuple[Callable[[Call], bool], asyncio.Future[Call]]] = []
        self._in_flight = 0
        self._last_activity = time.monotonic()
        self.reset()

    # ----------------------------------------------------------------- lifecycle

    async def start(self, port: int = 0) -> None:
        """Serve on 127.0.0.1:`port` (a free port when 0)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_get("/_control/{action}", self._handle_control)
        app.router.add_post("/_control/{action}", self._handle_control)
        # handler_cancellation: a poller that hangs up must stop waiting, as on Telegram.
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, HOST, port)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._closing = False

    async def stop(self) -> None:
        """Answer a waiting long poll, then shut the server down."""
        self._closing = True
        self._wake_poller(_STOP)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotAPI is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """What the bot gets as BOT_API_URL."""
        return f"http://{HOST}:{self.port}"

    def reset(self) -> None:
        """Forget users, chats, calls, updates and faults. update_id keeps growing on purpose:
        a running bot still holds its old offset and would otherwise drop the new updates."""
        self.calls: list[Call] = []
        self.users: dict[int, dict[str, Any]] = {}
        self._chats: dict[int, _Chat] = {}
        self._updates: deque[dict[str, Any]] = deque()
        self._delivered_upto = 0
        self._allowed_updates: frozenset[str] | None = None
        self._open_queries: dict[str, str] = {}  # id -> "callback_query" | "inline_query"
        self.callback_answers: dict[str, Params] = {}
        self.inline_answers: dict[str, Params] = {}
        self._files: dict[str, _StoredFile] = {}
        self._file_paths: dict[str, _StoredFile] = {}
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.webhook: Params = {}
        self._fail_rules: list[_FailRule] = []
        self._blocked: set[int] = set()
        self._latency: dict[str | None, float] = {}
        self._global_bucket: _Bucket | None = None
        self._chat_rate: tuple[float, float] | None = None
        self._chat_buckets: dict[int, _Bucket] = {}
        self._fault_rate: _FaultRate | None = None

    # ----------------------------------------------------------------- simulated users

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ru",
    ) -> dict[str, Any]:
        """Create (or replace) a user and the private chat with them; chat id == user id."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.users[user_id] = user
        chat_obj = {k: v for k, v in user.items() if k in ("first_name", "last_name", "username")}
        chat = self._chats.get(user_id)
        if chat is None:
            self._chats[user_id] = _Chat({"id": user_id, "type": "private", **chat_obj})
        else:
            chat.obj = {"id": user_id, "type": "private", **chat_obj}
        return user

    def add_chat(
        self,
        chat_id: int,
        *,
        chat_type: str = "supergroup",
        title: str | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        """Register a group, supergroup or channel the bot can post to (e.g. the moderators')."""
        obj: dict[str, Any] = {
            "id": chat_id,
            "type": chat_type,
            "title": title or f"Chat {chat_id}",
        }
        if username:
            obj["username"] = username
        self._chats[chat_id] = _Chat(obj)
        return obj

    def push_message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        photo: bool = False,
        document: Mapping[str, Any] | None = None,
        location: tuple[float, float] | None = None,
        live_period: int | None = None,
        sticker: bool = False,
        contact: Mapping[str, Any] | None = None,
        forward_from: int | str | Mapping[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
        caption: str | None = None,
        media_group_id: str | None = None,
        sender_chat: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A user sends a message; returns the Update (its message_id: update["message"]...).

        A text starting with a command gets a bot_command entity, as Telegram adds one.
        `forward_from` is a user id, a User dict, or a name string (a hidden user).
        `live_period` (seconds) makes `location` a live location, as a user sharing it sends.
        """
        user = self._user(user_id)
        chat = self._user_chat(user, chat_id, chat_type)
        content: dict[str, Any] = {}
        kind = "text"
        file_id: str | None = None
        if photo:
            kind = "photo"
            content["photo"] = self._new_photo(_FAKE_JPEG)
            file_id = content["photo"][-1]["file_id"]
        elif document is not None:
            kind = "document"
            content["document"] = self._new_document(
                b"%PDF-1.4 fake", document.get("file_name", "file.bin"),
                document.get("mime_type", "application/octet-stream"),
            )  # fmt: skip
            file_id = content["document"]["file_id"]
        elif location is not None:
            kind = "location"
            content["location"] = {"latitude": location[0], "longitude": location[1]}
            if live_period is not None:
                content["location"]["live_period"] = live_period
        elif sticker:
            kind = "sticker"
            stored = self._store_file("sticker", b"RIFF....WEBP", "webp")
            content["sticker"] = {
                "file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "type": "regular", "width": 512, "height": 512, "is_animated": False,
                "is_video": False, "emoji": "👍",
            }  # fmt: skip
            file_id = stored.file_id
        elif contact is not None:
            kind = "contact"
            content["contact"] = {"first_name": user["first_name"], **contact}
        if kind == "text":
            if text is None:
                raise ValueError("push_message needs text or a media argument")
            content["text"] = text
            found = entities if entities is not None else self._command_entities(text)
            if found:
                content["entities"] = found
        elif caption is not None or text is not None:
            content["caption"] = caption if caption is not None else text
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        if sender_chat is not None:
            content["sender_chat"] = dict(sender_chat)
        if forward_from is not None:
            content["forward_origin"] = self._origin(forward_from)
        message = self._new_message(
            chat, sender=user, from_bot=False, kind=kind, content=content, method="update"
        )
        message.file_id = file_id
        return self._push_update("message", dict(message.raw))

    def push_edited_message(self, user_id: int, message_id: int, text: str) -> dict[str, Any]:
        """The user edits their own earlier text message."""
        chat = self._chats.get(user_id)
        message = chat.messages.get(message_id) if chat else None
        if message is None or message.from_bot or message.deleted:
            raise ValueError(f"user {user_id} has no message {message_id} to edit")
        message.text = message.source_text = text
        message.entities = self._command_entities(text)
        message.edited += 1
        key = "text" if message.kind == "text" else "caption"
        message.raw[key] = text
        message.raw.pop("entities", None)
        if key == "text" and message.entities:
            message.raw["entities"] = message.entities
        message.raw["edit_date"] = int(self._clock())
        return self._push_update("edited_message", dict(message.raw))

    def push_callback(
        self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None
    ) -> dict[str, Any]:
        """The user presses an inline button carrying `data` on a bot message."""
        user = self._user(user_id)
        cid = user_id if chat_id is None else chat_id
        chat = self._chats.get(cid)
        message = chat.messages.get(message_id) if chat else None
        if message is None or message.deleted or not message.from_bot:
            raise ValueError(f"chat {cid} has no bot message {message_id} to press")
        query_id = str(4_000_000_000 + next(self._query_counter))
        self._open_queries[query_id] = "callback_query"
        query = {
            "id": query_id,
            "from": user,
            "message": dict(message.raw),
            "chat_instance": f"{cid}",
            "data": data,
        }
        return self._push_update("callback_query", query)

    def press_button(self, user_id: int, message_id: int, index: int) -> dict[str, Any]:
        """Press the `index`-th inline button (row-major, 0-based) of a bot message."""
        chat = self._chats.get(user_id)
        message = chat.messages.get(message_id) if chat else None
        if message is None or message.deleted:
            raise ValueError(f"chat {user_id} has no message {message_id}")
        flat = [b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]
        if not 0 <= index < len(flat):
            raise ValueError(
                f"message {message_id} has {len(flat)} inline buttons, not {index + 1}"
            )
        button = flat[index]
        if "callback_data" not in button:
            kinds = ", ".join(k for k in _INLINE_ACTIONS if k in button)
            raise ValueError(f"button {button.get('text')!r} is a {kinds} button, not a callback")
        return self.push_callback(user_id, message_id, button["callback_data"])

    def push_inline_query(self, user_id: int, query: str) -> dict[str, Any]:
        """The user types `@bot query` in any chat."""
        user = self._user(user_id)
        query_id = str(5_000_000_000 + next(self._query_counter))
        self._open_queries[query_id] = "inline_query"
        inline = {"id": query_id, "from": user, "query": query, "offset": "", "chat_type": "sender"}
        return self._push_update("inline_query", inline)

    def push_my_chat_member(self, user_id: int, status: str) -> dict[str, Any]:
        """The user blocks ("kicked") or unblocks ("member") the bot; sends then fail with 403."""
        user = self._user(user_id)
        chat = self._user_chat(user, None, "private")
        old = chat.member_status
        chat.member_status = status
        if status == "kicked":
            self._blocked.add(chat.id)
        else:
            self._blocked.discard(chat.id)
        now = int(self._clock())

        def member(state: str) -> dict[str, Any]:
            entry: dict[str, Any] = {"status": state, "user": self.bot_user}
            if state == "kicked":
                entry["until_date"] = 0
            return entry

        update = {
            "chat": chat.obj,
            "from": user,
            "date": now,
            "old_chat_member": member(old),
            "new_chat_member": member(status),
        }
        return self._push_update("my_chat_member", update)

    def push_raw(self, update: Mapping[str, Any]) -> dict[str, Any]:
        """Queue any update as given; its update_id is replaced to keep ids increasing."""
        body = {k: v for k, v in update.items() if k != "update_id"}
        if len(body) != 1:
            raise ValueError("an update has exactly one field besides update_id")
        kind, payload = next(iter(body.items()))
        return self._push_update(kind, payload)

    # ----------------------------------------------------------------- what the bot did

    def messages(self, chat_id: int) -> list[ChatMessage]:
        """The bot's messages still in the chat, oldest first."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [m for m in chat.messages.values() if m.from_bot and not m.deleted]

    def last_message(self, chat_id: int) -> ChatMessage | None:
        found = self.messages(chat_id)
        return found[-1] if found else None

    def delivered(self, chat_id: int) -> list[ChatMessage]:
        """Every bot message the stand-in accepted for the chat, later deletions included."""
        chat = self._chats.get(chat_id)
        return [m for m in chat.messages.values() if m.from_bot] if chat else []

    def chat_log(self, chat_id: int) -> list[ChatMessage]:
        """User and bot messages of the chat in order, deleted ones flagged."""
        chat = self._chats.get(chat_id)
        return list(chat.messages.values()) if chat else []

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The reply keyboard the user currently sees in the chat, if any."""
        chat = self._chats.get(chat_id)
        return chat.reply_keyboard if chat else None

    def commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        return list(self._commands.get((self._scope_key(scope), language_code), []))

    def description(self, language_code: str = "", *, short: bool = False) -> str:
        kind = "short_description" if short else "description"
        return self._descriptions.get((kind, language_code), "")

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    def calls_for(self, method: str) -> list[Call]:
        lower = method.lower()
        return [c for c in self.calls if c.method.lower() == lower]

    async def wait_for(
        self,
        predicate: Callable[[Call], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - the documented API, like asyncio.wait_for
        *,
        since: int = 0,
    ) -> Call:
        """The first call from index `since` on (already made or still to come) that matches."""
        for call in self.calls[since:]:
            if predicate(call):
                return call
        future: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._call_waiters.append(entry)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no matching Bot API call within {timeout:g}s; recent calls:\n{self.summary()}"
            ) from None
        finally:
            self._call_waiters.remove(entry)

    async def wait_polling(self, since: int, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Until a getUpdates request beyond the first `since` ones has arrived."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.polls_started <= since:
            if loop.time() > deadline:
                raise TimeoutError(f"the bot did not start polling within {timeout:g}s")
            await asyncio.sleep(0.02)

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until every pushed update was fetched and the bot made no request for `quiet` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            idle_for = time.monotonic() - self._last_activity
            if self._drained() and self._in_flight == 0 and idle_for >= quiet:
                return
            if loop.time() >= deadline:
                raise TimeoutError(
                    f"not idle after {timeout:g}s: {len(self._updates)} updates queued "
                    f"(fetched up to id {self._delivered_upto}), {self._in_flight} requests "
                    f"in flight, last request {idle_for:.2f}s ago; recent calls:\n"
                    f"{self.summary()}"
                )
            await asyncio.sleep(min(max(quiet - idle_for, 0.01), 0.05))

    def summary(self, last: int = 15) -> str:
        """Recent calls, one line each, for failure messages."""
        lines = []
        for call in self.calls[-last:]:
            shown = {k: v for k, v in call.params.items() if k in ("chat_id", "text", "message_id")}
            note = "" if call.ok else f" -> {call.description}"
            lines.append(f"  #{call.index} {call.method} {call.status} {shown}{note}")
        return "\n".join(lines) or "  (no calls)"

    # ----------------------------------------------------------------- faults

    def fail_next(
        self,
        n: int,
        *,
        status: int = 500,
        method: str | None = None,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """The next `n` matching requests fail; retry_after makes them 429s with that value.

        With no `method`, any method but getUpdates matches: the polling loop is left alone
        unless named explicitly.
        """
        if retry_after is not None:
            status = 429
        self._fail_rules.append(
            _FailRule(n, status, method.lower() if method else None, retry_after, description)
        )

    def drop_next(
        self, n: int, *, method: str | None = None, after_processing: bool = False
    ) -> None:
        """Close the connection on the next `n` matching requests. With `after_processing` the
        request takes effect first (a message is delivered) and only the answer is lost: the
        "outcome unknown" case of engineering notes §1.2."""
        self._fail_rules.append(
            _FailRule(
                n, 0, method.lower() if method else None, drop=True,
                after_processing=after_processing,
            )
        )  # fmt: skip

    def block_chat(self, chat_id: int) -> None:
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def set_latency(self, seconds: float, method: str | None = None) -> None:
        """Delay answers; with no `method`, every method but getUpdates."""
        self._latency[method.lower() if method else None] = seconds

    def set_rate_limit(
        self,
        per_second: float | None,
        *,
        per_chat_per_second: float | None = None,
        burst: float | None = None,
        chat_burst: float | None = None,
    ) -> None:
        """Token buckets for sends (send*, copy*, forward*): one for all chats, one per chat.

        A send over a limit gets 429 with retry_after (whole seconds, at least 1) and is not
        delivered. Bucket sizes default to one second's worth (at least one message).
        """
        now = time.monotonic()
        self._global_bucket = None
        if per_second:
            capacity = burst if burst is not None else max(1.0, per_second)
            self._global_bucket = _Bucket(per_second, capacity, capacity, now)
        self._chat_rate = None
        self._chat_buckets.clear()
        if per_chat_per_second:
            capacity = chat_burst if chat_burst is not None else max(1.0, per_chat_per_second)
            self._chat_rate = (per_chat_per_second, capacity)

    def set_fault_rate(
        self,
        p: float,
        *,
        status: int = 502,
        seed: int = 0,
        methods: Iterable[str] = ("sendMessage", "copyMessage", "sendPhoto"),
    ) -> None:
        """Fail each request of `methods` with probability `p` (seeded, so runs repeat)."""
        if p <= 0:
            self._fault_rate = None
            return
        self._fault_rate = _FaultRate(
            p, status, random.Random(seed), frozenset(m.lower() for m in methods)
        )

    # ----------------------------------------------------------------- internals: state

    def _user(self, user_id: int) -> dict[str, Any]:
        return self.users.get(user_id) or self.add_user(user_id)

    def _user_chat(self, user: dict[str, Any], chat_id: int | None, chat_type: str) -> _Chat:
        if chat_id is None or chat_id == user["id"]:
            if user["id"] not in self._chats:
                self.add_user(user["id"])
            return self._chats[user["id"]]
        chat = self._chats.get(chat_id)
        if chat is None:
            self.add_chat(chat_id, chat_type="group" if chat_type == "private" else chat_type)
            chat = self._chats[chat_id]
        return chat

    def _origin(self, source: int | str | Mapping[str, Any]) -> dict[str, Any]:
        date = int(self._clock()) - 60
        if isinstance(source, str):
            return {"type": "hidden_user", "sender_user_name": source, "date": date}
        sender = self._user(source) if isinstance(source, int) else dict(source)
        return {"type": "user", "sender_user": sender, "date": date}

    @staticmethod
    def _command_entities(text: str) -> list[dict[str, Any]]:
        match = _LEADING_COMMAND_RE.match(text)
        if not match:
            return []
        return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}]

    def _push_update(self, kind: str, payload: Any) -> dict[str, Any]:
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self._updates.append(update)
        self._wake_poller(_WAKE)
        return update

    def _wake_poller(self, outcome: str) -> None:
        poller = self._poller
        if poller is not None and not poller.done():
            poller.set_result(outcome)

    def _drained(self) -> bool:
        return not self._updates or self._updates[-1]["update_id"] <= self._delivered_upto

    def _new_message(
        self,
        chat: _Chat,
        *,
        sender: dict[str, Any],
        from_bot: bool,
        kind: str,
        content: dict[str, Any],
        method: str,
    ) -> ChatMessage:
        message_id = chat.take_message_id()
        date = int(self._clock())
        raw = {"message_id": message_id, "from": sender, "chat": chat.obj, "date": date, **content}
        text = content.get("text", content.get("caption"))
        entities = content.get("entities", content.get("caption_entities", []))
        message = ChatMessage(
            message_id=message_id,
            chat_id=chat.id,
            from_bot=from_bot,
            kind=kind,
            date=date,
            text=text,
            source_text=text,
            entities=list(entities),
            method=method,
            raw=raw,
        )
        chat.messages[message_id] = message
        return message

    def _store_file(self, kind: str, data: bytes, extension: str) -> _StoredFile:
        n = next(self._file_counter)
        stored = _StoredFile(
            file_id=f"{kind.upper()}-{n:08d}-local",
            file_unique_id=f"U{n:08d}",
            kind=kind,
            data=data,
            file_path=f"{kind}s/file_{n}.{extension}",
        )
        self._files[stored.file_id] = stored
        self._file_paths[stored.file_path] = stored
        return stored

    def _new_photo(self, data: bytes) -> list[dict[str, Any]]:
        sizes = []
        for width in (90, 800):
            stored = self._store_file("photo", data, "jpg")
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": width,
                    "height": width * 3 // 4,
                    "file_size": len(data),
                }
            )
        return sizes

    def _new_document(self, data: bytes, file_name: str, mime_type: str) -> dict[str, Any]:
        extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = self._store_file("document", data, extension)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }

    @staticmethod
    def _scope_key(scope: Mapping[str, Any] | None) -> str:
        return json.dumps(dict(scope or {"type": "default"}), sort_keys=True)

    # ----------------------------------------------------------------- internals: HTTP

    async def _read_params(self, request: web.Request) -> tuple[Params, dict[str, _Upload]]:
        params: Params = {k: _decode_value(k, v) for k, v in request.query.items()}
        uploads: dict[str, _Upload] = {}
        if request.method != "POST" or not request.can_read_body:
            return params, uploads
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise _bad("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise _bad("can't parse JSON object")
            params.update((k, _decode_value(k, v)) for k, v in body.items())
            return params, uploads
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                uploads[key] = _Upload(value.filename, value.content_type, value.file.read())
            elif isinstance(value, bytes | bytearray):
                params[key] = _decode_value(key, bytes(value).decode("utf-8", "replace"))
            else:
                params[key] = _decode_value(key, value)
        return params, uploads

    def _json(self, body: Any, status: int = 200) -> web.Response:
        return web.json_response(body, status=status, dumps=self._dumps)

    async def _handle_bot_api(self, request: web.Request) -> web.StreamResponse:
        requested = request.match_info["method"]
        if request.match_info["token"] != self.token:
            error = ApiError(401, "Unauthorized")
            self._record(requested, {}, error.status, error.body())
            return self._json(error.body(), 401)
        entry = self._methods.get(requested.lower())
        if entry is None:
            error = ApiError(404, "Not Found: method not found")
            self._record(requested, {}, error.status, error.body())
            return self._json(error.body(), 404)
        name, handler = entry
        polling = name == "getUpdates"
        if not polling:
            self._in_flight += 1
            self._last_activity = time.monotonic()
        params: Params = {}
        uploads: dict[str, _Upload] = {}
        try:
            params, uploads = await self._read_params(request)
            status, body = await self._dispatch(name, handler, params, uploads)
        except ApiError as error:
            status, body = error.status, error.body()
        except _Dropped as dropped:
            self._record(name, params, dropped.status, dropped.response, uploads, dropped=True)
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        except Exception as exc:  # a stand-in bug must reach the test as an error, not a hang
            failure = ApiError(500, f"Internal Server Error: stand-in failed: {exc!r}")
            status, body = failure.status, failure.body()
        finally:
            if not polling:
                self._in_flight -= 1
                self._last_activity = time.monotonic()
        if polling and status == 200 and body["result"]:
            self._last_activity = time.monotonic()
        self._record(name, params, status, body, uploads)
        return self._json(body, status)

    async def _dispatch(
        self, name: str, handler: Handler, params: Params, uploads: dict[str, _Upload]
    ) -> tuple[int, dict[str, Any]]:
        lower = name.lower()
        polling = lower == "getupdates"
        delay = self._latency.get(lower, 0.0 if polling else self._latency.get(None, 0.0))
        if delay > 0:
            await asyncio.sleep(delay)
        rule = self._take_fail_rule(lower, polling)
        if rule is not None and not rule.after_processing:
            if rule.drop:
                raise _Dropped()
            error = self._injected(rule)
            return error.status, error.body()
        fault = self._fault_rate
        if fault is not None and lower in fault.methods and fault.rng.random() < fault.p:
            return fault.status, ApiError(fault.status, _phrase(fault.status)).body()
        result = await handler(params, uploads)
        body = {"ok": True, "result": result}
        if rule is not None and rule.drop:
            raise _Dropped(200, body)
        return 200, body

    def _take_fail_rule(self, lower: str, polling: bool) -> _FailRule | None:
        for rule in self._fail_rules:
            if rule.method == lower or (rule.method is None and not polling):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._fail_rules.remove(rule)
                return rule
        return None

    @staticmethod
    def _injected(rule: _FailRule) -> ApiError:
        if rule.retry_after is not None:
            error = _retry_after(rule.retry_after)
            if rule.description:
                error.description = rule.description
            return error
        if rule.description:
            return ApiError(rule.status, rule.description)
        if rule.status == 400:
            return _bad("injected failure")
        if rule.status == 403:
            return ApiError(403, BLOCKED)
        return ApiError(rule.status, _phrase(rule.status))

    def _record(
        self,
        method: str,
        params: Params,
        status: int,
        response: dict[str, Any],
        uploads: Mapping[str, _Upload] | None = None,
        *,
        dropped: bool = False,
    ) -> None:
        files = {
            key: {"filename": u.filename, "content_type": u.content_type, "size": len(u.data)}
            for key, u in (uploads or {}).items()
        }
        call = Call(
            method, params, status, response, self._clock(), len(self.calls), files, dropped
        )
        self.calls.append(call)
        for predicate, future in self._call_waiters:
            if future.done():
                continue
            try:
                if predicate(call):
                    future.set_result(call)
            except Exception as exc:  # a broken predicate fails its waiter, not the server
                future.set_exception(exc)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._json(ApiError(401, "Unauthorized").body(), 401)
        stored = self._file_paths.get(request.match_info["path"])
        if stored is None:
            return self._json(ApiError(404, "Not Found").body(), 404)
        return web.Response(body=stored.data, content_type="application/octet-stream")

    # ----------------------------------------------------------------- internals: checks

    def _chat(self, params: Params, key: str = "chat_id") -> _Chat:
        raw = params.get(key)
        if raw is None or raw == "":
            raise _bad(f"{key} is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            for chat in self._chats.values():
                if chat.obj.get("username", "").lower() == raw[1:].lower():
                    return chat
            raise _bad("chat not found")
        chat_found = self._chats.get(_as_int(raw, key))
        if chat_found is None:
            raise _bad("chat not found")
        return chat_found

    def _target(self, params: Params) -> _Chat:
        """The chat a send or edit goes to: known, and not blocking the bot."""
        chat = self._chat(params)
        if chat.id in self._blocked:
            raise ApiError(403, BLOCKED)
        return chat

    def _throttle(self, chat_id: int) -> None:
        """Rate emulator: refuse with 429 when either bucket is empty, else take a token."""
        if self._global_bucket is None and self._chat_rate is None:
            return
        now = time.monotonic()
        wait = 0.0
        buckets: list[_Bucket] = []
        if self._global_bucket is not None:
            buckets.append(self._global_bucket)
        if self._chat_rate is not None:
            rate, capacity = self._chat_rate
            bucket = self._chat_buckets.get(chat_id)
            if bucket is None:
                bucket = self._chat_buckets[chat_id] = _Bucket(rate, capacity, capacity, now)
            buckets.append(bucket)
        for bucket in buckets:
            wait = max(wait, bucket.wait(now))
        if wait > 0:
            raise _retry_after(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.tokens -= 1

    def _format(
        self,
        params: Params,
        text_key: str,
        entities_key: str,
        limit: int,
        *,
        required: bool,
    ) -> ParsedText | None:
        """Parse text or caption like Telegram, enforcing emptiness and length limits."""
        source = params.get(text_key)
        if source is None or source == "":
            if required:
                raise _bad("message text is empty")
            return None
        source = str(source)
        explicit = params.get(entities_key)
        try:
            if isinstance(explicit, list):
                parsed = ParsedText(source, explicit)
            else:
                parsed = parse_text(source, params.get("parse_mode"))
        except EntityParseError as exc:
            raise _bad(f"can't parse entities: {exc}") from None
        except UnsupportedParseModeError:
            raise _bad("unsupported parse_mode") from None
        if not parsed.text.strip():
            if required:
                raise _bad("message text is empty")
            return None
        if parsed.length > limit:
            raise _bad("message is too long" if required else "message caption is too long")
        return parsed

    def _markup(self, params: Params, *, inline_only: bool = False) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            self._check_inline_keyboard(markup["inline_keyboard"])
            return markup
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('field "keyboard" of the ReplyKeyboardMarkup should be an Array')
            for row in rows:
                for button in row:
                    text = button.get("text") if isinstance(button, dict) else button
                    if not text or not isinstance(text, str):
                        raise _bad("keyboard button text is empty")
            return markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise _bad("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _check_inline_keyboard(rows: Any) -> None:
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        total = 0
        for row in rows:
            total += len(row)
            if len(row) > MAX_ROW_BUTTONS or total > MAX_BUTTONS:
                raise _bad("reply markup is too long")
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise _bad("text buttons are unallowed in the inline keyboard")
                actions = [k for k in _INLINE_ACTIONS if k in button]
                if not actions:
                    raise _bad("text buttons are unallowed in the inline keyboard")
                if len(actions) > 1:
                    raise _bad(f"inline keyboard button has more than one action: {actions}")
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                        raise _bad("BUTTON_DATA_INVALID")
                if "url" in button:
                    url = button["url"]
                    if not isinstance(url, str) or not url.startswith(
                        ("http://", "https://", "tg://")
                    ):
                        raise _bad("BUTTON_URL_INVALID")
                style = button.get("style")
                if style is not None and style not in _BUTTON_STYLES:
                    raise _bad("BUTTON_STYLE_INVALID")

    def _existing(self, chat: _Chat, params: Params, missing: str) -> ChatMessage:
        message_id = _as_int(_required(params, "message_id"), "message_id")
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise _bad(missing)
        return message

    def _editable(self, chat: _Chat, params: Params) -> ChatMessage:
        message = self._existing(chat, params, "message to edit not found")
        if not message.from_bot or self._clock() - message.date > EDIT_WINDOW:
            raise _bad("message can't be edited")
        return message

    def _media(self, params: Params, key: str, kind: str, uploads: Mapping[str, _Upload]) -> Any:
        """Resolve a file_id, URL or multipart upload; returns the stored file or a URL string."""
        value = params.get(key)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise _bad(f"there is no {key} in the request")
            return upload
        if key in uploads:
            return uploads[key]
        if not value:
            raise _bad(f"there is no {key} in the request")
        if not isinstance(value, str):
            raise _bad(f"wrong type of the {key} field")
        if value.startswith(("http://", "https://")):
            return value
        stored = self._files.get(value)
        if stored is None:
            raise _bad("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise _bad(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        return stored

    # ----------------------------------------------------------------- internals: sending

    def _deliver(
        self,
        chat: _Chat,
        params: Params,
        method: str,
        kind: str,
        content: dict[str, Any],
        parsed: ParsedText | None,
        markup: dict[str, Any] | None,
    ) -> ChatMessage:
        """The last step of every send: rate limit, then the message exists in the chat."""
        self._throttle(chat.id)
        if parsed is not None:
            key = "text" if kind == "text" else "caption"
            content[key] = parsed.text
            if parsed.entities:
                content["entities" if kind == "text" else "caption_entities"] = parsed.entities
        if _flag(params, "protect_content"):
            content["has_protected_content"] = True
        inline = _normalize_markup(markup)
        if inline is not None:
            content["reply_markup"] = inline
        reply_to = params.get("reply_parameters") or {}
        reply_id = reply_to.get("message_id") if isinstance(reply_to, dict) else None
        reply_id = reply_id or params.get("reply_to_message_id")
        if reply_id is not None:
            replied = chat.messages.get(_as_int(reply_id, "message_id"))
            if replied is not None and not replied.deleted:
                content["reply_to_message"] = {
                    k: v for k, v in replied.raw.items() if k != "reply_to_message"
                }
        message = self._new_message(
            chat, sender=self.bot_user, from_bot=True, kind=kind, content=content, method=method
        )
        source_key = "text" if kind == "text" else "caption"
        message.source_text = params.get(source_key) if parsed is not None else None
        message.parse_mode = params.get("parse_mode") if parsed is not None else None
        message.reply_markup = markup
        message.protect_content = _flag(params, "protect_content")
        message.disable_notification = _flag(params, "disable_notification")
        preview = params.get("link_preview_options")
        message.link_preview_disabled = _flag(params, "disable_web_page_preview") or (
            isinstance(preview, dict) and preview.get("is_disabled") is True
        )
        if markup is not None and "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup is not None and markup.get("remove_keyboard"):
            chat.reply_keyboard = None
        return message

    def _stored_media(
        self, resolved: Any, kind: str, default_name: str
    ) -> tuple[dict[str, Any] | list[dict[str, Any]], str]:
        """Content for a photo or document from a stored file, an upload or a URL."""
        if isinstance(resolved, _StoredFile):
            if kind == "photo":
                size = {
                    "file_id": resolved.file_id, "file_unique_id": resolved.file_unique_id,
                    "width": 800, "height": 600, "file_size": len(resolved.data),
                }  # fmt: skip
                return [size], resolved.file_id
            return {
                "file_id": resolved.file_id, "file_unique_id": resolved.file_unique_id,
                "file_size": len(resolved.data),
            }, resolved.file_id  # fmt: skip
        if isinstance(resolved, _Upload):
            data, name, mime = resolved.data, resolved.filename, resolved.content_type
        else:
            data, name, mime = b"", str(resolved).rsplit("/", 1)[-1] or default_name, ""
        if kind == "photo":
            sizes = self._new_photo(data)
            return sizes, sizes[-1]["file_id"]
        document = self._new_document(
            data, name or default_name, mime or "application/octet-stream"
        )
        return document, document["file_id"]

    # ----------------------------------------------------------------- Bot API methods

    def _handler_table(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendLocation": self._send_location,
            "sendChatAction": self._send_chat_action,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": self._set_my_description,
            "getMyDescription": self._get_my_description,
            "setMyShortDescription": self._set_my_short_description,
            "getMyShortDescription": self._get_my_short_description,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getFile": self._get_file,
        }

    async def _true(self, params: Params, uploads: dict[str, _Upload]) -> bool:
        return True

    async def _get_me(self, params: Params, uploads: dict[str, _Upload]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Params, uploads: dict[str, _Upload]) -> list[Any]:
        if self.webhook.get("url"):
            raise ApiError(409, CONFLICT_WEBHOOK)
        offset = params.get("offset")
        limit = _as_int(params.get("limit", 100), "limit")
        limit = 100 if limit <= 0 else min(limit, 100)
        timeout = max(_as_int(params.get("timeout", 0), "timeout"), 0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        self.polls_started += 1
        self._wake_poller(_CONFLICT)  # a poll already waiting is terminated, as on Telegram
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[str] = loop.create_future()
        self._poller = waiter
        try:
            if offset is not None:
                self._confirm(_as_int(offset, "offset"))
            batch = self._collect(limit)
            deadline = loop.time() + timeout
            while not batch and not self._closing:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                done, _ = await asyncio.wait({waiter}, timeout=remaining)
                if not done:
                    break
                outcome = waiter.result()
                if outcome == _CONFLICT:
                    raise ApiError(409, CONFLICT_POLL)
                if outcome == _STOP:
                    break
                waiter = loop.create_future()
                self._poller = waiter
                batch = self._collect(limit)
        finally:
            if self._poller is waiter:
                self._poller = None
        if batch:
            self._delivered_upto = max(self._delivered_upto, batch[-1]["update_id"])
        return batch

    def _confirm(self, offset: int) -> None:
        """An update is confirmed once getUpdates is called with a higher offset."""
        queue = self._updates
        if offset < 0:
            while len(queue) > -offset:
                queue.popleft()
            return
        while queue and queue[0]["update_id"] < offset:
            queue.popleft()

    def _wanted(self, update: Mapping[str, Any]) -> bool:
        kind = _update_type(update)
        if self._allowed_updates is None:
            return kind not in _DEFAULT_EXCLUDED_UPDATES
        return kind in self._allowed_updates

    def _collect(self, limit: int) -> list[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        unwanted = False
        for update in self._updates:
            if len(batch) >= limit:
                break
            if self._wanted(update):
                batch.append(update)
            else:
                unwanted = True
        if unwanted:  # Telegram never stores updates of types the bot did not ask for
            self._updates = deque(u for u in self._updates if self._wanted(u))
        return batch

    async def _set_webhook(self, params: Params, uploads: dict[str, _Upload]) -> bool:
        url = params.get("url") or ""
        if url and not str(url).startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = {k: v for k, v in params.items() if k != "certificate"} if url else {}
        if _flag(params, "drop_pending_updates"):
            self._updates.clear()
        self._wake_poller(_CONFLICT)
        return True

    async def _delete_webhook(self, params: Params, uploads: dict[str, _Upload]) -> bool:
        self.webhook = {}
        if _flag(params, "drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(
        self, params: Params, uploads: dict[str, _Upload]
    ) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook.get("allowed_updates"):
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    async def _send_message(self, params: Params, uploads: dict[str, _Upload]) -> dict[str, Any]:
        chat = self._target(params)
        parsed = self._format(params, "text", "entities", MAX_TEXT, required=True)
        markup = self._markup(params)
        message = self._deliver(chat, params, "sendMessage", "text", {}, parsed, markup)
        return message.raw

    async def _send_photo(self, params: Params, uploads: dict[str, _Upload]) -> dict[str, Any]:
        return self._send_file(params, uploads, "photo", "sendPhoto")

    async def _send_document(self, params: Params, uploads: dict[str, _Upload]) -> dict[str, Any]:
        return self._send_file(params, uploads, "document", "sendDocument")

    def _send_file(
        self, params: Params, uploads: dict[str, _Upload], kind: str, method: str
    ) -> dict[str, Any]:
        chat = self._target(params)
        resolved = self._media(params, kind, kind, uploads)
        parsed = self._format(params, "caption", "caption_entities", MAX_CAPTION, required=False)
        markup = self._markup(params)
        media, file_id = self._stored_media(resolved, kind, f"{kind}.bin")
        message = self._deliver(chat, params, method, kind, {kind: media}, parsed, markup)
        message.file_id = file_id
        return message.raw

    async def _send_location(self, params: Params, uploads: dict[str, _Upload]) -> dict[str, Any]:
        chat = self._target(params)
        try:
            latitude = float(_required(params, "latitude"))
            longitude = float(_required(params, "longitude"))
        except (TypeError, ValueError):
            raise _bad("wrong latitude or longitude specified") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise _bad("wrong latitude or longitude specified")
        content = {"location": {"latitude": latitude, "longitude": longitude}}
        markup = self._markup(params)
        message = self._deliver(chat, params, "sendLocation", "location", content, None, markup)
        return message.raw

    async def _send_chat_action(self, params: Params, uploads: dict[str, _Upload]) -> bool:
        self._target(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _source(self, params: Params, missing: str) -> ChatMessage:
        from_chat = self._chat(params, "from_chat_id")
        source = self._existing(from_chat, params, missing)
        if source.protect_content or source.raw.get("has_protected_content"):
            raise _bad("message has protected content and can't be forwarded")
        return source

    @staticmethod
    def _copied_content(source: ChatMessage) -> dict[str, Any]:
        keys = ("text", "entities", "caption", "caption_entities", "photo", "document",
                "location", "sticker", "contact")  # fmt: skip
        return {k: source.raw[k] for k in keys if k in source.raw}

    async def _copy_message(self, params: Params, uploads: dict[str, _Upload]) -> dict[str, Any]:
        chat = self._target(params)
        source = self._source(params, "message to copy not found")
        content = self._copied_content(source)
        parsed = None
        if "caption" in params and source.kind != "text":
            content.pop("caption", None)
            content.pop("caption_entities", None)
            parsed = self._format(
                params, "caption", "caption_entities", MAX_CAPTION, required=False
            )
        markup = self._markup(params)
        message = self._deliver(chat, params, "copyMessage", source.kind, content, parsed, markup)
        message.file_id = source.file_id
        if parsed is None:
            message.source_text = source.text
        return {"message_id": message.message_id}

    async def _forward_message(self, params: Params, uploads: dict[str, _Upload]) -> dict[str, Any]:
        chat = self._target(params)
        source = self._source(params, "message to forward not found")
        content = self._copied_content(source)
        sender = source.raw.get("from", self.bot_user)
        content["forward_origin"] = {"type": "user", "sender_user": sender, "date": source.date}
        message = self._deliver(chat, params, "forwardMessage", source.kind, content, None, None)
        message.file_id = source.file_id
        message.source_text = source.text
        return message.raw

    def _touch(self, message: ChatMessage) -> dict[str, Any]:
        message.edited += 1
        message.raw["edit_date"] = int(self._clock())
        return message.raw

    def _apply_markup(self, message: ChatMessage, markup: dict[str, Any] | None) -> None:
        message.reply_markup = markup
        inline = _normalize_markup(markup)
        if inline is None:
            message.raw.pop("reply_markup", None)
        else:
            message.raw["reply_markup"] = inline

    async def _edit_message_text(self, params: Params, uploads: dict[str, _Upload]) -> Any:
        if params.get("inline_message_id"):
            self._format(params, "text", "entities", MAX_TEXT, required=True)
            return True
        chat = self._target(params)
        message = self._editable(chat, params)
        if message.kind != "text":
            raise _bad("there is no text in the message to edit")
        parsed = self._format(params, "text", "entities", MAX_TEXT, required=True)
        assert parsed is not None  # required=True never returns None
        markup = self._markup(params, inline_only=True)
        if (parsed.text, parsed.entities, _normalize_markup(markup)) == (
            message.text,
            message.entities,
            _normalize_markup(message.reply_markup),
        ):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.text = message.raw["text"] = parsed.text
        message.entities = parsed.entities
        message.raw.pop("entities", None)
        if parsed.entities:
            message.raw["entities"] = parsed.entities
        message.source_text = params.get("text")
        message.parse_mode = params.get("parse_mode")
        self._apply_markup(message, markup)
        return self._touch(message)

    async def _edit_message_caption(self, params: Params, uploads: dict[str, _Upload]) -> Any:
        if params.get("inline_message_id"):
            return True
        chat = self._target(params)
        message = self._editable(chat, params)
        if message.kind == "text":
            raise _bad("there is no caption in the message to edit")
        parsed = self._format(params, "caption", "caption_entities", MAX_CAPTION, required=False)
        markup = self._markup(params, inline_only=True)
        text = parsed.text if parsed else None
        entities = parsed.entities if parsed else []
        if (text, entities, _normalize_markup(markup)) == (
            message.text,
            message.entities,
            _normalize_markup(message.reply_markup),
        ):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.text, message.entities = text, entities
        message.source_text = params.get("caption")
        message.parse_mode = params.get("parse_mode")
        for key in ("caption", "caption_entities"):
            message.raw.pop(key, None)
        if text is not None:
            message.raw["caption"] = text
        if entities:
            message.raw["caption_entities"] = entities
        self._apply_markup(message, markup)
        return self._touch(message)

    async def _edit_message_reply_markup(self, params: Params, uploads: dict[str, _Upload]) -> Any:
        if params.get("inline_message_id"):
            return True
        chat = self._target(params)
        message = self._editable(chat, params)
        markup = self._markup(params, inline_only=True)
        if _normalize_markup(markup) == _normalize_markup(message.reply_markup):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        self._apply_markup(message, markup)
        return self._touch(message)

    def _delete_one(self, chat: _Chat, message_id: int, *, strict: bool) -> bool:
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            if strict:
                raise _bad("message to delete not found")
            return False
        if self._clock() - message.date > EDIT_WINDOW:
            if strict:
                raise _bad("message can't be deleted for everyone")
            return False
        message.deleted = True
        return True

    async def _delete_message(self, params: Params, uploads: dict[str, _Upload]) -> bool:
        chat = self._chat(params)
        message_id = _as_int(_required(params, "message_id"), "message_id")
        return self._delete_one(chat, message_id, strict=True)

    async def _delete_messages(self, params: Params, uploads: dict[str, _Upload]) -> bool:
        chat = self._chat(params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise _bad("message_ids must contain 1-100 message identifiers")
        for message_id in ids:  # missing ones are skipped, as Telegram documents
            self._delete_one(chat, _as_int(message_id, "message_ids"), strict=False)
        return True

    async def _answer_callback_query(self, params: Params, uploads: dict[str, _Upload]) -> bool:
        query_id = str(_required(params, "callback_query_id"))
        if self._open_queries.get(query_id) != "callback_query":
            raise _bad(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        text = params.get("text") or ""
        if utf16_len(text) > MAX_CALLBACK_ANSWER:
            raise _bad("MESSAGE_TOO_LONG")
        del self._open_queries[query_id]
        self.callback_answers[query_id] = params
        return True

    async def _answer_inline_query(self, params: Params, uploads: dict[str, _Upload]) -> bool:
        query_id = str(_required(params, "inline_query_id"))
        if self._open_queries.get(query_id) != "inline_query":
            raise _bad(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad("can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise _bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            result_id = result.get("id") if isinstance(result, dict) else None
            if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= 64:
                raise _bad("RESULT_ID_INVALID")
            if result_id in seen:
                raise _bad("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            if not result.get("type"):
                raise _bad("can't parse inline query result: type is empty")
        del self._open_queries[query_id]
        self.inline_answers[query_id] = params
        return True

    def _commands_key(self, params: Params) -> tuple[str, str]:
        scope = params.get("scope")
        if scope is not None and not isinstance(scope, dict):
            raise _bad("can't parse BotCommandScope JSON object")
        return self._scope_key(scope), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: Params, uploads: dict[str, _Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        stored: list[dict[str, str]] = []
        for item in commands:
            command = item.get("command") if isinstance(item, dict) else None
            description = item.get("description") if isinstance(item, dict) else None
            if not isinstance(command, str) or not _COMMAND_RE.fullmatch(command):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            stored.append({"command": command, "description": description})
        key = self._commands_key(params)
        if stored:
            self._commands[key] = stored
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(
        self, params: Params, uploads: dict[str, _Upload]
    ) -> list[dict[str, str]]:
        return list(self._commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: Params, uploads: dict[str, _Upload]) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _set_text_setting(self, params: Params, kind: str, limit: int) -> bool:
        text = str(params.get(kind) or "")
        if len(text) > limit:
            raise _bad(f"{kind.replace('_', ' ')} is too long")
        key = (kind, str(params.get("language_code") or ""))
        if text:
            self._descriptions[key] = text
        else:
            self._descriptions.pop(key, None)
        return True

    async def _set_my_description(self, params: Params, uploads: dict[str, _Upload]) -> bool:
        return self._set_text_setting(params, "description", 512)

    async def _set_my_short_description(self, params: Params, uploads: dict[str, _Upload]) -> bool:
        return self._set_text_setting(params, "short_description", 120)

    async def _get_my_description(
        self, params: Params, uploads: dict[str, _Upload]
    ) -> dict[str, str]:
        return {"description": self.description(str(params.get("language_code") or ""))}

    async def _get_my_short_description(
        self, params: Params, uploads: dict[str, _Upload]
    ) -> dict[str, str]:
        language = str(params.get("language_code") or "")
        return {"short_description": self.description(language, short=True)}

    async def _set_chat_menu_button(self, params: Params, uploads: dict[str, _Upload]) -> bool:
        chat_id = params.get("chat_id")
        key = None if chat_id is None else self._chat(params).id
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "default", "commands", "web_app",
        ):  # fmt: skip
            raise _bad("can't parse menu button JSON object")
        self._menu_buttons[key] = button
        return True

    async def _get_chat_menu_button(
        self, params: Params, uploads: dict[str, _Upload]
    ) -> dict[str, Any]:
        key = None if params.get("chat_id") is None else self._chat(params).id
        return self._menu_buttons.get(key) or self._menu_buttons.get(None) or {"type": "commands"}

    async def _get_chat(self, params: Params, uploads: dict[str, _Upload]) -> dict[str, Any]:
        chat = self._chat(params)
        return {
            **chat.obj,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                "premium_subscription": False, "gifts_from_channels": False,
            },
        }  # fmt: skip

    async def _get_chat_member(self, params: Params, uploads: dict[str, _Upload]) -> dict[str, Any]:
        chat = self._chat(params)
        user_id = _as_int(_required(params, "user_id"), "user_id")
        if user_id == self.bot_user["id"]:
            if chat.id in self._blocked:
                return {"status": "kicked", "user": self.bot_user, "until_date": 0}
            return {"status": "member", "user": self.bot_user}
        user = self.users.get(user_id)
        if user is None:
            raise _bad("user not found")
        return {"status": "member", "user": user}

    async def _get_file(self, params: Params, uploads: dict[str, _Upload]) -> dict[str, Any]:
        stored = self._files.get(str(_required(params, "file_id")))
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    # ----------------------------------------------------------------- control API

    async def _handle_control(self, request: web.Request) -> web.StreamResponse:
        """`/_control/{action}`: the same operations as the Python API, for another process."""
        action = request.match_info["action"]
        try:
            body: dict[str, Any] = {}
            if request.method == "POST" and request.can_read_body:
                loaded = await request.json()
                if not isinstance(loaded, dict):
                    raise ValueError("the body must be a JSON object")
                body = loaded
            query = dict(request.query)
            result = await self._control(action, body, query)
        except (ValueError, KeyError, TypeError) as exc:
            return self._json({"ok": False, "description": f"{type(exc).__name__}: {exc}"}, 400)
        except TimeoutError as exc:
            return self._json({"ok": False, "description": str(exc)}, 408)
        if result is _UNKNOWN_ACTION:
            return self._json({"ok": False, "description": f"unknown action {action!r}"}, 404)
        return self._json({"ok": True, "result": result})

    async def _control(self, action: str, body: dict[str, Any], query: dict[str, str]) -> Any:
        if action == "user":
            return self.add_user(**body)
        if action == "chat":
            return self.add_chat(**body)
        if action == "message":
            if isinstance(body.get("location"), list):
                body["location"] = tuple(body["location"])
            return self.push_message(**body)
        if action == "edited_message":
            return self.push_edited_message(**body)
        if action == "callback":
            return self.push_callback(**body)
        if action == "press":
            return self.press_button(**body)
        if action == "inline":
            return self.push_inline_query(**body)
        if action == "my_chat_member":
            return self.push_my_chat_member(**body)
        if action == "raw":
            return self.push_raw(body.get("update", body))
        if action == "reset":
            self.reset()
            return True
        if action == "faults":
            self._apply_faults(body)
            return True
        if action == "calls":
            since = int(query.get("since", body.get("since", 0)))
            return {"calls": [c.to_dict() for c in self.calls[since:]], "next": len(self.calls)}
        if action == "messages":
            return [
                m.to_dict() for m in self.messages(int(query.get("chat_id") or body["chat_id"]))
            ]
        if action == "chat_log":
            chat_id = int(query.get("chat_id") or body["chat_id"])
            return [m.to_dict() for m in self.chat_log(chat_id)]
        if action == "wait_idle":
            await self.wait_idle(float(body.get("quiet", 0.3)), float(body.get("timeout", 10.0)))
            return True
        if action == "stats":
            return {
                "calls": len(self.calls),
                "pending_updates": len(self._updates),
                "delivered_upto": self._delivered_upto,
                "next_update_id": self._next_update_id,
                "in_flight": self._in_flight,
            }
        return _UNKNOWN_ACTION

    def _apply_faults(self, body: Mapping[str, Any]) -> None:
        """`{"fail_next": {...}, "drop_next": {...}, "block": id|[ids], "unblock": ...,
        "latency": {"seconds", "method"}, "rate_limit": {...}, "fault_rate": {...}}`."""
        known = {"fail_next", "drop_next", "block", "unblock", "latency", "rate_limit",
                 "fault_rate"}  # fmt: skip
        unknown = set(body) - known
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)}")
        if "fail_next" in body:
            self.fail_next(**body["fail_next"])
        if "drop_next" in body:
            self.drop_next(**body["drop_next"])
        for key, apply in (("block", self.block_chat), ("unblock", self.unblock_chat)):
            if key in body:
                ids = body[key] if isinstance(body[key], list) else [body[key]]
                for chat_id in ids:
                    apply(int(chat_id))
        if "latency" in body:
            self.set_latency(**body["latency"])
        if "rate_limit" in body:
            self.set_rate_limit(**body["rate_limit"])
        if "fault_rate" in body:
            self.set_fault_rate(**body["fault_rate"])
