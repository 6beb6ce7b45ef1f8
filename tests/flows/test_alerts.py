"""Regional alerts through the real app in-process: subscriptions, blocking the bot, /verify
(and the offline `verify` command), announcements, withdrawal, expiry, updates and channels."""

from __future__ import annotations

import base64
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.config import REPO_ROOT
from bot.crypto.keyring import PublicKeyring, UnlockedKeyring
from bot.devserver.server import ChatMessage, FakeBotAPI
from bot.services.signatures import SIGNATURE_SEPARATOR, canonical, sign_alert, visible_text
from tests.support.alerts import (
    ADMIN,
    MOSCOW_KAZAN_SILENT,
    MOSCOW_RU,
    OUTSIDER,
    REPORTER,
    SPB_EN,
    alert_messages,
    confirm_delivery,
    report_and_approve,
    rows,
    send_report,
    start,
    subscribe,
)
from tests.support.chat import User
from tests.support.keys import PASSPHRASE_BYTES
from tests.support.process import StartBot


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
    assert "not subscribed" in screen.visible_text
    await user.press("Add a region")
    assert "Which region" in (await user.say("Ново")).visible_text  # ambiguous: candidates
    await user.press("Novosibirsk")
    await confirm_delivery(user)
    await user.press("All of Russia")
    await confirm_delivery(user)
    screen = user.last()
    assert "all of Russia" in screen.visible_text and "Novosibirsk" in screen.visible_text
    screen = await user.press("✖ Novosibirsk")
    assert "Novosibirsk" not in screen.visible_text and "all of Russia" in screen.visible_text
    await user.press("Add a region")
    assert "don't know" in (await user.say("Qwxzzy land")).visible_text
    await user.say("/help")  # a detour: answered, and the region input can be resumed
    assert "/alerts" in api.messages(user.id)[-2].visible_text
    assert "unfinished" in user.last().visible_text
    resumed = await user.press("Continue")
    assert "Which region" in resumed.visible_text or "region" in resumed.visible_text
    await user.say("/alerts")
    screen = await user.press("Unsubscribe")
    assert "unsubscribed" in screen.visible_text and "not subscribed" in screen.visible_text
    assert rows(bot, "SELECT count(*) FROM subscribers") == [(0,)]


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
    verdict = (await subscriber.say(alert)).visible_text
    assert "Настоящее" in verdict and "ещё действует" in verdict
    changed = alert.replace("Москва", "Казань")
    assert "Не настоящее" in (await subscriber.say(f"/verify {changed}")).visible_text
    unsigned = "\n".join(alert.splitlines()[:-1])
    assert "нет строки подписи" in (await subscriber.say(f"/verify {unsigned}")).visible_text
    # A copy whose signature line was joined onto the last line (web copies, some clients).
    body, signature = alert.rsplit("\n\n", 1)
    flattened = f"{body} {signature}"
    verdict = (await subscriber.say(f"/verify {flattened}")).visible_text
    assert "Настоящее" in verdict and "ещё действует" in verdict
    flattened_changed = flattened.replace("Москва", "Казань")
    verdict = (await subscriber.say(f"/verify {flattened_changed}")).visible_text
    assert "Не настоящее" in verdict

    # Counts for moderators only: per region over 24 h / 7 days, and the broadcast's outcome.
    await api.wait_for(
        lambda c: c.method == "editMessageText" and "Sent:" in str(c.params.get("text")),
        timeout=30,
    )
    stats = await admin.say("/stats")
    assert "Reports: 1 / 1" in stats.visible_text and "Moscow: 1 / 1" in stats.visible_text
    assert "Alerts sent: 1 / 1" in stats.visible_text and "Subscribers: 1" in stats.visible_text
    assert "delivered 1, failed 0" in stats.visible_text
    refused = await subscriber.say("/stats")
    assert "Счётчики" not in refused.visible_text and "не понял" in refused.visible_text

    # Offline, with nothing but the public key an organisation publishes.
    public = PublicKeyring.load(keyring_dir).signing_public.public_bytes_raw().hex()
    for text, code, word in ((alert, 0, "genuine"), (changed, 1, "NOT genuine")):
        result = verify_offline(public, text, tmp_path)
        assert result.returncode == code and result.stdout.startswith(word), result.stdout
    assert "issued by @helpline_test_bot" in verify_offline(public, alert, tmp_path).stdout


def verify_offline(public: str, alert: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """What the offline `verify` says of a text, with nothing but the public key."""
    path = tmp_path / "alert.txt"
    path.write_text(alert, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "bot", "verify", "--public-key", public, str(path)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


SECOND_ADMIN = 5_500_000_005
LIVE = {"url", "email", "mention", "text_link", "text_mention"}
BOT = "@helpline_test_bot"  # the stand-in's getMe username


def live_links(message: ChatMessage) -> list[str]:
    """The texts a message's live links and mentions cover (entity offsets count UTF-16)."""
    raw = (message.text or "").encode("utf-16-le")
    return [
        raw[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.entities
        if e["type"] in LIVE
    ]


def entity_on(text: str, word: str, **entity: object) -> dict[str, object]:
    """An entity of `entity`'s type over the first `word` in `text`, offsets in UTF-16."""
    start = text.index(word)
    return {
        **entity,
        "offset": len(text[:start].encode("utf-16-le")) // 2,
        "length": len(word.encode("utf-16-le")) // 2,
    }


async def test_a_sent_alert_names_the_bot_and_verify_warns_on_added_links(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin = User(api, ADMIN, "en")
    subscriber, english = User(api, MOSCOW_RU, "ru"), User(api, SPB_EN, "en")
    await start(start_bot, ALERT_APPROVALS="1")
    await subscribe(subscriber, "мск")
    await report_and_approve(api, admin)
    [sent] = [m for m in api.messages(MOSCOW_RU) if "Рейд:" in (m.text or "")]
    alert = sent.text or ""
    assert alert.splitlines()[-3] == f"Выпущено ботом {BOT}"  # signed: the line before the sig
    assert live_links(sent) == [BOT]  # the bot's own name is the one live mention
    # Forwarded as it was, with the entities Telegram gave it: genuine, issued by this bot.
    bot = {"id": api.bot_user["id"], "is_bot": True, "first_name": "Helpline", "username": BOT[1:]}
    await subscriber.say("/verify")
    verdict = (await subscriber.say(alert, forward_from=bot, entities=sent.entities)).visible_text
    assert "Настоящее" in verdict and f"Выпущено ботом {BOT}, то есть этим ботом" in verdict
    assert "ссылка или упоминание" not in verdict

    # The same text with a link hidden behind a word: the signature holds, the warning shows.
    hidden = entity_on(alert, "Москва", type="text_link", url="https://evil.example/")
    await subscriber.say("/verify")
    verdict = (
        await subscriber.say(alert, forward_from=bot, entities=[*sent.entities, hidden])
    ).visible_text
    assert verdict.startswith("⚠️ В этой копии есть ссылка или упоминание")
    assert "Настоящее" in verdict and "не нажимайте" in verdict
    # A photo captioned with the alert and a mention hidden behind a word: warned, still genuine.
    mention = entity_on(
        alert, "Метро", type="text_mention", user={"id": 7, "is_bot": False, "first_name": "Help"}
    )
    await subscriber.say("/verify")
    verdict = (await subscriber.say(photo=True, caption=alert, entities=[mention])).visible_text
    assert "ссылка или упоминание" in verdict and "Настоящее" in verdict
    # An @mention typed into a pasted copy: the text changed, and the mention is warned about.
    impostor = alert.replace("Рейд", "Рейд @helpline_help_bot")
    verdict = (await subscriber.say(f"/verify {impostor}")).visible_text
    assert "ссылка или упоминание" in verdict and "Не настоящее" in verdict
    # The bot's name edited in a copy: not genuine (the name is signed).
    renamed = alert.replace(BOT, "@helpline_tests_bot")
    verdict = (await subscriber.say(f"/verify {renamed}")).visible_text
    assert "Не настоящее" in verdict and "ссылка или упоминание" in verdict
    # In English too.
    verdict = (await english.say(f"/verify {alert}\nhttps://evil.example/join")).visible_text
    assert verdict.startswith("⚠️ This copy carries a link or mention that the original")


async def test_verify_names_another_bot_inert_and_old_texts_name_none(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    # This instance's key signs a text naming another bot (renamed since, or the key used
    # elsewhere), and an old text from before alerts named their bot.
    ring = UnlockedKeyring.unlock(keyring_dir, PASSPHRASE_BYTES)
    body = "⚠️ <b>Рейд: Москва</b>\nМесто: Метро"
    other = visible_text(sign_alert(ring, body, "a1b2c3d4", issued_by="Бот @helpline_old_bot"))
    signature = ring.sign(canonical("alert", "a1b2c3d4", visible_text(body)))
    encoded = base64.urlsafe_b64encode(signature).decode("ascii").rstrip("=")
    old = visible_text(f"{body}{SIGNATURE_SEPARATOR}A.a1b2c3d4.{encoded}</code>")
    user = User(api, MOSCOW_RU, "ru")
    await start(start_bot)
    answer = await user.say(f"/verify {other}")
    assert "Настоящее" in answer.visible_text and f"этот бот — {BOT}" in answer.visible_text
    assert "[@]helpline_old_bot" in answer.visible_text  # named, never as a link to tap
    assert live_links(answer) == [BOT], answer.entities
    # The mention in the text is the one the original names: no warning about it.
    assert "ссылка или упоминание" not in answer.visible_text
    answer = await user.say(f"/verify {old}")
    assert "Настоящее" in answer.visible_text and "не сказано, какой бот" in answer.visible_text


async def test_announcement_needs_a_second_person_and_carries_no_live_link(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin, second = User(api, ADMIN, "en"), User(api, SECOND_ADMIN, "en")
    subscribers = [User(api, MOSCOW_RU, "ru"), User(api, SPB_EN, "en")]
    bystander = User(api, OUTSIDER, "ru")
    bot = await start(start_bot, ADMIN_IDS=f"{ADMIN},{SECOND_ADMIN}")
    await subscribe(subscribers[0], "мск")
    await subscribe(subscribers[1], "Piter")
    await bystander.say("/start")
    refused = await bystander.say("/announce")  # admins only: like any unknown command
    assert "не понял" in refused.visible_text and "подписчик" not in refused.visible_text

    prompt = (await admin.say("/announce")).visible_text
    assert "up to 3,000 characters" in prompt and "2 different people" in prompt
    text = "Shelters <b>open</b> tonight & tomorrow: /sos, https://evil.example/x, @fake_helpline"
    preview = await admin.say(text)
    assert "Preview" in preview.visible_text and "<b>open</b> tonight & tomorrow" in (
        preview.visible_text
    )
    assert "evil[.]example" in preview.visible_text and not LIVE & {
        e["type"] for e in preview.entities
    }
    card = await admin.press("Approve and submit")
    assert "approvals 1 of 2" in card.visible_text
    # One admin alone: nothing goes out, and the rest of the team is told in private.
    await api.wait_idle()
    assert not any(
        "Announcement" in m.visible_text for u in subscribers for m in api.messages(u.id)
    )
    assert "Объявление для всех подписчиков ждёт" in second.last().visible_text  # DEFAULT_LANGUAGE
    assert not any("waits for approval" in m.visible_text for m in api.messages(ADMIN)[-1:])
    assert rows(bot, "SELECT kind, state FROM alerts") == [("announcement", "draft")]
    await admin.press("Approve")  # the same person again does not count twice
    assert rows(bot, "SELECT count(*) FROM approvals") == [(1,)]

    await second.say("/queue")
    assert "approvals 1 of 2" in (await second.press("📢 Announcement")).visible_text
    await second.press("Approve")
    await api.wait_for(
        lambda c: c.method == "editMessageText" and "Sent:" in str(c.params.get("text")),
        timeout=30,
    )
    for user, lang in zip(subscribers, ("ru", "en"), strict=True):
        # Each reader gets the title in their language; the Russian reader is told the text
        # itself is in English (it is not translated).
        title, other = ("Объявление", "(на английском)") if lang == "ru" else ("Announcement", "")
        got = [m for m in api.messages(user.id) if title in (m.text or "")]
        assert len(got) == 1
        copy = got[0].text or ""
        assert other in copy and ("(in " not in copy)
        assert "<b>open</b> tonight & tomorrow" in copy
        assert "🔏 sig:" in copy and "evil[.]example" in copy
        assert live_links(got[0]) == [BOT], got[0].entities  # only the line naming this bot
    for title in ("Announcement", "Объявление справочной"):
        assert not any(title in m.visible_text for m in api.messages(OUTSIDER))
    verdict = await subscribers[0].say(f"/verify {copy}")
    assert "Настоящее" in verdict.visible_text and f"Выпущено ботом {BOT}" in verdict.visible_text
    assert rows(bot, "SELECT kind, state FROM alerts") == [("announcement", "sent")]


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
        # Times in the region's zone, labelled: when the reports were sent, until when it stands.
        assert re.search(
            r"Сообщения отправлены: \d\d\.\d\d, \d\d:\d\d(–\d\d:\d\d)? по Москве, UTC\+3", alert
        )
        assert re.search(r"действует до \d\d\.\d\d\.\d{4}, \d\d:\d\d по Москве, UTC\+3", alert)
    original = alert
    await admin.say("/queue")
    card = await admin.press("Sent: Moscow")
    assert re.search(r"approved \d\d\.\d\d, \d\d:\d\d Moscow time, UTC\+3:", card.visible_text)
    await admin.press("Withdraw this alert")
    await admin.press("Yes, withdraw")
    toast = api.calls_for("answerCallbackQuery")[-1].params
    assert "2 delivered copies" in str(toast.get("text"))
    await api.wait_idle(timeout=20)
    edits = [c for c in api.calls_for("editMessageText") if "Отозвано" in str(c.params.get("text"))]
    assert len(edits) == 2 and {int(c.params["chat_id"]) for c in edits} == {p.id for p in people}
    for person in people:
        copy = next(m for m in api.messages(person.id) if "Отозвано" in m.visible_text)
        assert copy.buttons == []  # no more answers to a withdrawn alert
        assert "🔏" not in copy.visible_text and "действует до" not in copy.visible_text
        assert "Выпущено ботом" not in copy.visible_text and "Проверяют" not in copy.visible_text
        assert "Метро" in copy.visible_text  # the alert itself is still there, struck through
    assert rows(bot, "SELECT state FROM alerts") == [("withdrawn",)]
    verdict = (await people[0].say(f"/verify {original}")).visible_text
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
    assert f"replaces alert {original_id}" in card.visible_text
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
    first = next(m for m in api.messages(MOSCOW_RU) if "Заменено" in m.visible_text)
    assert "Курская" not in first.visible_text
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
    posts = [m for m in api.messages(channel) if "Рейд: Москва" in m.visible_text]
    assert len(posts) == 1 and "🔏 sig:" in posts[0].visible_text and posts[0].buttons == []
    assert api.messages(other) == []
    assert len(alert_messages(api, MOSCOW_RU)) == 1
    # Withdrawn: the channel's post says so too.
    await admin.say("/queue")
    await admin.press("Sent: Moscow")
    await admin.press("Withdraw this alert")
    await admin.press("Yes, withdraw")
    await api.wait_idle(timeout=20)
    assert any("Отозвано" in m.visible_text for m in api.messages(channel))
    assert await bot.stop() == 0


MODERATOR_ID = 5_600_000_006


async def test_the_team_sees_and_can_undo_what_one_account_does(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin, second = User(api, ADMIN, "en"), User(api, SECOND_ADMIN, "en")
    anna = User(api, MODERATOR_ID, "ru")
    people = [User(api, chat, "ru") for chat in (MOSCOW_RU, MOSCOW_KAZAN_SILENT)]
    bot = await start(start_bot, ADMIN_IDS=f"{ADMIN},{SECOND_ADMIN}", ALERT_APPROVALS="1")
    for person in people:
        await subscribe(person, "мск")

    # Anna joins pending; the other admin, not the inviting one, confirms her from the notice.
    link = (await admin.say("/invite anna")).visible_text.split("start=")[1].split()[0]
    assert "подтвердит" in (await anna.say(f"/start {link}")).visible_text
    assert "ждёт подтверждения" in admin.last().visible_text
    await second.press("Подтвердить anna")
    assert "anna is now a moderator" in second.last().visible_text  # in their language
    assert "Вы подтверждены" in anna.last().visible_text
    scope = {"type": "chat", "chat_id": anna.id}
    assert "queue" in [c["command"] for c in api.commands(scope, "ru")]
    assert "теперь модератор" in admin.last().visible_text  # the inviter is told too

    # The admin withdraws a sent alert: the others are told at once, and Anna undoes it.
    await report_and_approve(api, admin)
    original = alert_messages(api, people[0].id)[0]
    await admin.say("/queue")
    await admin.press("Sent: Moscow")
    await admin.press("Withdraw this alert")
    await admin.press("Yes, withdraw")
    await api.wait_idle(timeout=20)
    assert "отозвал(а) предупреждение" in anna.last().visible_text
    assert "отозвал(а) предупреждение" in second.last().visible_text
    assert not any("отозвал(а)" in m.visible_text for m in api.messages(ADMIN))
    assert all("Отозвано" in api.messages(p.id)[-1].visible_text for p in people)
    since = len(api.calls)
    await anna.press("Отменить отзыв")
    assert "снова действует" in anna.last().visible_text
    await api.wait_idle(timeout=20)
    restored = [
        c for c in api.calls[since:] if c.method == "editMessageText" and "🔏" in str(c.params)
    ]
    assert len(restored) == 2
    for person in people:
        copy = api.messages(person.id)[-1]
        assert copy.text == original and copy.buttons  # the alert itself, buttons and all
    assert rows(bot, "SELECT state FROM alerts") == [("sent",)]
    verdict = (await people[0].say(f"/verify {original}")).visible_text
    assert "Настоящее" in verdict and "отозвали" not in verdict
    assert "снова действует" in admin.last().visible_text

    # A rejected report group and a removal are told too.
    await send_report(User(api, REPORTER, "ru"))
    await admin.say("/queue")
    await admin.press("Moscow ·")
    await admin.press("Spam")
    await admin.press("Yes, reject")  # asked first (tests/flows/test_back.py)
    assert "отклонил(а) 1" in anna.last().visible_text
    await admin.say("/moderators")
    await admin.press("Remove anna")
    await admin.press("Yes, remove")
    assert "anna больше не модератор" in second.last().visible_text
    actions = [r[0] for r in rows(bot, "SELECT action FROM audit_log ORDER BY seq")]
    assert actions.count("moderator.confirm") == 1 and "alert.undo-withdraw" in actions


async def test_strangers_cannot_tell_that_the_bot_is_locked(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    await start_bot(wait_ready=True, ADMIN_IDS=str(ADMIN))  # no passphrase: locked
    stranger, admin = User(api, OUTSIDER, "ru"), User(api, ADMIN, "ru")
    unknown = (await stranger.say("/frobnicate")).visible_text
    for command in ("/queue", "/stats"):
        assert (await stranger.say(command)).visible_text == unknown
    assert "Бот заперт" in (await admin.say("/stats")).visible_text
