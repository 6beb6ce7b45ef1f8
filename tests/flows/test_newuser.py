"""The #16 new-user pass, through the real app: what a first-time person typed that broke."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.devserver.server import FakeBotAPI
from tests.support.chat import USER_IDS, User
from tests.support.keys import PASSPHRASE
from tests.support.process import StartBot
from tests.support.reports import fill_form, opened, stored_reports

# Ordinary raid reports as people wrote them in the pass: a dashed date, a dashed time range,
# amounts in thousands, a street and a monument named after a person. None carries personal
# data, so none may be held back with the personal-data warning.
ORDINARY = (
    "Проспект Андрея Дмитриевича Сахарова, 2024-12-05, стоят с 18-00 - 20-00, "
    "говорят штраф 150 000-200 000; ещё у памятника Александру Сергеевичу Пушкину"
)


@pytest.mark.parametrize("text", [ORDINARY])
async def test_an_ordinary_report_is_sent_at_the_first_tap(
    api: FakeBotAPI, start_bot: StartBot, keyring_dir: Path, text: str
) -> None:
    user = User(api, USER_IDS[0], "ru")
    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE)
    await fill_form(user, text)
    done = await user.press("Отправить")
    assert "похоже, в описании есть" not in done.visible_text
    assert "Готово" in done.visible_text
    [row] = stored_reports(bot)
    assert opened(keyring_dir, row)["text"] == text
