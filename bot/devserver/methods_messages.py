"""Bot API methods that put messages in chats, change them or delete them.

Every send ends in `_deliver`: the rate limit is applied, then the message exists in the chat
and the bot gets the Message object Telegram would return.
"""

from __future__ import annotations

from typing import Any

from bot.content.telegram_html import ParsedText

from .chats import Chat, ChatMessage, StoredFile
from .faults import Faults
from .methods_checks import (
    editable_message,
    existing_message,
    find_chat,
    formatted_text,
    reply_markup,
    resolve_media,
    target_chat,
)
from .protocol import (
    EDIT_WINDOW,
    MAX_CAPTION,
    MAX_TEXT,
    NOT_MODIFIED,
    Handler,
    Params,
    Upload,
    as_int,
    bad_request,
    flag,
    normalize_markup,
    required_param,
)
from .world import World

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# What a copy or a forward takes over from the original message.
_COPIED_KEYS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "photo",
    "document",
    "location",
    "sticker",
    "contact",
)


class MessageMethods:
    """send*, copyMessage, forwardMessage, editMessage*, deleteMessage(s)."""

    def __init__(self, world: World, faults: Faults) -> None:
        self.world = world
        self.faults = faults

    def table(self) -> dict[str, Handler]:
        return {
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
        }

    # ----------------------------------------------------------------- delivering

    def _deliver(
        self,
        chat: Chat,
        params: Params,
        method: str,
        kind: str,
        content: dict[str, Any],
        parsed: ParsedText | None,
        markup: dict[str, Any] | None,
    ) -> ChatMessage:
        """The last step of every send: rate limit, then the message exists in the chat."""
        self.faults.throttle(chat.id)
        if parsed is not None:
            key = "text" if kind == "text" else "caption"
            content[key] = parsed.text
            if parsed.entities:
                content["entities" if kind == "text" else "caption_entities"] = parsed.entities
        if flag(params, "protect_content"):
            content["has_protected_content"] = True
        inline = normalize_markup(markup)
        if inline is not None:
            content["reply_markup"] = inline
        reply_to = params.get("reply_parameters") or {}
        reply_id = reply_to.get("message_id") if isinstance(reply_to, dict) else None
        reply_id = reply_id or params.get("reply_to_message_id")
        if reply_id is not None:
            replied = chat.messages.get(as_int(reply_id, "message_id"))
            if replied is not None and not replied.deleted:
                content["reply_to_message"] = {
                    k: v for k, v in replied.raw.items() if k != "reply_to_message"
                }
        bot_user = self.world.bot_user
        message = self.world.new_message(
            chat, sender=bot_user, from_bot=True, kind=kind, content=content, method=method
        )
        source_key = "text" if kind == "text" else "caption"
        message.source_text = params.get(source_key) if parsed is not None else None
        message.parse_mode = params.get("parse_mode") if parsed is not None else None
        message.reply_markup = markup
        message.protect_content = flag(params, "protect_content")
        message.disable_notification = flag(params, "disable_notification")
        preview = params.get("link_preview_options")
        message.link_preview_disabled = flag(params, "disable_web_page_preview") or (
            isinstance(preview, dict) and preview.get("is_disabled") is True
        )
        if markup is not None and "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup is not None and markup.get("remove_keyboard"):
            chat.reply_keyboard = None
        return message

    def _stored_media(
        self, resolved: StoredFile | Upload | str, kind: str, default_name: str
    ) -> tuple[dict[str, Any] | list[dict[str, Any]], str]:
        """Content for a photo or document from a stored file, an upload or a URL."""
        if isinstance(resolved, StoredFile):
            ids = {"file_id": resolved.file_id, "file_unique_id": resolved.file_unique_id}
            if kind == "photo":
                size = {**ids, "width": 800, "height": 600, "file_size": len(resolved.data)}
                return [size], resolved.file_id
            return {**ids, "file_size": len(resolved.data)}, resolved.file_id
        if isinstance(resolved, Upload):
            data, name, mime = resolved.data, resolved.filename, resolved.content_type
        else:
            data, name, mime = b"", str(resolved).rsplit("/", 1)[-1] or default_name, ""
        if kind == "photo":
            sizes = self.world.new_photo(data)
            return sizes, sizes[-1]["file_id"]
        document = self.world.new_document(
            data, name or default_name, mime or "application/octet-stream"
        )
        return document, document["file_id"]

    # ----------------------------------------------------------------- sending

    async def _send_message(self, params: Params, uploads: dict[str, Upload]) -> dict[str, Any]:
        chat = target_chat(self.world, params)
        parsed = formatted_text(params, "text", "entities", MAX_TEXT, required=True)
        markup = reply_markup(params)
        message = self._deliver(chat, params, "sendMessage", "text", {}, parsed, markup)
        return message.raw

    async def _send_photo(self, params: Params, uploads: dict[str, Upload]) -> dict[str, Any]:
        return self._send_file(params, uploads, "photo", "sendPhoto")

    async def _send_document(self, params: Params, uploads: dict[str, Upload]) -> dict[str, Any]:
        return self._send_file(params, uploads, "document", "sendDocument")

    def _send_file(
        self, params: Params, uploads: dict[str, Upload], kind: str, method: str
    ) -> dict[str, Any]:
        chat = target_chat(self.world, params)
        resolved = resolve_media(self.world, params, kind, kind, uploads)
        parsed = formatted_text(params, "caption", "caption_entities", MAX_CAPTION, required=False)
        markup = reply_markup(params)
        media, file_id = self._stored_media(resolved, kind, f"{kind}.bin")
        message = self._deliver(chat, params, method, kind, {kind: media}, parsed, markup)
        message.file_id = file_id
        return message.raw

    async def _send_location(self, params: Params, uploads: dict[str, Upload]) -> dict[str, Any]:
        chat = target_chat(self.world, params)
        try:
            latitude = float(required_param(params, "latitude"))
            longitude = float(required_param(params, "longitude"))
        except (TypeError, ValueError):
            raise bad_request("wrong latitude or longitude specified") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise bad_request("wrong latitude or longitude specified")
        content = {"location": {"latitude": latitude, "longitude": longitude}}
        markup = reply_markup(params)
        message = self._deliver(chat, params, "sendLocation", "location", content, None, markup)
        return message.raw

    async def _send_chat_action(self, params: Params, uploads: dict[str, Upload]) -> bool:
        target_chat(self.world, params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # ----------------------------------------------------------------- copying and forwarding

    def _source(self, params: Params, missing: str) -> ChatMessage:
        from_chat = find_chat(self.world, params, "from_chat_id")
        source = existing_message(from_chat, params, missing)
        if source.protect_content or source.raw.get("has_protected_content"):
            raise bad_request("message has protected content and can't be forwarded")
        return source

    @staticmethod
    def _copied_content(source: ChatMessage) -> dict[str, Any]:
        return {k: source.raw[k] for k in _COPIED_KEYS if k in source.raw}

    async def _copy_message(self, params: Params, uploads: dict[str, Upload]) -> dict[str, Any]:
        chat = target_chat(self.world, params)
        source = self._source(params, "message to copy not found")
        content = self._copied_content(source)
        parsed = None
        if "caption" in params and source.kind != "text":
            content.pop("caption", None)
            content.pop("caption_entities", None)
            parsed = formatted_text(
                params, "caption", "caption_entities", MAX_CAPTION, required=False
            )
        markup = reply_markup(params)
        message = self._deliver(chat, params, "copyMessage", source.kind, content, parsed, markup)
        message.file_id = source.file_id
        if parsed is None:
            message.source_text = source.text
        return {"message_id": message.message_id}

    async def _forward_message(self, params: Params, uploads: dict[str, Upload]) -> dict[str, Any]:
        chat = target_chat(self.world, params)
        source = self._source(params, "message to forward not found")
        content = self._copied_content(source)
        sender = source.raw.get("from", self.world.bot_user)
        content["forward_origin"] = {"type": "user", "sender_user": sender, "date": source.date}
        message = self._deliver(chat, params, "forwardMessage", source.kind, content, None, None)
        message.file_id = source.file_id
        message.source_text = source.text
        return message.raw

    # ----------------------------------------------------------------- editing

    def _touch(self, message: ChatMessage) -> dict[str, Any]:
        message.edited += 1
        message.raw["edit_date"] = int(self.world.clock())
        return message.raw

    @staticmethod
    def _apply_markup(message: ChatMessage, markup: dict[str, Any] | None) -> None:
        message.reply_markup = markup
        inline = normalize_markup(markup)
        if inline is None:
            message.raw.pop("reply_markup", None)
        else:
            message.raw["reply_markup"] = inline

    async def _edit_message_text(self, params: Params, uploads: dict[str, Upload]) -> Any:
        if params.get("inline_message_id"):
            formatted_text(params, "text", "entities", MAX_TEXT, required=True)
            return True
        chat = target_chat(self.world, params)
        message = editable_message(self.world, chat, params)
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        parsed = formatted_text(params, "text", "entities", MAX_TEXT, required=True)
        assert parsed is not None  # required=True never returns None
        markup = reply_markup(params, inline_only=True)
        if (parsed.text, parsed.entities, normalize_markup(markup)) == (
            message.text,
            message.entities,
            normalize_markup(message.reply_markup),
        ):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.text = message.raw["text"] = parsed.text
        message.entities = parsed.entities
        message.raw.pop("entities", None)
        if parsed.entities:
            message.raw["entities"] = parsed.entities
        message.source_text = params.get("text")
        message.parse_mode = params.get("parse_mode")
        self._apply_markup(message, markup)
        return self._touch(message)

    async def _edit_message_caption(self, params: Params, uploads: dict[str, Upload]) -> Any:
        if params.get("inline_message_id"):
            return True
        chat = target_chat(self.world, params)
        message = editable_message(self.world, chat, params)
        if message.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        parsed = formatted_text(params, "caption", "caption_entities", MAX_CAPTION, required=False)
        markup = reply_markup(params, inline_only=True)
        text = parsed.text if parsed else None
        entities = parsed.entities if parsed else []
        if (text, entities, normalize_markup(markup)) == (
            message.text,
            message.entities,
            normalize_markup(message.reply_markup),
        ):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
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

    async def _edit_message_reply_markup(self, params: Params, uploads: dict[str, Upload]) -> Any:
        if params.get("inline_message_id"):
            return True
        chat = target_chat(self.world, params)
        message = editable_message(self.world, chat, params)
        markup = reply_markup(params, inline_only=True)
        if normalize_markup(markup) == normalize_markup(message.reply_markup):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        self._apply_markup(message, markup)
        return self._touch(message)

    # ----------------------------------------------------------------- deleting

    def _delete_one(self, chat: Chat, message_id: int, *, strict: bool) -> bool:
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            if strict:
                raise bad_request("message to delete not found")
            return False
        if self.world.clock() - message.date > EDIT_WINDOW:
            if strict:
                raise bad_request("message can't be deleted for everyone")
            return False
        message.deleted = True
        return True

    async def _delete_message(self, params: Params, uploads: dict[str, Upload]) -> bool:
        chat = find_chat(self.world, params)
        message_id = as_int(required_param(params, "message_id"), "message_id")
        return self._delete_one(chat, message_id, strict=True)

    async def _delete_messages(self, params: Params, uploads: dict[str, Upload]) -> bool:
        chat = find_chat(self.world, params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must contain 1-100 message identifiers")
        for message_id in ids:  # missing ones are skipped, as Telegram documents
            self._delete_one(chat, as_int(message_id, "message_ids"), strict=False)
        return True
