"""Regional-alert steps shared by the flow tests and the e2e scans: the cast (admin, moderator,
subscribers), subscribing, reporting, inviting a moderator, approving an alert."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from typing import Any

from bot.config import REPO_ROOT
from bot.devserver.server import FakeBotAPI
from tests.support.chat import User
from tests.support.keys import PASSPHRASE
from tests.support.process import RunningBot, StartBot
from tests.support.reports import fill_form

ADMIN, MODERATOR, OUTSIDER, REPORTER = 5_100_000_001, 5_200_000_002, 5_300_000_003, 5_400_000_004
MOSCOW_RU, SPB_EN, MOSCOW_KAZAN_SILENT = 6_100_000_011, 6_200_000_022, 6_300_000_033
MODERATOR_CHAT = -1_001_234_567_890
MARKER = "облава-маркер-77ab"


async def start(start_bot: StartBot, **overrides: str) -> RunningBot:
    """Unlocked, ADMIN as the admin, the moderators' group, two approvals unless overridden."""
    settings = {
        "KEY_PASSPHRASE": PASSPHRASE,
        "ADMIN_IDS": str(ADMIN),
        "MODERATOR_CHAT_ID": str(MODERATOR_CHAT),
        "ALERT_APPROVALS": "2",
        **overrides,
    }
    return await start_bot(wait_ready=True, **settings)


def rows(bot: RunningBot, sql: str) -> list[tuple[Any, ...]]:
    """What `sql` finds in the bot's database (read beside the running bot: SQLite allows it)."""
    with sqlite3.connect(bot.data_dir / "helpline.sqlite3") as db:
        return list(db.execute(sql))


async def subscribe(user: User, *regions: str, sound: bool = False) -> None:
    """Subscribe to `regions`, answering "how should alerts arrive?" after each: silent, as
    preselected, or with sound."""
    await user.say("/alerts")
    for region in regions:
        await user.press("➕")
        await user.say(region)
        await confirm_delivery(user, sound=sound)


async def confirm_delivery(user: User, *, sound: bool = False) -> None:
    """Answer the question shown after a region is added (either language)."""
    if sound:
        await user.press("🔔")
    await user.press("Подтвердить" if "Подтвердить" in " ".join(user.labels()) else "Confirm")


async def send_report(user: User, region: str = "мск", extra: str = "") -> None:
    text = f"Проверяют документы у выхода 2, {MARKER}{extra}"
    await fill_form(user, text, region=region, extras=False, send=True)


async def invite_moderator(api: FakeBotAPI, admin: User, moderator: User) -> None:
    """The admin invites "anna", who joins pending: not a moderator until someone other than
    the admin confirms her (the caller does that). Either language."""
    reply = await admin.say("/invite anna")
    link = re.search(r"start=(inv_[A-Za-z0-9_-]+)", reply.visible_text)
    assert link, reply.text
    welcome = (await moderator.say(f"/start {link.group(1)}")).visible_text
    assert "anna" in welcome and ("подтвердит" in welcome or "confirms you" in welcome)
    again = await User(api, OUTSIDER, "ru").say(f"/start {link.group(1)}")
    assert "недействительна" in again.visible_text  # single use
    # Pending: no moderator menu, no queue, and the inviting admin cannot vouch for her.
    scope = {"type": "chat", "chat_id": moderator.id}
    assert "queue" not in [c["command"] for c in api.commands(scope, "ru")]
    refused = (await moderator.say("/queue")).visible_text
    assert "не подтверждены" in refused or "not confirmed" in refused
    notice = admin.last_with_buttons()
    assert "anna" in notice.visible_text and "/queue" not in notice.visible_text
    await admin.press("anna")  # the notice's one button: confirm anna
    toast = str(api.calls_for("answerCallbackQuery")[-1].params.get("text"))
    assert "Вы пригласили anna" in toast or "You invited anna" in toast
    assert (await moderator.say("/queue")).visible_text == refused


def confirm_on_server(bot: RunningBot, alias: str) -> str:
    """The operator confirms `alias` with the CLI on the server, beside the running bot."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "moderators", "confirm", alias],
        cwd=bot.data_dir.parent,
        env={
            **keep,
            "PYTHONPATH": str(REPO_ROOT),
            "DATA_DIR": str(bot.data_dir),
            "KEY_PASSPHRASE": PASSPHRASE,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


async def report_and_approve(api: FakeBotAPI, admin: User) -> None:
    """A report from Moscow, drafted and approved by one admin (ALERT_APPROVALS=1), sent."""
    await send_report(User(api, REPORTER, "ru"))
    await admin.say("/queue")
    await admin.press("Moscow ·")
    await admin.press("Draft an alert")
    since = len(api.calls)
    await admin.press("Approve")
    await api.wait_for(
        lambda c: c.method == "editMessageText" and "Sent:" in str(c.params.get("text")),
        timeout=30,
        since=since,
    )


def alert_messages(api: FakeBotAPI, chat_id: int) -> list[str]:
    """The texts of the alerts (Russian or English) in the chat."""
    return [
        m.text
        for m in api.messages(chat_id)
        if m.text and ("Рейд:" in m.text or "Raid alert:" in m.text)
    ]
