"""The #16 new-user pass, through the real app: what a first-time person typed that broke."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from bot.devserver.server import FakeBotAPI
from tests.support.alerts import (
    ADMIN,
    REPORTER,
    SPB_EN,
    confirm_delivery,
    rows,
    send_report,
    start,
)
from tests.support.chat import USER_IDS, User
from tests.support.keys import PASSPHRASE
from tests.support.parsed_content import parsed_translator
from tests.support.process import StartBot
from tests.support.reports import fill_form, opened, stored_reports

TRANSLATOR = parsed_translator(REPO_ROOT / "content" / "locales")

# Ordinary raid reports as people wrote them in the pass: a dashed date, a dashed time range,
# amounts in thousands, a street and a monument named after a person. None carries personal
# data, so none may be held back with the personal-data warning.
ORDINARY = (
    "Проспект Андрея Дмитриевича Сахарова, 2024-12-05, стоят с 18-00 - 20-00, "
    "говорят штраф 150 000-200 000; ещё у памятника Александру Сергеевичу Пушкину"
)


@pytest.mark.parametrize("text", [ORDINARY])
async def test_an_ordinary_report_is_sent_at_the_first_tap(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path, text: str
) -> None:
    user = User(api, USER_IDS[0], "ru")
    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE)
    await fill_form(user, text)
    done = await user.press("Отправить")
    assert "похоже, в описании есть" not in done.visible_text
    assert "Готово" in done.visible_text
    [row] = stored_reports(bot)
    assert opened(keyring_dir, row)["text"] == text


async def test_a_city_and_its_oblast_named_together_are_asked_about(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    """ "Москва и область" names two regions: taking only the oblast would leave the person
    without the city's alerts (or file a city report under the oblast) without a word."""
    user = User(api, SPB_EN, "ru")
    bot = await start(start_bot)
    await user.say("/alerts")
    await user.press("Добавить регион")
    choose = await user.say("Москва и область")
    assert "Уточните, какой регион" in choose.visible_text
    assert user.labels(choose)[:2] == ["Москва", "Московская область"]
    assert rows(bot, "SELECT count(*) FROM subscriber_regions") == [(0,)]
    await user.press("Москва")
    await confirm_delivery(user)
    await user.press("Добавить регион")
    await user.say("Москва + обл")
    screen = await user.press("Московская область")
    assert "Московская область" in screen.visible_text
    assert rows(bot, "SELECT count(*) FROM subscriber_regions") == [(2,)]

    await user.say("/report")
    step = await user.say("Питер с областью")
    assert user.labels(step)[:2] == ["Санкт-Петербург", "Ленинградская область"]


@pytest.mark.parametrize(("lang", "typed"), [("ru", "вся Россия"), ("en", "everywhere")])
async def test_all_of_russia_typed_for_alerts_points_to_its_button(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path, lang: str, typed: str
) -> None:
    """Typed where a region is asked for, "all of Russia" was "no such region"."""
    user = User(api, SPB_EN, lang)
    bot = await start(start_bot)
    await user.say("/alerts")
    await user.press("Добавить регион" if lang == "ru" else "Add a region")
    hint = await user.say(typed)
    assert "🇷🇺" in hint.visible_text
    assert user.labels(hint)[0] == ("🇷🇺 Вся Россия" if lang == "ru" else "🇷🇺 All of Russia")
    await user.press("🇷🇺")
    await confirm_delivery(user)
    assert rows(bot, "SELECT count(*) FROM subscribers WHERE all_regions = 1") == [(1,)]


async def test_a_button_word_typed_is_not_kept_as_the_description(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    """ "назад" or "Отмена!" typed at a button step meant the button; kept as words for the
    description, they came back at step 4 as the report's text."""
    user = User(api, USER_IDS[1], "ru")
    await start_bot()
    await user.say("/report")
    await user.say("Москва")
    await user.say("назад")
    from_bot = [m for m in api.messages(user.id) if m.from_bot]
    assert "кнопкой ниже" in from_bot[-2].visible_text
    await user.press("Метро")
    await user.say("Отмена!")
    describe = await user.press("Прямо сейчас")
    assert "Шаг 4 из 6" in describe.visible_text
    assert "я сохранил эти слова" not in describe.visible_text
    assert "Использовать мой текст" not in " ".join(user.labels(describe))
    await user.press("Назад")
    await user.say("у турникетов")  # real words are still kept at a button step
    describe = await user.press("Прямо сейчас")
    assert "у турникетов" in describe.visible_text


async def test_rejecting_a_group_of_one_report_says_it_in_the_singular(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    """ "Reject 1 report … They leave the queue", "No, keep them": one report is "it"."""
    admin = User(api, ADMIN, "en")
    await start(start_bot)
    await send_report(User(api, REPORTER, "ru"))
    await admin.say("/queue")
    await admin.press("Moscow ·")
    asked = await admin.press("Spam")
    assert "Reject 1 report of this group" in asked.visible_text
    assert "It leaves the queue" in asked.visible_text
    await admin.press("No, keep it")
    await send_report(User(api, USER_IDS[0], "ru"))
    await admin.press("Queue")
    await admin.press("Moscow ·")
    asked = await admin.press("Spam")
    assert "Reject 2 reports of this group" in asked.visible_text
    assert "They leave the queue" in asked.visible_text
    assert "↩ No, keep them" in admin.labels(asked)


@pytest.mark.parametrize(
    ("reports", "words"),
    [
        (1, ("1 сообщение", "Оно уйдёт", "оставить его")),
        (2, ("2 сообщения", "Они уйдут", "оставить их")),
        (5, ("5 сообщений", "Они уйдут", "оставить их")),
        (21, ("21 сообщение", "Они уйдут", "оставить их")),
    ],
)
def test_the_russian_reject_question_agrees_with_its_number(
    reports: int, words: tuple[str, str, str]
) -> None:
    ask = TRANSLATOR("ru", "mod-group-reject-ask", reports=reports, reason="Спам")
    no = TRANSLATOR("ru", "mod-group-reject-no", reports=reports)
    assert words[0] in ask and words[1] in ask and words[2] in no
