"""/help for the team (an admin's and a moderator's list their commands) and the deep links
to screens (`t.me/<bot>?start=go_<screen>`), through the real app in-process."""

from __future__ import annotations

from pathlib import Path

from bot.devserver.server import FakeBotAPI
from tests.support.alerts import (
    ADMIN,
    MODERATOR,
    OUTSIDER,
    REPORTER,
    confirm_on_server,
    invite_moderator,
    start,
)
from tests.support.chat import User
from tests.support.process import StartBot

MODERATOR_LINES = ("/queue — Moderation queue", "/stats — Counts: reports, alerts, subscribers")
ADMIN_LINES = (
    "/announce — Announcement to all subscribers (admin)",
    "/invite — Invite a moderator (admin)",
    "/moderators — Moderators (admin)",
    "/reload — Reload content from disk (admin)",
)


async def test_help_lists_the_commands_of_each_role(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    admin, moderator = User(api, ADMIN, "en"), User(api, MODERATOR, "en")
    outsider = User(api, REPORTER, "en")  # OUTSIDER tries the invite link in Russian
    bot = await start(start_bot)
    await invite_moderator(api, admin, moderator)
    confirm_on_server(bot, "anna")

    helps = {}
    for name, user in (("admin", admin), ("moderator", moderator), ("outsider", outsider)):
        helps[name] = (await user.say("/help")).visible_text
        assert "What this bot does" in helps[name] and "/verify" in helps[name]
    lines = {name: text.splitlines() for name, text in helps.items()}
    assert all(line in lines["admin"] for line in (*MODERATOR_LINES, *ADMIN_LINES))
    assert "For admins" in helps["admin"] and "For moderators" in helps["admin"]
    assert all(line in lines["moderator"] for line in MODERATOR_LINES)
    assert "For admins" not in helps["moderator"] and "/invite" not in helps["moderator"]
    assert "For moderators" not in helps["outsider"] and "/queue" not in helps["outsider"]
    # The Help button of the menu says the same as /help.
    await admin.say("/start")
    assert "/announce — " in (await admin.press("How to use")).visible_text


async def test_help_in_russian_for_an_admin_of_a_locked_instance(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    admin = User(api, ADMIN, "ru")
    await start_bot(ADMIN_IDS=str(ADMIN))  # no keyring: the admin is still known by id
    text = (await admin.say("/help")).visible_text
    assert "Для админов" in text and "/reload — Перечитать контент с диска (админ)" in text


async def test_deep_links_open_screens(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    user = User(api, OUTSIDER, "en")
    bot = await start(start_bot)
    sos = await user.say("/start go_sos")
    assert "If you have been stopped" in sos.visible_text, sos.visible_text
    check = await user.say("/start go_check")
    assert "Check my situation" in check.visible_text and "Start" in user.labels(check)
    questionnaire = await user.press("Start")
    assert "Question 1" in questionnaire.visible_text
    alerts = await user.say("/start go_alerts")
    assert "not subscribed" in alerts.visible_text
    report = await user.say("/start go_report")
    assert "Step 1 of 6" in report.visible_text and "Which region" in report.visible_text
    assert "Step 2 of 6" in (await user.say("Moscow")).visible_text  # the form is open
    # Anything else after go_ is no screen (and no FAQ entry can look like one): the menu.
    for payload in ("go_queue", "go_", "go_sos_x"):
        assert "anonymous helpline" in (await user.say(f"/start {payload}")).visible_text
    assert "go_" not in bot.logs()  # the payload is never logged
