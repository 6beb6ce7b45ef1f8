"""Updates are validated one at a time, so that one the library cannot parse is skipped.

aiogram validates a whole getUpdates batch as one `list[Update]`. A single update it rejects
(a forward from a hidden user without `sender_user_name`, aiogram issue #1840, or any type a
newer Bot API adds to a union) fails the batch, and polling retries the same batch forever while
logging it whole: other people's ids, names and texts. Here each update is validated on its own;
one that fails, or that has no type this aiogram knows, becomes a `SkippedUpdate` placeholder that
keeps only its id. The placeholder still passes through polling, so the next getUpdates offset
moves past it even when it was last in its batch, and `SkippedUpdateMiddleware` drops it before
any handler (or aiogram's own "unknown update type" warning, which dumps the update) sees it.

The same `UpdateGate.parse` serves a webhook: validate the posted update, answer 200 for a
skipped one.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import TelegramObject, Update
from aiogram.types.update import UpdateTypeLookupError
from pydantic import ValidationError

from bot.logs import fields

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger("helpline.updates")

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


class UpdateGate:
    """Validates raw updates one by one and counts the ones it skips."""

    def __init__(self) -> None:
        self.skipped = 0

    def parse(self, raw: Any, bot: Bot | None = None) -> Update | None:
        """The update, a `SkippedUpdate` when it cannot be handled, or None without an id."""
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            self._skip(None, "update_id", "missing")
            return None
        try:
            update = Update.model_validate(raw, context={"bot": bot})
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

    It also drops the keyboard Telegram echoes back in a sent or edited message before aiogram
    validates the answer: the bot never reads it back, and validating a screen's dozen buttons
    into models cost more than handling the update that showed it.
    """

    def __init__(self, gate: UpdateGate, **kwargs: Any) -> None:
        super().__init__(json_loads=_loads_without_echoed_keyboard, **kwargs)
        self.gate = gate

    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str,
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates) and HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED:
            try:
                data = self.json_loads(content)
            except Exception:  # the base class raises its usual decode error
                data = None
            if isinstance(data, dict) and data.get("ok") is True:
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


Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class SkippedUpdateMiddleware(BaseMiddleware):
    """Drops skipped updates before any handler or aiogram's own lookup sees them."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, SkippedUpdate):
            return UNHANDLED
        return await handler(event, data)
