"""Raid-report steps shared by the flow tests and the e2e disk scans: fill the form, read what
the database holds, open a sealed report with the test keyring."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.services.review import open_report
from bot.storage.reports import StoredReport
from tests.support.chat import User
from tests.support.keys import unlock
from tests.support.process import RunningBot

MARKER = "облава-маркер-42f1"
LAT, LON = 59.934280, 30.335099


def stored_reports(bot: RunningBot) -> list[dict[str, object]]:
    with sqlite3.connect(bot.data_dir / "helpline.sqlite3") as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM reports")]


def opened(keyring_dir: Path, row: dict[str, object]) -> dict[str, object]:
    """A stored row's sealed payload, opened as moderators' reading opens it."""
    sealed, version = row["sealed"], row["seal_version"]
    assert isinstance(sealed, bytes) and isinstance(version, int)
    stored = StoredReport(
        **{key: str(row[key]) for key in ("id", "created_hour", "region", "place_type")},
        **{key: str(row[key]) for key in ("time_bucket", "state", "key_id")},
        sealed=sealed,
        seal_version=version,
    )
    return open_report(unlock(keyring_dir), stored)


# The buttons a report walk presses, by the user's language.
LABELS = {
    "ru": {
        "place": "Метро",
        "when": "Прямо сейчас",
        "skip": "Пропустить",
        "send": "Отправить",
        "anyway": "Всё равно отправить",
    },
    "en": {
        "place": "Metro",
        "when": "Right now",
        "skip": "Skip",
        "send": "Send",
        "anyway": "Send anyway",
    },
}


async def fill_form(
    user: User,
    text: str = f"Проверяют документы у выхода 2, {MARKER}",
    *,
    region: str = "Питер",
    extras: bool = True,
    send: bool = False,
    lang: str = "ru",
) -> None:
    """Every step of /report, metro and right now: with a photo and a location (`extras`) or
    both skipped; the review screen, or the report sent (`send`: past the personal-data
    warning too, should the text look like it carries some). The one walk every test that
    needs a report uses."""
    labels = LABELS[lang]
    await user.say("/report")
    await user.say(region)
    await user.press(labels["place"])
    await user.press(labels["when"])
    await user.say(text)
    await (user.say(photo=True) if extras else user.press(labels["skip"]))
    await (user.say(location=(LAT, LON)) if extras else user.press(labels["skip"]))
    if send:
        sent = await user.press(labels["send"])
        if labels["anyway"] in user.labels(sent):
            await user.press(labels["anyway"])
