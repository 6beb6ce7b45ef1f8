"""Feedback on alerts: only recipients count, once each, however fast they tap."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.services.feedback import Answer, FeedbackService
from bot.storage.db import Database

KEY = b"k" * 32
ALERT = "a1b2c3d4"
RECIPIENT, OTHER = 5_123_456_789, 5_223_456_789


@pytest.fixture
async def db(db: Database) -> Database:
    """The shared migrated database (tests/conftest.py), with one sent alert to vote on."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M")
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO alerts (id, kind, state, region, place_type, time_window, certainty,"
            " advice, created_at, text_ru, text_en, text_hash) VALUES"
            " (?, 'alert', 'sent', 'moscow', 'metro', 'now', 'single', '', ?, 'т', 't', x'00')",
            (ALERT, now),
        )
    return db


async def counts(db: Database) -> tuple[int, int] | None:
    row = await db.fetchone("SELECT still, gone FROM alert_feedback WHERE alert_id = ?", (ALERT,))
    return None if row is None else (int(row[0]), int(row[1]))


async def test_thirty_simultaneous_taps_count_once(db: Database) -> None:
    service = FeedbackService(db, key=KEY)
    mac = service.mac(ALERT, RECIPIENT)
    results = await asyncio.gather(
        *(service.answer(ALERT, RECIPIENT, "still", mac) for _ in range(30))
    )
    assert set(results) == {Answer.COUNTED}
    assert await counts(db) == (1, 0)
    assert await service.answer(ALERT, RECIPIENT, "gone", mac) == Answer.COUNTED  # a change
    assert await counts(db) == (0, 1)


async def test_only_the_recipient_of_a_button_can_use_it(db: Database) -> None:
    service = FeedbackService(db, key=KEY)
    mac = service.mac(ALERT, RECIPIENT)
    assert await service.answer(ALERT, OTHER, "still", mac) == Answer.CLOSED
    assert await service.answer(ALERT, RECIPIENT, "still", "A" * len(mac)) == Answer.CLOSED
    assert await service.answer("ffffffff", RECIPIENT, "still", mac) == Answer.CLOSED
    assert await FeedbackService(db).answer(ALERT, RECIPIENT, "still", mac) == Answer.CLOSED
    assert await counts(db) is None


async def test_a_full_table_refuses_newcomers_and_keeps_everyone_counted(db: Database) -> None:
    service = FeedbackService(db, key=KEY, max_entries=1)
    assert await service.answer(ALERT, RECIPIENT, "still", service.mac(ALERT, RECIPIENT)) == (
        Answer.COUNTED
    )
    assert await service.answer(ALERT, OTHER, "still", service.mac(ALERT, OTHER)) == Answer.BUSY
    again = await service.answer(ALERT, RECIPIENT, "still", service.mac(ALERT, RECIPIENT))
    assert again == Answer.COUNTED and await counts(db) == (1, 0)  # not counted twice


async def test_forged_alert_ids_are_closed_not_errors(db: Database) -> None:
    service = FeedbackService(db, key=KEY)
    for alert_id in ("жж", "", "A1B2C3D4", "a1b2c3d4 ", "x" * 300):
        assert await service.answer(alert_id, RECIPIENT, "still", "AAAAAAAAAAAA") == (Answer.CLOSED)
