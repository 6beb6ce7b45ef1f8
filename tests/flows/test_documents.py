"""/documents through the real app in-process: every template answered, both files sent back,
opened and read; the free-text warning, a bad date, a stale button and English messages."""

from __future__ import annotations

import pytest

from bot.devserver.server import FakeBotAPI
from tests.support.chat import USER_IDS, User
from tests.support.documents import MARKER, file_text, squeeze
from tests.support.process import StartBot

# Template title on its button -> what the done message and the document must say.
TEMPLATES = {
    "Жалоба на решение о призыве": ("ЖАЛОБА на решение призывной комиссии", "не останавливает"),
    "Не согласен с категорией годности": (
        "контрольное медицинское освидетельствование",
        "не останавливает",
    ),
    "Заявление на АГС": ("альтернативной гражданской службой", "отдельном заседании"),
    "Жалоба на штраф": ("постановление по делу об административном", "не останавливает"),
    "Иск в суд на решение о призыве": ("АДМИНИСТРАТИВНОЕ ИСКОВОЕ ЗАЯВЛЕНИЕ", "отправку"),
}


async def answer_everything(api: FakeBotAPI, user: User) -> None:
    """Answer each question as a person would: the first option, a date, a region, a text."""
    for _ in range(12):
        text = user.last().visible_text
        if "В каком виде прислать" in text:
            return
        if "ДД.ММ.ГГГГ" in text:
            await user.say("15.03.2026")
        elif "субъекте РФ" in text:
            await user.say("Татарстан")
        elif "Не пишите имён" in text:
            await user.say(f"Мои доводы {MARKER}: давление и выписка из больницы.")
        else:
            labels = user.labels()
            await user.press(labels[0], exact=True)
    raise AssertionError("the questions never ended")


@pytest.mark.parametrize("title", list(TEMPLATES))
async def test_each_template_comes_back_as_docx_and_pdf(
    api: FakeBotAPI, start_bot: StartBot, title: str
) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/documents")
    assert "пропуски в квадратных скобках" in user.last().visible_text
    first = await user.press(title, exact=True)
    assert "Вопрос 1 из" in first.visible_text
    await answer_everything(api, user)
    done = await user.press("Оба файла", exact=True)
    heading, warning = TEMPLATES[title]
    assert "Куда подать" in done.visible_text and "Срок" in done.visible_text
    assert "Сохраните копию и доказательство подачи" in done.visible_text
    assert warning in done.visible_text
    files = api.documents(user.id)
    assert sorted(name.rsplit(".", 1)[1] for name, _ in files) == ["docx", "pdf"]
    for name, data in files:
        text = squeeze(file_text(name, data))
        assert heading in text, name
        assert (
            "[фамилия, имя, отчество — заполните сами]" in text
            or "[фамилия, имя, отчество," in text
        )
        assert "ПАМЯТКА" in text and "06.12.2026" in text
        assert "Сохраните копию документа и доказательство подачи" in text
        if "Не пишите имён" in "".join(m.visible_text for m in api.delivered(user.id)):
            assert MARKER in text, name
    # Every placeholder was filled: by an answer or by a marked blank.
    assert not any("{" in squeeze(file_text(n, d)) for n, d in files)


async def test_regional_complaint_names_the_region_and_the_date(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/documents")
    await user.press("Жалоба на решение о призыве", exact=True)
    bad = await user.say("Татарстан")  # the region question comes first
    assert "Вопрос 2 из 4" in bad.visible_text
    wrong = await user.say("32.13.2026")
    assert "Не получилось прочитать дату" in wrong.visible_text
    await user.say("1.2.2026")
    await user.press("У меня есть право на отсрочку", exact=True)
    await user.press("Оставить пустым", exact=True)
    await user.press("PDF", exact=True)
    ((name, data),) = api.documents(user.id)
    text = squeeze(file_text(name, data))
    assert name == "zhaloba-v-prizyvnuyu-komissiyu-subekta.pdf"
    assert "(Республика Татарстан)" in text
    assert "01.02.2026 призывная комиссия" in text
    assert "основание для отсрочки" in text
    assert "[ваши доводы:" in text  # left blank: the blank, clearly marked


async def test_a_text_with_a_phone_is_held_back_once(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/documents")
    await user.press("Заявление на АГС", exact=True)
    await user.press("Моим убеждениям", exact=True)
    asked = user.last().visible_text
    assert "Не пишите имён, фамилий, адресов" in asked  # warned before the free text
    held = await user.say("Позвоните мне: +7 912 345-67-89, я пацифист")
    assert "Похоже, в тексте есть" in held.visible_text
    again = await user.say("Я пацифист с детства")
    assert "Откуда будет характеристика" in again.visible_text
    await user.press("С работы", exact=True)
    await user.press("Word (.docx)", exact=True)
    ((name, data),) = api.documents(user.id)
    text = file_text(name, data)
    assert "Я пацифист с детства" in text and "912" not in text


async def test_keep_as_is_and_a_stale_button(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/documents")
    await user.press("Заявление на АГС", exact=True)
    await user.press("Моим убеждениям", exact=True)
    await user.say("Мой номер +7 912 345-67-89, я против оружия")
    await user.press("Оставить как есть", exact=True)
    assert "Откуда будет характеристика" in user.last().visible_text
    await user.press("Не работаю и не учусь", exact=True)
    await user.press("PDF", exact=True)
    ((name, data),) = api.documents(user.id)
    assert "я против оружия" in squeeze(file_text(name, data))
    assert "характеристику не прилагаю" in squeeze(file_text(name, data)).lower()
    # The format buttons of a finished form do nothing but say so.
    answers = len(api.calls_for("answerCallbackQuery"))
    message = [m for m in api.messages(user.id) if "Оба файла" in str(m.reply_markup)][-1]
    api.press_button(user.id, message.message_id, 1)
    await api.wait_idle()
    assert len(api.calls_for("answerCallbackQuery")) == answers + 1
    assert len(api.documents(user.id)) == 1


async def test_english_messages_russian_document(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[1], "en")
    await start_bot()
    await user.say("/start")
    listing = await user.press("Write a complaint or application")
    assert "never asks your name" in listing.visible_text
    await user.press("Complaint against a fine", exact=True)
    await user.press("To the district court", exact=True)
    await user.say("10.03.2026")
    await user.say("12.03.2026")
    await user.press("Yes, in time", exact=True)
    assert "Write it in Russian" in user.last().visible_text
    await user.press("Leave blank", exact=True)
    done = await user.press("Both files", exact=True)
    assert "Where to file" in done.visible_text and "10 days" in done.visible_text
    assert "does not stop the call-up" in done.visible_text
    for name, data in api.documents(user.id):
        text = squeeze(file_text(name, data))
        assert "районного суда" in text and "12.03.2026" in text


async def test_a_detour_pauses_the_form_and_continue_resumes_it(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/documents")
    await user.press("Жалоба на решение о призыве", exact=True)
    await user.say("Татарстан")
    await user.say("/sos")
    resumed = await user.press("Продолжить")
    assert "Вопрос 2 из 4" in resumed.visible_text
    await user.say("15.03.2026")
    assert "Вопрос 3 из 4" in user.last().visible_text
    await user.say("/cancel")
    after = await user.say("15.03.2026")  # the form is gone: no longer an answer
    assert "Вопрос 4 из 4" not in after.visible_text
    assert api.documents(user.id) == []


async def test_a_photo_or_sticker_gets_the_question_again_and_the_next_one_is_last(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    # The hint used to come without buttons: the person pressed one on the question above it,
    # that message changed in place, and the chat's last word stayed "choose a button".
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/documents")
    await user.press("Заявление на АГС", exact=True)
    for kind in ("photo", "sticker"):
        hint = await user.say(None, **{kind: True})
        assert "Выберите вариант кнопкой" in hint.visible_text
        assert "Вопрос 1 из 3" in hint.visible_text and hint.buttons
    after = await user.press(user.labels()[0], exact=True)
    assert "Вопрос 2 из 3" in after.visible_text
    assert after.message_id == user.last().message_id


async def test_a_bad_date_repeats_the_question_with_its_skip_button(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    user = User(api, USER_IDS[1], "en")
    await start_bot()
    await user.say("/documents")
    await user.press("Complaint against a call-up decision", exact=True)
    await user.say("Tatarstan")
    hint = await user.say("31.02.2026")
    assert "Question 2 of 4" in hint.visible_text and hint.buttons
    after = await user.press("Leave blank")
    assert "Question 3 of 4" in after.visible_text


async def test_odd_answers_at_debug_reach_the_files_and_no_log(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    """Markup, braces, a control character, invisible marks and a glyph the PDF font lacks:
    both files come back with the words, and fpdf2's warning that names the missing glyph
    is logged as a constant event (the library rule), never with the character."""
    from tests.support.leaks import needles, scan_bytes

    user = User(api, USER_IDS[2], "en")
    bot = await start_bot(LOG_LEVEL="DEBUG")
    await user.say("/documents")
    await user.press("Application for alternative service", exact=True)
    await user.press(user.labels()[0], exact=True)
    await user.say(f"<b>{MARKER}</b> & ]]> {{name}}\x0b\u200f🦩 {MARKER}")
    await user.press(user.labels()[0], exact=True)
    await user.press("Both files")
    files = api.documents(user.id)
    assert len(files) == 2
    for name, data in files:
        text = file_text(name, data)
        assert f"<b>{MARKER}</b> & ]]> {{name}}" in text, name
        assert "{reasons}" not in text
    logs = bot.logs()
    assert "level=debug" in logs and "documents.sent" in logs
    assert "🦩" not in logs and "\\U0001f9a9" not in logs
    assert scan_bytes(logs.encode(), needles(texts=[MARKER], ids=[user.id])) == []


async def test_a_date_typed_as_people_do(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/documents")
    await user.press("Жалоба на решение о призыве", exact=True)
    await user.say("Татарстан")
    assert "Вопрос 3 из 4" in (await user.say("вчера")).visible_text


async def test_a_double_tap_on_a_format_sends_one_file_and_an_old_button_is_stale(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/documents")
    await user.press("Заявление на АГС", exact=True)
    await answer_everything(api, user)
    formats = user.last_with_buttons()
    api.press_button(user.id, formats.message_id, 0)  # .docx, twice before the first is done
    api.press_button(user.id, formats.message_id, 0)
    await api.wait_idle()
    assert [name.rsplit(".", 1)[1] for name, _ in api.documents(user.id)] == ["docx"]
    api.press_button(user.id, formats.message_id, 1)  # PDF, after the file was sent
    await api.wait_idle()
    assert len(api.documents(user.id)) == 1
    assert "Документ готов" in user.last().visible_text


async def test_a_too_long_text_repeats_the_question(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[0], "ru")
    await start_bot()
    await user.say("/documents")
    await user.press("Заявление на АГС", exact=True)
    await user.press(user.labels()[0], exact=True)
    hint = await user.say("я" * 4001)
    assert "Слишком длинно" in hint.visible_text
    assert "Вопрос 2 из 3" in hint.visible_text and hint.buttons
    blank = await user.say("\u200b\u200e")  # nothing visible left
    assert "Пришлите ответ текстом" in blank.visible_text and blank.buttons
    after = await user.press("Оставить пустым")
    assert "Вопрос 3 из 3" in after.visible_text
