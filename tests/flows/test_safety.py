"""Unsafe defaults and missing warnings (#16 item 5), through the real app in-process: a report
whose text looks like it carries personal data is held back with a warning (Edit text / Send
anyway); subscribing asks how alerts arrive, silent preselected."""

from __future__ import annotations

from pathlib import Path

from bot.devserver.server import FakeBotAPI
from tests.support.alerts import MOSCOW_RU, SPB_EN, rows, start
from tests.support.chat import USER_IDS, User
from tests.support.keys import PASSPHRASE
from tests.support.process import StartBot
from tests.support.reports import fill_form, opened, stored_reports

PHONE = "+7 916 123-45-67"
PERSONAL = f"Забрали Иванова Ивана Ивановича у выхода 2, звоните {PHONE}"


async def test_personal_data_is_warned_about_and_can_be_edited_out(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[0], "ru")
    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE, LOG_LEVEL="DEBUG")
    await fill_form(user, PERSONAL)
    warning = await user.press("Отправить")
    text = warning.visible_text
    assert "похоже, в описании есть" in text
    assert "номер телефона" in text and "имя человека" in text
    assert "123-45-67" not in text and "Иван" not in text  # the kind, never what was found
    assert user.labels(warning) == ["✏️ Изменить текст", "Всё равно отправить"]
    assert stored_reports(bot) == []

    prompt = await user.press("Изменить текст")
    assert "Опишите" in prompt.visible_text or "1000" in prompt.visible_text.replace(" ", "")
    review = await user.say("У выхода 2 проверяют документы, 5 полицейских, с 18:00")
    assert "5 полицейских" in review.visible_text
    done = await user.press("Отправить")  # nothing personal left: sent at the first tap
    assert "Готово" in done.visible_text
    [row] = stored_reports(bot)
    assert (
        opened(keyring_dir, row)["text"] == "У выхода 2 проверяют документы, 5 полицейских, с 18:00"
    )
    logs = bot.logs()
    assert "123-45-67" not in logs and "Иван" not in logs and "Ивановича" not in logs


async def test_send_anyway_sends_only_the_text_it_was_shown_for(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[1], "en")
    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE)
    await user.say("/report")
    await user.say("Kazan")
    await user.press("Metro")
    await user.press("Right now")
    await user.say("Two vans at exit 2, write to me: ivan.p@mail.ru")
    await user.press("Skip")
    await user.press("Skip")
    warning = await user.press("Send")
    assert "an e-mail address" in warning.visible_text and "ivan.p@" not in warning.visible_text
    # Words typed at the warning are kept and offered on a new review screen; added to the
    # description, they change the text: the old warning's "Send anyway" does not send it.
    await user.say("flat 12")
    await user.press("Add to description")
    api.press_button(user.id, warning.message_id, 1)  # the old warning's "Send anyway"
    await api.wait_idle()
    [again] = [m for m in api.messages(user.id) if m.message_id == warning.message_id]
    assert "an address with a flat or room number" in again.visible_text
    assert "an e-mail address" in again.visible_text
    assert stored_reports(bot) == []
    api.press_button(user.id, again.message_id, 1)  # "Send anyway", for the text it now names
    await api.wait_idle()
    done = user.last()
    assert "Done, thank you" in done.visible_text
    [row] = stored_reports(bot)
    assert opened(keyring_dir, row)["text"] == (
        "Two vans at exit 2, write to me: ivan.p@mail.ru\nflat 12"
    )


async def test_subscribing_asks_how_alerts_arrive_with_silent_marked(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, MOSCOW_RU, "ru")
    bot = await start(start_bot)
    await user.say("/alerts")
    await user.press("Добавить регион")
    asked = await user.say("мск")
    assert "Добавлено: Москва." in asked.visible_text
    assert "Как присылать предупреждения?" in asked.visible_text
    assert "Выбрано «беззвучно»" in asked.visible_text
    assert user.labels(asked) == [
        "Не тот регион",
        "✅ 🔕 Беззвучно (рекомендуем)",
        "🔔 Со звуком",
        "Подтвердить: беззвучно",
    ]
    assert rows(bot, "SELECT silent FROM subscribers") == [(1,)]  # silent even unanswered
    screen = await user.press("Подтвердить")  # one tap
    assert "приходят беззвучно" in screen.visible_text
    assert "Сохранено" in str(api.calls_for("answerCallbackQuery")[-1].params.get("text"))
    assert rows(bot, "SELECT silent FROM subscribers") == [(1,)]

    # A second region is asked about too, silent marked again; sound is one tap more.
    await user.press("Добавить регион")
    await user.say("Казань")
    marked = await user.press("Со звуком")
    assert "Выбрано «со звуком»" in marked.visible_text
    assert user.labels(marked)[1:] == [
        "🔕 Беззвучно (рекомендуем)",
        "✅ 🔔 Со звуком",
        "Подтвердить: со звуком",
    ]
    assert rows(bot, "SELECT silent FROM subscribers") == [(1,)]  # nothing until Confirm
    screen = await user.press("Подтвердить")
    assert "приходят со звуком" in screen.visible_text and "Татарстан" in screen.visible_text
    assert rows(bot, "SELECT silent FROM subscribers") == [(0,)]
    # A region already subscribed asks nothing: nothing was added.
    await user.press("Добавить регион")
    again = await user.say("Москва")
    assert "Как присылать" not in again.visible_text and "со звуком" in again.visible_text


async def test_the_deep_link_and_all_of_russia_ask_too(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, SPB_EN, "en")
    bot = await start(start_bot)
    await user.say("/start go_alerts")
    asked = await user.press("All of Russia")
    assert "Added: all of Russia." in asked.visible_text
    assert "How should alerts arrive?" in asked.visible_text
    assert user.labels(asked) == [
        "✅ 🔕 Silent (recommended)",
        "🔔 With sound",
        "Confirm: silent",
    ]
    screen = await user.press("Confirm")
    assert "arrive silently" in screen.visible_text
    assert rows(bot, "SELECT silent, all_regions FROM subscribers") == [(1, 1)]
    # "Not this region" on the question drops the region and asks for it again.
    await user.press("Add a region")
    await user.say("Kazan")
    prompt = await user.press("Not this region")
    assert prompt.visible_text.startswith("Type the region")
    assert rows(bot, "SELECT count(*) FROM subscriber_regions") == [(0,)]


async def test_forged_delivery_buttons_change_nothing_they_should_not(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    """The question's buttons are client-supplied: an unknown region names nothing and offers
    no undo, malformed data is an expired button, and nothing ever fails."""
    user = User(api, SPB_EN, "en")
    bot = await start(start_bot)
    screen = await user.say("/alerts")
    api.push_callback(user.id, screen.message_id, "alq:0:0:no-such-region")
    await api.wait_idle()
    asked = user.last()
    assert "How should alerts arrive?" in asked.visible_text and "Added" not in asked.visible_text
    assert user.labels(asked)[0] == "🔕 Silent (recommended)"  # sound marked, as forged
    for forged in ("alq:maybe:1:moscow", "alq:1", "alq:1:1:" + "x" * 60):
        api.push_callback(user.id, asked.message_id, forged)
        await api.wait_idle()
    assert rows(bot, "SELECT count(*) FROM subscribers") == [(0,)]
    assert all(c.ok for c in api.calls if c.method in ("sendMessage", "editMessageText"))
    assert "Traceback" not in bot.logs() and "error" not in bot.logs().lower()
