"""Flows that never swallow input or promise what the code does not do: the per-person limit
told when the form opens, the draft's fate said truthfully, text typed at a button step kept
and shown at the description step, and text typed at the review screen answered."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.devserver.server import FakeBotAPI
from tests.support.alerts import ADMIN, start
from tests.support.chat import USER_IDS, User
from tests.support.keys import PASSPHRASE
from tests.support.process import StartBot
from tests.support.reports import fill_form, stored_reports


async def test_the_limit_is_told_when_the_form_opens_not_after_six_steps(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[0], "ru")
    bot = await start_bot(REPORTS_PER_HOUR="1", KEY_PASSPHRASE=PASSPHRASE)
    await fill_form(user, "first")
    await user.press("Отправить")
    reply = await user.say("/report")
    text = reply.visible_text
    assert "Шаг 1 из 6" not in text  # no form to fill in for nothing
    assert "60 мин" in text and "30 мин" in text  # the wait, and why a draft would not last
    assert "сохранён" not in text
    # The check consumed nothing: the same answer again, and still one report stored.
    assert "60 мин" in (await user.say("/report")).visible_text
    assert len(stored_reports(bot)) == 1
    # The menu's button says the same, on the screen (too long for a toast).
    await user.say("/start")
    screen = await user.press("Сообщить об облаве")
    assert "60 мин" in screen.visible_text and "Шаг 1 из 6" not in screen.visible_text


async def test_a_short_wait_opens_the_form_and_says_the_draft_lasts(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[1], "en")
    await start_bot(REPORTS_PER_HOUR="1", DRAFT_IDLE_MINUTES="90", KEY_PASSPHRASE=PASSPHRASE)
    await fill_form(user, "first", region="Moscow", extras=False, send=True, lang="en")
    await user.say("/report")
    messages = api.messages(user.id)
    assert "60 min" in messages[-2].visible_text and "kept" in messages[-2].visible_text
    assert "Step 1 of 6" in messages[-1].visible_text
    await user.say("Moscow")
    await user.press("Metro")
    await user.press("Right now")
    await user.say("second")
    await user.press("Skip")
    await user.press("Skip")
    await user.press("Send")  # still within the hour: refused, and told the draft lasts
    toast = str(api.calls_for("answerCallbackQuery")[-1].params["text"])
    assert "Try again in 60 min" in toast and "kept as long as" in toast and "90 min" in toast
    assert "Check" in user.last().visible_text or "Send" in " ".join(user.labels())


async def test_words_typed_at_a_button_step_are_shown_at_the_description_step(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/report")
    await user.say("Москва")
    again = await user.say("на станции Выхино")
    note = api.messages(user.id)[-2].visible_text
    assert "сохранил" in note and "описани" in note  # kept, and where it goes
    assert "Шаг 2 из 6" in again.visible_text  # the step again, with what it needs
    sticker = await user.say(sticker=True)
    assert "кнопк" in api.messages(user.id)[-2].visible_text.lower()  # never silent
    assert "Шаг 2 из 6" in sticker.visible_text
    await user.press("Метро")
    step4 = await user.press("Прямо сейчас")
    assert "на станции Выхино" in step4.visible_text  # the kept words, shown
    await user.press("Использовать")
    await user.press("Пропустить")
    review = await user.press("Пропустить")
    assert "на станции Выхино" in review.visible_text


async def test_text_typed_at_the_review_screen_is_answered_and_kept(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await fill_form(user, "first words")
    reply = await user.say("ещё два автобуса у выхода")
    assert "не понял" not in reply.visible_text
    assert "Отправить" in " ".join(user.labels())  # the review screen again
    note = api.messages(user.id)[-2].visible_text
    assert "сохранил" in note
    assert "не войдут" in reply.visible_text  # shown on the review screen, not sent unasked
    review = await user.press("Добавить в описание")
    assert "first words\nещё два автобуса у выхода" in review.visible_text
    assert "Сохранённые слова" not in review.visible_text
    assert not any("Добавить" in label for label in user.labels(review))


async def test_text_typed_at_the_announcement_preview_replaces_it(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    """The preview waits for a button; a corrected text typed there used to fall through to
    "not understood" with the form still open."""
    admin = User(api, ADMIN, "en")
    await start(start_bot)
    await admin.say("/announce")
    first = await admin.say("Shelters open tonight")
    corrected = await admin.say("Shelters open tonight and tomorrow")
    assert "did not understand" not in corrected.visible_text
    assert "Preview" in corrected.visible_text and "and tomorrow" in corrected.visible_text
    # The first preview is gone: its Approve button cannot approve the text it does not show.
    assert all(m.deleted for m in api.chat_log(admin.id) if m.message_id == first.message_id)


async def questionnaire_at_question_2(user: User) -> None:
    await user.say("/start")
    await user.press("Проверить мою ситуацию")
    first = await user.press("Начать")
    await user.press(user.labels(first)[1], exact=True)


@pytest.mark.parametrize("detour", ["/sos", "/language", "/help", "как получить отсрочку"])
async def test_after_any_detour_from_the_questionnaire_search_works_and_it_resumes(
    api: FakeBotAPI, start_bot: StartBot, detour: str
) -> None:
    """Issue item 1: after a detour (a command or a typed question) from the questionnaire,
    a typed question is answered by search, and the questionnaire can still be resumed."""
    user = User(api, USER_IDS[2], "ru")
    await start_bot()
    await questionnaire_at_question_2(user)
    await user.say(detour)
    reply = await user.say("отсрочка для студентов")
    assert "не понял" not in reply.visible_text and reply.buttons  # search answered
    resumed = await user.press("Продолжить")
    assert "Вопрос 2" in resumed.visible_text


async def test_a_finished_questionnaire_paged_or_opened_leaves_search_working(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    user = User(api, USER_IDS[2], "ru")
    await start_bot()
    await user.say("/start")
    await user.press("Проверить мою ситуацию")
    screen = await user.press("Начать")
    for _ in range(20):
        if "Вопрос" not in screen.visible_text:
            break
        screen = await user.press(user.labels(screen)[0], exact=True)
    entry = user.labels(screen)[-3]  # an FAQ entry the results link to
    await user.press(entry, exact=True)
    reply = await user.say("отсрочка для студентов")
    assert "не понял" not in reply.visible_text and reply.buttons


async def test_the_region_limit_is_told_when_the_region_is_chosen(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    """One report allowed a region and two hours: the second form stops at the region step
    (the wait is longer than a draft lives here), and another region goes on."""
    user = User(api, USER_IDS[0], "ru")
    bot = await start_bot(
        REPORTS_PER_GROUP_PER_PERSON="1", DRAFT_IDLE_MINUTES="0.5", KEY_PASSPHRASE=PASSPHRASE
    )
    await fill_form(user, "first")  # Saint Petersburg
    await user.press("Отправить")
    await user.say("/report")
    again = await user.say("Питер")
    note = api.messages(user.id)[-2].visible_text
    assert "Об этом регионе" in note and "мин" in note and "сохранён" not in note
    assert "Шаг 1 из 6" in again.visible_text  # still the region step
    assert "Шаг 2 из 6" in (await user.say("Москва")).visible_text
    assert len(stored_reports(bot)) == 1


async def test_words_typed_at_the_photo_and_location_steps_are_kept_and_shown(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[1], "en")
    await start_bot()
    await user.say("/report")
    await user.say("Moscow")
    await user.press("Metro")
    await user.press("Right now")
    await user.say("two vans")
    photo_step = await user.say("no photo, sorry")
    assert (
        "Only a photo" in photo_step.visible_text and "kept your words" in photo_step.visible_text
    )
    await user.press("Skip")
    location_step = await user.say("exit 3")
    assert "Send a location here" in location_step.visible_text
    assert "kept your words" in location_step.visible_text
    review = await user.press("Skip")
    assert "Kept words" in review.visible_text and "exit 3" in review.visible_text
    added = await user.press("Add to description")
    assert "two vans\nno photo, sorry\nexit 3" in added.visible_text  # nothing replaced


async def test_a_captioned_photo_at_the_description_step_keeps_its_caption(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[1], "en")
    await start_bot()
    await user.say("/report")
    await user.say("Moscow")
    await user.press("Metro")
    await user.press("Right now")
    reply = await user.say(photo=True, caption="vans at exit 2")
    assert "Text is needed" in reply.visible_text and "kept its caption" in reply.visible_text
    photo_step = await user.press("Use what I wrote earlier")
    assert "Step 5 of 6" in photo_step.visible_text


async def test_kept_words_past_the_limit_are_not_added(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[1], "ru")
    await start_bot()
    await fill_form(user, "x" * 990)
    await user.say("и ещё двадцать знаков")
    review = await user.press("Добавить в описание")
    toast = str(api.calls_for("answerCallbackQuery")[-1].params.get("text"))
    assert "длиннее 1\xa0000" in toast
    assert "Сохранённые слова" in review.visible_text  # still kept, still offered
