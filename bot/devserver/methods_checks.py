"""The checks Bot API methods share: the target chat, formatted text, keyboards, files.

Each refuses what Telegram refuses, with Telegram's 400 wording, so a bot that sends something
malformed fails here as it would in production.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.content.telegram_html import EntityParseError, ParsedText

from .chats import Chat, ChatMessage, StoredFile
from .formatting import UnsupportedParseModeError, parse_text
from .protocol import (
    BLOCKED,
    EDIT_WINDOW,
    INLINE_ACTIONS,
    MAX_BUTTONS,
    MAX_CALLBACK_DATA,
    MAX_COPY_TEXT,
    MAX_ROW_BUTTONS,
    ApiError,
    Params,
    Upload,
    as_int,
    bad_request,
    required_param,
)
from .world import World

_BUTTON_STYLES = frozenset({"danger", "success", "primary"})


def find_chat(world: World, params: Params, key: str = "chat_id") -> Chat:
    """The chat named by `params[key]`: a known id, or a public @username."""
    raw = params.get(key)
    if raw is None or raw == "":
        raise bad_request(f"{key} is empty")
    if isinstance(raw, str) and raw.startswith("@"):
        for chat in world.chats.values():
            if chat.obj.get("username", "").lower() == raw[1:].lower():
                return chat
        raise bad_request("chat not found")
    chat_found = world.chats.get(as_int(raw, key))
    if chat_found is None:
        raise bad_request("chat not found")
    return chat_found


def target_chat(world: World, params: Params) -> Chat:
    """The chat a send or edit goes to: known, and not blocking the bot."""
    chat = find_chat(world, params)
    if chat.id in world.blocked:
        raise ApiError(403, BLOCKED)
    return chat


def formatted_text(
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
            raise bad_request("message text is empty")
        return None
    source = str(source)
    explicit = params.get(entities_key)
    try:
        if isinstance(explicit, list):
            parsed = ParsedText(source, explicit)
        else:
            parsed = parse_text(source, params.get("parse_mode"))
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    except UnsupportedParseModeError:
        raise bad_request("unsupported parse_mode") from None
    if not parsed.text.strip():
        if required:
            raise bad_request("message text is empty")
        return None
    if parsed.length > limit:
        raise bad_request("message is too long" if required else "message caption is too long")
    return parsed


def reply_markup(params: Params, *, inline_only: bool = False) -> dict[str, Any] | None:
    """The request's reply_markup, checked; None when it has none."""
    markup = params.get("reply_markup")
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        check_inline_keyboard(markup["inline_keyboard"])
        return markup
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup should be an Array')
        for row in rows:
            for button in row:
                text = button.get("text") if isinstance(button, dict) else button
                if not text or not isinstance(text, str):
                    raise bad_request("keyboard button text is empty")
        return markup
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    total = 0
    for row in rows:
        total += len(row)
        if len(row) > MAX_ROW_BUTTONS or total > MAX_BUTTONS:
            raise bad_request("reply markup is too long")
        for button in row:
            _check_inline_button(button)


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not button.get("text"):
        raise bad_request("text buttons are unallowed in the inline keyboard")
    actions = [k for k in INLINE_ACTIONS if k in button]
    if not actions:
        raise bad_request("text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(f"inline keyboard button has more than one action: {actions}")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
            raise bad_request("BUTTON_URL_INVALID")
    if "copy_text" in button:
        _check_copy_text(button["copy_text"])
    if "switch_inline_query_chosen_chat" in button:
        chosen = button["switch_inline_query_chosen_chat"]
        if not isinstance(chosen, dict) or not isinstance(chosen.get("query", ""), str):
            raise bad_request("can't parse switch_inline_query_chosen_chat")
    style = button.get("style")
    if style is not None and style not in _BUTTON_STYLES:
        raise bad_request("BUTTON_STYLE_INVALID")


def _check_copy_text(copy: Any) -> None:
    """A CopyTextButton: an object whose text is 1-256 characters, as Telegram requires."""
    if not isinstance(copy, dict) or not isinstance(copy.get("text"), str):
        raise bad_request("can't parse copy_text")
    if not 1 <= len(copy["text"]) <= MAX_COPY_TEXT:
        raise bad_request("copy_text text must be 1-256 characters")


def existing_message(chat: Chat, params: Params, missing: str) -> ChatMessage:
    """The message `params["message_id"]` of `chat`; `missing` is the error when there is none."""
    message_id = as_int(required_param(params, "message_id"), "message_id")
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request(missing)
    return message


def editable_message(world: World, chat: Chat, params: Params) -> ChatMessage:
    """A message the bot may still edit: its own, and younger than 48 hours."""
    message = existing_message(chat, params, "message to edit not found")
    if not message.from_bot or world.clock() - message.date > EDIT_WINDOW:
        raise bad_request("message can't be edited")
    return message


def resolve_media(
    world: World, params: Params, key: str, kind: str, uploads: Mapping[str, Upload]
) -> StoredFile | Upload | str:
    """Resolve a file_id, URL or multipart upload; returns the stored file, upload or URL."""
    value = params.get(key)
    if isinstance(value, str) and value.startswith("attach://"):
        upload = uploads.get(value.removeprefix("attach://"))
        if upload is None:
            raise bad_request(f"there is no {key} in the request")
        return upload
    if key in uploads:
        return uploads[key]
    if not value:
        raise bad_request(f"there is no {key} in the request")
    if not isinstance(value, str):
        raise bad_request(f"wrong type of the {key} field")
    if value.startswith(("http://", "https://")):
        return value
    stored = world.files.get(value)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != kind:
        raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
    return stored
