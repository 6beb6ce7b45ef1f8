"""Guidance through the real app in-process: menus, entries, search, deep links, inline, /sos,
/reload."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config import REPO_ROOT
from bot.content.faq import FaqCatalog
from bot.devserver.server import FakeBotAPI
from tests.support.chat import USER_IDS, User
from tests.support.process import StartBot


def no_errors(api: FakeBotAPI) -> None:
    failed = [
        f"{c.method}: {c.description}" for c in api.calls if not c.ok and c.method != "getUpdates"
    ]
    assert not failed, failed


async def test_menu_topic_entry_related_back_home(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    menu = await user.say("/start")
    screen = await user.press("Вопросы и права")
    assert screen.message_id == menu.message_id  # edited in place, no new message
    assert "Выберите тему" in screen.visible_text
    screen = await user.press("Отсрочки и освобождение")
    assert "Отсрочки и освобождение" in screen.visible_text
    screen = await user.press("Отсрочка для студентов")
    entry = FaqCatalog.load(REPO_ROOT / "content").entry("ru", "student-deferral")
    assert entry is not None  # the review date is the entry's own, whenever it is re-checked
    assert (
        "очно" in screen.visible_text
        and "Источники:" in screen.visible_text
        and entry.reviewed.strftime("%d.%m.%Y") in screen.visible_text
    )
    assert "не юридическая консультация" in screen.visible_text
    related_titles = user.labels()
    screen = await user.press(related_titles[0])  # first related entry
    assert screen.visible_text.split("\n")[0] == related_titles[0]
    screen = await user.press("К теме")
    assert "Выберите" not in screen.visible_text and user.labels()  # a topic list
    screen = await user.press("В начало")
    assert "анонимная справочная" in screen.visible_text
    assert screen.message_id == menu.message_id
    assert len(api.messages(user.id)) == 1  # the whole walk happened in one message
    no_errors(api)


async def test_search_with_inflection_typo_translit_and_layout(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    for query, expected in [
        ("отсрочку студенту", "Отсрочка для студентов"),
        ("повестку прислали в госуслуги", "Электронная повестка"),
        ("задержали в метро что делать", "Задерж"),
        ("отсрчка студентам", "Отсрочка для студентов"),
        ("otsrochka student", "Отсрочка для студентов"),
        ("jnchjxrf cneltyne", "Отсрочка для студентов"),  # «отсрочка студенту», wrong layout
    ]:
        reply = await user.say(query)
        labels = user.labels(reply)
        assert any(expected in label for label in labels[:3]), (query, labels)
    answer = await user.press("Отсрочка для студентов")
    assert "Источники:" in answer.visible_text
    no_errors(api)


async def test_nothing_found_offers_topics_and_help(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[1], "en")
    await start_bot()
    reply = await user.say("qwzxv blorp")
    assert "could not find" in reply.visible_text
    assert user.labels(reply)[:2] == ["📚 All topics", "🤝 Who can help"]
    answer = await user.press("Who can help")
    assert "foreign agent" in answer.visible_text


async def test_deep_link_opens_the_entry(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[0], "en")
    await start_bot()
    reply = await user.say("/start student-deferral")
    assert reply.visible_text.startswith("Deferral for students")
    assert "Sources:" in reply.visible_text
    reply = await user.say("/start no-such-entry-xyz")
    assert "anonymous helpline" in reply.visible_text  # unknown payload: just the menu
    reply = await user.say("/start inline_help")
    assert "via @" in reply.visible_text


async def test_inline_query_offers_entries(api: FakeBotAPI, start_bot: StartBot) -> None:
    User(api, USER_IDS[0], "ru")
    await start_bot()
    api.push_inline_query(USER_IDS[0], "отсрочка студент")
    call = await api.wait_for(lambda c: c.method == "answerInlineQuery")
    assert call.ok, call.description
    results = call.params["results"]
    assert results and results[0]["id"] == "ru-student-deferral"
    assert "Источники:" in results[0]["input_message_content"]["message_text"]
    assert call.params["button"]["start_parameter"] == "inline_help"


async def test_sos_and_privacy(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    card = await user.say("/sos")
    assert "Если вас остановили" in card.visible_text
    assert "иностранным агентом" in card.visible_text  # contacts carry their legal status
    assert "stoparmy.org" in card.visible_text
    privacy = await user.say("/privacy")
    assert "Telegram видит всё" in privacy.visible_text and "Удалить чат" in privacy.visible_text
    menu = await user.say("/start")
    screen = await user.press("Меня задержали")
    assert screen.message_id == menu.message_id and "Если вас остановили" in screen.visible_text
    no_errors(api)


async def test_long_entry_is_paged_in_place(
    api: FakeBotAPI, start_bot: StartBot, tmp_path: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", content)
    entry = content / "faq" / "en" / "exemptions.md"
    long_body = "\n\n".join(f"Paragraph {i}: " + "word " * 120 for i in range(12))
    entry.write_text(
        entry.read_text().split("+++\n", 2)[0]
        + "+++\n"
        + entry.read_text().split("+++\n", 2)[1]
        + "+++\n"
        + long_body
    )
    user = User(api, USER_IDS[0], "en")
    await start_bot(CONTENT_DIR=str(content))
    first = await user.say("/start exemptions")
    assert "page 1 of" in first.visible_text and "Paragraph 0" in first.visible_text
    second = await user.press("Next")
    assert second.message_id == first.message_id and "page 2 of" in second.visible_text
    back = await user.press("Previous")
    assert "page 1 of" in back.visible_text
    no_errors(api)


async def test_admin_reload(api: FakeBotAPI, start_bot: StartBot, tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", content)
    admin = User(api, USER_IDS[0], "en")
    outsider = User(api, USER_IDS[1], "en")
    await start_bot(CONTENT_DIR=str(content), ADMIN_IDS=str(admin.id))

    reply = await outsider.say("/reload")
    assert "did not understand" in reply.visible_text

    path = content / "faq" / "en" / "exemptions.md"
    path.write_text(path.read_text().replace('title = "', 'title = "Updated: ', 1))
    reply = await admin.say("/reload")
    assert "Content reloaded" in reply.visible_text
    assert (await admin.say("/start exemptions")).visible_text.startswith("Updated:")

    path.write_text(path.read_text().replace("topic = ", "topik = ", 1))
    reply = await admin.say("/reload")
    assert "NOT reloaded" in reply.visible_text and "exemptions.md" in reply.visible_text
    assert (await admin.say("/start exemptions")).visible_text.startswith(
        "Updated:"
    )  # old content kept


async def test_admin_menu_is_scoped_to_admins(api: FakeBotAPI, start_bot: StartBot) -> None:
    admin = USER_IDS[0]
    await start_bot(ADMIN_IDS=str(admin))
    public = {c["command"] for c in api.commands(language_code="en")}
    admin_menu = {
        c["command"] for c in api.commands({"type": "chat", "chat_id": admin}, language_code="en")
    }
    assert "reload" not in public
    assert "reload" in admin_menu and public <= admin_menu
