"""The six answers of issue #15 through the real app in-process: each is found first for the
way people ask, opens with its sources and review date, and the relatives' one has a topic."""

from __future__ import annotations

import pytest

from bot.devserver.server import FakeBotAPI
from tests.support.chat import USER_IDS, User
from tests.support.process import StartBot

REVIEWED = "06.12.2026"


def no_errors(api: FakeBotAPI) -> None:
    failed = [
        f"{c.method}: {c.description}" for c in api.calls if not c.ok and c.method != "getUpdates"
    ]
    assert not failed, failed


async def ask_and_open(user: User, query: str, title: str, must_say: str) -> None:
    """The query's first hit is the entry; pressing it shows the answer, sources and date."""
    reply = await user.say(query)
    labels = user.labels(reply)
    assert labels and title in labels[0], (query, labels)
    answer = await user.press(labels[0])
    assert answer.visible_text.startswith(title), answer.visible_text[:80]
    for text in (must_say, REVIEWED):
        assert text in answer.visible_text, (query, text)


async def test_a_relative_finds_what_to_do_first(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await ask_and_open(
        user,
        "сына забрали в метро что делать",
        "Родным: где искать сына, брата, мужа",
        "Жалоба не останавливает отправку",
    )
    no_errors(api)


@pytest.mark.parametrize(
    ("lang", "query", "title", "must_say"),
    [
        ("ru", "участковый пришёл домой с повесткой", "У двери участковый", "ст. 25 Конституции"),
        ("en", "do I have to open the door to the commissariat", "At the door", "art. 25"),
        ("ru", "будет ли вторая волна мобилизации", "Мобилизация и запас", "№ 647"),
        ("en", "is mobilisation still going on", "Mobilisation and the reserve", "No. 647"),
        ("ru", "законно ли пользоваться впн", "Telegram ограничивают", "Шейкина"),
        ("en", "is using a vpn illegal", "Telegram is restricted", "Sheikin"),
        ("ru", "как проверить слух о новом законе", "Слух или закон", "Проверено"),
        ("en", "how do I check a rumour about the draft", "Rumour or law", "Checked on"),
        ("ru", "сколько действует решение о призыве", "Решение о призыве действует год", "год"),
        ("en", "how long is the draft decision valid", "A draft decision is valid", "one year"),
    ],
)
async def test_each_new_answer_is_found_first(
    api: FakeBotAPI, start_bot: StartBot, lang: str, query: str, title: str, must_say: str
) -> None:
    user = User(api, USER_IDS[1], lang)
    await start_bot()
    await ask_and_open(user, query, title, must_say)
    no_errors(api)


async def test_relatives_have_a_topic(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[2], "en")
    await start_bot()
    await user.say("/start")
    await user.press("Questions & rights")
    screen = await user.press("For family members")
    assert "For family: finding a son" in "\n".join(user.labels())
    screen = await user.press("For family: finding a son, brother or husband who was taken")
    assert "A complaint does not stop dispatch" in screen.visible_text
    assert "home-visit" not in screen.visible_text  # related entries are buttons, not ids
    assert any("At the door" in label for label in user.labels())
    no_errors(api)
