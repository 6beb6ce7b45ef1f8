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


async def test_back_keep_and_a_cancel_taken_back_lose_nothing(
    api: FakeBotAPI, start_bot: ProcessStarter, keyring_dir: Path
) -> None:
    """Issue #16 item 4 through the real process: an edit kept as is, Back from the review,
    and Cancel answered "No" leave the draft whole, and Send still seals all of it."""
    user = User(api, USER_IDS[1], "ru")
    bot = await start_bot()
    await fill_form(user)
    review = user.last()
    edit = await user.press("✏️ Текст")
    assert "Сейчас в черновике:" in edit.visible_text and MARKER in edit.visible_text
    assert (await user.press("Оставить как есть")).visible_text == review.visible_text
    location = await user.press("Назад")
    assert "Шаг 6 из 6" in location.visible_text and "Геопозиция: есть" in location.visible_text
    assert (await user.press("Оставить как есть")).visible_text == review.visible_text
    asked = await user.press("Отменить")
    assert "Удалить этот черновик" in asked.visible_text
    assert (await user.press("Нет, вернуться")).visible_text == review.visible_text
    await user.press("Отправить")
    rows = stored_reports(bot)
    assert len(rows) == 1
    report = opened(keyring_dir, rows[0])
    assert MARKER in str(report["text"]) and report["photo_file_id"] and report["location"]
    assert await bot.stop() == 0
