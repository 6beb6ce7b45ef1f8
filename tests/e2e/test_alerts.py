"""Regional alerts through the real process, and what the seized data directory and the
process's output reveal afterwards: the whole way from a report to an alert with two
moderators, subscriptions taken while locked, Still there / Gone counts; and the one-line exit
on an unknown region channel."""

from __future__ import annotations

from pathlib import Path

from bot.devserver.server import FakeBotAPI
from tests.support.alerts import (
    ADMIN,
    MARKER,
    MODERATOR,
    MODERATOR_CHAT,
    MOSCOW_KAZAN_SILENT,
    MOSCOW_RU,
    OUTSIDER,
    REPORTER,
    SPB_EN,
    alert_messages,
    confirm_on_server,
    invite_moderator,
    report_and_approve,
    rows,
    send_report,
    start,
    subscribe,
)
from tests.support.chat import User
from tests.support.keys import PASSPHRASE
from tests.support.leaks import needles, scan_bytes, scan_dir
from tests.support.process import ProcessStarter, RunningBot


async def test_report_to_alert_with_two_moderators(
    api: FakeBotAPI, start_bot: ProcessStarter, keyring_dir: Path
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

    await subscribe(subscribers[0], "мск", sound=True)  # chose sound when subscribing
    assert "Москва" in subscribers[0].last().visible_text
    await subscribe(subscribers[1], "Piter")
    assert "St Petersburg" in subscribers[1].last().visible_text
    await subscribe(subscribers[2], "Москва", "Казань")  # silent, as preselected
    screen = subscribers[2].last()
    assert (
        "Москва" in screen.visible_text
        and "Татарстан" in screen.visible_text
        and "беззвучно" in screen.visible_text
    )

    await invite_moderator(api, admin, moderator)
    # The reporter adds a link and a mention: a moderator must not be one tap from them.
    await send_report(reporter, extra=" https://evil.example/x @fake_helpline")
    await api.wait_for(
        lambda c: (
            c.method == "sendMessage"
            and c.params.get("chat_id") in (MODERATOR_CHAT, str(MODERATOR_CHAT))
        ),
        timeout=90,
    )
    notice = api.messages(MODERATOR_CHAT)[-1].visible_text
    assert "Москва" in notice and MARKER not in notice and "Метро" not in notice

    # The admin reads the group and drafts an alert; one approval is not enough.
    queue = await admin.say("/queue")
    assert "Москва" in " ".join(admin.labels(queue))
    await admin.press("Москва")
    await admin.press("Прочитать")
    shown = [m for m in api.messages(ADMIN) if m.text and MARKER in m.text]
    assert shown and shown[-1].protect_content and shown[-1].parse_mode is None
    assert "evil[.]example" in (shown[-1].text or "")
    live = {"url", "text_link", "mention", "text_mention", "email"}
    assert not live & {e["type"] for e in shown[-1].entities}, shown[-1].entities
    await admin.press("Составить")
    await admin.press("Район")
    card = await admin.say("м. Курская")
    assert "Курская" in card.visible_text and "одобрений 0 из 2" in card.visible_text
    assert "<b>" not in card.visible_text  # the alert's own markup is markup, not escaped text
    card = await admin.press("Одобрить")
    assert "одобрений 1 из 2" in card.visible_text
    assert "ждёт одобрения" in api.messages(MODERATOR_CHAT)[-1].visible_text
    again = await admin.press("Одобрить")
    assert "одобрений 1 из 2" in again.visible_text
    assert not any(alert_messages(api, s.id) for s in subscribers)

    # A forged approval from someone who is not a moderator does nothing.
    outsider = User(api, OUTSIDER, "ru")
    await outsider.say("/start")
    bait = api.messages(OUTSIDER)[-1]
    approve_data = next(
        b.callback_data
        for row in admin.last_with_buttons().buttons
        for b in row
        if b.callback_data and b.callback_data.startswith("m1.approve")
    )
    api.push_callback(OUTSIDER, bait.message_id, approve_data)
    await api.wait_idle()
    toast = api.calls_for("answerCallbackQuery")[-1].params
    assert "модераторов" in str(toast.get("text"))
    assert not any(alert_messages(api, s.id) for s in subscribers)
    assert "moderation button refused" in bot.logs()
    # Nor does one from anna, who joined through the admin's invite but is not confirmed: one
    # admin account cannot approve with a second account of its own.
    anna_chat = api.messages(MODERATOR)[-1]
    api.push_callback(MODERATOR, anna_chat.message_id, approve_data)
    await api.wait_idle()
    assert "модераторов" in str(api.calls_for("answerCallbackQuery")[-1].params.get("text"))
    assert rows(bot, "SELECT count(*) FROM approvals") == [(1,)]
    assert not any(alert_messages(api, s.id) for s in subscribers)

    # The operator confirms her on the server; her approval then sends the alert.
    assert "confirmed anna" in confirm_on_server(bot, "anna")
    await moderator.say("/queue")
    await moderator.press("Черновик")
    sending = await moderator.press("Одобрить")
    assert "Рассылаю" in sending.visible_text or "Разослано" in sending.visible_text
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
    assert "Разослано: доставлено 2" in api.messages(MODERATOR)[-1].visible_text or any(
        "доставлено 2" in m.visible_text for m in api.messages(MODERATOR)
    )
    assert rows(bot, "SELECT state FROM alerts") == [("sent",)]
    # A copy with a link hidden behind a word keeps a genuine signature: /verify warns anyway.
    [sent] = [m for m in api.messages(MOSCOW_RU) if "Рейд:" in (m.text or "")]
    copy = sent.text or ""
    at = len(copy[: copy.index("Москва")].encode("utf-16-le")) // 2
    hidden = {"type": "text_link", "url": "https://evil.example/", "offset": at, "length": 6}
    await subscribers[0].say("/verify")
    verdict = (await subscribers[0].say(copy, entities=[*sent.entities, hidden])).visible_text
    assert "Настоящее" in verdict and "ссылка или упоминание" in verdict
    assert [r[0] for r in rows(bot, "SELECT action FROM audit_log ORDER BY seq")] == [
        "invite.create",
        "moderator.join",
        "group.read",
        "alert.draft",
        "alert.edit",
        "alert.approve",
        "moderator.confirm",
        "alert.approve",
        "alert.send",
    ]
    assert not [c for c in api.calls if c.method in ("forwardMessage", "copyMessage")]

    assert await bot.stop() == 0
    people = [ADMIN, MODERATOR, OUTSIDER, REPORTER, MOSCOW_RU, SPB_EN, MOSCOW_KAZAN_SILENT]
    names = ["Admin-Name", "Moderator-Name", "mod_handle_7", "Reporter-Name", "Sub-One"]
    assert scan_dir(bot.data_dir, needles([MARKER, *names], people)) == []
    assert scan_bytes(bot.logs().encode(), needles([MARKER, *names], people)) == []


async def test_locked_subscriptions_apply_at_unlock_and_moderators_are_told(
    api: FakeBotAPI, start_bot: ProcessStarter, keyring_dir: Path
) -> None:
    admin = User(api, ADMIN, "en")
    user = User(api, MOSCOW_RU, "en")
    bot: RunningBot = await start_bot(ADMIN_IDS=str(ADMIN))  # no passphrase, no terminal: locked
    assert "keyring=locked" in bot.logs()
    assert any("🔒" in m.visible_text for m in api.messages(ADMIN))  # told at start
    # with the audit log's head (admins only; the log is empty here)
    assert any("🧾" in m.visible_text for m in api.messages(ADMIN))
    screen = await user.say("/alerts")
    assert "protected mode" in screen.visible_text
    await user.press("Add a region")
    saved = await user.say("Moscow")
    assert "Saved: Moscow" in saved.visible_text
    assert "locked" in (await admin.say("/queue")).visible_text
    # A report's reject button (as shown by "Read") waits for the unlock like the others.
    forged = "m1.reject-one:00000000-0000-4000-8000-000000000000:spam"
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
    assert "Moscow" in screen.visible_text


async def test_still_there_and_gone_reach_moderators_as_counts(
    api: FakeBotAPI, start_bot: ProcessStarter, keyring_dir: Path
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
    assert "still there 2, gone 1" in stats.visible_text
    # Changing one's mind moves the answer, it does not add one.
    await people[1].press("Ушли")
    assert "still there 1, gone 2" in (await admin.say("/stats")).visible_text
    assert rows(bot, "SELECT still, gone FROM alert_feedback") == [(1, 2)]

    assert await bot.stop() == 0
    ids = [person.id for person in people] + [ADMIN, REPORTER]
    assert scan_dir(bot.data_dir, needles([MARKER], ids)) == []


async def test_an_unknown_region_channel_exits_2_in_one_line(
    start_bot: ProcessStarter, keyring_dir: Path
) -> None:
    bad = await start_bot(
        wait_ready=False, KEY_PASSPHRASE=PASSPHRASE, REGION_CHANNELS="atlantis=-100123"
    )
    assert await bad.process.wait() == 2
    assert "REGION_CHANNELS names unknown region code(s) atlantis" in bad.logs()
    assert "Traceback" not in bad.logs()


async def test_one_admin_alone_cannot_get_an_announcement_out(
    api: FakeBotAPI, start_bot: ProcessStarter, keyring_dir: Path
) -> None:
    admin, subscriber = User(api, ADMIN, "ru"), User(api, MOSCOW_RU, "ru")
    bot = await start(start_bot)
    await subscribe(subscriber, "мск")
    await admin.say("/announce")
    await admin.say("Срочно: проверяйте новости на https://evil.example")
    card = await admin.press("Одобрить и отправить")
    assert "одобрений 1 из 2" in card.visible_text
    again = await admin.press("Одобрить")  # the same account twice is still one approval
    assert "одобрений 1 из 2" in again.visible_text
    await api.wait_idle()
    assert not any("Объявление" in m.visible_text for m in api.messages(MOSCOW_RU))
    assert rows(bot, "SELECT kind, state FROM alerts") == [("announcement", "draft")]
    assert rows(bot, "SELECT count(*) FROM outbox") == [(0,)]
    assert "two-person rule rests on one person" in bot.logs()
