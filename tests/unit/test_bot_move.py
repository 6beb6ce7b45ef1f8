"""The notice of a move to a new bot on a real database and keyring: queued once per subscriber
however often it is asked for, nothing left behind by an interruption, and a notice whose rows
retention deleted is never queued again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from bot.crypto.keyring import UnlockedKeyring
from bot.i18n import Translator
from bot.services.bot_move import MoveNotices, bot_username
from bot.services.people import subscriber_cipher
from bot.services.signatures import verify_alert, visible_text
from bot.storage.db import Database
from bot.storage.moves import MoveRepository
from bot.storage.subscribers import SubscriberRepository
from tests.support.keys import unlocked_keyring
from tests.support.parsed_content import parsed_translator

CHATS = (6_100_000_011, 6_200_000_022, 6_300_000_033)


@pytest.fixture(scope="module")
def translator() -> Translator:
    return parsed_translator(REPO_ROOT / "content" / "locales")


async def subscribe(db: Database, ring: UnlockedKeyring, chat_id: int, region: str) -> None:
    cipher = subscriber_cipher(ring)
    ref = cipher.ref(chat_id)
    await SubscriberRepository(db).save(
        ref=ref,
        chat_ct=cipher.encrypt(chat_id, ref),
        lang="ru",
        silent=False,
        all_regions=False,
        regions=[region],
        day=dt.date.today().isoformat(),
    )


async def outbox(db: Database) -> list[tuple[str, int | None, int | None]]:
    found = await db.fetchall("SELECT alert_id, subscriber_id, channel_id FROM outbox ORDER BY id")
    return [(str(r[0]), r[1], r[2]) for r in found]


async def test_queued_once_per_subscriber_and_channel(
    db: Database, tmp_path: Path, translator: Translator
) -> None:
    ring = unlocked_keyring(tmp_path / "keys")
    for chat_id, region in zip(CHATS[:2], ("moscow", "spb"), strict=True):
        await subscribe(db, ring, chat_id, region)
    notices = MoveNotices(db, translator)
    channel = [(-1_009_876_543_210, "ru")]
    first = await notices.announce(ring, "helpline_new_bot", "helpline_test_bot", channel)
    assert first.created and first.added == 3
    again = await notices.announce(ring, "helpline_new_bot", "helpline_test_bot", channel)
    assert not again.created and again.added == 0 and again.alert_id == first.alert_id
    await subscribe(db, ring, CHATS[2], "kazan")
    later = await notices.announce(ring, "HELPLINE_NEW_BOT", "helpline_test_bot", channel)
    assert later.added == 1 and later.alert_id == first.alert_id
    rows = await outbox(db)
    assert len(rows) == 4 and len({(s, c) for _, s, c in rows}) == 4
    assert await notices.moved_to(first.alert_id) == "helpline_new_bot"
    state = await db.fetchval("SELECT state FROM alerts WHERE id = ?", (first.alert_id,))
    assert state == "sending"
    text = str(await db.fetchval("SELECT text_en FROM alerts WHERE id = ?", (first.alert_id,)))
    assert "@helpline_new_bot" in text  # live: the one signed text that names another bot
    verdict = verify_alert(ring.signing_public, visible_text(text))
    assert verdict.genuine and verdict.kind == "announcement"
    assert verdict.issuer == "helpline_test_bot"


async def test_an_interruption_leaves_nothing_and_a_rerun_queues_everyone(
    db: Database, tmp_path: Path
) -> None:
    ring = unlocked_keyring(tmp_path / "keys")
    await subscribe(db, ring, CHATS[0], "moscow")
    repo = MoveRepository(db)

    def interrupted(alert_id: str) -> tuple[str, str, bytes]:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await repo.queue("helpline_new_bot", "0a1b2c3d", "2026-12-06T07:00Z", interrupted)
    assert await outbox(db) == [] and await repo.moved_to("0a1b2c3d") is None
    assert await db.fetchval("SELECT count(*) FROM alerts") == 0

    def texts(alert_id: str) -> tuple[str, str, bytes]:
        return "ru", "en", b"h" * 32

    queued = await repo.queue("helpline_new_bot", "0a1b2c3d", "2026-12-06T07:01Z", texts)
    assert queued.created and queued.added == 1
    # Retention deleted the notice and its rows: asked again, nothing is queued for anyone.
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM alerts WHERE id = '0a1b2c3d'")
    again = await repo.queue("helpline_new_bot", "ffffffff", "2026-12-07T07:00Z", texts)
    assert again.purged and again.added == 0 and await outbox(db) == []


async def test_names_are_bot_usernames_and_not_this_bot(
    db: Database, tmp_path: Path, translator: Translator
) -> None:
    assert bot_username("@Helpline_New_bot") == "Helpline_New_bot"
    assert bot_username("helpline") is None and bot_username("@a b_bot") is None
    ring = unlocked_keyring(tmp_path / "keys")
    with pytest.raises(ValueError, match="this bot"):
        await MoveNotices(db, translator).announce(ring, "Helpline_Test_bot", "helpline_test_bot")
