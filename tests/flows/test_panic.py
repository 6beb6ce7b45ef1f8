"""The panic switch in Telegram through the real app in-process: one admin's /panic is only a
request, a different admin confirms it, the requester cannot, each step is audited, and the
running bot switches to guidance only at once; /verify then says the signing key is revoked."""

from __future__ import annotations

from pathlib import Path

from bot.crypto.keyring import KEYRING_FILE, TOMBSTONE_FILE
from bot.devserver.server import FakeBotAPI
from tests.support.alerts import (
    ADMIN,
    MODERATOR_CHAT,
    MOSCOW_RU,
    OUTSIDER,
    REPORTER,
    alert_messages,
    rows,
    send_report,
    start,
    subscribe,
)
from tests.support.chat import User
from tests.support.process import StartBot

SECOND_ADMIN = 5_100_000_009


async def approve_one_alert(api: FakeBotAPI, admin: User) -> str:
    """A report, drafted and approved by `admin` (ALERT_APPROVALS=1): the alert delivered."""
    await send_report(User(api, REPORTER, "ru"))
    await admin.say("/queue")
    await admin.press("Moscow")
    await admin.press("Draft an alert")
    await admin.press("Approve")
    await api.wait_for(
        lambda c: c.method == "sendMessage" and "Рейд" in str(c.params.get("text")), timeout=30
    )
    [alert] = alert_messages(api, MOSCOW_RU)
    return alert


async def test_panic_needs_a_second_admin_and_switches_the_running_bot_to_guidance(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    first, second = User(api, ADMIN, "en"), User(api, SECOND_ADMIN, "en")
    subscriber = User(api, MOSCOW_RU, "ru")
    bot = await start(start_bot, ADMIN_IDS=f"{ADMIN},{SECOND_ADMIN}", ALERT_APPROVALS="1")
    await subscribe(subscriber, "мск")
    alert = await approve_one_alert(api, first)
    assert "Настоящее" in (await subscriber.say(f"/verify {alert}")).visible_text

    # A stranger's /panic is an unknown command; nothing is asked of anyone.
    stranger = User(api, OUTSIDER, "en")
    assert "asks to destroy" not in (await stranger.say("/panic")).visible_text
    asked = await first.say("/panic")
    assert "went to one other admin" in asked.visible_text, asked.visible_text
    request = second.last_with_buttons()
    # In the instance's language (the other admins' own is not known here).
    assert "просит уничтожить ключи" in request.visible_text
    assert "Запрос действует 5 мин" in request.visible_text
    data = request.buttons[0][0].callback_data
    assert data is not None

    # The requester cannot confirm (the button's data pressed in their own chat); a stranger
    # with the data gets nothing done either.
    api.push_callback(ADMIN, asked.message_id, data)
    await api.wait_idle()
    toast = str(api.calls_for("answerCallbackQuery")[-1].params.get("text"))
    assert "another admin must confirm" in toast
    stranger_msg = stranger.last()
    api.push_callback(OUTSIDER, stranger_msg.message_id, data)
    await api.wait_idle()
    assert (keyring_dir / KEYRING_FILE).exists()

    await second.press("Подтвердить")
    assert "keyring is destroyed" in second.last().visible_text
    assert "Ключи уничтожены" in first.last().visible_text  # the requester is told too
    assert not (keyring_dir / KEYRING_FILE).exists() and (keyring_dir / TOMBSTONE_FILE).exists()
    actions = [r[0] for r in rows(bot, "SELECT action FROM audit_log ORDER BY seq")]
    assert actions[-3:] == ["panic.request", "panic.refused", "panic.confirm"], actions
    assert "keyring destroyed while running" in bot.logs()

    # In place, without a restart: reports and alerts are off, guidance answers, and /verify
    # says the old alert was signed by a key revoked today.
    assert "no longer accepted" in (await first.say("/report")).visible_text
    assert "больше не рассылает" in (await subscriber.say("/alerts")).visible_text
    assert "stopped or detained" in (await first.say("/sos")).visible_text
    assert "keys were destroyed on purpose" in (await first.say("/privacy")).visible_text
    revoked = (await subscriber.say(f"/verify {alert}")).visible_text
    assert "отозванным ключом" in revoked and "Настоящее" not in revoked
    changed = alert.replace("Москва", "Казань")
    assert "Не настоящее" in (await subscriber.say(f"/verify {changed}")).visible_text
    # A second press finds nothing left to destroy.
    await second.press("Подтвердить")
    toast = str(api.calls_for("answerCallbackQuery")[-1].params.get("text"))
    assert "already destroyed" in toast
    failed = [
        c.method
        for c in api.calls
        if not c.ok and c.method != "getUpdates" and c.params.get("chat_id") != MODERATOR_CHAT
    ]
    assert not failed, failed


async def test_with_one_admin_panic_names_the_server_command(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin = User(api, ADMIN, "ru")
    await start(start_bot)
    answer = (await admin.say("/panic")).visible_text
    assert "helpline-bot panic" in answer and "только один админ" in answer
    assert (keyring_dir / KEYRING_FILE).exists()
