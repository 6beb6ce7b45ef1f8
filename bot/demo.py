"""`helpline-bot demo`: chat with the real bot in a terminal, against the local Bot API stand-in.

The bot runs exactly as in production (same app, same handlers, same database code) but talks to
`bot.devserver` on 127.0.0.1 instead of Telegram, with a throwaway data directory. No token and no
network are needed. Buttons are pressed by typing their number, `N.k` for button k of the
message shown as [N] (a bare `k` for the last message's), and a number that names no button
any more gets a one-line note, never a traceback. Several lines between two lines of three
double quotes go as one message.
"""

from __future__ import annotations

import asyncio
import html
import re
import secrets
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from bot.app import App, build_app, run_polling
from bot.config import Settings
from bot.crypto.keyring import UnlockedKeyring, init_keyring
from bot.devserver.server import ChatMessage, FakeBotAPI

DEMO_USER_ID = 700_000_001
# Two demo moderators beside the demo person (the admin), so that the two-person rule can be
# tried: `/as anna` speaks as anna, `/as me` as yourself again.
DEMO_MODERATORS = {"anna": 700_000_002, "boris": 700_000_003}
_AS = re.compile(r"^/as\s+(\S+)$")
INTRO = (
    "Helpline demo: the real bot, a local stand-in for Telegram, nothing leaves this machine.\n"
    "Type a message or a command (/start, /help). Each bot message has a number [N] and its "
    "buttons are listed under it as [N.k]: type N.k to press one, or just k for a button of "
    "the last message. To send several lines as one message (an alert to /verify), type a "
    'line of just """, paste them, then """ again. Ctrl-D or /quit ends.\n'
    "You are the admin. Two demo moderators are here too: /as anna (or /as boris) speaks as "
    "them, /as me as yourself again.\nTry /alerts, then /report, then /queue to turn the "
    "report into an alert: it needs two approvals from different people, yours and anna's "
    "(the two-person rule)."
)

_TAG = re.compile(
    r"<(/?)(b|strong|i|em|u|ins|s|strike|del|code|pre|blockquote|tg-spoiler|span)"
    r"(?:\s[^>]*)?>"
)
_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.S)


def render_html(text: str, *, color: bool) -> str:
    """Telegram HTML as readable terminal text (bold as ANSI bold on a terminal)."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)

    def tag(match: re.Match[str]) -> str:
        closing, name = match.group(1), match.group(2)
        if name in ("b", "strong"):
            return ("\x1b[0m" if closing else "\x1b[1m") if color else ""
        if name in ("i", "em"):
            return ("\x1b[0m" if closing else "\x1b[3m") if color else ""
        return ""

    return html.unescape(_TAG.sub(tag, text))


@dataclass
class _Seen:
    text: str
    markup: object


# A button: `N.k` is button k of the message shown as [N]; a bare `k`, of the chat's last message.
_BUTTON = re.compile(r"^(?:(\d{1,6})\.)?(\d{1,3})$")
# A line that is just this opens several lines sent as one message, and closes it again.
BLOCK = '"""'


class TerminalChat:
    """Shows what changed in the chat after each thing the person typed. Each bot message gets
    a number [N] in this chat, and its buttons are listed under it as [N.k]."""

    def __init__(self, server: FakeBotAPI, user_id: int, out: TextIO, color: bool) -> None:
        self.server = server
        self.user_id = user_id
        self.out = out
        self.color = color
        self.seen: dict[int, _Seen] = {}
        self.calls_seen = 0
        self.numbers: dict[int, int] = {}  # message_id -> its number [N] in this chat
        self.deleted_seen = 0

    def show_changes(self) -> None:
        for call in self.server.calls[self.calls_seen :]:
            if call.method == "answerCallbackQuery" and call.params.get("text"):
                self._print(f"  ⟨{call.params['text']}⟩")
        self.calls_seen = len(self.server.calls)
        deleted = {m.message_id for m in self.server.chat_log(self.user_id) if m.deleted}
        if len(deleted) > self.deleted_seen:
            self._print(
                f"  (the bot deleted {len(deleted) - self.deleted_seen} message(s) from this "
                "chat, yours included)"
            )
            self.deleted_seen = len(deleted)
        current = {m.message_id: m for m in self.server.messages(self.user_id)}
        for message_id in [mid for mid in self.seen if mid not in current]:
            del self.seen[message_id]
        for message in current.values():
            before = self.seen.get(message.message_id)
            if before is not None and (before.text, before.markup) == (
                message.text,
                message.reply_markup,
            ):
                continue
            self.seen[message.message_id] = _Seen(message.text or "", message.reply_markup)
            self._show(message, edited=before is not None)

    def _show(self, message: ChatMessage, *, edited: bool) -> None:
        number = self.numbers.setdefault(message.message_id, len(self.numbers) + 1)
        body = (
            render_html(message.source_text or "", color=self.color)
            if message.parse_mode == "HTML"
            else (message.text or "")
        )
        self._print(f"\n── bot [{number}]{' (edited)' if edited else ''} ──\n{body}")
        labels = [button.text for row in message.buttons for button in row]
        for index, label in enumerate(labels, start=1):
            self._print(f"  [{number}.{index}] {label}")

    def button(self, text: str) -> tuple[int, int] | str | None:
        """The (message_id, 0-based index) that `N.k` or `k` names, a one-line note when that
        button is not there (any more), or None when the text names no button."""
        match = _BUTTON.match(text)
        if match is None:
            return None
        index = int(match.group(2)) - 1
        current = self.server.messages(self.user_id)
        if match.group(1) is None:
            if not current or not current[-1].buttons:
                return (
                    "  (the last message has no buttons; to press an earlier message's button, "
                    "type its number as shown, e.g. 3.1)"
                )
            message = current[-1]
        else:
            number = int(match.group(1))
            ids = [mid for mid, n in self.numbers.items() if n == number]
            found = next((m for m in current if m.message_id in ids), None)
            if found is None:
                return f"  (message [{number}] is {'gone' if ids else 'not in this chat'})"
            message = found
        labels = [button.text for row in message.buttons for button in row]
        if not 0 <= index < len(labels):
            shown = self.numbers.get(message.message_id, "?")
            return f"  (message [{shown}] has no button {index + 1} now; it has {len(labels)})"
        return message.message_id, index

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)


async def _lines(stream: TextIO, interactive: bool) -> AsyncIterator[str]:
    """What the person sends, one message at a time: a line, or every line between two lines
    of just \"\"\" (a pasted alert for /verify, say) as one message."""
    block: list[str] | None = None
    while True:
        line = await _read(stream, interactive, "you> " if block is None else "...> ")
        if line is None:
            if block:
                yield "\n".join(block)  # ended inside a block: what was typed is still sent
            return
        if line.strip() == BLOCK:
            if block is not None:
                yield "\n".join(block)
            block = [] if block is None else None
        elif block is not None:
            block.append(line)
        else:
            yield line


async def _read(stream: TextIO, interactive: bool, prompt: str) -> str | None:
    if interactive:
        try:
            return await asyncio.to_thread(input, prompt)
        except EOFError:
            return None
    line = await asyncio.to_thread(stream.readline)
    return line.rstrip("\n") if line else None


async def run_demo(
    *, user_language: str = "ru", stdin: TextIO | None = None, out: TextIO | None = None
) -> int:
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    interactive = stdin.isatty() and out.isatty()
    server = FakeBotAPI()
    await server.start()
    with tempfile.TemporaryDirectory(prefix="helpline-demo-") as tmp:
        # A throwaway keyring, unlocked, so that reports, alerts and moderation work too; it is
        # deleted with the rest. The demo person is the instance's admin; two demo moderators
        # are there too, so that an alert's two approvals can be given by two people.
        passphrase = secrets.token_bytes(24).hex().encode()
        keys_dir = Path(tmp) / "data" / "keys"
        init_keyring(keys_dir, passphrase, date.today())
        settings = Settings(
            bot_token=SecretStr(server.token),
            bot_api_url=server.base_url,
            data_dir=Path(tmp) / "data",
            log_level="WARNING",
            admin_ids=frozenset({DEMO_USER_ID}),
            alert_approvals=2,
        )
        app = await build_app(settings, unlocked=UnlockedKeyring.unlock(keys_dir, passphrase))
        await _add_demo_moderators(app, server, user_language)
        polling = asyncio.create_task(run_polling(app, handle_signals=False))
        server.add_user(DEMO_USER_ID, first_name="Demo", language_code=user_language)
        chats = {
            name: TerminalChat(server, user_id, out, color=interactive)
            for name, user_id in {"me": DEMO_USER_ID, **DEMO_MODERATORS}.items()
        }
        chat = chats["me"]
        print(INTRO, file=out)
        try:
            await _say(server, chat, "/start")
            async for line in _lines(stdin, interactive):
                text = line.strip()
                if text in ("/quit", "/exit"):
                    break
                if text:
                    if not interactive:
                        print(f"\nyou> {text}", file=out)
                    chat = await _turn(server, chats, chat, text)
        finally:
            await app.dispatcher.stop_polling()
            await polling
            await server.stop()
    return 0


async def _turn(
    server: FakeBotAPI, chats: dict[str, TerminalChat], chat: TerminalChat, text: str
) -> TerminalChat:
    """One thing typed: `/as NAME`, a button's number, or a message; the chat spoken in next."""
    switch = _AS.match(text)
    if switch:
        return _switch(chats, chat, switch.group(1), chat.out)
    chat.show_changes()  # what the bot did meanwhile (an idle form closed, say)
    button = chat.button(text)
    if button is None:
        await _say(server, chat, text)
    elif isinstance(button, str):
        print(button, file=chat.out)
    else:
        await _press(server, chat, *button)
    return chat


async def _add_demo_moderators(app: App, server: FakeBotAPI, language: str) -> None:
    """anna and boris join through invites and are confirmed by the operator, as on a real
    one-admin instance (`helpline-bot moderators confirm`)."""
    admin = await app.team.identify(DEMO_USER_ID)
    if admin is None:  # the keyring is unlocked above: the admin is always recognised
        return
    for alias, user_id in DEMO_MODERATORS.items():
        server.add_user(user_id, first_name=alias.capitalize(), language_code=language)
        await app.team.redeem(await app.team.invite(admin, alias), user_id)
        await app.team.confirm_by_operator(alias)


def _switch(
    chats: dict[str, TerminalChat], current: TerminalChat, name: str, out: TextIO
) -> TerminalChat:
    """Speak as someone else (`/as anna`): their chat, with what arrived there meanwhile."""
    chosen = chats.get(name.lower())
    if chosen is None:
        print(f"  (who is {name}? choose one of: {', '.join(chats)})", file=out)
        return current
    who = "yourself, the admin" if name.lower() == "me" else f"{name.lower()}, a moderator"
    print(f"\n══ you are now {who} ══", file=out)
    chosen.calls_seen = len(chosen.server.calls)  # others' button answers are not theirs
    chosen.show_changes()
    return chosen


async def _press(server: FakeBotAPI, chat: TerminalChat, message_id: int, index: int) -> None:
    try:
        server.press_button(chat.user_id, message_id, index)
    except ValueError as error:  # a link button, or gone this very moment: never a traceback
        print(f"  (that button cannot be pressed here: {error})", file=chat.out)
        return
    await server.wait_idle()
    chat.show_changes()


async def _say(server: FakeBotAPI, chat: TerminalChat, text: str) -> None:
    server.push_message(chat.user_id, text)
    await server.wait_idle()
    chat.show_changes()
