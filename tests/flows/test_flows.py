"""One rule for every flow (handlers.flow), through the real app in-process: every exit leaves
no form message in the chat, and every detour keeps the draft, which resumes with one tap."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.devserver.server import FakeBotAPI
from tests.support.chat import USER_IDS, User
from tests.support.keys import PASSPHRASE
from tests.support.process import StartBot

MARKER = "маркер-формы-5d2e"


async def half_a_report(user: User) -> list[int]:
    """Region, place, time and text: the form is at the photo step. Returns the ids of the
    form's messages so far, the user's and the bot's."""
    before = len(user.api.chat_log(user.id))
    await user.say("/report")
    await user.say("Питер")
    await user.press("Метро")
    await user.press("Прямо сейчас")
    photo_step = await user.say(f"Проверяют документы, {MARKER}")
    assert "Шаг 5 из 6" in photo_step.visible_text
    return [m.message_id for m in user.api.chat_log(user.id)[before:] if not m.deleted]


def left_in_chat(api: FakeBotAPI, user: User, ids: list[int]) -> list[str]:
    """Those of `ids` still in the chat."""
    log = api.chat_log(user.id)
    return [m.text or m.kind for m in log if m.message_id in ids and not m.deleted]


async def exit_by_start(api: FakeBotAPI, user: User) -> None:
    await user.say("/start")


async def exit_by_cancel(api: FakeBotAPI, user: User) -> None:
    reply = await user.say("/cancel")
    assert "вышли" in reply.visible_text


async def exit_by_home(api: FakeBotAPI, user: User) -> None:
    # Home on an older screen (the help screen shown before the form).
    help_screen = next(m for m in api.messages(user.id) if "Дом" in str(m.buttons) or m.buttons)
    labels = [b.text for row in help_screen.buttons for b in row]
    api.press_button(user.id, help_screen.message_id, len(labels) - 1)
    await api.wait_idle()


async def exit_by_report_again(api: FakeBotAPI, user: User) -> None:
    reply = await user.say("/report")
    assert "Шаг 1 из 6" in reply.visible_text


async def exit_by_another_flow(api: FakeBotAPI, user: User) -> None:
    await user.say("/alerts")
    prompt = await user.press("➕")
    assert "регион" in prompt.visible_text.lower()


@pytest.mark.parametrize(
    "leave",
    [exit_by_start, exit_by_cancel, exit_by_home, exit_by_report_again, exit_by_another_flow],
)
async def test_every_exit_leaves_no_form_message(
    api: FakeBotAPI,
    start_bot: StartBot,
    keyring_dir: Path,
    leave: Callable[[FakeBotAPI, User], Awaitable[None]],
) -> None:
    await start_bot(KEY_PASSPHRASE=PASSPHRASE)
    user = User(api, USER_IDS[0], "ru")
    await user.say("/help")  # an older screen with a Home button
    form = await half_a_report(user)
    assert len(left_in_chat(api, user, form)) >= 5  # the form is there before the exit
    await leave(api, user)
    assert left_in_chat(api, user, form) == []
    assert not any(MARKER in m.visible_text for m in api.chat_log(user.id) if not m.deleted)


async def test_an_exit_from_a_paused_form_deletes_it_too(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    await start_bot(KEY_PASSPHRASE=PASSPHRASE)
    user = User(api, USER_IDS[0], "ru")
    form = await half_a_report(user)
    await user.say("/sos")  # paused
    resume_offer = user.last().message_id
    await user.say("/start")  # then left
    assert left_in_chat(api, user, [*form, resume_offer]) == []


DETOURS = {
    "/sos": "задержали",
    "/privacy": "хранит",
    "/help": "/report",
    "/language": "Выберите язык",
    "/verify": "Вставьте сюда текст",
}


@pytest.mark.parametrize("command", list(DETOURS))
async def test_every_detour_keeps_the_draft(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path, command: str
) -> None:
    await start_bot(KEY_PASSPHRASE=PASSPHRASE)
    user = User(api, USER_IDS[0], "ru")
    form = await half_a_report(user)
    await user.say(command)
    messages = api.messages(user.id)
    assert DETOURS[command].lower() in messages[-2].visible_text.lower()  # answered
    assert "незаконченная форма" in messages[-1].visible_text
    assert len(left_in_chat(api, user, form)) == len(form)  # nothing deleted
    step = await user.press("Продолжить")
    assert "Шаг 5 из 6" in step.visible_text  # back at the photo step, one tap
    await user.press("Пропустить")
    review = await user.press("Пропустить")
    assert (
        "Санкт-Петербург" in review.visible_text and MARKER in review.visible_text
    )  # the draft survived


async def test_a_question_typed_in_the_questionnaire_is_answered_and_it_resumes(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    await start_bot()
    user = User(api, USER_IDS[1], "ru")
    await user.say("/start")
    await user.press("Проверить мою ситуацию")
    first = await user.press("Начать")
    assert "Вопрос 1" in first.visible_text
    second = await user.press(user.labels(first)[1], exact=True)  # not "detained right now"
    assert "Вопрос 2" in second.visible_text
    await user.say("как получить отсрочку по учёбе")
    messages = api.messages(user.id)
    assert messages[-2].buttons  # search results, with entries to open
    assert "незаконченная форма" in messages[-1].visible_text
    resumed = await user.press("Продолжить")
    assert "Вопрос 2" in resumed.visible_text  # where it was, with the first answer kept


async def test_a_finished_questionnaire_leaves_search_working(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    await start_bot()
    user = User(api, USER_IDS[2], "ru")
    await user.say("/start")
    await user.press("Проверить мою ситуацию")
    screen = await user.press("Начать")
    for _ in range(20):  # always the first option, until the results
        if "Вопрос" not in screen.visible_text:
            break
        screen = await user.press(user.labels(screen)[0], exact=True)
    assert "Вопрос" not in screen.visible_text
    reply = await user.say("отсрочка для студентов")
    assert "не понял" not in reply.visible_text and "незаконченная" not in reply.visible_text
    assert reply.buttons
