"""The audit log through the real app in-process: the head at the bottom of an admin's /stats
(not a plain moderator's), and a start after someone edited the log: it still starts, the admins
and the moderators' group are told, and only the admins see the head."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from bot.devserver.server import FakeBotAPI
from tests.support.alerts import (
    ADMIN,
    MODERATOR,
    MODERATOR_CHAT,
    confirm_on_server,
    invite_moderator,
    rows,
    start,
)
from tests.support.chat import User
from tests.support.db import legacy_audit_database
from tests.support.process import StartBot

HEAD = re.compile(r"Audit log head: #(\d+) (\S+Z) ([0-9a-f]{16})")


async def test_admins_stats_shows_the_head_and_a_moderators_does_not(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin, moderator = User(api, ADMIN, "en"), User(api, MODERATOR, "en")
    bot = await start(start_bot)
    await invite_moderator(api, admin, moderator)
    confirm_on_server(bot, "anna")
    stats = (await admin.say("/stats")).visible_text
    found = HEAD.search(stats)
    assert found is not None, stats
    [(seq, at, mac)] = rows(
        bot, "SELECT seq, at, hex(entry_hash) FROM audit_log ORDER BY seq DESC LIMIT 1"
    )
    assert found.groups() == (str(seq), at, mac.lower()[:16])
    theirs = (await moderator.say("/stats")).visible_text
    assert "Counts" in theirs and "Audit log" not in theirs and mac.lower()[:16] not in theirs


async def test_a_start_after_an_edit_tells_admins_and_the_group_and_still_runs(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin, moderator = User(api, ADMIN, "en"), User(api, MODERATOR, "en")
    bot = await start(start_bot)
    await invite_moderator(api, admin, moderator)
    assert "audit log verified" in bot.logs()
    await bot.stop()
    with sqlite3.connect(bot.data_dir / "helpline.sqlite3") as db:
        db.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")
    api.add_chat(MODERATOR_CHAT, title="moderators")
    before = {chat: len(api.messages(chat)) for chat in (ADMIN, MODERATOR_CHAT)}
    bot = await start(start_bot, DEFAULT_LANGUAGE="en")  # the language of notices
    assert re.search(r"audit log broken.*first_broken_seq=1", bot.logs())
    told = api.messages(ADMIN)[before[ADMIN] :]
    assert any("does not verify" in m.visible_text and "#1" in m.visible_text for m in told)
    assert any(HEAD.search(m.visible_text) for m in told)
    group = api.messages(MODERATOR_CHAT)[before[MODERATOR_CHAT] :]
    assert any("does not verify" in m.visible_text for m in group)
    assert not any("Audit log head" in m.visible_text for m in group)
    assert "Counts" in (await admin.say("/stats")).visible_text  # the bot runs on


async def test_an_old_data_directory_is_rechained_at_the_first_unlocked_start(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    """A database from before the keyed chain: upgraded at start, admins told once."""
    db = await legacy_audit_database(keyring_dir.parent, 3)
    await db.close()
    admin = User(api, ADMIN, "en")
    bot = await start(start_bot, DEFAULT_LANGUAGE="en")
    assert "audit log re-chained under the key" in bot.logs()
    assert re.search(r"audit log verified.*entries=4", bot.logs())
    [told] = [m for m in api.messages(ADMIN) if "converted to a keyed chain" in m.visible_text]
    assert "3 earlier entries" in told.visible_text and HEAD.search(told.visible_text)
    assert rows(bot, "SELECT actor, action FROM audit_log WHERE seq = 4") == [
        ("system", "audit.rechained")
    ]
    await bot.stop()
    bot = await start(start_bot, DEFAULT_LANGUAGE="en")
    assert "re-chained" not in bot.logs()
    assert len([m for m in api.messages(ADMIN) if "converted" in m.visible_text]) == 1
    assert "Counts" in (await admin.say("/stats")).visible_text
