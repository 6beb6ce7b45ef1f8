"""Nothing about people reaches the disk or the logs: scans after real flows at DEBUG."""

from __future__ import annotations

from pathlib import Path

from bot.devserver.server import FakeBotAPI
from tests.support.chat import USER_IDS, User
from tests.support.leaks import needles, scan_bytes, scan_dir
from tests.support.process import ProcessStarter

QUERY_MARKER = "отсрочка маркерзапроса7f3a"
NAMES = ("Marker-Firstname", "Markerova-Lastname", "marker_username_77")


async def drive_reader_flows(api: FakeBotAPI) -> None:
    """A reader's session: menu, topics, an entry, search, deep link, language, sos, inline."""
    user = User(
        api,
        USER_IDS[0],
        "ru",
        first_name=NAMES[0],
        last_name=NAMES[1],
        username=NAMES[2],
    )
    other = User(api, USER_IDS[1], "en", first_name="Second-Marker-Name")
    await user.say("/start")
    await user.press("Вопросы и права")
    await user.press("Повестки")
    await user.press("Электронная повестка")
    await user.say(QUERY_MARKER)
    await user.say("/start student-deferral")
    await user.say("/language")
    await user.press("English")
    await user.say("/sos")
    await user.say("/privacy")
    await user.say("/cancel")
    await other.say("what if I am detained " + QUERY_MARKER)
    await other.say("/start")
    await other.press("Check my situation")
    api.push_inline_query(other.id, "deferral " + QUERY_MARKER)
    await api.wait_for(lambda c: c.method == "answerInlineQuery")
    await api.wait_idle()


def markers() -> dict[bytes, str]:
    return needles(
        texts=[QUERY_MARKER, "маркерзапроса7f3a", *NAMES, "Second-Marker-Name"],
        ids=list(USER_IDS[:2]),
    )


async def test_reader_session_leaves_nothing_on_disk_or_in_logs(
    api: FakeBotAPI, start_bot: ProcessStarter
) -> None:
    bot = await start_bot(LOG_LEVEL="DEBUG")
    await drive_reader_flows(api)
    running_hits = scan_dir(bot.data_dir, markers())  # while the process still runs (WAL live)
    assert await bot.stop() == 0
    assert running_hits == []
    assert scan_dir(bot.data_dir, markers()) == []
    log_text = bot.logs()
    assert "level=debug" in log_text  # the scan really covered DEBUG output
    assert scan_bytes(log_text.encode(), markers()) == []
    assert api.token.split(":")[1] not in log_text


def test_scanner_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The control: an id stored as an SQLite INTEGER is found, and so is a text marker."""
    import sqlite3

    with sqlite3.connect(tmp_path / "planted.sqlite3") as db:
        db.execute("CREATE TABLE t (chat INTEGER, note TEXT)")
        db.execute("INSERT INTO t VALUES (?, ?)", (USER_IDS[0], QUERY_MARKER))
    hits = scan_dir(tmp_path, markers())
    assert any("6-byte int" in h or "8-byte int" in h for h in hits), hits
    assert any("маркерзапроса" in h for h in hits)
    assert str(USER_IDS[0]).encode() not in (tmp_path / "planted.sqlite3").read_bytes()
