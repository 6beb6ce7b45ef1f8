"""Raid reports through the real app in-process: the form, wrong inputs, edit, cancel, the rate
limit, a live location, and forgetting idle drafts."""

from __future__ import annotations

from pathlib import Path

from bot.devserver.server import FakeBotAPI
from bot.services.location import coarse_location
from tests.support.chat import USER_IDS, User
from tests.support.keys import PASSPHRASE
from tests.support.process import StartBot
from tests.support.reports import LAT, LON, MARKER, fill_form, opened, stored_reports


async def test_wrong_input_at_every_step_keeps_the_draft(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[1], "en")
    bot = await start_bot()
    await user.say("/report")
    assert "don't know that region" in (await user.say("Qwxzzy land")).visible_text
    assert "Type the region" in (await user.say(sticker=True)).visible_text
    await user.say("/sos")  # a detour: answered, then the form resumes with one tap
    assert "If you have been stopped" in api.messages(user.id)[-2].visible_text
    assert "unfinished form" in user.last().visible_text
    assert "Step 1 of 6" in (await user.press("Continue")).visible_text
    choose = await user.say("Ново")  # ambiguous: candidates offered
    assert "Which region did you mean" in choose.visible_text and len(user.labels()) > 2
    await user.say("Yekaterinburg")
    assert "Where is it" in (await user.say("in the metro")).visible_text  # buttons expected
    assert "kept what you wrote" in api.messages(user.id)[-2].visible_text
    await user.press("Dormitory")
    await user.press("Within the hour")
    assert "Text is needed" in (await user.say(sticker=True)).visible_text
    too_long = await user.say("x" * 1001)
    assert "1,001 characters" in too_long.visible_text and "limit is 1,000" in too_long.visible_text
    await user.say("Two vans at the dormitory <b>entrance</b> & checks")
    as_file = await user.say(document={"file_name": "IMG_1.jpg", "mime_type": "image/jpeg"})
    assert "as a file" in as_file.visible_text and "metadata" in as_file.visible_text
    assert "Only a photo" in (await user.say(sticker=True)).visible_text
    await user.press("Skip")
    assert "Send a location here" in (await user.say("near the station")).visible_text
    review = await user.press("Skip")
    assert "Sverdlovsk" in review.visible_text and "Dormitory" in review.visible_text
    assert "<b>entrance</b> & checks" in review.visible_text  # shown as text, not as markup
    assert "Photo: no" in review.visible_text and "Location: no" in review.visible_text
    assert stored_reports(bot) == []  # nothing stored before Send
    assert all(c.ok for c in api.calls if c.method in ("sendMessage", "editMessageText"))


async def test_edit_from_review_and_cancel(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[0], "ru")
    bot = await start_bot()
    await fill_form(user)
    await user.press("Текст")
    review = await user.say("Новый текст сообщения")
    assert (
        "Новый текст сообщения" in review.visible_text and "Санкт-Петербург" in review.visible_text
    )
    assert MARKER not in review.visible_text
    await user.press("Регион")
    review = await user.say("Казань")
    assert "Татарстан" in review.visible_text and "Новый текст" in review.visible_text
    asked = await user.press("Отменить")  # a filled form: asked first (tests/flows/test_back.py)
    assert "Удалить этот черновик" in asked.visible_text
    cancelled = await user.press("Да, удалить")
    assert "Ничего не отправлено" in cancelled.visible_text
    assert [m.from_bot for m in api.chat_log(user.id) if not m.deleted] == [True]
    assert stored_reports(bot) == []
    await user.say("/report")
    await user.say("мск")
    await user.say("/cancel")
    assert "вышли" in user.last().visible_text
    assert stored_reports(bot) == []


async def test_rate_limit_keeps_the_draft(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[0], "ru")
    # A draft lives longer than the hour's wait, so the second form opens (with the wait told
    # at once) and the refused Send may say the draft is kept (see test_newflows.py).
    bot = await start_bot(REPORTS_PER_HOUR="1", DRAFT_IDLE_MINUTES="90", KEY_PASSPHRASE=PASSPHRASE)
    assert "keyring=unlocked" in bot.logs()
    await fill_form(user, "first")
    await user.press("Отправить")
    await fill_form(user, "second")
    await user.press("Отправить")
    toast = api.calls_for("answerCallbackQuery")[-1].params
    assert "Попробуйте через" in toast["text"] and toast.get("show_alert") in (True, "true")
    assert (
        "Проверьте сообщение" in user.last().visible_text
    )  # still on the review screen, draft kept
    assert len(stored_reports(bot)) == 1


async def test_without_a_keyring_reports_are_off(api: FakeBotAPI, start_bot: StartBot) -> None:
    user = User(api, USER_IDS[0], "en")
    await start_bot()
    menu = await user.say("/start")
    assert not any("Report" in label for label in user.labels(menu))
    reply = await user.say("/report")
    assert "not enabled" in reply.visible_text


async def test_live_location_is_refused_and_the_draft_kept(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[2], "en")
    bot = await start_bot()
    await user.say("/report")
    await user.say("Kazan")
    await user.press("Metro")
    await user.press("Right now")
    await user.say(f"Checks at the south exit, {MARKER}")
    await user.press("Skip")  # no photo
    live = await user.say(location=(55.7887, 49.1221), live_period=900)
    assert (
        "live location is not needed" in live.visible_text and "single point" in live.visible_text
    )
    assert "Skip" in " ".join(user.labels(live)) and "Cancel" in " ".join(user.labels(live))
    review = await user.say(location=(LAT, LON))  # a single point: the form goes on
    assert "Check your report" in review.visible_text and "Tatarstan" in review.visible_text
    assert "Metro" in review.visible_text and MARKER in review.visible_text
    assert "Photo: no" in review.visible_text and "Location: yes" in review.visible_text
    await user.press("Send")
    assert [m.from_bot for m in api.chat_log(user.id) if not m.deleted] == [True]
    [row] = stored_reports(bot)
    # The point's ~500 m cell, not the live one.
    assert opened(keyring_dir, row)["location"] == list(coarse_location(LAT, LON))


async def test_idle_report_draft_is_forgotten_and_the_chat_cleaned(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[0], "en")
    # 0.05 minutes = 3 s: the sweep then runs every 1.5 s instead of every minute.
    bot = await start_bot(DRAFT_IDLE_MINUTES="0.05")
    await user.say("/report")
    await user.say("Kazan")
    await user.press("Metro")
    await user.press("Right now")
    photo_step = await user.say(f"Checks at the south exit, {MARKER}")
    assert "Step 5 of 6" in photo_step.visible_text
    closed = await api.wait_for(
        lambda c: c.method == "sendMessage" and "unfinished form" in str(c.params.get("text")),
        timeout=20,
    )
    assert closed.ok
    await api.wait_idle()
    left = [m for m in api.chat_log(user.id) if not m.deleted]
    assert (
        len(left) == 1 and "unfinished form" in left[0].visible_text
    )  # the form's messages are gone
    assert not any(MARKER in m.visible_text for m in left)
    reply = await user.say(location=(LAT, LON))  # no longer the form's location step
    assert "Check your report" not in reply.visible_text
    assert stored_reports(bot) == []
