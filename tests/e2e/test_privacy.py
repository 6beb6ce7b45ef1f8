"""Nothing about people reaches the disk or the logs: scans after real flows at DEBUG."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.devserver.server import FakeBotAPI
from tests.support.chat import USER_IDS, User
from tests.support.leaks import needles, scan_bytes, scan_dir
from tests.support.process import ProcessStarter
from tests.support.reports import fill_form

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


# The columns a reporter fills in (or that say when they sent it): shared values there are the
# reporters' own choices, not a link the bot made.
CHOSEN = {"reports": {"region", "place_type", "time_bucket", "created_hour"}}


async def send_report(user: User, text: str, *, extras: bool) -> None:
    await fill_form(user, text, extras=extras, send=True)


def values_linking(db: sqlite3.Connection, report_ids: dict[int, str]) -> dict[str, set[str]]:
    """For each table.column (and the length of each value), the report ids of the rows that
    hold each value; a row belongs to a report when it is the report or names its id."""
    holders: dict[str, dict[object, set[str]]] = {}
    ids = set(report_ids.values())
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        cursor = db.execute(f'SELECT * FROM "{table}"')  # names from the schema
        columns = [d[0] for d in cursor.description]
        for row in cursor:
            owners = {str(v) for v in row if str(v) in ids}
            for column, value in zip(columns, row, strict=True):
                if column in CHOSEN.get(table, ()) or str(value) in ids:
                    continue
                seen = [(f"{table}.{column}", value)]  # NULL counts too: its pattern can link
                if isinstance(value, str | bytes):
                    seen.append((f"len({table}.{column})", len(value)))
                for key, held in seen:
                    holders.setdefault(key, {}).setdefault(held, set()).update(owners)
    return {f"{k}={v!r}": owners for k, by in holders.items() for v, owners in by.items()}


async def test_nothing_stored_tells_which_reports_share_a_reporter(
    api: FakeBotAPI, start_bot: ProcessStarter, keyring_dir: Path
) -> None:
    """One person sends two long reports (with a photo and a location), another a short one,
    all to the same group: no stored value, nor its length, is shared by exactly the first
    person's two rows. (A reporter tag, a stored count or bucket-sized seals would be.)"""
    first, second = User(api, USER_IDS[0], "ru"), User(api, USER_IDS[1], "ru")
    bot = await start_bot(REPORTS_PER_HOUR="5")
    detail = " Четыре сотрудника, два автобуса, проверяют документы у всех мужчин." * 3
    await send_report(first, "Проверка у выхода 1." + detail, extras=True)
    await send_report(second, "Проверка у выхода 2", extras=False)
    await send_report(first, "Проверка у выхода 3." + detail, extras=True)
    assert await bot.stop() == 0
    with sqlite3.connect(bot.data_dir / "helpline.sqlite3") as db:
        report_ids = dict(db.execute("SELECT rowid, id FROM reports ORDER BY rowid"))
        assert len(report_ids) == 3
        firsts = {report_ids[1], report_ids[3]}  # in the order they were sent
        linking = values_linking(db, report_ids)
    assert [value for value, owners in linking.items() if owners == firsts] == []
    assert any(owners == set(report_ids.values()) for owners in linking.values())  # the control


def test_scanner_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The control: an id stored as an SQLite INTEGER is found, and so is a text marker."""
    with sqlite3.connect(tmp_path / "planted.sqlite3") as db:
        db.execute("CREATE TABLE t (chat INTEGER, note TEXT)")
        db.execute("INSERT INTO t VALUES (?, ?)", (USER_IDS[0], QUERY_MARKER))
    hits = scan_dir(tmp_path, markers())
    assert any("6-byte int" in h or "8-byte int" in h for h in hits), hits
    assert any("маркерзапроса" in h for h in hits)
    assert str(USER_IDS[0]).encode() not in (tmp_path / "planted.sqlite3").read_bytes()
