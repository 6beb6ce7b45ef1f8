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
