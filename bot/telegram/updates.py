"""Updates are validated one at a time, so that one the library cannot parse is skipped.

aiogram validates a whole getUpdates batch as one `list[Update]`. A single update it rejects
(a forward from a hidden user without `sender_user_name`, aiogram issue #1840, or any type a
newer Bot API adds to a union) fails the batch, and polling retries the same batch forever while
logging it whole: other people's ids, names and texts. Here each update is validated on its own;
one that fails, or that has no type this aiogram knows, becomes a `SkippedUpdate` placeholder that
keeps only its id. The placeholder still passes through polling, so the next getUpdates offset
moves past it even when it was last in its batch, and `handlers.middlewares.UpdateContext` drops
it before any handler (or aiogram's own "unknown update type" warning, which dumps the update)
sees it.

The same `UpdateGate.parse` serves a webhook: validate the posted update, answer 200 for a
skipped one.
"""

from __future__ import annotations

import json
import logging
import re
from collections import OrderedDict
from http import HTTPStatus
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import InlineKeyboardMarkup, InputFile, Update
from aiogram.types.update import UpdateTypeLookupError
from aiohttp import FormData
from aiohttp.payload import BytesPayload
from pydantic import ValidationError

from bot.logs import fields
from bot.services.health import Liveness

log = logging.getLogger("helpline.updates")

MARKUP_CACHE = 512  # keyboard objects whose Bot API form is kept (menus and lists are reused)

# A field path element is logged only if it looks like a schema name or an index: never a value.
_SAFE_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,47}")


class SkippedUpdate(Update):
    """What is left of an update that could not be parsed: its id, nothing else."""


def _path(loc: tuple[Any, ...]) -> str:
    parts = []
    for part in loc:
        if isinstance(part, int):
            parts.append(str(part))
        elif isinstance(part, str) and _SAFE_PART.fullmatch(part):
            parts.append(part)
        else:
            parts.append("?")
    return ".".join(parts) or "?"


def _without_pressed_keyboard(raw: dict[str, Any]) -> dict[str, Any]:
    """A button press carries the whole message it was under, keyboard and all. No handler reads
    that keyboard, and validating its buttons into models cost more than handling the press."""
    query = raw.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message")
        if isinstance(message, dict) and "reply_markup" in message:
            message = {key: value for key, value in message.items() if key != "reply_markup"}
            return {**raw, "callback_query": {**query, "message": message}}
    return raw


class UpdateGate:
    """Validates raw updates one by one and counts the ones it skips; its `liveness` hears of
    every successful getUpdates (`helpline-bot status` shows the last one)."""

    def __init__(self, liveness: Liveness | None = None) -> None:
        self.skipped = 0
        self.liveness = liveness if liveness is not None else Liveness()

    def parse(self, raw: Any, bot: Bot | None = None) -> Update | None:
        """The update, a `SkippedUpdate` when it cannot be handled, or None without an id."""
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            self._skip(None, "update_id", "missing")
            return None
        try:
            update = Update.model_validate(_without_pressed_keyboard(raw), context={"bot": bot})
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_context=False, include_input=False)
            loc, kind = (errors[0]["loc"], errors[0]["type"]) if errors else ((), "?")
            self._skip(update_id, _path(tuple(loc)), kind)
            return SkippedUpdate(update_id=update_id)
        try:
            update.event_type  # noqa: B018 - raises for a type this aiogram does not know
        except UpdateTypeLookupError:
            unknown = next((k for k in raw if k != "update_id"), "?")
            self._skip(update_id, _path((unknown,)), "unknown_update_type")
            return SkippedUpdate(update_id=update_id)
        return update

    def parse_batch(self, items: list[Any], bot: Bot | None = None) -> list[Update]:
        return [u for u in (self.parse(item, bot) for item in items) if u is not None]

    def _skip(self, update_id: int | None, path: str, problem: str) -> None:
        self.skipped += 1
        log.warning(
            "update skipped: the library cannot parse it",
            extra=fields(update_id=update_id, field=path, problem=problem),
        )


class TolerantSession(AiohttpSession):
    """An aiohttp session whose getUpdates answers go through an `UpdateGate`.

    Two savings on every screen with buttons, the costliest part of most replies:
    - requests go as one JSON body (the Bot API takes it for any method without a file upload)
      instead of a form whose keyboard is JSON again inside it and then percent-encoded byte by
      byte; a keyboard object the bot reuses (menus, the topics list) is prepared once;
    - the keyboard Telegram echoes back in a sent or edited message is dropped before aiogram
      validates the answer: the bot never reads it back.
    """

    def __init__(self, gate: UpdateGate, **kwargs: Any) -> None:
        super().__init__(json_loads=_loads_without_echoed_keyboard, **kwargs)
        self.gate = gate
        self._markups: OrderedDict[int, tuple[InlineKeyboardMarkup, str]] = OrderedDict()
        # aiogram validates each answer as Response[<the method's result type>]; pydantic keeps
        # such parametrized classes only weakly, so without a reference here one was rebuilt
        # (schema and all, ~1 ms) every few updates when the collector had dropped it.
        self._response_types: dict[type[TelegramMethod[Any]], Any] = {}

    def build_form_data(  # type: ignore[override]
        self, bot: Bot, method: TelegramMethod[TelegramType]
    ) -> FormData | BytesPayload:
        markup = getattr(method, "reply_markup", None)
        reuse = isinstance(markup, InlineKeyboardMarkup)
        files: dict[str, InputFile] = {}
        body: dict[str, Any] = {}
        dumped = method.model_dump(warnings=False, exclude={"reply_markup"} if reuse else None)
        for key, value in dumped.items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None:
                body[key] = prepared
        if files:  # an upload needs multipart: aiogram's own form
            return super().build_form_data(bot, method)
        text = self.json_dumps(body)
        if isinstance(markup, InlineKeyboardMarkup):
            # The keyboard's JSON is made once per keyboard object and spliced in as the last
            # field: `text` is a JSON object, "{...}".
            keyboard = self._keyboard_json(bot, markup)
            text = f'{text[:-1]}{", " if body else ""}"reply_markup": {keyboard}}}'
        return BytesPayload(text.encode(), content_type="application/json")

    def _keyboard_json(self, bot: Bot, markup: InlineKeyboardMarkup) -> str:
        """The keyboard as the Bot API wants it, in JSON, kept for the last MARKUP_CACHE
        objects (each held, so its id cannot be reused while it is a key)."""
        entry = self._markups.get(id(markup))
        if entry is not None and entry[0] is markup:
            self._markups.move_to_end(id(markup))
            return entry[1]
        prepared = self.prepare_value(markup, bot=bot, files={}, _dumps_json=False)
        keyboard = self.json_dumps(prepared)
        self._markups[id(markup)] = (markup, keyboard)
        if len(self._markups) > MARKUP_CACHE:
            self._markups.popitem(last=False)
        return keyboard

    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str,
    ) -> Response[TelegramType]:
        if type(method) not in self._response_types:
            self._response_types[type(method)] = Response[method.__returning__]  # type: ignore[name-defined]
        if isinstance(method, GetUpdates) and HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED:
            try:
                data = self.json_loads(content)
            except Exception:  # the base class raises its usual decode error
                data = None
            if isinstance(data, dict) and data.get("ok") is True:
                self.gate.liveness.saw_updates()  # an empty answer is a working fetch too
                result = data.get("result")
                if isinstance(result, list):
                    updates = self.gate.parse_batch(result, bot)
                    return Response[list[Update]].model_construct(  # type: ignore[return-value]
                        ok=True, result=updates
                    )
        return super().check_response(bot, method, status_code, content)


def _loads_without_echoed_keyboard(content: str | bytes) -> Any:
    data = json.loads(content)
    if isinstance(data, dict):
        result = data.get("result")
        if isinstance(result, dict):  # a Message (or another object); getUpdates gives a list
            result.pop("reply_markup", None)
    return data
