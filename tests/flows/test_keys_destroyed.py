"""A keyring destroyed on purpose (the panic switch) through the real app in-process: the bot
starts, keeps giving guidance, and tells people that reports and alerts are off here."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.crypto.keyring import destroy_keyring
from bot.devserver.server import FakeBotAPI
from tests.support.chat import USER_IDS, User
from tests.support.keys import PASSPHRASE
from tests.support.process import StartBot


async def test_a_destroyed_keyring_serves_guidance_and_says_reports_and_alerts_are_off(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path
) -> None:
    destroy_keyring(keyring_dir, datetime.now(UTC))
    en, ru = User(api, USER_IDS[0], "en"), User(api, USER_IDS[1], "ru")
    # A configured passphrase changes nothing: there is nothing left to unlock.
    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE)
    logs = bot.logs()
    assert "keyring=destroyed" in logs and "keyring destroyed on purpose" in logs

    report = await en.say("/report")
    assert "no longer accepted" in report.visible_text and "destroyed" in report.visible_text
    alerts = await en.say("/alerts")
    assert "no longer sent" in alerts.visible_text
    assert "больше не принимает" in (await ru.say("/report")).visible_text
    assert "больше не рассылает" in (await ru.say("/alerts")).visible_text

    assert "stopped or detained" in (await en.say("/sos")).visible_text
    found = await ru.say("otsrochka student")
    assert any("Отсрочка для студентов" in label for label in ru.labels(found))
    failed = [c.method for c in api.calls if not c.ok and c.method != "getUpdates"]
    assert not failed, failed
    assert await bot.stop() == 0
