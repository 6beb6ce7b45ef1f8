"""BACKUP_BOT through the real app in-process: /sos names the backup bot, and every alert (the
region channel's post too) names it in its signed footer, inert, so /verify still calls the
alert genuine with no warning about an added link."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.devserver.server import FakeBotAPI
from tests.support.alerts import (
    ADMIN,
    MOSCOW_RU,
    alert_messages,
    report_and_approve,
    start,
    subscribe,
)
from tests.support.chat import User
from tests.support.process import StartBot

BACKUP = "helpline_backup_bot"


async def test_sos_alerts_and_channel_posts_name_the_backup_bot(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    channel = -1_009_876_543_210
    api.add_chat(channel, chat_type="channel", title="Moscow alerts")
    admin, person = User(api, ADMIN, "en"), User(api, MOSCOW_RU, "ru")
    bot = await start(
        start_bot, ALERT_APPROVALS="1", BACKUP_BOT=f"@{BACKUP}", REGION_CHANNELS=f"moscow={channel}"
    )
    sos = (await person.say("/sos")).visible_text
    assert f"запасной бот — @{BACKUP}" in sos
    await subscribe(person, "мск")
    await report_and_approve(api, admin)
    [alert] = alert_messages(api, MOSCOW_RU)
    assert f"Если этот бот перестанет работать: [@]{BACKUP}" in alert
    [post] = [m.visible_text for m in api.messages(channel) if "Рейд: Москва" in m.visible_text]
    assert f"[@]{BACKUP}" in post
    verdict = (await person.say(f"/verify {alert}")).visible_text
    assert verdict.startswith("✅ Настоящее"), verdict
    assert await bot.stop() == 0


async def test_without_backup_bot_nothing_is_named(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    person = User(api, MOSCOW_RU, "en")
    await start(start_bot)
    assert "backup bot" not in (await person.say("/sos")).visible_text


@pytest.mark.parametrize(
    ("value", "kept"),
    [("@Helpline_Backup_bot", "Helpline_Backup_bot"), ("reserve_BOT", "reserve_BOT"), ("", None)],
)
def test_backup_bot_setting_accepts_a_bot_username(value: str, kept: str | None) -> None:
    assert load_settings(_env_file=None, backup_bot=value).backup_bot == kept


@pytest.mark.parametrize("value", ["@helpline", "1st_bot", "bad name_bot", "@" + "a" * 40 + "bot"])
def test_backup_bot_setting_refuses_anything_else(value: str) -> None:
    with pytest.raises(ConfigError, match="BACKUP_BOT: must be a bot's username"):
        load_settings(_env_file=None, backup_bot=value)
