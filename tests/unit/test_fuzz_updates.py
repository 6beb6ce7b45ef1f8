"""Thousands of generated updates through the real dispatcher, in-process.

The real app (`bot.app.build_app`, unlocked keyring, one admin, alerts approved by one
moderator) gets updates a small pool of people could send — every kind the bot listens to, and
some it does not — with hostile values: 4096-character texts, control characters, RTL
overrides, HTML, emoji, forged and stale button data, ids at the edges. People come from a
small pool, and a light guide makes them answer what the bot asks, so that flows progress: a
report gets sent, an invite redeemed, an alert approved and broadcast, its buttons pressed.

After every update: the app's error handler was never reached and nothing was logged at ERROR,
and no log line (rendered by the production formatter) carries an id, a name or a text of
theirs. At the end: every reply and edit the stand-in accepted fits Telegram's limits, and no
request failed for a reason other than the ones the bot handles (a message already gone, not
modified, a blocked chat).

The seed is fixed (FUZZ_SEED to change it, FUZZ_UPDATES for the count); a failure prints the
seed, the step and the update. Double taps are fed concurrently, as polling would, so a failure
that depends on their interleaving may need a few runs to repeat.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey

from bot.app import App
from bot.config import REPO_ROOT
from bot.content.faq import FaqCatalog
from bot.devserver.formatting import parse_text
from bot.devserver.server import Call, ChatMessage, FakeBotAPI
from tests.support.fuzz import build_test_app, close_app, failures, feed, rendered, start_background
from tests.support.parsed_content import parsed_regions

SEED = int(os.environ.get("FUZZ_SEED", "20261130"))
UPDATES = int(os.environ.get("FUZZ_UPDATES", "3000"))
# Wall-clock cap: on a loaded machine the run stops early rather than overrun (at least
# MIN_UPDATES must have been fed by then).
BUDGET_SECONDS = float(os.environ.get("FUZZ_SECONDS", "70"))
MIN_UPDATES = min(UPDATES, 2000)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_BYTES = 64
CONTENT = REPO_ROOT / "content"

# Markers: none of these may reach a log line.
TEXT_MARK = "Qzxtextmark"
NAME_MARK = "Qzxnamemark"
USER_MARK = "qzxusermark"
PHONE = "+79990001122"
BOT_USERNAME = "helpline_test_bot"

ADMIN_ID = 6_100_200_301
# Ids above 2**32 (and Telegram's largest, 2**52 - 1) so that a decimal hit is unambiguous.
PEOPLE = (
    (ADMIN_ID, "en"),
    (6_200_300_402, "ru"),
    (6_300_400_503, "en"),
    (6_400_500_604, "uk"),
    (6_500_600_705, None),
    (6_600_700_806, "ru-RU"),
    (2**52 - 1, "en-US"),
)
GROUP_IDS = (-1_007_100_200_301, -1_007_200_300_402)
CHANNEL_ID = -1_007_300_400_503

# A failed request is fine only for what the bot handles by design.
EXPECTED_FAILURES = (
    "message is not modified",
    "message to edit not found",
    "message can't be edited",
    "message to delete not found",
    "message can't be deleted",
    "bot was blocked by the user",
)

HOSTILE = (
    "\u202e",
    "\u202d",
    "\u200f",
    "\u2066",
    "\u2028",
    "\u2029",
    "\x00",
    "\x07",
    "\x1b[2J",
    "\r",
    "\t",
    "\ufeff",
    "<b>",
    "</b>",
    "<i>x</b>",
    "<a href='javascript:x'>",
    "&",
    "&amp;",
    "&lt;",
    "&#0;",
    "<code>",
    "<tg-spoiler>",
    "{ $name }",
    "%s",
    "{0}",
    "🔏 sig:",
    "👨‍👩‍👧‍👦",
    "🇷🇺",
    "👍🏿",
    "\ufe0f",
    "ё",
    "Ё",
    "ß",
    "İ",
    "ﬁ",
    "𝕄осква",
    "Z̴̡͝a̷l̸g̶o",
    "null",
    "None",
    "0",
    "-1",
    "99999999999999999999",
    "'; DROP TABLE reports; --",
    "inv_",
    "md:approve",
)


@dataclass
class Person:
    id: int
    lang: str | None
    number: int
    blocked: bool = False
    texts: list[int] = field(default_factory=list)  # their own text messages (to edit)

    @property
    def first_name(self) -> str:
        return f"{NAME_MARK}{self.number}"

    @property
    def username(self) -> str:
        return f"{USER_MARK}{self.number}"


class Fuzzer:
    """Generates one action at a time (one update, or a double tap) from a seeded Random."""

    def __init__(self, api: FakeBotAPI, app: App, rng: random.Random) -> None:
        self.api = api
        self.app = app
        self.rng = rng
        self.people = [Person(pid, lang, n) for n, (pid, lang) in enumerate(PEOPLE)]
        self.admin = self.people[0]
        faq = FaqCatalog.load(CONTENT)
        self.entry_ids = sorted(faq.ids())
        self.words = sorted(
            {w for by_id in faq.entries.values() for e in by_id.values() for w in e.title.split()}
        )
        self.region_forms = [
            f for r in parsed_regions(CONTENT / "regions.toml").all() for f in r.forms()
        ]
        self.prefixes = [
            "nav",
            "t",
            "ts",
            "e",
            "q",
            "qr",
            "lang",
            "rr",
            "rp",
            "rc",
            "rpl",
            "rwh",
            "ra",
            "red",
            "al",
            "alm",
            "alr",
            "ald",
            "alp",
            "alt",
            "fb",
            "fv",
            "ad",
            "md",
            "mr",
            "a1.remove",
            "a1.announce",
            "m1.group",
            "m1.read",
            "m1.reject",
            "m1.reject-ok",
            "m1.reject-one",
            "m1.edit",
            "m1.approve",
            "m1.sent",
            "fl",
            "x",
            "",
        ]
        self.tokens: list[str] = []  # invite tokens seen in the admin's chat
        self.secrets: set[str] = set()  # must not be logged either
        self.moderators: set[int] = set()  # who redeemed an invite (or tried to)
        self.log: dict[int, list[str]] = {}  # per person: what they did, for failure reports
        self.current: Person | None = None
        for person in self.people:
            api.add_user(
                person.id,
                first_name=person.first_name,
                last_name=f"{NAME_MARK}L",
                username=person.username,
                language_code=person.lang,
            )
        for n, gid in enumerate(GROUP_IDS):
            api.add_chat(gid, chat_type="supergroup", title=f"{NAME_MARK} group {n}")
        api.add_chat(CHANNEL_ID, chat_type="channel", title=f"{NAME_MARK} channel")

    # ------------------------------------------------------------------ values

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def hostile(self, max_len: int = 300) -> str:
        parts = [TEXT_MARK] if self.chance(0.7) else []
        for _ in range(self.rng.randint(1, 12)):
            roll = self.rng.random()
            if roll < 0.45:
                parts.append(self.rng.choice(HOSTILE))
            elif roll < 0.7:
                parts.append(self.rng.choice(self.words))
            elif roll < 0.85:
                parts.append(self.rng.choice(self.region_forms))
            else:
                parts.append("".join(chr(self.rng.randint(0x20, 0x2FFF)) for _ in range(5)))
        self.rng.shuffle(parts)
        text = self.rng.choice(["", " ", "\n"]).join(parts)[:max_len]
        return text if text.strip() else TEXT_MARK

    def long_text(self, length: int = MAX_TEXT) -> str:
        unit = self.hostile(200) + " "
        text = (unit * (length // len(unit) + 1))[:length]
        return text if text.strip() else TEXT_MARK * 10

    def region_text(self) -> str:
        form = self.rng.choice(self.region_forms)
        roll = self.rng.random()
        if roll < 0.2:
            return form.lower()
        if roll < 0.3 and len(form) > 3:
            at = self.rng.randrange(len(form))
            return form[:at] + form[at + 1 :]
        if roll < 0.4:
            return f"{TEXT_MARK} {form}"
        return form

    def payload(self) -> str:
        roll = self.rng.random()
        if roll < 0.3:
            return self.rng.choice(self.entry_ids)
        if roll < 0.45 and self.tokens:
            return "inv_" + self.rng.choice(self.tokens)
        if roll < 0.6:
            return "inv_" + "".join(
                self.rng.choice("AZaz09_-") for _ in range(self.rng.randint(0, 70))
            )
        if roll < 0.65:
            return "inline_help"
        if roll < 0.7:  # the screens' deep links, and names that are no screen
            return "go_" + self.rng.choice(("sos", "check", "alerts", "report", "queue", ""))
        if roll < 0.8:
            return "".join(
                self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-_")
                for _ in range(self.rng.randint(1, 64))
            )
        return self.hostile(120)

    def command(self, person: Person) -> str:
        simple = [
            "/start",
            "/help",
            "/cancel",
            "/report",
            "/alerts",
            "/verify",
            "/sos",
            "/privacy",
            "/language",
            "/queue",
            "/stats",
            "/moderators",
            "/invite",
            "/announce",
            "/unknown",
            "/START",
            f"/start@{BOT_USERNAME}",
            "/start@other_bot",
            "/",
            "/help me please",
            "/_",
            "/" + "a" * 40,
        ]
        roll = self.rng.random()
        if roll < 0.25:
            return f"/start {self.payload()}"
        if roll < 0.32:
            return f"/verify {self.pasted()}"[:MAX_TEXT]
        if roll < 0.36:
            alias = self.rng.choice(["fuzz", "Mod One", "x" * 30, "<b>", TEXT_MARK, ""])
            return f"/invite {alias}".strip()
        if roll < 0.37 and person is self.admin:
            return "/reload"
        return self.rng.choice(simple)

    def pasted(self) -> str:
        """What someone pastes into /verify: a delivered alert, changed or not, or anything."""
        signed = [m.text for m in self.bot_messages() if m.text and "🔏" in m.text]
        if signed and self.chance(0.6):
            text = self.rng.choice(signed)
            if self.chance(0.5):
                at = self.rng.randrange(len(text))
                text = text[:at] + self.rng.choice(["X", "1", " ", "", "\n"]) + text[at + 1 :]
            return text
        return self.hostile(400)

    def text_for(self, person: Person, state: str | None) -> str:
        """Mostly what the step on screen asks for, sometimes anything at all."""
        if state and self.chance(0.7):
            lowered = state.lower()
            if "region" in lowered:
                return self.region_text()
            if "text" in lowered and "report" in lowered:
                return self.rng.choice([self.hostile(900), self.long_text(1001), "."])
            if "area" in lowered:
                return self.rng.choice(["Курская", self.hostile(80), "a" * 61, "Line\nbreak"])
            if "announce" in lowered:
                return self.rng.choice([self.hostile(500), self.long_text(3001)])
            if "verify" in lowered:
                return self.pasted()
        roll = self.rng.random()
        if roll < 0.3:
            return self.command(person)
        if roll < 0.45:
            return self.region_text()
        if roll < 0.6:
            return " ".join(self.rng.choice(self.words) for _ in range(self.rng.randint(1, 6)))
        if roll < 0.67:
            return self.long_text()
        return self.hostile()

    # ------------------------------------------------------------------ the stand-in's view

    def bot_messages(self, chat_id: int | None = None) -> list[ChatMessage]:
        chats = [chat_id] if chat_id is not None else [p.id for p in self.people]
        return [m for cid in chats for m in self.api.messages(cid)]

    def with_buttons(self, person: Person) -> list[Any]:
        return [m for m in self.api.messages(person.id) if callback_data(m)]

    async def state_of(self, person: Person) -> str | None:
        key = StorageKey(bot_id=self.app.bot.id, chat_id=person.id, user_id=person.id)
        return await self.app.dispatcher.storage.get_state(key)

    async def draft_of(self, batch: list[dict[str, Any]]) -> dict[str, Any]:
        """The FSM data of the batch's sender (what their form holds)."""
        sender = _sender(batch[0]) if batch else None
        if sender is None:
            return {}
        key = StorageKey(bot_id=self.app.bot.id, chat_id=sender, user_id=sender)
        return dict(await self.app.dispatcher.storage.get_data(key))

    def harvest_tokens(self) -> None:
        for message in self.api.messages(self.admin.id)[-3:]:
            for token in re.findall(r"start=inv_([A-Za-z0-9_-]+)", message.source_text or ""):
                if token not in self.tokens:
                    self.tokens.append(token)
                    self.secrets.add(token)

    # ------------------------------------------------------------------ actions

    def unblock(self, person: Person) -> list[dict[str, Any]]:
        """Writing to a bot one has blocked unblocks it first (Telegram sends the update)."""
        if not person.blocked:
            return []
        person.blocked = False
        return [self.api.push_my_chat_member(person.id, "member")]

    def message(self, person: Person, text: str | None = None, **kwargs: Any) -> dict[str, Any]:
        update = self.api.push_message(person.id, text, **kwargs)
        if text is not None and "chat_id" not in kwargs and len(kwargs) == 0:
            person.texts.append(update["message"]["message_id"])
        if self.chance(0.08):
            self.decorate(person, update["message"])
        return update

    def decorate(self, person: Person, message: dict[str, Any]) -> None:
        """Valid extras a client may add: a reply to a bot message, "via @bot" (an inline
        result shared into the chat), an album id, a quote."""
        roll = self.rng.random()
        mine = self.api.messages(person.id)
        if roll < 0.4 and mine:
            message["reply_to_message"] = dict(self.rng.choice(mine).raw)
        elif roll < 0.6:
            message["via_bot"] = self.api.bot_user
        elif roll < 0.8:
            message["media_group_id"] = str(self.rng.randint(1, 2**62))
        elif mine and mine[-1].text:
            quoted = mine[-1].text[:20]
            message["quote"] = {"text": quoted, "position": 0}
            message["reply_to_message"] = dict(mine[-1].raw)

    def forged_data(self, person: Person) -> str:
        roll = self.rng.random()
        real = [data for m in self.bot_messages() for data in callback_data(m)]
        if roll < 0.3 and real:
            return self.rng.choice(real)  # stolen from anyone's button, or stale
        if roll < 0.55 and real:
            parts = self.rng.choice(real).split(":")
            at = self.rng.randrange(len(parts))
            parts[at] = self.rng.choice(
                [
                    "",
                    "0",
                    "-1",
                    "x",
                    "99999999999999999999",
                    "9" * 19,
                    "still",
                    "approve",
                    "../",
                    "%00",
                    TEXT_MARK,
                ]
            )
            if self.chance(0.2):
                parts.append(self.rng.choice(["", "x"]))
            data = ":".join(parts)
        elif roll < 0.85:
            fields = [
                self.rng.choice(
                    [
                        "",
                        "0",
                        "1",
                        "-5",
                        "send",
                        "add",
                        "home",
                        "approve",
                        "moscow",
                        "still",
                        "a1b2c3d4",
                        "2026-11-30T14",
                        str(self.rng.randint(-(2**70), 2**70)),
                    ]
                )
                for _ in range(self.rng.randint(0, 5))
            ]
            data = ":".join([self.rng.choice(self.prefixes), *fields])
        else:
            data = self.hostile(64)
        while len(data.encode()) > MAX_CALLBACK_BYTES:
            data = data[:-1]
        return data or "x"

    def callback(self, person: Person) -> list[dict[str, Any]]:
        messages = self.with_buttons(person)
        if not messages:
            return [self.message(person, "/start")]
        # Mostly the keyboard on screen, else an older, possibly stale one.
        message = messages[-1] if self.chance(0.55) else self.rng.choice(messages)
        buttons = [b for row in message.buttons for b in row if b.callback_data]
        if self.chance(0.8):
            data = self.rng.choice(buttons).callback_data
        else:
            data = self.forged_data(person)
        update = self.api.push_callback(person.id, message.message_id, data)
        shape = self.rng.random()
        if shape < 0.03:
            # An old message the bot can no longer see: Telegram sends it as inaccessible.
            query = update["callback_query"]
            query["message"] = {
                "chat": query["message"]["chat"],
                "message_id": message.message_id,
                "date": 0,
            }
        elif shape < 0.05:
            # A button under an inline-mode message: no message, an inline_message_id.
            query = update["callback_query"]
            del query["message"]
            query["inline_message_id"] = "AgAAAM" + TEXT_MARK
        return [update]

    def double_tap(self, person: Person) -> list[dict[str, Any]]:
        messages = self.with_buttons(person)
        if not messages:
            return []
        message = messages[-1]
        buttons = [b for row in message.buttons for b in row if b.callback_data]
        data = self.rng.choice(buttons).callback_data
        return [
            self.api.push_callback(person.id, message.message_id, data)
            for _ in range(self.rng.randint(2, 3))
        ]

    def media(self, person: Person, state: str | None) -> dict[str, Any]:
        roll = self.rng.random()
        caption = self.hostile(1024) if self.chance(0.3) else None
        if state and "photo" in state.lower() and roll < 0.7:
            return self.message(person, photo=True, caption=caption)
        if state and "location" in state.lower() and roll < 0.7:
            return self.message(person, location=(55.75 + self.rng.random(), 37.6))
        if roll < 0.25:
            return self.message(person, photo=True, caption=caption)
        if roll < 0.4:
            name = self.rng.choice(["IMG_1.jpg", f"{TEXT_MARK}.pdf", "a" * 200, "<b>.png"])
            mime = self.rng.choice(["image/jpeg", "application/pdf", "image/png", ""])
            return self.message(
                person, document={"file_name": name, "mime_type": mime}, caption=caption
            )
        if roll < 0.6:
            lat = self.rng.choice([0.0, -90.0, 90.0, 55.7558, self.rng.uniform(-90, 90)])
            lon = self.rng.choice([0.0, -180.0, 180.0, 37.6173, self.rng.uniform(-180, 180)])
            live = self.rng.choice([None, None, 60, 86400, 0x7FFFFFFF])
            return self.message(person, location=(lat, lon), live_period=live)
        if roll < 0.75:
            contact: dict[str, str | int] = {"phone_number": PHONE, "first_name": NAME_MARK}
            if self.chance(0.5):
                contact["user_id"] = self.rng.choice(self.people).id
            return self.message(person, contact=contact)
        if roll < 0.9:
            return self.message(person, sticker=True)
        forward = self.rng.choice([self.rng.choice(self.people).id, NAME_MARK])
        return self.message(person, self.hostile(), forward_from=forward)

    def elsewhere(self, person: Person) -> dict[str, Any]:
        """Groups and channels: the bot stays silent there."""
        roll = self.rng.random()
        if roll < 0.6:
            text = self.command(person) if self.chance(0.5) else self.hostile()
            return self.api.push_message(
                person.id, text, chat_id=self.rng.choice(GROUP_IDS), chat_type="supergroup"
            )
        if roll < 0.75:
            # Someone adds the bot to a group, or removes it.
            group = {
                "id": self.rng.choice(GROUP_IDS),
                "type": "supergroup",
                "title": f"{NAME_MARK} group",
            }
            bot = self.api.bot_user
            old, new = self.rng.choice(
                [("left", "member"), ("member", "left"), ("member", "kicked")]
            )
            member = {
                "my_chat_member": {
                    "chat": group,
                    "from": self.api.users[person.id],
                    "date": int(time.time()),
                    "old_chat_member": {"status": old, "user": bot},
                    "new_chat_member": {
                        "status": new,
                        "user": bot,
                        **({"until_date": 0} if new == "kicked" else {}),
                    },
                }
            }
            return self.api.push_raw(member)
        post = {
            "message_id": self.rng.randint(1, 2**31 - 1),
            "chat": {"id": CHANNEL_ID, "type": "channel", "title": f"{NAME_MARK} channel"},
            "date": int(time.time()),
            "text": self.rng.choice(["/start", self.hostile()]),
        }
        return self.api.push_raw({"channel_post": post})

    def edit(self, person: Person) -> list[dict[str, Any]]:
        while person.texts:
            message_id = self.rng.choice(person.texts)
            try:
                return [self.api.push_edited_message(person.id, message_id, self.hostile())]
            except ValueError:  # the bot deleted it (a report form's messages)
                person.texts.remove(message_id)
        return []

    def inline(self, person: Person) -> dict[str, Any]:
        query = self.rng.choice(
            [
                "",
                " ",
                self.hostile(256),
                self.region_text(),
                " ".join(self.rng.sample(self.words, 3)),
            ]
        )
        return self.api.push_inline_query(person.id, query[:256])

    def membership(self, person: Person) -> dict[str, Any]:
        person.blocked = not person.blocked
        return self.api.push_my_chat_member(person.id, "kicked" if person.blocked else "member")

    def relanguage(self, person: Person) -> list[dict[str, Any]]:
        person.lang = self.rng.choice(["ru", "en", "de", "", None, "EN", "ru-RU", "x" * 40])
        self.api.add_user(
            person.id,
            first_name=person.first_name,
            username=person.username,
            language_code=person.lang,
        )
        return []

    def press(self, person: Person, *prefixes: str) -> list[dict[str, Any]]:
        """Press a button whose data starts with one of `prefixes` (in order of preference) on
        one of the person's last few keyboards; nothing if there is none."""
        recent = self.with_buttons(person)[-3:]
        for prefix in prefixes:
            for message in reversed(recent):
                found = [data for data in callback_data(message) if data.startswith(prefix)]
                if found:
                    data = self.rng.choice(found)
                    return [self.api.push_callback(person.id, message.message_id, data)]
        return []

    def guided(self, person: Person, state: str | None) -> list[dict[str, Any]]:
        """What someone going through the bot's flows would do next."""
        step = (state or "").split(":")[-1].lower()
        form = (state or "").split(":")[0].lower()
        if step == "region":
            if self.chance(0.6):
                return [self.message(person, self.region_text())]
            return self.press(person, "rr:", "alr:", "rp:", "alp:")
        if form == "reportform":
            if step == "place":
                return self.press(person, "rpl:")
            if step == "when":
                return self.press(person, "rwh:")
            if step == "text":
                return [self.message(person, self.hostile(self.rng.choice([20, 200, 1000])))]
            if step == "photo":
                if self.chance(0.5):
                    return [self.message(person, photo=True)]
                return self.press(person, "ra:skip")
            if step == "location":
                if self.chance(0.5):
                    return [self.message(person, location=(55.75, 37.61))]
                return self.press(person, "ra:skip")
            if step == "review":
                return self.press(
                    person,
                    *(["ra:send"] if self.chance(0.8) else []),
                    self.rng.choice(["ra:", "red:"]),
                )
            return self.press(person, "ra:")
        if form == "situation":
            return self.press(person, "q:", "qr:", "e:")
        if form == "verifyform":
            return [self.message(person, self.pasted())]
        if form == "announceform":
            if step == "confirm":
                return self.press(person, "a1.announce")
            return [self.message(person, self.hostile(self.rng.choice([100, 3000])))]
        if form == "modform":
            return [self.message(person, self.rng.choice(["Курская", self.hostile(60)]))]
        # Between flows: answer what is on screen, or start something.
        pressed = self.press(
            person,
            "fv:",
            "fb:",
            "fl:resume",
            "m1.approve",
            "m1.draft",
            "m1.group",
            "m1.read",
            "m1.evidence",
            "m1.edit",
            "m1.sent",
            "m1.report",
            "m1.reject-one",
            "m1.keep",
            "alm:add",
            "alt:all",
            "q:",
        )
        if pressed and self.chance(0.7):
            return pressed
        if person is self.admin or person.id in self.moderators:
            choices = ["/queue", "/queue", "/stats", "/invite", "/moderators", "/announce"]
            if person is not self.admin:
                choices = choices[:3]
            return [self.message(person, self.rng.choice(choices))]
        start = self.rng.choice(["/report", "/report", "/alerts", "/verify", "check"])
        if start == "check":
            return self.press(person, "nav:check-go", "nav:check") or [
                self.message(person, "/start")
            ]
        return [self.message(person, start)]

    def history(self, batch: list[dict[str, Any]]) -> list[str]:
        sender = _sender(batch[0]) if batch else None
        return self.log.get(sender or 0, [])[-10:]

    def remember(self, batches: list[list[dict[str, Any]]], state: str | None) -> None:
        for batch in batches:
            for update in batch:
                kind, body = next((k, v) for k, v in update.items() if k != "update_id")
                what = body.get("data") or body.get("text") or body.get("query") or ""
                entry = f"{kind}:{str(what)[:40]!r} in {state}"
                self.log.setdefault(_sender(update) or 0, []).append(entry)

    async def next(self) -> list[list[dict[str, Any]]]:
        """The next action: batches of updates; the updates of one batch arrive together."""
        person_state = None
        batches = await self._next()
        if self.current is not None:
            person_state = await self.state_of(self.current)
        self.remember(batches, person_state)
        return batches

    async def _next(self) -> list[list[dict[str, Any]]]:
        self.harvest_tokens()
        # People come back for a while: flows get finished.
        if self.current is None or self.chance(0.3):
            self.current = self.rng.choice(self.people)
        person = self.current
        if self.tokens and person is not self.admin and self.chance(0.05):
            token = self.tokens.pop(0) if self.chance(0.8) else self.rng.choice(self.tokens)
            self.moderators.add(person.id)
            return [self.unblock(person), [self.message(person, f"/start inv_{token}")]]
        state = await self.state_of(person)
        if self.chance(0.5):
            guided = self.guided(person, state)
            if guided:
                return [self.unblock(person), *([u] for u in guided)]
        roll = self.rng.random()
        if roll < 0.34:
            updates = self.callback(person)
        elif roll < 0.66:
            updates = [self.message(person, self.text_for(person, state))]
        elif roll < 0.76:
            updates = [self.media(person, state)]
        elif roll < 0.78:
            return [self.unblock(person), self.double_tap(person)]
        elif roll < 0.8:
            # Several messages at once (a flaky connection flushing its queue): handled
            # concurrently, as polling does.
            burst = [
                self.message(person, self.text_for(person, state))
                for _ in range(self.rng.randint(2, 3))
            ]
            return [self.unblock(person), burst]
        elif roll < 0.85:
            updates = [self.inline(person)]
        elif roll < 0.9:
            updates = [self.elsewhere(person)]
        elif roll < 0.94:
            updates = self.edit(person)
        elif roll < 0.97:
            return [[self.membership(person)]]
        else:
            updates = [*self.relanguage(person), self.message(person, "/start")]
        return [self.unblock(person), *([u] for u in updates)]


def _unexpected(calls: list[Call]) -> list[Call]:
    return [
        c
        for c in calls
        if not c.ok and not any(e in (c.description or "") for e in EXPECTED_FAILURES)
    ]


Matcher = Callable[[list[dict[str, Any]], set[str], list[Call], dict[str, Any]], bool]
FLUENT_PLACEABLE_LIMIT = 2500  # fluent.runtime refuses longer placeables (after escaping)


# Bugs the fuzzer found and that are not fixed yet, each with a strict xfail test: a batch whose
# only failures are one of these is counted and skipped, so that the run goes on looking for
# others. (The six found so far are fixed; their tests below are regression tests now.)
KNOWN_BUGS: dict[str, Matcher] = {}


def known_bug(
    batch: list[dict[str, Any]],
    errors: list[str],
    bad: list[logging.LogRecord],
    calls: list[Call],
    draft: dict[str, Any],
) -> str | None:
    """The known bug a failed batch is explained by, if any: the error handler was reached
    with the bug's error class, and nothing else was logged at ERROR."""
    if not errors or any(r.msg != "handler failed" for r in bad):
        return None
    for name, matches in KNOWN_BUGS.items():
        if matches(batch, set(errors), calls, draft):
            return name
    return None


def needles(fuzzer: Fuzzer) -> dict[str, str]:
    found = {
        TEXT_MARK: "a text marker",
        NAME_MARK: "a name",
        USER_MARK: "a username",
        PHONE.lstrip("+"): "a phone number",
    }
    for person in fuzzer.people:
        found[str(person.id)] = f"user id {person.id}"
    for chat_id in (*GROUP_IDS, CHANNEL_ID):
        found[str(abs(chat_id))] = f"chat id {chat_id}"
    for token in fuzzer.secrets:
        found[token] = "an invite token"
    return found


def markups(value: Any) -> Iterator[str]:
    """Every callback_data anywhere in a request's parameters."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "callback_data" and isinstance(item, str):
                yield item
            else:
                yield from markups(item)
    elif isinstance(value, list):
        for item in value:
            yield from markups(item)


def _sender(update: dict[str, Any]) -> int | None:
    body = next(v for k, v in update.items() if k != "update_id")
    sender = body.get("from") if isinstance(body, dict) else None
    return sender.get("id") if isinstance(sender, dict) else None


def callback_data(message: ChatMessage) -> list[str]:
    """The callback data of a message's inline buttons: what `message.buttons` gives, read from
    the raw markup (the fuzzer asks this of every message in a chat at every step)."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [str(b["callback_data"]) for row in rows for b in row if b.get("callback_data")]


def describe(step: int, batch: list[dict[str, Any]]) -> str:
    shown = json.dumps(batch, ensure_ascii=True, default=str)
    if len(shown) > 3000:
        shown = shown[:3000] + "..."
    return f"FUZZ_SEED={SEED} step {step}: {shown}"


@pytest.fixture
async def fuzz_app(api: FakeBotAPI, tmp_path: Path) -> Any:
    app = await build_test_app(
        api,
        tmp_path / "data",
        admin_ids=frozenset({ADMIN_ID}),
        alert_approvals=1,  # the admin alone can send an alert, so broadcasts happen
        queries_per_minute=400,  # the flood limit stays on, but rarely stops a flow
        reports_per_hour=50,
    )
    start_background(app)
    try:
        yield app
    finally:
        await close_app(app)


async def test_thousands_of_hostile_updates(
    fuzz_app: App, api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    app = fuzz_app
    caplog.set_level(logging.DEBUG)
    # As in production (bot.logs.setup_logging): aiosqlite never logs below INFO, because at
    # DEBUG it logs every statement with its parameters.
    aiosqlite_log = logging.getLogger("aiosqlite")
    aiosqlite_level = aiosqlite_log.level
    aiosqlite_log.setLevel(logging.INFO)
    # The app's error handler must never be reached: watch it directly, besides its log line.
    reached: list[str] = []

    async def watch_errors(handler: Any, event: Any, data: dict[str, Any]) -> Any:
        reached.append(type(event.exception).__name__)
        return await handler(event, data)

    app.dispatcher.errors.outer_middleware(watch_errors)
    rng = random.Random(SEED)
    fuzzer = Fuzzer(api, app, rng)
    tolerated: set[int] = set()
    print(f"FUZZ_SEED={SEED} FUZZ_UPDATES={UPDATES}")
    started = time.monotonic()
    fed = 0
    seen = 0
    step = 0
    known: dict[str, int] = {}
    tolerated_errors = 0
    try:
        while fed < UPDATES and time.monotonic() - started < BUDGET_SECONDS:
            step += 1
            for batch in await fuzzer.next():
                if not batch:
                    continue
                since, errors_since = len(api.calls), len(reached)
                await asyncio.gather(*(feed(app, update) for update in batch))
                fed += len(batch)
                records = caplog.records
                new, seen = records[seen:], len(records)
                bad, errors = failures(new), reached[errors_since:]
                draft = await fuzzer.draft_of(batch) if errors else {}
                bug = known_bug(batch, errors, bad, api.calls[since:], draft)
                if bug is not None:
                    known[bug] = known.get(bug, 0) + 1
                    tolerated.update(id(r) for r in bad)
                    tolerated_errors += len(errors)
                    continue
                assert not bad and not errors, (
                    f"{describe(step, batch)}\nerror handler reached with {errors}\n"
                    + "\n".join(rendered(bad))
                    + "\nfailed requests: "
                    + "; ".join(
                        f"{c.method} {c.description}" for c in _unexpected(api.calls[since:])
                    )
                    + f"\nthis person's last actions: {fuzzer.history(batch)}"
                    + f"\nrecent calls:\n{api.summary()}"
                )
                lines = rendered(new)
                marks = needles(fuzzer)
                leaked = [
                    (label, line) for line in lines for mark, label in marks.items() if mark in line
                ]
                assert not leaked, f"{describe(step, batch)}\nlogged {leaked[0][0]}: {leaked[0][1]}"
        # Let background senders (broadcast, janitor) finish what the last updates started.
        await asyncio.sleep(0.5)
    finally:
        aiosqlite_log.setLevel(aiosqlite_level)
    elapsed = time.monotonic() - started
    print(f"fed {fed} updates in {step} steps, {elapsed:.1f}s; {len(api.calls)} Bot API calls")
    print(f"known bugs hit (see the xfail tests): {known}")
    assert fed >= MIN_UPDATES, f"only {fed} updates in {elapsed:.0f}s"
    assert [r for r in failures(caplog.records) if id(r) not in tolerated] == []
    assert len(reached) == tolerated_errors, reached

    # Every reply and edit fits Telegram's limits, and no request failed unexpectedly.
    unexpected = []
    for call in api.calls:
        method = call.method.lower()
        for data in markups(call.params.get("reply_markup")):
            assert len(data.encode()) <= MAX_CALLBACK_BYTES, (call.method, data)
        for data in markups(call.params.get("results")):
            assert len(data.encode()) <= MAX_CALLBACK_BYTES, (call.method, data)
        if method in ("sendmessage", "editmessagetext") and call.ok:
            text = str(call.params.get("text", ""))
            visible = parse_text(text, call.params.get("parse_mode")).length
            assert visible <= MAX_TEXT, (call.method, visible)
        if method in ("sendphoto", "editmessagecaption") and call.ok and call.params.get("caption"):
            caption = str(call.params["caption"])
            visible = parse_text(caption, call.params.get("parse_mode")).length
            assert visible <= MAX_CAPTION, (call.method, visible)
        if call.ok or any(e in (call.description or "") for e in EXPECTED_FAILURES):
            continue
        unexpected.append(f"#{call.index} {call.method} {call.status} {call.description}")
    assert not unexpected, "\n".join(unexpected[:20])

    # The flows were reached, not just the menus.
    methods = {c.method.lower() for c in api.calls if c.ok}
    assert {"sendmessage", "editmessagetext", "answercallbackquery", "answerinlinequery"} <= methods
    for line in rendered(caplog.records):
        for mark, label in needles(fuzzer).items():
            assert mark not in line, f"logged {label}: {line}"


def assert_no_failure(records: list[logging.LogRecord], bug_error: str) -> None:
    """For the xfail tests: fail (an AssertionError, the expected failure) only on the bug's own
    error class; anything else is a different failure and is reported as such."""
    errors = [str(getattr(r, "error", r.getMessage())) for r in failures(records)]
    if any(error != bug_error for error in errors):
        pytest.fail(f"failures other than the known bug: {errors}")
    assert bug_error not in errors


async def test_english_topics_screen_opens(
    api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = await build_test_app(api, tmp_path / "data", keyring=False)
    try:
        api.add_user(ADMIN_ID, language_code="en")
        await feed(app, api.push_message(ADMIN_ID, "/start"))
        message = api.last_message(ADMIN_ID)
        assert message is not None
        await feed(app, api.push_callback(ADMIN_ID, message.message_id, "nav:topics"))
    finally:
        await close_app(app)
    assert_no_failure(caplog.records, "TelegramBadRequest")


async def test_forged_moderator_id_is_refused(
    api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = await build_test_app(api, tmp_path / "data", admin_ids=frozenset({ADMIN_ID}))
    try:
        api.add_user(ADMIN_ID, language_code="ru")
        await feed(app, api.push_message(ADMIN_ID, "/moderators"))
        message = api.last_message(ADMIN_ID)
        assert message is not None
        forged = f"a1.remove:{2**63}"
        await feed(app, api.push_callback(ADMIN_ID, message.message_id, forged))
    finally:
        await close_app(app)
    assert_no_failure(caplog.records, "OverflowError")


async def test_a_long_announcement_gets_a_preview(
    api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = await build_test_app(api, tmp_path / "data", admin_ids=frozenset({ADMIN_ID}))
    try:
        api.add_user(ADMIN_ID, language_code="ru")
        await feed(app, api.push_message(ADMIN_ID, "/announce"))
        await feed(app, api.push_message(ADMIN_ID, "Объявление. " * 230))  # 2760 characters
    finally:
        await close_app(app)
    assert_no_failure(caplog.records, "KeyError")


async def press(app: App, api: FakeBotAPI, user_id: int, prefix: str) -> None:
    """Press the newest button whose callback data starts with `prefix`."""
    for message in reversed(api.messages(user_id)):
        for row in message.buttons:
            for button in row:
                if button.callback_data and button.callback_data.startswith(prefix):
                    await feed(
                        app, api.push_callback(user_id, message.message_id, button.callback_data)
                    )
                    return
    raise AssertionError(f"no {prefix} button")


async def test_the_review_screen_shows_any_accepted_report_text(
    api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    user = PEOPLE[1][0]
    app = await build_test_app(api, tmp_path / "data")
    try:
        api.add_user(user, language_code="ru")
        await feed(app, api.push_message(user, "/report"))
        await feed(app, api.push_message(user, "Москва"))
        await press(app, api, user, "rpl:")
        await press(app, api, user, "rwh:")
        await feed(app, api.push_message(user, "&" * 501))  # accepted: 501 <= 1000
        await press(app, api, user, "ra:skip")  # no photo
        await press(app, api, user, "ra:skip")  # no location: the review screen
    finally:
        await close_app(app)
    assert_no_failure(caplog.records, "KeyError")
