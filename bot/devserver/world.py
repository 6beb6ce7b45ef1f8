"""The simulated world: users, chats, the messages in them and the files they hold.

Tests act as users through the `push_*` methods, which queue updates exactly as Telegram would
send them, and read back what the bot left in each chat. Everything runs on one event loop, so
state changes need no locks.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from typing import Any

from bot.content.telegram_html import utf16_len

from .chats import Chat, ChatMessage, StoredFile
from .protocol import INLINE_ACTIONS
from .updates import Update, UpdateQueue

_LEADING_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_])")
# A photo file sent by a simulated user: the smallest valid JPEG-looking payload is enough.
_FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


class World:
    """Users, chats, messages and files, and the users' side of every conversation."""

    def __init__(
        self, clock: Callable[[], float], bot_user: dict[str, Any], updates: UpdateQueue
    ) -> None:
        self.clock = clock
        self.bot_user = bot_user
        self.updates = updates
        self._query_counter = itertools.count(1)
        self._file_counter = itertools.count(1)
        self.reset()

    def reset(self) -> None:
        """Forget users, chats, messages and files; ids keep growing."""
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, Chat] = {}
        self.open_queries: dict[str, str] = {}  # id -> "callback_query" | "inline_query"
        self.files: dict[str, StoredFile] = {}
        self.file_paths: dict[str, StoredFile] = {}
        self.blocked: set[int] = set()  # chats whose user blocked the bot: sends get 403

    # ----------------------------------------------------------------- users and chats

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
        chat = self.chats.get(user_id)
        if chat is None:
            self.chats[user_id] = Chat({"id": user_id, "type": "private", **chat_obj})
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
        self.chats[chat_id] = Chat(obj)
        return obj

    def user(self, user_id: int) -> dict[str, Any]:
        return self.users.get(user_id) or self.add_user(user_id)

    def user_chat(self, user: dict[str, Any], chat_id: int | None, chat_type: str) -> Chat:
        if chat_id is None or chat_id == user["id"]:
            if user["id"] not in self.chats:
                self.add_user(user["id"])
            return self.chats[user["id"]]
        chat = self.chats.get(chat_id)
        if chat is None:
            self.add_chat(chat_id, chat_type="group" if chat_type == "private" else chat_type)
            chat = self.chats[chat_id]
        return chat

    # ----------------------------------------------------------------- what users do

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
    ) -> Update:
        """A user sends a message; returns the Update (its message_id: update["message"]...).

        A text starting with a command gets a bot_command entity, as Telegram adds one.
        `entities` are the text's own, or a caption's (`caption_entities`) on media.
        `forward_from` is a user id, a User dict, or a name string (a hidden user).
        `live_period` (seconds) makes `location` a live location, as a user sharing it sends.
        """
        user = self.user(user_id)
        chat = self.user_chat(user, chat_id, chat_type)
        kind, content, file_id = self._media_content(
            user,
            photo=photo,
            document=document,
            location=location,
            live_period=live_period,
            sticker=sticker,
            contact=contact,
        )
        if kind == "text":
            if text is None:
                raise ValueError("push_message needs text or a media argument")
            content["text"] = text
            found = entities if entities is not None else self.command_entities(text)
            if found:
                content["entities"] = found
        elif caption is not None or text is not None:
            content["caption"] = caption if caption is not None else text
            if entities:
                content["caption_entities"] = entities
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        if sender_chat is not None:
            content["sender_chat"] = dict(sender_chat)
        if forward_from is not None:
            content["forward_origin"] = self._origin(forward_from)
        message = self.new_message(
            chat, sender=user, from_bot=False, kind=kind, content=content, method="update"
        )
        message.file_id = file_id
        return self.updates.push("message", dict(message.raw))

    def _media_content(
        self,
        user: dict[str, Any],
        *,
        photo: bool,
        document: Mapping[str, Any] | None,
        location: tuple[float, float] | None,
        live_period: int | None,
        sticker: bool,
        contact: Mapping[str, Any] | None,
    ) -> tuple[str, dict[str, Any], str | None]:
        """The kind of a user's message, its media fields and the file it holds, if any."""
        if photo:
            sizes = self.new_photo(_FAKE_JPEG)
            return "photo", {"photo": sizes}, sizes[-1]["file_id"]
        if document is not None:
            file_name = document.get("file_name", "file.bin")
            mime_type = document.get("mime_type", "application/octet-stream")
            stored_document = self.new_document(b"%PDF-1.4 fake", file_name, mime_type)
            return "document", {"document": stored_document}, stored_document["file_id"]
        if location is not None:
            point: dict[str, Any] = {"latitude": location[0], "longitude": location[1]}
            if live_period is not None:
                point["live_period"] = live_period
            return "location", {"location": point}, None
        if sticker:
            stored = self.store_file("sticker", b"RIFF....WEBP", "webp")
            sticker_obj = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            }
            return "sticker", {"sticker": sticker_obj}, stored.file_id
        if contact is not None:
            return "contact", {"contact": {"first_name": user["first_name"], **contact}}, None
        return "text", {}, None

    def push_edited_message(self, user_id: int, message_id: int, text: str) -> Update:
        """The user edits their own earlier text message."""
        chat = self.chats.get(user_id)
        message = chat.messages.get(message_id) if chat else None
        if message is None or message.from_bot or message.deleted:
            raise ValueError(f"user {user_id} has no message {message_id} to edit")
        message.text = message.source_text = text
        message.entities = self.command_entities(text)
        message.edited += 1
        key = "text" if message.kind == "text" else "caption"
        message.raw[key] = text
        message.raw.pop("entities", None)
        if key == "text" and message.entities:
            message.raw["entities"] = message.entities
        message.raw["edit_date"] = int(self.clock())
        return self.updates.push("edited_message", dict(message.raw))

    def push_callback(
        self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None
    ) -> Update:
        """The user presses an inline button carrying `data` on a bot message."""
        user = self.user(user_id)
        cid = user_id if chat_id is None else chat_id
        chat = self.chats.get(cid)
        message = chat.messages.get(message_id) if chat else None
        if message is None or message.deleted or not message.from_bot:
            raise ValueError(f"chat {cid} has no bot message {message_id} to press")
        query_id = str(4_000_000_000 + next(self._query_counter))
        self.open_queries[query_id] = "callback_query"
        query = {
            "id": query_id,
            "from": user,
            "message": dict(message.raw),
            "chat_instance": f"{cid}",
            "data": data,
        }
        return self.updates.push("callback_query", query)

    def press_button(self, user_id: int, message_id: int, index: int) -> Update:
        """Press the `index`-th inline button (row-major, 0-based) of a bot message."""
        chat = self.chats.get(user_id)
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
            kinds = ", ".join(k for k in INLINE_ACTIONS if k in button)
            raise ValueError(f"button {button.get('text')!r} is a {kinds} button, not a callback")
        return self.push_callback(user_id, message_id, button["callback_data"])

    def push_inline_query(self, user_id: int, query: str) -> Update:
        """The user types `@bot query` in any chat."""
        user = self.user(user_id)
        query_id = str(5_000_000_000 + next(self._query_counter))
        self.open_queries[query_id] = "inline_query"
        inline = {"id": query_id, "from": user, "query": query, "offset": "", "chat_type": "sender"}
        return self.updates.push("inline_query", inline)

    def push_my_chat_member(self, user_id: int, status: str) -> Update:
        """The user blocks ("kicked") or unblocks ("member") the bot; sends then fail with 403."""
        user = self.user(user_id)
        chat = self.user_chat(user, None, "private")
        old = chat.member_status
        chat.member_status = status
        if status == "kicked":
            self.blocked.add(chat.id)
        else:
            self.blocked.discard(chat.id)
        now = int(self.clock())

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
        return self.updates.push("my_chat_member", update)

    def push_raw(self, update: Mapping[str, Any]) -> Update:
        """Queue any update as given; its update_id is replaced to keep ids increasing."""
        body = {k: v for k, v in update.items() if k != "update_id"}
        if len(body) != 1:
            raise ValueError("an update has exactly one field besides update_id")
        kind, payload = next(iter(body.items()))
        return self.updates.push(kind, payload)

    # ----------------------------------------------------------------- what the bot left

    def messages(self, chat_id: int) -> list[ChatMessage]:
        """The bot's messages still in the chat, oldest first."""
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        return [m for m in chat.messages.values() if m.from_bot and not m.deleted]

    def last_message(self, chat_id: int) -> ChatMessage | None:
        found = self.messages(chat_id)
        return found[-1] if found else None

    def delivered(self, chat_id: int) -> list[ChatMessage]:
        """Every bot message the stand-in accepted for the chat, later deletions included."""
        chat = self.chats.get(chat_id)
        return [m for m in chat.messages.values() if m.from_bot] if chat else []

    def chat_log(self, chat_id: int) -> list[ChatMessage]:
        """User and bot messages of the chat in order, deleted ones flagged."""
        chat = self.chats.get(chat_id)
        return list(chat.messages.values()) if chat else []

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The reply keyboard the user currently sees in the chat, if any."""
        chat = self.chats.get(chat_id)
        return chat.reply_keyboard if chat else None

    # ----------------------------------------------------------------- building blocks

    def _origin(self, source: int | str | Mapping[str, Any]) -> dict[str, Any]:
        date = int(self.clock()) - 60
        if isinstance(source, str):
            return {"type": "hidden_user", "sender_user_name": source, "date": date}
        sender = self.user(source) if isinstance(source, int) else dict(source)
        return {"type": "user", "sender_user": sender, "date": date}

    @staticmethod
    def command_entities(text: str) -> list[dict[str, Any]]:
        match = _LEADING_COMMAND_RE.match(text)
        if not match:
            return []
        return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}]

    def new_message(
        self,
        chat: Chat,
        *,
        sender: dict[str, Any],
        from_bot: bool,
        kind: str,
        content: dict[str, Any],
        method: str,
    ) -> ChatMessage:
        """A message that now exists in `chat`, sent by a user or by the bot."""
        message_id = chat.take_message_id()
        date = int(self.clock())
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

    def store_file(self, kind: str, data: bytes, extension: str) -> StoredFile:
        n = next(self._file_counter)
        stored = StoredFile(
            file_id=f"{kind.upper()}-{n:08d}-local",
            file_unique_id=f"U{n:08d}",
            kind=kind,
            data=data,
            file_path=f"{kind}s/file_{n}.{extension}",
        )
        self.files[stored.file_id] = stored
        self.file_paths[stored.file_path] = stored
        return stored

    def new_photo(self, data: bytes) -> list[dict[str, Any]]:
        """A photo in the two sizes Telegram's smallest answers carry."""
        sizes = []
        for width in (90, 800):
            stored = self.store_file("photo", data, "jpg")
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

    def new_document(self, data: bytes, file_name: str, mime_type: str) -> dict[str, Any]:
        extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = self.store_file("document", data, extension)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
