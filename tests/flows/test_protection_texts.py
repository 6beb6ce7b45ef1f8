"""The texts about privacy tell the truth about the mode the instance runs in ("Trust under
compromise"): /privacy, the /alerts note and the bot-safety FAQ entry, in both languages, for a
bot started with KEY_PASSPHRASE (unattended), without it (hardened, so locked here), without a
keyring (reports off) and with a keyring destroyed on purpose."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config import REPO_ROOT
from bot.crypto.keyring import destroy_keyring
from bot.devserver.server import FakeBotAPI
from bot.protection import Mode
from tests.support.chat import USER_IDS, User
from tests.support.keys import PASSPHRASE, make_keyring
from tests.support.parsed_content import parsed_translator
from tests.support.process import StartBot

TRANSLATOR = parsed_translator(REPO_ROOT / "content" / "locales")
# The promises no text may make while the bot stores encrypted subscriptions, sealed reports,
# moderators' chat ids and the audit log.
KEEPS_NOTHING = re.compile(
    r"keeps? nothing|stores? nothing|nothing is (stored|kept)|no data|keeps no data"
    r"|ничего не (хранит|храним|сохраняет)|не хранит ничего|никаких данных|данные не хранятся",
    re.IGNORECASE,
)
# Settings the retention sentence must show as configured, not as the defaults.
RETENTION = {
    "REPORT_RETENTION_DAYS": "11",
    "REPORT_DECIDED_RETENTION_DAYS": "2",
    "ALERT_RETENTION_DAYS": "21",
    "AUDIT_RETENTION_DAYS": "45",
}
ARGS = {"report_days": 11, "decided_days": 2, "alert_days": 21, "audit_days": 45}


def statement(lang: str, mode: Mode) -> str:
    return TRANSLATOR(lang, "protection-mode", mode=mode.value, **ARGS)


async def start_in(mode: Mode, start_bot: StartBot, keys: Path) -> None:
    if mode in (Mode.UNATTENDED, Mode.HARDENED, Mode.DESTROYED):
        make_keyring(keys)
    if mode is Mode.DESTROYED:
        destroy_keyring(keys, datetime.now(UTC))
    env: dict[str, Any] = dict(RETENTION)  # Any: StartBot's keywords include wait_ready
    if mode in (Mode.UNATTENDED, Mode.DESTROYED):
        env["KEY_PASSPHRASE"] = PASSPHRASE  # destroyed: a passphrase changes nothing
    bot = await start_bot(**env)
    logs = bot.logs()
    expected = {
        Mode.UNATTENDED: "keyring=unlocked",
        Mode.HARDENED: "keyring=locked",
        Mode.OFF: "no keyring",
        Mode.DESTROYED: "keyring=destroyed",
    }
    assert expected[mode] in logs


def check(text: str, lang: str, mode: Mode) -> None:
    assert statement(lang, mode) in text, (lang, mode, text)
    for other in Mode:
        if other is not mode:
            assert statement(lang, other) not in text, (lang, mode, other)
    assert not KEEPS_NOTHING.search(text), KEEPS_NOTHING.search(text)


@pytest.mark.parametrize("mode", list(Mode))
async def test_privacy_alerts_and_faq_say_what_this_mode_protects(
    api: FakeBotAPI, start_bot: StartBot, tmp_path: Path, mode: Mode
) -> None:
    await start_in(mode, start_bot, tmp_path / "data" / "keys")
    for lang, user_id in (("ru", USER_IDS[0]), ("en", USER_IDS[1])):
        user = User(api, user_id, lang)
        privacy = (await user.say("/privacy")).visible_text
        check(privacy, lang, mode)
        retention = TRANSLATOR(lang, "protection-retention", mode=mode.value, **ARGS)
        assert retention in privacy and "45" in retention  # the configured days, not defaults
        assert ("Telegram видит всё" if lang == "ru" else "Telegram sees everything") in privacy
        assert ("500 м" if lang == "ru" else "500 m") in privacy

        alerts = (await user.say("/alerts")).visible_text
        check(alerts, lang, mode)
        if mode in (Mode.UNATTENDED, Mode.HARDENED):  # the subscription note itself
            assert ("в зашифрованном виде" if lang == "ru" else "in encrypted form") in alerts
        # Plain words for everyone: the exact technical terms stay on /privacy and the README.
        for jargon in ("хеш", "hash", "HMAC", "AEAD"):
            assert jargon not in alerts, (lang, jargon)

        faq = (await user.say("/start bot-safety")).visible_text
        check(faq, lang, mode)
        assert retention in faq
        assert "{" not in faq
    failed = [c.method for c in api.calls if not c.ok and c.method != "getUpdates"]
    assert not failed, failed
