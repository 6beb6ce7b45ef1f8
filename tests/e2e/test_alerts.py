"""Regional alerts through the real process: subscriptions, invites, the moderation queue, the
two-person rule, the broadcast, forged buttons, blocking the bot, and a seized data directory."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.config import REPO_ROOT
from bot.crypto.keyring import PublicKeyring
from bot.devserver.server import FakeBotAPI
from tests.conftest import PASSPHRASE, BotProcess, StartBot
from tests.support.chat import User
from tests.support.leaks import needles, scan_bytes, scan_dir

ADMIN, MODERATOR, OUTSIDER, REPORTER = 5_100_000_001, 5_200_000_002, 5_300_000_003, 5_400_000_004
MOSCOW_RU, SPB_EN, MOSCOW_KAZAN_SILENT = 6_100_000_011, 6_200_000_022, 6_300_000_033
MODERATOR_CHAT = -1_001_234_567_890
MARKER = "облава-маркер-77ab"


async def start(start_bot: StartBot, **overrides: str) -> BotProcess:
    settings = {
        "KEY_PASSPHRASE": PASSPHRASE,
        "ADMIN_IDS": str(ADMIN),
        "MODERATOR_CHAT_ID": str(MODERATOR_CHAT),
        "ALERT_APPROVALS": "2",
        **overrides,
    }
    return await start_bot(**settings)


def rows(bot: BotProcess, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(bot.data_dir / "helpline.sqlite3") as db:
        return list(db.execute(sql))


async def subscribe(user: User, *regions: str) -> None:
    await user.say("/alerts")
    for region in regions:
        await user.press("➕")
        await user.say(region)


async def send_report(user: User, region: str = "мск") -> None:
    await user.say("/report")
    await user.say(region)
    await user.press("Метро")
    await user.press("Прямо сейчас")
    await user.say(f"Проверяют документы у выхода 2, {MARKER}")
    await user.press("Пропустить")
    await user.press("Пропустить")
    await user.press("Отправить")


async def invite_moderator(api: FakeBotAPI, admin: User, moderator: User) -> None:
    reply = await admin.say("/invite anna")
    link = re.search(r"start=(inv_[A-Za-z0-9_-]+)", reply.text)
    assert link, reply.text
    welcome = await moderator.say(f"/start {link.group(1)}")
    assert "anna" in welcome.text and "/queue" in welcome.text
    # The moderator's own menu now has /queue; the public menu does not.
    scope = {"type": "chat", "chat_id": moderator.id}
    assert "queue" in [c["command"] for c in api.commands(scope, "ru")]
    assert "queue" not in [c["command"] for c in api.commands(None, "ru")]
    again = await User(api, OUTSIDER, "ru").say(f"/start {link.group(1)}")
    assert "недействительна" in again.text  # single use


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
    return [m.text for m in api.messages(chat_id) if (m.text and "Рейд:" in m.text) or
            (m.text and "Raid alert:" in m.text)]  # fmt: skip


async def test_report_to_alert_with_two_moderators(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    api.add_chat(MODERATOR_CHAT, title="moderators")
    admin = User(api, ADMIN, "ru", first_name="Admin-Name")
    moderator = User(api, MODERATOR, "ru", first_name="Moderator-Name", username="mod_handle_7")
    reporter = User(api, REPORTER, "ru", first_name="Reporter-Name")
    subscribers = [
        User(api, MOSCOW_RU, "ru", first_name="Sub-One"),
        User(api, SPB_EN, "en", first_name="Sub-Two"),
        User(api, MOSCOW_KAZAN_SILENT, "ru", first_name="Sub-Three"),
    ]
    bot = await start(start_bot)
    assert "keyring=unlocked" in bot.logs()

    await subscribe(subscribers[0], "мск")
    assert "Москва" in subscribers[0].last().text
    await subscribe(subscribers[1], "Piter")
    assert "St Petersburg" in subscribers[1].last().text
    await subscribe(subscribers[2], "Москва", "Казань")
    screen = await subscribers[2].press("беззвучн")
    assert "Москва" in screen.text and "Татарстан" in screen.text and "беззвучно" in screen.text

    await invite_moderator(api, admin, moderator)
    await send_report(reporter)
    await api.wait_for(lambda c: c.method == "sendMessage" and c.params.get("chat_id") in
                       (MODERATOR_CHAT, str(MODERATOR_CHAT)), timeout=90)  # fmt: skip
    notice = api.messages(MODERATOR_CHAT)[-1].text
    assert "Москва" in notice and MARKER not in notice and "Метро" not in notice

    # The admin reads the group and drafts an alert; one approval is not enough.
    queue = await admin.say("/queue")
    assert "Москва" in " ".join(admin.labels(queue))
    await admin.press("Москва")
    await admin.press("Прочитать")
    shown = [m for m in api.messages(ADMIN) if m.text and MARKER in m.text]
    assert shown and shown[-1].protect_content and shown[-1].parse_mode is None
    await admin.press("Составить")
    await admin.press("Район")
    card = await admin.say("м. Курская")
    assert "Курская" in card.text and "одобрений 0 из 2" in card.text
    assert "<b>" not in card.text  # the alert's own markup is markup, not escaped text
    card = await admin.press("Одобрить")
    assert "одобрений 1 из 2" in card.text
    assert "ждёт одобрения" in api.messages(MODERATOR_CHAT)[-1].text
    again = await admin.press("Одобрить")
    assert "одобрений 1 из 2" in again.text
    assert not any(alert_messages(api, s.id) for s in subscribers)

    # A forged approval from someone who is not a moderator does nothing.
    outsider = User(api, OUTSIDER, "ru")
    await outsider.say("/start")
    bait = api.messages(OUTSIDER)[-1]
    approve_data = next(
        b.callback_data for row in admin.last_with_buttons().buttons for b in row
        if b.callback_data and b.callback_data.startswith("md:approve")
    )  # fmt: skip
    api.push_callback(OUTSIDER, bait.message_id, approve_data)
    await api.wait_idle()
    toast = api.calls_for("answerCallbackQuery")[-1].params
    assert "модераторов" in str(toast.get("text"))
    assert not any(alert_messages(api, s.id) for s in subscribers)
    assert "moderation button refused" in bot.logs()

    # The second moderator approves: the alert goes out.
    await moderator.say("/queue")
    await moderator.press("Черновик")
    sending = await moderator.press("Одобрить")
    assert "Рассылаю" in sending.text or "Разослано" in sending.text
    await api.wait_for(
        lambda c: c.method == "editMessageText" and "Разослано" in str(c.params.get("text")),
        timeout=60,
    )
    moscow = alert_messages(api, MOSCOW_RU)
    silent = alert_messages(api, MOSCOW_KAZAN_SILENT)
    assert len(moscow) == 1 and len(silent) == 1
    assert "Курская" in moscow[0] and "Подтверждено" not in moscow[0]
    assert "не подтверждено" in moscow[0]  # a single reporter
    assert alert_messages(api, SPB_EN) == []
    assert alert_messages(api, REPORTER) == [] and alert_messages(api, OUTSIDER) == []
    last = api.messages(MOSCOW_KAZAN_SILENT)[-1]
    assert last.disable_notification and not api.messages(MOSCOW_RU)[-1].disable_notification
    assert "Разослано: доставлено 2" in api.messages(MODERATOR)[-1].text or any(
        "доставлено 2" in (m.text or "") for m in api.messages(MODERATOR)
    )
    assert rows(bot, "SELECT state FROM alerts") == [("sent",)]
    assert [r[0] for r in rows(bot, "SELECT action FROM audit_log ORDER BY seq")] == [
        "invite.create", "moderator.join", "group.read", "alert.draft", "alert.edit",
        "alert.approve", "alert.approve", "alert.send",
    ]  # fmt: skip
    assert not [c for c in api.calls if c.method in ("forwardMessage", "copyMessage")]

    assert await bot.stop() == 0
    people = [ADMIN, MODERATOR, OUTSIDER, REPORTER, MOSCOW_RU, SPB_EN, MOSCOW_KAZAN_SILENT]
    names = ["Admin-Name", "Moderator-Name", "mod_handle_7", "Reporter-Name", "Sub-One"]
    assert scan_dir(bot.data_dir, needles([MARKER, *names], people)) == []
    assert scan_bytes(bot.logs().encode(), needles([MARKER, *names], people)) == []


async def test_blocking_the_bot_unsubscribes(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, MOSCOW_RU, "en")
    bot = await start(start_bot)
    await subscribe(user, "Moscow")
    assert rows(bot, "SELECT count(*) FROM subscribers") == [(1,)]
    api.push_my_chat_member(user.id, "kicked")
    await api.wait_idle()
    assert rows(bot, "SELECT count(*) FROM subscribers") == [(0,)]
    assert rows(bot, "SELECT count(*) FROM subscriber_regions") == [(0,)]


async def test_subscription_screen_and_unsubscribe(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, SPB_EN, "en")
    bot = await start(start_bot)
    screen = await user.say("/alerts")
    assert "not subscribed" in screen.text
    await user.press("Add a region")
    assert "Which region" in (await user.say("Ново")).text  # ambiguous: candidates
    await user.press("Novosibirsk")
    screen = await user.press("All of Russia")
    assert "all of Russia" in screen.text and "Novosibirsk" in screen.text
    screen = await user.press("✖ Novosibirsk")
    assert "Novosibirsk" not in screen.text and "all of Russia" in screen.text
    await user.press("Add a region")
    assert "don't know" in (await user.say("Qwxzzy land")).text
    await user.say("/help")  # a detour: answered, and the region input can be resumed
    assert "/alerts" in api.messages(user.id)[-2].text
    assert "unfinished" in user.last().text
    resumed = await user.press("Continue")
    assert "Which region" in resumed.text or "region" in resumed.text
    await user.say("/alerts")
    screen = await user.press("Unsubscribe")
    assert "unsubscribed" in screen.text and "not subscribed" in screen.text
    assert rows(bot, "SELECT count(*) FROM subscribers") == [(0,)]


async def test_locked_subscriptions_apply_at_unlock_and_moderators_are_told(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin = User(api, ADMIN, "en")
    user = User(api, MOSCOW_RU, "en")
    bot = await start_bot(ADMIN_IDS=str(ADMIN))  # no passphrase, no terminal: locked
    assert "keyring=locked" in bot.logs()
    assert any("🔒" in (m.text or "") for m in api.messages(ADMIN))  # told at start
    screen = await user.say("/alerts")
    assert "protected mode" in screen.text
    await user.press("Add a region")
    saved = await user.say("Moscow")
    assert "Saved: Moscow" in saved.text
    assert "locked" in (await admin.say("/queue")).text
    # A report's reject button (as shown by "Read") waits for the unlock like the others.
    forged = "mr:00000000-0000-4000-8000-000000000000:spam"
    api.push_callback(ADMIN, admin.last().message_id, forged)
    await api.wait_idle()
    assert "locked" in str(api.calls_for("answerCallbackQuery")[-1].params.get("text"))
    assert rows(bot, "SELECT count(*) FROM subscribers") == [(0,)]
    assert rows(bot, "SELECT count(*) FROM pending_subscriptions") == [(1,)]
    assert await bot.stop() == 0
    assert scan_dir(bot.data_dir, needles([], [MOSCOW_RU])) == []

    bot = await start(start_bot)
    assert rows(bot, "SELECT count(*) FROM subscribers") == [(1,)]
    assert rows(bot, "SELECT count(*) FROM pending_subscriptions") == [(0,)]
    screen = await user.say("/alerts")
    assert "Moscow" in screen.text


async def test_verify_tells_a_genuine_alert_from_a_changed_one(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path, tmp_path: Path
) -> None:
    admin = User(api, ADMIN, "en")
    subscriber = User(api, MOSCOW_RU, "ru")
    await start(start_bot, ALERT_APPROVALS="1")
    await subscribe(subscriber, "мск")
    await send_report(User(api, REPORTER, "ru"))
    await admin.say("/queue")
    await admin.press("Moscow")
    await admin.press("Draft an alert")
    await admin.press("Approve")
    await api.wait_for(
        lambda c: c.method == "sendMessage" and "Рейд" in str(c.params.get("text")), timeout=30
    )
    [alert] = alert_messages(api, MOSCOW_RU)
    assert "🔏 sig:" in alert.splitlines()[-1]

    await subscriber.say("/verify")
    verdict = (await subscriber.say(alert)).text
    assert "Настоящее" in verdict and "ещё действует" in verdict
    changed = alert.replace("Москва", "Казань")
    assert "Не настоящее" in (await subscriber.say(f"/verify {changed}")).text
    unsigned = "\n".join(alert.splitlines()[:-1])
    assert "нет строки подписи" in (await subscriber.say(f"/verify {unsigned}")).text

    # Counts for moderators only: per region over 24 h / 7 days, and the broadcast's outcome.
    await api.wait_for(
        lambda c: c.method == "editMessageText" and "Sent:" in str(c.params.get("text")),
        timeout=30,
    )
    stats = await admin.say("/stats")
    assert "Reports: 1 / 1" in stats.text and "Moscow: 1 / 1" in stats.text
    assert "Alerts sent: 1 / 1" in stats.text and "Subscribers: 1" in stats.text
    assert "delivered 1, failed 0" in stats.text
    refused = await subscriber.say("/stats")
    assert "Счётчики" not in refused.text and "не понял" in refused.text

    # Offline, with nothing but the public key an organisation publishes.
    public = PublicKeyring.load(keyring_dir).signing_public.public_bytes_raw().hex()
    for text, code, word in ((alert, 0, "genuine"), (changed, 1, "NOT genuine")):
        path = tmp_path / "alert.txt"
        path.write_text(text, encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "bot", "verify", "--public-key", public, str(path)],
            cwd=tmp_path, env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == code and result.stdout.startswith(word), result.stdout


async def test_announcement_reaches_every_subscriber_once(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin = User(api, ADMIN, "en")
    subscribers = [User(api, MOSCOW_RU, "ru"), User(api, SPB_EN, "en")]
    bystander = User(api, OUTSIDER, "ru")
    bot = await start(start_bot)
    await subscribe(subscribers[0], "мск")
    await subscribe(subscribers[1], "Piter")
    await bystander.say("/start")
    refused = await bystander.say("/announce")  # admins only: like any unknown command
    assert "не понял" in refused.text and "подписчик" not in refused.text

    assert "up to 3,000 characters" in (await admin.say("/announce")).text
    preview = await admin.say("Shelters <b>open</b> tonight & tomorrow: see /sos")
    assert "Preview" in preview.text and "<b>open</b> tonight & tomorrow" in preview.text
    await admin.press("Send to all subscribers")
    await api.wait_for(
        lambda c: c.method == "editMessageText" and "Sent:" in str(c.params.get("text")),
        timeout=30,
    )
    for user in subscribers:
        got = [m.text for m in api.messages(user.id) if m.text and "Announcement" in m.text]
        assert len(got) == 1 and "<b>open</b> tonight & tomorrow" in got[0]
        assert "🔏 sig:" in got[0]
    assert not any("Announcement" in (m.text or "") for m in api.messages(OUTSIDER))
    verdict = await subscribers[0].say(f"/verify {got[0]}")
    assert "Настоящее" in verdict.text
    assert rows(bot, "SELECT kind, state FROM alerts") == [("announcement", "sent")]


async def test_still_there_and_gone_reach_moderators_as_counts(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin = User(api, ADMIN, "en")
    people = [User(api, chat, "ru") for chat in (MOSCOW_RU, MOSCOW_KAZAN_SILENT, SPB_EN)]
    bot = await start(start_bot, ALERT_APPROVALS="1")
    for person in people:
        await subscribe(person, "мск")
    await report_and_approve(api, admin)
    for person in people:
        assert alert_messages(api, person.id)
        assert person.labels(person.last()) == ["👀 Всё ещё там", "✅ Ушли"]
    await people[0].press("Всё ещё там")
    toast = api.calls_for("answerCallbackQuery")[-1].params
    assert "только модераторы" in str(toast.get("text"))
    await people[0].press("Всё ещё там")  # the same person again: still one
    await people[1].press("Всё ещё там")
    await people[2].press("Ушли")
    await people[2].press("Ушли")
    stats = await admin.say("/stats")
    assert "still there 2, gone 1" in stats.text
    # Changing one's mind moves the answer, it does not add one.
    await people[1].press("Ушли")
    assert "still there 1, gone 2" in (await admin.say("/stats")).text
    assert rows(bot, "SELECT still, gone FROM alert_feedback") == [(1, 2)]

    assert await bot.stop() == 0
    ids = [person.id for person in people] + [ADMIN, REPORTER]
    assert scan_dir(bot.data_dir, needles([MARKER], ids)) == []


async def test_withdrawal_and_expiry_edit_every_delivered_copy_once(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin = User(api, ADMIN, "en")
    people = [User(api, chat, "ru") for chat in (MOSCOW_RU, MOSCOW_KAZAN_SILENT)]
    bot = await start(start_bot, ALERT_APPROVALS="1")
    for person in people:
        await subscribe(person, "мск")

    await report_and_approve(api, admin)
    for person in people:
        [alert] = alert_messages(api, person.id)
        assert "действует до" in alert and "🔏 sig:" in alert
    original = alert
    await admin.say("/queue")
    await admin.press("Sent: Moscow")
    await admin.press("Withdraw this alert")
    await admin.press("Yes, withdraw")
    toast = api.calls_for("answerCallbackQuery")[-1].params
    assert "2 delivered copies" in str(toast.get("text"))
    await api.wait_idle(timeout=20)
    edits = [c for c in api.calls_for("editMessageText") if "Отозвано" in str(c.params.get("text"))]
    assert len(edits) == 2 and {int(c.params["chat_id"]) for c in edits} == {p.id for p in people}
    for person in people:
        copy = next(m for m in api.messages(person.id) if "Отозвано" in (m.text or ""))
        assert copy.buttons == []  # no more answers to a withdrawn alert
        assert "🔏" not in copy.text
    assert rows(bot, "SELECT state FROM alerts") == [("withdrawn",)]
    verdict = (await people[0].say(f"/verify {original}")).text
    assert "Настоящее" in verdict and "отозвали" in verdict  # genuine, and known to be withdrawn
    assert await bot.stop() == 0

    # Expiry: a second alert with a one-hour lifetime, then the clock is past it for the job.
    bot = await start(start_bot, ALERT_APPROVALS="1", ALERT_TTL_HOURS="1")
    await report_and_approve(api, admin)
    assert await bot.stop() == 0
    with sqlite3.connect(bot.data_dir / "helpline.sqlite3") as db:
        db.execute("UPDATE alerts SET expires_at = '2000-01-01T00:00Z' WHERE state = 'sent'")
    bot = await start(start_bot, ALERT_APPROVALS="1")
    await api.wait_for(
        lambda c: c.method == "editMessageText" and "Истёк срок" in str(c.params.get("text")),
        timeout=30,
    )
    await api.wait_idle(timeout=20)
    expired = [c for c in api.calls_for("editMessageText") if "Истёк" in str(c.params.get("text"))]
    assert len(expired) == 2
    assert sorted(r[0] for r in rows(bot, "SELECT state FROM alerts")) == ["expired", "withdrawn"]


async def test_an_update_refers_to_the_alert_it_replaces(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin = User(api, ADMIN, "en")
    person = User(api, MOSCOW_RU, "ru")
    bot = await start(start_bot, ALERT_APPROVALS="1")
    await subscribe(person, "мск")
    await report_and_approve(api, admin)
    [original] = alert_messages(api, MOSCOW_RU)
    [(original_id,)] = rows(bot, "SELECT id FROM alerts")
    assert f"Предупреждение {original_id}" in original

    await admin.say("/queue")
    await admin.press("Sent: Moscow")
    await admin.press("Issue an update")
    await admin.press("Area")
    card = await admin.say("м. Курская, выход 2")
    assert f"replaces alert {original_id}" in card.text
    since = len(api.calls)
    await admin.press("Approve")
    await api.wait_for(
        lambda c: c.method == "editMessageText" and "Заменено" in str(c.params.get("text")),
        timeout=30,
        since=since,
    )
    await api.wait_idle(timeout=20)
    update = [m for m in alert_messages(api, MOSCOW_RU) if "Обновление" in m]
    assert len(update) == 1 and f"заменяет предупреждение {original_id}" in update[0]
    assert "Курская" in update[0]
    first = next(m for m in api.messages(MOSCOW_RU) if "Заменено" in (m.text or ""))
    assert "Курская" not in first.text
    states = dict(rows(bot, "SELECT id, state FROM alerts"))
    assert states[original_id] == "replaced" and sorted(states.values()) == ["replaced", "sent"]


async def test_region_channel_gets_one_post(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    channel, other = -1_009_876_543_210, -1_001_111_111_111
    api.add_chat(channel, chat_type="channel", title="Moscow alerts")
    api.add_chat(other, chat_type="channel", title="Piter alerts")
    admin = User(api, ADMIN, "en")
    person = User(api, MOSCOW_RU, "ru")
    bot = await start(
        start_bot, ALERT_APPROVALS="1", REGION_CHANNELS=f"moscow={channel},spb={other}"
    )
    await subscribe(person, "мск")
    await report_and_approve(api, admin)
    posts = [m for m in api.messages(channel) if "Рейд: Москва" in (m.text or "")]
    assert len(posts) == 1 and "🔏 sig:" in posts[0].text and posts[0].buttons == []
    assert api.messages(other) == []
    assert len(alert_messages(api, MOSCOW_RU)) == 1
    # Withdrawn: the channel's post says so too.
    await admin.say("/queue")
    await admin.press("Sent: Moscow")
    await admin.press("Withdraw this alert")
    await admin.press("Yes, withdraw")
    await api.wait_idle(timeout=20)
    assert any("Отозвано" in (m.text or "") for m in api.messages(channel))
    assert await bot.stop() == 0

    bad = await start_bot(
        wait_ready=False, KEY_PASSPHRASE=PASSPHRASE, REGION_CHANNELS="atlantis=-100123"
    )
    assert await bad.process.wait() == 2
    assert "REGION_CHANNELS names unknown region code(s) atlantis" in bad.logs()
    assert "Traceback" not in bad.logs()
