"""How alerts arrive (#16 item 5): a new subscriber is silent until they choose sound, however
the subscription is made (a region, all of Russia, a change sealed while locked), and an
existing subscriber keeps the setting they had, also one stored before this default existed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.crypto.keyring import PublicKeyring, UnlockedKeyring
from bot.services.people import subscriber_cipher
from bot.services.subscriptions import Subscription, SubscriptionService
from bot.storage.db import Database
from tests.support.keys import make_keyring, unlock

Keys = tuple[PublicKeyring, UnlockedKeyring]
CHATS = (6_400_000_041, 6_500_000_052)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    directory = tmp_path_factory.mktemp("keys") / "keys"
    return make_keyring(directory), unlock(directory)


async def test_a_new_subscriber_is_silent_until_choosing_sound(db: Database, keys: Keys) -> None:
    service = SubscriptionService(db, *keys)
    await service.change(CHATS[0], "ru", "add", "moscow")
    await service.change(CHATS[1], "en", "all", True)
    assert await service.current(CHATS[0]) == Subscription(frozenset({"moscow"}), silent=True)
    assert await service.current(CHATS[1]) == Subscription(all_regions=True, silent=True)
    await service.change(CHATS[0], "ru", "silent", False)  # "With sound", confirmed
    await service.change(CHATS[0], "ru", "add", "spb")  # a second region keeps the choice
    assert await service.current(CHATS[0]) == Subscription(frozenset({"moscow", "spb"}))


async def test_a_subscriber_stored_before_keeps_their_sound(db: Database, keys: Keys) -> None:
    """A row as earlier versions wrote it (the column's default, 0: alerts ring) keeps ringing
    when the subscriber adds a region, until they choose otherwise."""
    cipher = subscriber_cipher(keys[1])
    ref = cipher.ref(CHATS[0])
    with sqlite3.connect(db.path) as raw:
        raw.execute(
            "INSERT INTO subscribers (ref, chat_ct, lang, created_day) VALUES (?, ?, 'ru', ?)",
            (ref, cipher.encrypt(CHATS[0], ref), "2026-11-30"),
        )
        raw.execute(
            "INSERT INTO subscriber_regions (subscriber_id, region)"
            " SELECT id, 'moscow' FROM subscribers"
        )
    service = SubscriptionService(db, *keys)
    assert await service.current(CHATS[0]) == Subscription(frozenset({"moscow"}), silent=False)
    await service.change(CHATS[0], "ru", "add", "spb")
    await service.change(CHATS[0], "ru", "all", True)
    assert await service.current(CHATS[0]) == Subscription(
        frozenset({"moscow", "spb"}), all_regions=True, silent=False
    )


async def test_changes_sealed_while_locked_subscribe_silently(
    db: Database, keys: Keys, tmp_path: Path
) -> None:
    locked = SubscriptionService(db, keys[0], None)
    await locked.change(CHATS[0], "ru", "add", "moscow")  # never answered the question
    await locked.change(CHATS[1], "en", "add", "spb")
    await locked.change(CHATS[1], "en", "silent", False)  # chose sound
    unlocked = SubscriptionService(db, *keys)
    assert await unlocked.apply_pending() == 3
    assert await unlocked.current(CHATS[0]) == Subscription(frozenset({"moscow"}), silent=True)
    assert await unlocked.current(CHATS[1]) == Subscription(frozenset({"spb"}), silent=False)
