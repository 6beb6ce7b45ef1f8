"""A raid report through the real process, and what the seized data directory and the
process's output reveal afterwards: nothing but the sealed report."""

from __future__ import annotations

from pathlib import Path

from bot.devserver.server import FakeBotAPI
from bot.services.location import coarse_location
from tests.support.chat import USER_IDS, User
from tests.support.leaks import needles, scan_bytes, scan_dir
from tests.support.process import ProcessStarter
from tests.support.reports import LAT, LON, MARKER, fill_form, opened, stored_reports

NAMES = ("Reporter-Firstname", "Reporter-Lastname", "reporter_handle_91")


async def test_full_report_is_sealed_and_the_chat_cleaned(
    api: FakeBotAPI, start_bot: ProcessStarter, keyring_dir: Path
) -> None:
    user = User(api, USER_IDS[0], "ru", first_name=NAMES[0], last_name=NAMES[1], username=NAMES[2])
    bot = await start_bot()
    await fill_form(user)
    review = user.last()
    assert "Проверьте сообщение" in review.visible_text
    assert "Санкт-Петербург" in review.visible_text and MARKER in review.visible_text
    assert "Фото: есть" in review.visible_text and "Геопозиция: есть" in review.visible_text
    done = await user.press("Отправить")
    assert "Готово, спасибо" in done.visible_text and MARKER not in done.visible_text
    assert "облав" not in done.visible_text.lower()  # neutral: says nothing about what was sent

    log = api.chat_log(user.id)
    left = [m for m in log if not m.deleted]
    assert [m.from_bot for m in left] == [True], "exactly one neutral bot message must remain"
    assert all(m.deleted for m in log if not m.from_bot)  # the user's form messages are gone
    assert not [c for c in api.calls if c.method in ("forwardMessage", "copyMessage")]

    rows = stored_reports(bot)
    assert len(rows) == 1
    row = rows[0]
    assert (row["region"], row["place_type"], row["time_bucket"]) == ("spb", "metro", "now")
    assert len(str(row["created_hour"])) == 13  # hour precision only
    report = opened(keyring_dir, row)
    assert MARKER in str(report["text"])
    assert report["location"] == list(coarse_location(LAT, LON)) and report["photo_file_id"]

    assert "keyring=locked" in bot.logs()  # hardened mode without a terminal: intake still works
    assert await bot.stop() == 0
    found = scan_dir(
        bot.data_dir,
        needles([MARKER, *NAMES, f"{LAT}", f"{LON}", "59.93428", "30.335099"], [user.id]),
    )
    assert found == []
    assert scan_bytes(bot.logs().encode(), needles([MARKER, *NAMES], [user.id])) == []
    # The "received" note was due in a minute; a stop deletes what is pending at once.
    assert all(m.deleted for m in api.chat_log(user.id))
