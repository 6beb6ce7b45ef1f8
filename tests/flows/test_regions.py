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
    place = await user.say("Владик")  # Vladivostok, not Vladikavkaz
    said = api.messages(user.id)[-2]
    assert said.visible_text == "Region: Primorsky Krai."
    assert [b.text for row in said.buttons for b in row] == ["Not this region"]
    assert "Where is it" in place.visible_text
    await user.press("Dormitory")  # the next step goes on as before
    api.press_button(user.id, said.message_id, 0)  # "Not this region", one step later
    await api.wait_idle()
    again = next(m for m in api.messages(user.id) if m.message_id == said.message_id)
    assert "Report a raid" in again.visible_text  # the region question, on that same message
    choose = await user.say("Екатеренбург")  # a typo: asked, not taken
    assert "Which region did you mean" in choose.visible_text
    await user.press("Sverdlovsk")
    assert api.messages(user.id)[-2].visible_text == "Region: Sverdlovsk region."
    # The place answered before is kept: the form goes on at the time step.
    assert "When" in user.last().visible_text


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
        await user.say(typed)
        assert api.messages(user.id)[-2].visible_text == said, typed
        assert user.labels(api.messages(user.id)[-2]) == ["Не тот регион"]


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
