"""What every part of the stand-in shares: Telegram's limits and wording, errors, parameters.

The bot only ever sees HTTP answers, so the stand-in answers with Telegram's status codes and
descriptions (engineering notes §1.2); the constants here are those descriptions, word for word.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_COPY_TEXT = 256  # CopyTextButton.text: 1-256 characters
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
        "text",
        "caption",
        "parse_mode",
        "action",
        "callback_query_id",
        "inline_query_id",
        "description",
        "short_description",
        "name",
        "language_code",
        "url",
        "secret_token",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "next_offset",
        "photo",
        "document",
        "sticker",
        "audio",
        "video",
        "voice",
        "animation",
        "video_note",
        "inline_message_id",
        "file_id",
        "emoji",
        "title",
        "address",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "query",
        "data",
        "custom_emoji_id",
        "thumbnail",
        "switch_pm_text",
        "switch_pm_parameter",
    }
)
# The action fields of an inline keyboard button, in Telegram's order: exactly one is set.
INLINE_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
    "disabled",
)

Params = dict[str, Any]


@dataclass
class Upload:
    """A file sent in a multipart request."""

    filename: str
    content_type: str
    data: bytes


# A Bot API method: decoded parameters and uploads in, the answer's `result` out.
Handler = Callable[[Params, dict[str, Upload]], Awaitable[Any]]


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


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def phrase(status: int) -> str:
    """The HTTP reason phrase, which is what Telegram says for a bare 5xx."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def too_many_requests(seconds: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


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


async def read_params(request: web.Request) -> tuple[Params, dict[str, Upload]]:
    """A request's parameters from its query string, JSON body or form, as Telegram reads them."""
    params: Params = {k: _decode_value(k, v) for k, v in request.query.items()}
    uploads: dict[str, Upload] = {}
    if request.method != "POST" or not request.can_read_body:
        return params, uploads
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(body, dict):
            raise bad_request("can't parse JSON object")
        params.update((k, _decode_value(k, v)) for k, v in body.items())
        return params, uploads
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            uploads[key] = Upload(value.filename, value.content_type, value.file.read())
        elif isinstance(value, bytes | bytearray):
            params[key] = _decode_value(key, bytes(value).decode("utf-8", "replace"))
        else:
            params[key] = _decode_value(key, value)
    return params, uploads


_dumps = functools.partial(json.dumps, ensure_ascii=False)


def json_response(body: Any, status: int = 200) -> web.Response:
    """Telegram answers JSON with non-ASCII text as is."""
    return web.json_response(body, status=status, dumps=_dumps)


def as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise bad_request(f"invalid {name} specified")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    raise bad_request(f"invalid {name} specified")


def flag(params: Params, name: str) -> bool:
    value = params.get(name)
    return value is True or value in ("true", "True", 1, "1")


def required_param(params: Params, name: str) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise bad_request(f"{name} is empty")
    return value


def normalize_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """An inline keyboard with no buttons is the same as none, as Telegram compares them."""
    if not markup or not markup.get("inline_keyboard"):
        return None
    return markup
