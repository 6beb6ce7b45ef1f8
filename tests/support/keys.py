"""The one test passphrase and keyring: made as `helpline-bot keys init` makes them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.crypto.keyring import PublicKeyring, UnlockedKeyring, init_keyring

# The passphrase of every test keyring; a bot finds it in KEY_PASSPHRASE when a test says so.
PASSPHRASE = "correct horse battery staple"
PASSPHRASE_BYTES = PASSPHRASE.encode()  # what the keyring functions take


def make_keyring(keys_dir: Path, today: dt.date | None = None) -> PublicKeyring:
    """A fresh keyring in `keys_dir`, created `today` (default: the real today)."""
    return init_keyring(keys_dir, PASSPHRASE.encode(), today or dt.date.today())


def unlock(keys_dir: Path) -> UnlockedKeyring:
    """The keyring in `keys_dir`, unlocked with the test passphrase."""
    return UnlockedKeyring.unlock(keys_dir, PASSPHRASE.encode())


def unlocked_keyring(keys_dir: Path) -> UnlockedKeyring:
    """A fresh keyring, unlocked (what a bot started with KEY_PASSPHRASE holds)."""
    make_keyring(keys_dir)
    return unlock(keys_dir)


def make_unsigned_keyring(keys_dir: Path, today: dt.date | None = None) -> PublicKeyring:
    """A keyring as versions before review-key signatures wrote it (what an old instance has)."""
    from dataclasses import replace

    from bot.crypto import keyring as k

    make_keyring(keys_dir, today)
    ring = unlock(keys_dir)
    keys = {kid: replace(key, signature=None) for kid, key in ring.review_keys.items()}
    old = k._with_review_keys(ring, keys)
    k._write(keys_dir, k._wrap(old, PASSPHRASE_BYTES, k._DEFAULT_COST))
    return PublicKeyring.load(keys_dir)
