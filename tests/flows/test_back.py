"""No way back (issue #16, item 4) through the real app in-process: Back on every step of the
report form and the questionnaire keeps what was entered, every edit from the review screen
offers "Keep as is", Cancel on a filled form asks first and "No" leaves the draft intact, and
/queue has Home and asks before rejecting a report group."""

from __future__ import annotations

from pathlib import Path

from bot.devserver.server import FakeBotAPI
from tests.support.alerts import ADMIN, REPORTER, rows, send_report, start
from tests.support.chat import USER_IDS, User
from tests.support.keys import PASSPHRASE
from tests.support.process import StartBot
from tests.support.reports import fill_form, stored_reports

BACK, KEEP = "← Назад", "✔️ Оставить как есть"
STEP_TEXTS = ("Шаг 1 из 6", "Шаг 2 из 6", "Шаг 3 из 6", "Шаг 4 из 6", "Шаг 5 из 6", "Шаг 6 из 6")


async def test_back_on_every_step_keeps_what_was_entered(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/report")
    assert BACK not in user.labels()  # the first step has nothing before it
    place = await user.say("Москва")
    assert "Не тот регион" in user.labels(place)  # the region's undo is this step's way back
    assert BACK in user.labels(await user.press("Метро"))
    text_step = await user.press("Прямо сейчас")
    assert BACK in user.labels(text_step)

    # Before the review: Back shows the step before with its answer; Keep and answers walk on.
    when = await user.press(BACK)
    assert STEP_TEXTS[2] in when.visible_text
    assert "Сейчас в черновике:\nКогда: Прямо сейчас" in when.visible_text
    place = await user.press(BACK)
    assert "Сейчас в черновике:\nГде: Метро" in place.visible_text
    when = await user.press(KEEP)
    assert STEP_TEXTS[2] in when.visible_text and KEEP in user.labels(when)
    text_step = await user.press("В течение часа")  # changed: on to the step not answered yet
    assert STEP_TEXTS[3] in text_step.visible_text and KEEP not in user.labels(text_step)
    assert BACK in user.labels(await user.say("двое у турникетов"))
    assert BACK in user.labels(await user.press("Пропустить"))
    review = await user.press("Пропустить")
    assert "Проверьте сообщение" in review.visible_text and BACK in user.labels(review)
    assert "Когда: В течение часа" in review.visible_text

    # Back from the review, one step at a time, down to the first: each answer shown, kept.
    for number, answer in (
        (6, "Геопозиция: нет"),
        (5, "Фото: нет"),
        (4, "Что происходит: двое у турникетов"),
        (3, "Когда: В течение часа"),
        (2, "Где: Метро"),
        (1, "Регион: Москва"),
    ):
        screen = await user.press(BACK)
        assert STEP_TEXTS[number - 1] in screen.visible_text, number
        assert "Сейчас в черновике:\n" + answer in screen.visible_text, number
        assert KEEP in user.labels(screen), number
        assert (BACK in user.labels(screen)) == (number > 1), number
        assert screen.message_id == review.message_id  # one screen, edited: no trail behind

    # Once the review was reached, keeping or changing a step returns to it.
    assert (await user.press(KEEP)).visible_text == review.visible_text
    await user.press(BACK)  # location
    await user.press(BACK)  # photo
    await user.press(BACK)  # text
    await user.press(BACK)  # time
    changed = await user.press("Прямо сейчас")
    assert "Проверьте сообщение" in changed.visible_text
    assert "Когда: Прямо сейчас" in changed.visible_text
    assert "двое у турникетов" in changed.visible_text


async def test_every_edit_from_the_review_offers_keep_as_is(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[1], "ru")
    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE)
    await fill_form(user, "у выхода 3 проверяют")
    review = user.last()
    for edit in ("Регион", "Место", "Время", "Текст", "Фото", "Геопозиция"):
        screen = await user.press("✏️ " + edit)
        assert "Сейчас в черновике:" in screen.visible_text, edit
        assert KEEP in user.labels(screen), edit
        assert (BACK in user.labels(screen)) == (edit != "Регион"), edit
        again = await user.press(KEEP)
        assert again.visible_text == review.visible_text, edit  # unchanged
    # An edit that is answered goes back to the review too, the rest kept.
    await user.press("✏️ Место")
    review = await user.press("Улица")
    assert "Где: Улица" in review.visible_text and "у выхода 3 проверяют" in review.visible_text
    assert "Фото: есть" in review.visible_text and "Геопозиция: есть" in review.visible_text
    await user.press("Отправить")
    assert len(stored_reports(bot)) == 1


async def test_cancel_asks_before_a_filled_form_is_thrown_away(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[2], "ru")
    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE)
    # Nothing entered yet: Cancel closes at once, there is nothing to lose.
    await user.say("/report")
    closed = await user.press("Отменить")
    assert "Ничего не отправлено" in closed.visible_text

    # Mid-form: asked; "No" is the same step again with every answer kept.
    await user.say("/report")
    await user.say("Питер")
    await user.press("Метро")
    asked = await user.press("Отменить")
    assert "Удалить этот черновик" in asked.visible_text
    assert user.labels(asked) == ["🗑 Да, удалить черновик", "↩ Нет, вернуться к форме"]
    step = await user.press("Нет, вернуться")
    assert STEP_TEXTS[2] in step.visible_text
    await user.press(BACK)
    assert "Сейчас в черновике:\nГде: Метро" in user.last().visible_text

    # At the review: "No" is the review, unchanged, and Send still sends it.
    await fill_form(user, "проверка на выходе")
    review = user.last()
    await user.press("Отменить")
    assert (await user.press("Нет, вернуться")).visible_text == review.visible_text
    await user.press("Отправить")
    assert len(stored_reports(bot)) == 1

    # "Yes" discards: the form's messages leave the chat, nothing is stored.
    await fill_form(user, "ещё одно")
    await user.press("Отменить")
    done = await user.press("Да, удалить")
    assert "Ничего не отправлено" in done.visible_text
    assert len(stored_reports(bot)) == 1
    assert "ещё одно" not in " ".join(
        m.visible_text for m in api.chat_log(user.id) if not m.deleted
    )


async def test_questionnaire_back_takes_the_last_answer_back(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/start")
    await user.press("Проверить мою ситуацию")
    first = await user.press("Начать")
    assert "Вопрос 1" in first.visible_text and BACK in user.labels(first)
    chosen = user.labels(first)[1]
    second = await user.press(chosen, exact=True)
    assert "Вопрос 2" in second.visible_text and BACK in user.labels(second)
    again = await user.press(BACK)
    assert "Вопрос 1" in again.visible_text
    assert "✓ " + chosen in user.labels(again)  # what was chosen is shown
    intro = await user.press(BACK)
    assert "Проверить мою ситуацию" in intro.visible_text and "Начать" in user.labels(intro)

    # From the results: Back reopens the last question, the answers before it kept.
    screen = await user.press("Начать")
    answered = 0
    while "Вопрос" in screen.visible_text:
        screen = await user.press(user.labels(screen)[0], exact=True)
        answered += 1
    results = screen
    last = await user.press(BACK)
    assert f"Вопрос {answered}" in last.visible_text
    assert user.labels(last)[0].startswith("✓ ")
    assert (await user.press(user.labels(last)[0], exact=True)).visible_text == results.visible_text
    # Search still works after all this: nothing is left open.
    reply = await user.say("отсрочка для студентов")
    assert "не понял" not in reply.visible_text and reply.buttons


async def test_queue_has_home_and_a_group_is_rejected_only_when_confirmed(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin = User(api, ADMIN, "en")
    bot = await start(start_bot)
    await send_report(User(api, REPORTER, "ru"))
    queue = await admin.say("/queue")
    assert "🏠 Home" in admin.labels(queue)
    group = await admin.press("Moscow ·")
    assert "🏠 Home" in admin.labels(group)
    asked = await admin.press("Spam")
    assert "Reject 1 report of this group as “🗑 Spam”?" in asked.visible_text
    assert rows(bot, "SELECT state FROM reports") == [("new",)]  # nothing rejected yet
    kept = await admin.press("No, keep it")
    assert kept.visible_text == group.visible_text
    assert rows(bot, "SELECT state FROM reports") == [("new",)]
    await admin.press("Duplicate")
    screen = await admin.press("Yes, reject")
    assert "Rejected: 1." in str(api.calls_for("answerCallbackQuery")[-1].params.get("text"))
    assert rows(bot, "SELECT state FROM reports") == [("rejected",)]
    assert "🏠 Home" in admin.labels(screen)  # the queue again
    home = await admin.press("Home")
    assert home.message_id == screen.message_id and "Check my situation" in " ".join(
        admin.labels(home)
    )
