"""The deadline calculator tried the way people and adversaries use it (trycalc, issue #15):
odd days for "today", forged buttons, photos and forwards. Each case once broke or was unchecked."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.devserver.server import FakeBotAPI
from handlers.deadlines import DayCb, MonthCb
from tests.support.chat import USER_IDS, User
from tests.support.process import StartBot


async def test_29_february_as_today_shows_the_calendar(
    api: FakeBotAPI, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The calendar reached two years ahead with `replace(year=…)`: on 29 February that is no
    day, and the calculator failed for everyone on that day."""
    monkeypatch.setattr("handlers.deadlines.moscow_today", lambda: dt.date(2028, 2, 29))
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/deadlines")
    prompt = (await user.press("Бумажная повестка")).visible_text
    assert "На какую дату вас вызывают" in prompt
    assert "Февраль 2028" in user.labels()
    answer = (await user.say("10.03.2028")).visible_text
    assert "30.03.2028 (чт) — Могут ввести временные меры" in answer


async def test_a_forged_day_button_far_ahead_is_refused(
    api: FakeBotAPI, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A typed date more than two years ahead is refused; a forged calendar button must be too."""
    monkeypatch.setattr("handlers.deadlines.moscow_today", lambda: dt.date(2026, 12, 6))
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/deadlines")
    prompt = await user.press("Бумажная повестка")
    far = DayCb(day=dt.date(2099, 5, 1).toordinal(), step="appearance").pack()
    api.push_callback(user.id, prompt.message_id, far)
    await api.wait_idle()
    assert "2099" not in user.last().visible_text
    answers = [c.params.get("text") or "" for c in api.calls_for("answerCallbackQuery")]
    assert any("слишком далеко" in a for a in answers), answers
    # Still asked for the date: a real one goes through.
    assert "Могут ввести временные меры" in (await user.say("10.12.2026")).visible_text


async def test_a_forged_month_far_ahead_shows_no_pickable_day(
    api: FakeBotAPI, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("handlers.deadlines.moscow_today", lambda: dt.date(2026, 12, 6))
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/deadlines")
    prompt = await user.press("Бумажная повестка")
    api.push_callback(user.id, prompt.message_id, MonthCb(year=2100, month=12).pack())
    await api.wait_idle()
    shown = user.last_with_buttons()
    assert "15" not in user.labels(shown)  # every day of December 2100 is inert


async def test_photo_forward_and_emoji(
    api: FakeBotAPI, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("handlers.deadlines.moscow_today", lambda: dt.date(2026, 12, 6))
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/deadlines")
    await user.press("Штраф")
    assert "текстом" in (await user.say(photo=True)).visible_text
    assert "текстом" in (await user.say(caption="18.11.2026", photo=True)).visible_text
    answer = (await user.say("📅 18.11.2026 👍")).visible_text
    assert "30.11.2026 (пн) — Последний день для жалобы на штраф" in answer


async def test_self_report_after_the_14th_says_that_day_passed(
    api: FakeBotAPI, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On 6 December a man who never came in autumn was shown only 14 April: as if he had
    until spring. The autumn day is shown first, as passed."""
    monkeypatch.setattr("handlers.deadlines.moscow_today", lambda: dt.date(2026, 12, 6))
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/deadlines")
    answer = (await user.press("Явка без повестки")).visible_text
    autumn = answer.index("14.10.2026 (ср) — Явиться самому")
    spring = answer.index("14.04.2027 (ср) — Явиться самому")
    assert autumn < answer.index("Этот день уже прошёл") < spring


async def test_a_calendar_left_above_a_later_question_answers_nothing(
    api: FakeBotAPI, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decision's calendar stays in the chat after a typed date; a tap on it (to correct
    the decision's day) was taken as the day he learned of it."""
    monkeypatch.setattr("handlers.deadlines.moscow_today", lambda: dt.date(2026, 12, 6))
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/deadlines")
    first = await user.press("Решение призывной комиссии")
    assert "Когда вы узнали" in (await user.say("30.11.2026")).visible_text
    api.press_button(user.id, first.message_id, user.labels(first).index("2"))
    await api.wait_idle()
    answers = [c.params.get("text") or "" for c in api.calls_for("answerCallbackQuery")]
    assert any("уже не действует" in a for a in answers), answers
    assert "Когда вы узнали" in user.last().visible_text  # still the second question
    answer = (await user.press("В тот же день")).visible_text
    assert "решение от 30.11.2026 (пн), узнали 30.11.2026 (пн)" in answer


async def test_a_start_that_is_behind_is_in_force_not_over(
    api: FakeBotAPI, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """«Могут ввести временные меры … Этот день уже прошёл» reads as a danger that is over; the
    measures, the exit ban and delivery apply from that day on."""
    monkeypatch.setattr("handlers.deadlines.moscow_today", lambda: dt.date(2026, 12, 6))
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/deadlines")
    await user.press("Электронная повестка")
    await user.say("01.10.2026")
    answer = (await user.say("15.10.2026")).visible_text
    blocks = {b.split("\n")[0]: b for b in answer.split("\n\n") if b.startswith("📅")}
    for block in blocks.values():
        starts = "выезд" in block or "врученной" in block or "временные меры" in block
        assert ("уже может действовать" in block) is starts, block
        assert ("Этот день уже прошёл" in block) is not starts, block
    assert len(blocks) == 4


async def test_a_forwarded_date_and_english_weekday(
    api: FakeBotAPI, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("handlers.deadlines.moscow_today", lambda: dt.date(2026, 12, 6))
    user = User(api, USER_IDS[0], "en")
    await start_bot()
    await user.say("/deadlines")
    await user.press("Fine")
    api.push_message(user.id, "18.11.2026", forward_from=USER_IDS[1])
    await api.wait_idle()
    assert "30.11.2026 (Mon) — Last day to appeal the fine" in user.last().visible_text
    await user.say("/deadlines")
    await user.press("Draft commission decision")
    assert "two ways" in (await user.say("last Monday")).visible_text
    assert "When did you learn" in (await user.say("on Monday")).visible_text
