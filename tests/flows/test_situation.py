"""'Check my situation' through the real app in-process, along three different paths."""

from __future__ import annotations

from bot.devserver.server import FakeBotAPI
from tests.support.chat import USER_IDS, User
from tests.support.process import StartBot


async def begin(user: User, start_label: str, go_label: str) -> None:
    await user.say("/start")
    await user.press(start_label)
    await user.press(go_label, exact=True)


async def answer_all(user: User, answers: list[str]) -> str:
    for label in answers:
        await user.press(label, exact=True)
    return user.last().visible_text


async def test_detained_now_goes_straight_to_the_urgent_advice(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await begin(user, "Проверить мою ситуацию", "Начать")
    assert "Вопрос 1" in user.last().visible_text
    result = await answer_all(user, ["Да, меня задержали или остановили"])
    assert "Что может подойти" in result
    assert result.index("Вас задержали прямо сейчас") < result.index("Всем: копии")
    assert "Задержали и везут в военкомат" in user.labels()[0]


async def test_student_with_electronic_summons(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await begin(user, "Проверить мою ситуацию", "Начать")
    result = await answer_all(
        user,
        [
            "Нет",
            "18–26",
            "Гражданин России с рождения",
            "Очно, в аккредитованной организации",
            "Нет, я здоров",
            "Ничего из этого",
            "Не работаю",
            "Нет",
            "Да, электронная в Госуслугах",
            "Нет или не знаю",
        ],
    )
    pages = [result]
    while any("Дальше" in label for label in user.labels()):
        pages.append((await user.press("Дальше")).visible_text)
    everything = "\n".join(pages)
    assert "Отсрочка по учёбе" in everything and "Электронная повестка" in everything
    assert "Документы:" in everything and "Что делать:" in everything
    assert "не юридическая консультация" in pages[-1]
    answer = await user.press("Отсрочка для студентов")
    assert "Источники:" in answer.visible_text  # the result links to the FAQ entry


async def test_foreigner_in_english_and_restart(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[1], "en")
    await start_bot()
    await begin(user, "Check my situation", "Start")
    result = await answer_all(user, ["No", "18–26", "Foreign citizen or stateless"])
    assert "Foreign citizens are not conscripted" in result
    again = await user.press("Start again")
    assert "Question 1" in again.visible_text
    # A stale button from the finished run does nothing harmful.
    stale = [c for c in api.calls if c.method == "answerCallbackQuery"]
    assert stale and all(c.ok for c in stale)
    home = await user.press("Home")
    assert "anonymous helpline" in home.visible_text
