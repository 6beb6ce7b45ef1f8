"""The deadline calculator through the real app in-process: each event, typed and picked dates,
the .ics file, and the flow rule (cancel, detour). "Today" is fixed at Sunday 6 December 2026."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.devserver.server import FakeBotAPI
from tests.support.chat import USER_IDS, User
from tests.support.process import StartBot

TODAY = dt.date(2026, 12, 6)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("handlers.deadlines.moscow_today", lambda: TODAY)


async def open_calculator(
    user: User, event: str, *, via_menu: bool = True, lang: str = "ru"
) -> str:
    if via_menu:
        await user.say("/start")
        await user.press("Посчитать сроки" if lang == "ru" else "Work out my deadlines")
    else:
        await user.say("/deadlines")
    return (await user.press(event)).visible_text


async def test_fine_on_a_saturday_moves_to_monday_and_the_ics_parses_back(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    user = User(api, USER_IDS[0], "ru")
    bot = await start_bot(LOG_LEVEL="DEBUG")
    prompt = await open_calculator(user, "Штраф")
    assert "копию постановления о штрафе" in prompt
    assert "Декабрь 2026" in user.labels()
    answer = (await user.say("18.11.2026")).visible_text
    assert "30.11.2026 (пн) — Последний день для жалобы на штраф" in answer
    assert "Десятый день, 28.11.2026 (сб), — нерабочий" in answer
    assert "Этот день уже прошёл" in answer
    assert "КоАП РФ, ст. 30.3" in answer
    assert "ближайший рабочий день" in answer
    assert "Сохраните копию жалобы" in answer
    assert "не юридическая консультация" in answer and "06.12.2026" in answer
    await user.press("Добавить в календарь")
    document = user.last()
    assert document.kind == "document" and document.file_id is not None
    data = api.world.files[document.file_id].data.decode("utf-8")
    assert "DTSTART;VALUE=DATE:20261130" in data and data.endswith("END:VCALENDAR\r\n")
    assert "Бот не сохраняет этот файл" in (document.caption or "")
    # The draft is gone: a date typed now is a question for search, not an answer.
    reply = (await user.say("18.11.2026")).visible_text
    assert "Последний день" not in reply and "не получилось понять дату" not in reply.lower()
    logs = bot.logs()
    assert "18.11.2026" not in logs and "2026-11-18" not in logs
    assert str(user.id) not in logs
    # Nothing reached the disk either: no form of the date in any file of the data directory.
    marks = [b"18.11.2026", b"2026-11-18", str(dt.date(2026, 11, 18).toordinal()).encode()]
    for path in bot.data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not [m for m in marks if m in content], path


async def test_fine_into_a_year_without_calendar_data(
    api: FakeBotAPI, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("handlers.deadlines.moscow_today", lambda: dt.date(2026, 12, 28))
    user = User(api, USER_IDS[0], "en")
    await start_bot()
    await open_calculator(user, "Fine", via_menu=False, lang="en")
    answer = (await user.say("21 December")).visible_text
    assert "31.12.2026 (Thu) — Last day to appeal the fine" in answer
    assert "The tenth day, 31.12.2026 (Thu), is a non-working day" in answer
    assert "falls in 2027" in answer and "count on 31.12.2026 (Thu)" in answer


async def test_electronic_summons_typed_then_picked(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await open_calculator(user, "Электронная повестка", via_menu=False)
    ask = (await user.say("неделю назад")).visible_text  # 29 November
    assert "На какую дату вас вызывают" in ask
    labels = user.labels()
    assert "Дата явки неизвестна" in labels and "20" in labels  # future days may be picked
    answer = (await user.press("20", exact=True)).visible_text
    assert "размещена в реестре 29.11.2026 (вс), явка 20.12.2026 (вс)" in answer
    assert "29.11.2026 (вс) — Запрет на выезд из России" in answer
    assert "06.12.2026 (вс) — Повестка считается врученной" in answer
    assert "Это сегодня" in answer
    assert "29.12.2026 (вт) — Самая поздняя законная дата явки" in answer
    assert "09.01.2027 (сб) — Могут ввести временные меры" in answer
    assert answer.count("самый ранний возможный") == 3  # delivered, latest appearance, measures
    assert "53-ФЗ" in answer and "календарные дни" in answer


async def test_electronic_summons_without_an_appearance_date(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await open_calculator(user, "Электронная повестка")
    await user.say("вчера")
    answer = (await user.press("Дата явки неизвестна")).visible_text
    assert "12.12.2026 (сб) — Повестка считается врученной" in answer
    assert "временные меры" not in answer


async def test_paper_summons_ahead_and_picked_in_the_next_month(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await open_calculator(user, "Бумажная повестка")
    month = await user.press("›", exact=True)
    assert "Январь 2027" in user.labels(month)
    answer = (await user.press("15", exact=True)).visible_text
    assert "04.02.2027 (чт) — Могут ввести временные меры" in answer


async def test_decision_in_english_with_the_same_day(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[0], "en")
    await start_bot()
    await open_calculator(user, "Draft commission decision", lang="en")
    ask = (await user.say("30 November")).visible_text
    assert "When did you learn of the decision?" in ask
    answer = (await user.press("The same day")).visible_text
    assert "28.02.2027 (Sun) — Last day to complain to the regional draft commission" in answer
    assert "28.02.2027 (Sun) — Last day to file a court claim" in answer
    assert "30.11.2027 (Tue) — The year in which the decision can be carried out ends" in answer
    assert "does not stop dispatch" in answer
    assert "Do not count on a court claim stopping dispatch" in answer
    assert "not moved off a weekend" in answer


async def test_decision_learned_later_and_a_date_before_the_decision(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await open_calculator(user, "Решение призывной комиссии")
    await user.say("31 августа")
    refused = (await user.say("30.08.2026")).visible_text
    assert "раньше, чем его приняли" in refused
    answer = (await user.say("2 сентября")).visible_text
    assert "30.11.2026 (пн) — Последний день для жалобы в призывную комиссию региона" in answer
    assert "02.12.2026 (ср) — Последний день для иска в суд" in answer
    assert "не останавливает отправку" in answer


async def test_bad_input_asks_again_and_loses_nothing(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await open_calculator(user, "Решение призывной комиссии")
    assert "Не получилось понять дату" in (await user.say("когда-то осенью")).visible_text
    assert "ещё не наступила" in (await user.say("20.12.2026")).visible_text
    assert "двумя способами" in (await user.say("11/10")).visible_text
    assert "Такого дня нет" in (await user.say("31.02")).visible_text
    assert "текстом" in (await user.say(sticker=True)).visible_text
    # Still at the first question; a good date moves on.
    assert "Когда вы узнали" in (await user.say("01.10.2026")).visible_text


async def test_ags_and_self_report_need_no_date(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    answer = await open_calculator(user, "Заявление на АГС")
    assert "31.03.2027 (ср) — Заявление на АГС для отправки с октября" in answer
    assert "30.09.2027 (чт)" in answer and "не позже 31 марта" in answer
    await user.press("Посчитать другое")
    answer = (await user.press("Явка без повестки")).visible_text
    assert "14.04.2027 (ср) — Явиться самому" in answer


async def test_cancel_and_detour_follow_the_flow_rule(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await open_calculator(user, "Штраф")
    await user.say("/sos")
    resumed = await user.press("Продолжить")
    assert "копию постановления о штрафе" in resumed.visible_text
    assert "30.11.2026" in (await user.say("18.11.2026")).visible_text
    await open_calculator(user, "Штраф", via_menu=False)
    assert "Готово, вы вышли" in (await user.say("/cancel")).visible_text
    reply = (await user.say("вчера")).visible_text
    assert "Последний день" not in reply


async def test_an_old_calendar_button_after_the_answer_is_stale(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await open_calculator(user, "Штраф")
    calendar = user.last_with_buttons()
    await user.say("вчера")
    index = user.labels(calendar).index("1")
    api.press_button(user.id, calendar.message_id, index)
    await api.wait_idle()
    answers = [c.params.get("text") for c in api.calls_for("answerCallbackQuery")]
    assert any(a and "уже не действует" in a for a in answers)


async def test_a_deep_link_opens_the_calculator(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[0], "en")
    await start_bot()
    opened = await user.say("/start go_deadlines")
    assert "Deadline calculator" in opened.visible_text and "Fine" in " ".join(user.labels())
    assert "copy of the fine decision" in (await user.press("Fine")).visible_text
