"""Unsafe defaults and missing warnings (#16 item 5), through the real app in-process: a report
whose text looks like it carries personal data is held back with a warning (Edit text / Send
anyway); subscribing asks how alerts arrive, silent preselected."""

from __future__ import annotations

from pathlib import Path

from bot.devserver.server import FakeBotAPI
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
