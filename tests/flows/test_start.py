"""The foundation through the real app in-process: start-up, /start, /help, language, the
command menus, and a clean stop."""

from __future__ import annotations

from bot.devserver.server import FakeBotAPI
from tests.support.chat import USER_IDS, last_text, sent_to
from tests.support.process import StartBot


async def test_start_answers_in_the_users_language(api: FakeBotAPI, start_bot: StartBot) -> None:
    ru, en = USER_IDS[0], USER_IDS[1]
    api.add_user(ru, first_name="Иван", language_code="ru")
    api.add_user(en, first_name="John", language_code="en-GB")
    bot = await start_bot()

    api.push_message(ru, "/start")
    api.push_message(en, "/start")
    await api.wait_idle()

    ru_reply = api.last_message(ru)
    en_reply = api.last_message(en)
    assert ru_reply is not None and "анонимная справочная" in ru_reply.visible_text
    assert en_reply is not None and "anonymous helpline" in en_reply.visible_text
    assert ru_reply.buttons and en_reply.buttons  # the main menu
    assert await bot.stop() == 0


async def test_command_menu_is_registered_per_language(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    await start_bot()
    calls = [c.params for c in api.calls if c.method == "setMyCommands"]
    by_language = {p.get("language_code"): p["commands"] for p in calls}
    assert set(by_language) == {"ru", "en", None}
    assert {c["command"] for c in by_language["en"]} >= {"start", "help", "language"}
    assert by_language["ru"][0]["description"] != by_language["en"][0]["description"]


async def test_menu_edits_in_place_and_language_switch(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    user = USER_IDS[0]
    api.add_user(user, language_code="ru")
    await start_bot()
    api.push_message(user, "/start")
    await api.wait_idle()
    menu = api.last_message(user)
    assert menu is not None
    labels = [b.text for row in menu.buttons for b in row]
    api.press_button(user, menu.message_id, labels.index("🌐 Язык / Language"))
    await api.wait_idle()
    edited = api.last_message(user)
    assert edited is not None and edited.message_id == menu.message_id  # edited, not a new one
    english = [b.text for row in edited.buttons for b in row].index("English")
    api.press_button(user, menu.message_id, english)
    await api.wait_idle()
    assert "now speaks English" in last_text(api, user)

    api.push_message(user, "/help")
    await api.wait_idle()
    assert "What this bot does" in last_text(api, user)
    assert not [c for c in api.calls if c.status >= 400 and c.method != "getUpdates"]


async def test_unknown_input_gets_a_hint(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = USER_IDS[0]
    api.add_user(user, language_code="en")
    await start_bot()
    api.push_message(user, "/frobnicate <b>&")
    await api.wait_idle()
    assert "did not understand" in last_text(api, user)
    api.push_message(user, "<b>qq & zz</b> <i")  # markup-looking text is a question, safely
    await api.wait_idle()
    assert "could not find" in last_text(api, user)
    assert all(c.ok for c in api.calls if c.method == "sendMessage")
    api.push_message(user, sticker=True)
    await api.wait_idle()
    assert "nothing was saved" in last_text(api, user)


async def test_silent_outside_private_chats(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = USER_IDS[0]
    api.add_user(user, language_code="ru")
    await start_bot()
    api.push_message(user, "/start", chat_id=-1001234567890, chat_type="supergroup")
    api.push_message(user, "/help", chat_id=-1001234567890, chat_type="supergroup")
    await api.wait_idle()
    assert not sent_to(api, -1001234567890)
