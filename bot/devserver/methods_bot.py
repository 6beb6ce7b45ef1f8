"""Bot API methods about the bot itself and its updates, not about messages.

getMe, getUpdates and the webhook, answers to callback and inline queries, the command menus and
descriptions, and reading chats, members and files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.content.telegram_html import utf16_len

from .methods_checks import find_chat
from .protocol import (
    CONFLICT_WEBHOOK,
    MAX_CALLBACK_ANSWER,
    MAX_INLINE_RESULTS,
    QUERY_TOO_OLD,
    ApiError,
    Handler,
    Params,
    Upload,
    as_int,
    bad_request,
    flag,
    required_param,
)
from .updates import Update, UpdateQueue
from .webhook import WebhookDelivery, deliverable
from .world import World

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_MENU_BUTTON_TYPES = ("default", "commands", "web_app")


def _scope_key(scope: Mapping[str, Any] | None) -> str:
    return json.dumps(dict(scope or {"type": "default"}), sort_keys=True)


class BotMethods:
    """The bot's own settings and updates, as Telegram keeps them."""

    def __init__(self, world: World, updates: UpdateQueue, delivery: WebhookDelivery) -> None:
        self.world = world
        self.updates = updates
        self.delivery = delivery
        self.reset()

    def reset(self) -> None:
        self.delivery.stop()
        self.delivery.reset()
        self.webhook: Params = {}
        self.callback_answers: dict[str, Params] = {}
        self.inline_answers: dict[str, Params] = {}
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}

    def table(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
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

    # ----------------------------------------------------------------- what tests read

    def commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        return list(self._commands.get((_scope_key(scope), language_code), []))

    def description(self, language_code: str = "", *, short: bool = False) -> str:
        kind = "short_description" if short else "description"
        return self._descriptions.get((kind, language_code), "")

    # ----------------------------------------------------------------- the bot and its updates

    async def _true(self, params: Params, uploads: dict[str, Upload]) -> bool:
        return True

    async def _get_me(self, params: Params, uploads: dict[str, Upload]) -> dict[str, Any]:
        return {
            **self.world.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Params, uploads: dict[str, Upload]) -> list[Update]:
        if self.webhook.get("url"):
            raise ApiError(409, CONFLICT_WEBHOOK)
        offset = params.get("offset")
        limit = as_int(params.get("limit", 100), "limit")
        limit = 100 if limit <= 0 else min(limit, 100)
        timeout = max(as_int(params.get("timeout", 0), "timeout"), 0)
        return await self.updates.poll(offset, limit, timeout, params.get("allowed_updates"))

    async def _set_webhook(self, params: Params, uploads: dict[str, Upload]) -> bool:
        url = str(params.get("url") or "")
        # Telegram wants https; loopback is the only network here, so the stand-in (only it)
        # also takes plain http to 127.0.0.1, and delivers only there.
        if url and not (url.startswith("https://") or deliverable(url)):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        self.webhook = {k: v for k, v in params.items() if k != "certificate"} if url else {}
        if flag(params, "drop_pending_updates"):
            self.updates.drop_pending()
        self.updates.terminate_poll()
        self.updates.set_allowed(params.get("allowed_updates"))
        if url:
            self.delivery.start(url, str(secret) if secret else None)
        else:
            self.delivery.stop()
        return True

    async def _delete_webhook(self, params: Params, uploads: dict[str, Upload]) -> bool:
        self.webhook = {}
        self.delivery.stop()
        if flag(params, "drop_pending_updates"):
            self.updates.drop_pending()
        return True

    async def _get_webhook_info(self, params: Params, uploads: dict[str, Upload]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": self.updates.pending,
        }
        if self.webhook.get("allowed_updates"):
            info["allowed_updates"] = self.webhook["allowed_updates"]
        if self.webhook.get("url"):
            info.update(self.delivery.info())
        return info

    # ----------------------------------------------------------------- answering queries

    async def _answer_callback_query(self, params: Params, uploads: dict[str, Upload]) -> bool:
        query_id = str(required_param(params, "callback_query_id"))
        if self.world.open_queries.get(query_id) != "callback_query":
            raise bad_request(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        text = params.get("text") or ""
        if utf16_len(text) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        del self.world.open_queries[query_id]
        self.callback_answers[query_id] = params
        return True

    async def _answer_inline_query(self, params: Params, uploads: dict[str, Upload]) -> bool:
        query_id = str(required_param(params, "inline_query_id"))
        if self.world.open_queries.get(query_id) != "inline_query":
            raise bad_request(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            result_id = result.get("id") if isinstance(result, dict) else None
            if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= 64:
                raise bad_request("RESULT_ID_INVALID")
            if result_id in seen:
                raise bad_request("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            if not result.get("type"):
                raise bad_request("can't parse inline query result: type is empty")
        del self.world.open_queries[query_id]
        self.inline_answers[query_id] = params
        return True

    # ----------------------------------------------------------------- commands and descriptions

    def _commands_key(self, params: Params) -> tuple[str, str]:
        scope = params.get("scope")
        if scope is not None and not isinstance(scope, dict):
            raise bad_request("can't parse BotCommandScope JSON object")
        return _scope_key(scope), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: Params, uploads: dict[str, Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        stored: list[dict[str, str]] = []
        for item in commands:
            command = item.get("command") if isinstance(item, dict) else None
            description = item.get("description") if isinstance(item, dict) else None
            if not isinstance(command, str) or not _COMMAND_RE.fullmatch(command):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            stored.append({"command": command, "description": description})
        key = self._commands_key(params)
        if stored:
            self._commands[key] = stored
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(
        self, params: Params, uploads: dict[str, Upload]
    ) -> list[dict[str, str]]:
        return list(self._commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: Params, uploads: dict[str, Upload]) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _set_text_setting(self, params: Params, kind: str, limit: int) -> bool:
        text = str(params.get(kind) or "")
        if len(text) > limit:
            raise bad_request(f"{kind.replace('_', ' ')} is too long")
        key = (kind, str(params.get("language_code") or ""))
        if text:
            self._descriptions[key] = text
        else:
            self._descriptions.pop(key, None)
        return True

    async def _set_my_description(self, params: Params, uploads: dict[str, Upload]) -> bool:
        return self._set_text_setting(params, "description", 512)

    async def _set_my_short_description(self, params: Params, uploads: dict[str, Upload]) -> bool:
        return self._set_text_setting(params, "short_description", 120)

    async def _get_my_description(
        self, params: Params, uploads: dict[str, Upload]
    ) -> dict[str, str]:
        return {"description": self.description(str(params.get("language_code") or ""))}

    async def _get_my_short_description(
        self, params: Params, uploads: dict[str, Upload]
    ) -> dict[str, str]:
        language = str(params.get("language_code") or "")
        return {"short_description": self.description(language, short=True)}

    async def _set_chat_menu_button(self, params: Params, uploads: dict[str, Upload]) -> bool:
        chat_id = params.get("chat_id")
        key = None if chat_id is None else find_chat(self.world, params).id
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in _MENU_BUTTON_TYPES:
            raise bad_request("can't parse menu button JSON object")
        self._menu_buttons[key] = button
        return True

    async def _get_chat_menu_button(
        self, params: Params, uploads: dict[str, Upload]
    ) -> dict[str, Any]:
        key = None if params.get("chat_id") is None else find_chat(self.world, params).id
        return self._menu_buttons.get(key) or self._menu_buttons.get(None) or {"type": "commands"}

    # ----------------------------------------------------------------- chats, members, files

    async def _get_chat(self, params: Params, uploads: dict[str, Upload]) -> dict[str, Any]:
        chat = find_chat(self.world, params)
        return {
            **chat.obj,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_chat_member(self, params: Params, uploads: dict[str, Upload]) -> dict[str, Any]:
        chat = find_chat(self.world, params)
        user_id = as_int(required_param(params, "user_id"), "user_id")
        bot_user = self.world.bot_user
        if user_id == bot_user["id"]:
            if chat.id in self.world.blocked:
                return {"status": "kicked", "user": bot_user, "until_date": 0}
            return {"status": "member", "user": bot_user}
        user = self.world.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        return {"status": "member", "user": user}

    async def _get_file(self, params: Params, uploads: dict[str, Upload]) -> dict[str, Any]:
        stored = self.world.files.get(str(required_param(params, "file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }
