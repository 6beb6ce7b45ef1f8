"""A chat and the messages in it, as the stand-in keeps them and as tests read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .protocol import INLINE_ACTIONS


@dataclass(frozen=True)
class Button:
    """A keyboard button; `kind` names its action field, "text" for reply-keyboard buttons."""

    text: str
    callback_data: str | None = None
    url: str | None = None
    kind: str = "callback_data"
    copy_text: str | None = None  # what a copy_text button puts on the clipboard


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
    def visible_text(self) -> str:
        """`text`, or "" for media without a caption: what tests search with `in`, None-free."""
        return self.text or ""

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
    kind = next((k for k in INLINE_ACTIONS if k in raw), "")
    copy = raw.get("copy_text")
    return Button(
        raw.get("text", ""),
        raw.get("callback_data"),
        raw.get("url"),
        kind,
        copy.get("text") if isinstance(copy, Mapping) else None,
    )


@dataclass
class Chat:
    """A private chat with a user, or a group, supergroup or channel."""

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
class StoredFile:
    """A file the stand-in holds: sent by a user, or uploaded by the bot."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
