"""`helpline-bot announce-move @new_bot` through the real CLI and the real running bot against the
stand-in: every subscriber gets the signed notice exactly once, however often the command runs
(and a later run reaches only those who subscribed since); /verify calls it genuine without
taking the new bot's name for an added link."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

from bot.config import REPO_ROOT
from bot.devserver.calls import Call
from bot.devserver.server import FakeBotAPI
from tests.support.alerts import MOSCOW_KAZAN_SILENT, MOSCOW_RU, SPB_EN, rows, subscribe
from tests.support.chat import User
from tests.support.keys import PASSPHRASE
from tests.support.process import ProcessStarter, bot_env

NEW_BOT = "helpline_new_bot"
LATE = 6_400_000_044
CHANNEL = -1_009_876_543_210
CHANNELS = f"moscow={CHANNEL},spb={CHANNEL}"  # one channel for two regions: one post


async def announce(api: FakeBotAPI, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """`python -m bot announce-move ARGS` as its own process (the stand-in answers its getMe in
    this event loop, so the process is awaited, not waited for)."""
    env = bot_env(api, tmp_path / "data", KEY_PASSPHRASE=PASSPHRASE, REGION_CHANNELS=CHANNELS)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "announce-move",
        *args,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO_ROOT), "PATH": os.environ.get("PATH", "")},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def notice_sent_to(chat_id: int) -> Callable[[Call], bool]:
    def sent(call: Call) -> bool:
        return (
            call.method == "sendMessage"
            and int(call.params.get("chat_id", 0)) == chat_id
            and NEW_BOT in str(call.params.get("text"))
        )

    return sent


def notices(api: FakeBotAPI, chat_id: int) -> list[str]:
    return [m.text for m in api.messages(chat_id) if m.text and f"@{NEW_BOT}" in m.text]


async def test_announce_move_reaches_every_subscriber_exactly_once(
    api: FakeBotAPI, start_bot: ProcessStarter, keyring_dir: Path, tmp_path: Path
) -> None:
    people = [User(api, MOSCOW_RU, "ru"), User(api, SPB_EN, "en"), User(api, MOSCOW_KAZAN_SILENT)]
    api.add_chat(CHANNEL, chat_type="channel", title="Moscow alerts")
    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE)
    for person, region in zip(people, ("мск", "Saint Petersburg", "Казань"), strict=True):
        await subscribe(person, region)
    assert rows(bot, "SELECT count(*) FROM subscribers") == [(3,)]
    assert await bot.stop() == 0

    code, out, err = await announce(api, tmp_path, "not a bot")
    assert code == 2 and "not a bot's username" in err and err.count("\n") == 1
    code, out, err = await announce(api, tmp_path, "@helpline_test_bot")  # this bot itself
    assert code == 2 and "this bot itself" in err
    code, out, err = await announce(api, tmp_path, f"@{NEW_BOT}")
    assert code == 0 and "for 4 recipient(s)" in out, out + err  # and the channel's post
    code, out, err = await announce(api, tmp_path, NEW_BOT)  # again, as after an interruption
    assert code == 0 and "already queued; now also queued for 0" in out, out + err

    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE)  # a start sends what is pending at once
    for person in people:
        await api.wait_for(notice_sent_to(person.id), timeout=30)
    late = User(api, LATE, "ru")
    await subscribe(late, "мск")
    code, out, err = await announce(api, tmp_path, f"@{NEW_BOT.upper()}")  # any case: the same
    assert code == 0 and "now also queued for 1" in out, out + err
    # The running bot looks at the outbox at least once a minute; a restart sends at once.
    assert await bot.stop() == 0
    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE)
    await api.wait_for(notice_sent_to(LATE), timeout=30)
    await api.wait_idle()
    for chat in (*(p.id for p in people), late.id, CHANNEL):
        assert len(notices(api, chat)) == 1, chat
    [text] = notices(api, MOSCOW_RU)
    assert "Выпущено ботом @helpline_test_bot" in text and "🔏 sig:N." in text
    assert "переезжает на новый бот" in text
    [text_en] = notices(api, SPB_EN)
    assert "moving to a new bot" in text_en

    verdict = (await people[0].say(f"/verify {text}")).visible_text
    assert "Настоящее" in verdict and "⚠️" not in verdict.split("\n")[0], verdict
    assert await bot.stop() == 0
    audit = [r[0] for r in rows(bot, "SELECT action FROM audit_log ORDER BY seq")]
    assert audit.count("announce.move") == 3
