"""Region questions through the real app in-process: the region picked is always said, with a
one-tap "Not this region" back to the question (report form and alerts), declined names and
"oblast" are understood, and a guess is asked about instead of taken."""

from __future__ import annotations

from pathlib import Path

from bot.devserver.server import FakeBotAPI
from tests.support.alerts import SPB_EN, confirm_delivery, rows, start
from tests.support.chat import USER_IDS, User
from tests.support.process import StartBot


async def test_report_form_says_the_region_and_undoes_it(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[1], "en")
    await start_bot()
    await user.say("/report")
    sent_before = len(api.calls_for("sendMessage"))
    place = await user.say("Владик")  # Vladivostok, not Vladikavkaz
    # One step, one message: the region taken is said on top of the next step's question.
    assert len(api.calls_for("sendMessage")) == sent_before + 1
    assert place.visible_text.startswith("Region: Primorsky Krai.")
    assert "Where is it" in place.visible_text
    assert "Not this region" in user.labels(place)
    again = await user.press("Not this region")
    assert again.message_id == place.message_id  # the region question, on that same message
    assert "Report a raid" in again.visible_text
    choose = await user.say("Екатеренбург")  # a typo: asked, not taken
    assert "Which region did you mean" in choose.visible_text
    step = await user.press("Sverdlovsk")
    assert step.message_id == choose.message_id  # the list's message becomes the next step
    assert step.visible_text.startswith("Region: Sverdlovsk region.")
    assert "Where is it" in step.visible_text and "Not this region" in user.labels(step)


async def test_report_form_understands_oblast_and_declined_names(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[2], "ru")
    await start_bot()
    for typed, said in (
        ("Moscow obl", "Регион: Московская область."),
        ("в Мытищах", "Регион: Московская область."),
        ("в Питере", "Регион: Санкт-Петербург."),
        ("Ростов Великий", "Регион: Ярославская область."),
    ):
        await user.say("/report")
        step = await user.say(typed)
        assert step.visible_text.startswith(said + "\n"), typed
        assert "Шаг 2 из 6" in step.visible_text, typed
        assert "Не тот регион" in user.labels(step), typed


async def test_alerts_region_is_said_and_undone(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, SPB_EN, "en")
    bot = await start(start_bot)
    await user.say("/alerts")
    await user.press("Add a region")
    screen = await user.say("в Питере")
    assert "Added: St Petersburg." in screen.visible_text
    assert user.labels(screen)[0] == "Not this region"
    assert rows(bot, "SELECT count(*) FROM subscriber_regions") == [(1,)]
    prompt = await user.press("Not this region")
    assert prompt.visible_text.startswith("Type the region")
    assert rows(bot, "SELECT count(*) FROM subscriber_regions") == [(0,)]
    screen = await user.say("Ленинградская обл")
    assert "Added: Leningrad region." in screen.visible_text
    await confirm_delivery(user)
    # A region added again offers no undo: it would drop the earlier choice.
    await user.press("Add a region")
    screen = await user.say("ЛО")
    assert "Not this region" not in user.labels(screen)
    assert rows(bot, "SELECT count(*) FROM subscriber_regions") == [(1,)]
