"""The one test passphrase and keyring: made as `helpline-bot keys init` makes them.

Each Argon2id derivation at the production cost takes 0.15-0.4 s of CPU, and nearly every
flow test made a keyring (one derivation) and unlocked it at start-up (another). So, in tests
only: `make_keyring` runs the real `init_keyring` (fresh keys, master secret and nonce: every
keyring differs) but wraps it under one salt per test process, and `remembered_key_derivation`
keeps the key a derivation gave for the same passphrase, salt and cost, so making and unlocking
test keyrings derives once per process. The files keep the production cost: nothing here
lowers it, and every other write (rotation, a new passphrase) draws a fresh salt as always.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from bot.crypto import keyring as k
from bot.crypto.keyring import PublicKeyring, UnlockedKeyring, init_keyring

# The passphrase of every test keyring; a bot finds it in KEY_PASSPHRASE when a test says so.
PASSPHRASE = "correct horse battery staple"
PASSPHRASE_BYTES = PASSPHRASE.encode()  # what the keyring functions take

# The salt of every keyring `make_keyring` writes in this process (see the module docstring).
SESSION_SALT = os.urandom(k.SALT_BYTES)
_derived: dict[tuple[bytes, bytes, Any], bytes] = {}
_real_wrap = k._wrap


def _wrap_with_session_salt(ring: UnlockedKeyring, passphrase: bytes, cost: Any) -> dict[str, Any]:
    """The real `_wrap`, whose first draw of a salt's length in this thread is SESSION_SALT
    (the nonce and anything another thread draws stay random)."""
    real_urandom, thread = os.urandom, threading.get_ident()
    given: list[int] = []

    def urandom(size: int) -> bytes:
        if size == k.SALT_BYTES and not given and threading.get_ident() == thread:
            given.append(size)
            return SESSION_SALT
        return real_urandom(size)

    with mock.patch.object(os, "urandom", urandom):
        return _real_wrap(ring, passphrase, cost)


def make_keyring(keys_dir: Path, today: dt.date | None = None) -> PublicKeyring:
    """A fresh keyring in `keys_dir`, created `today` (default: the real today), by
    `init_keyring` under this process's salt."""
    with mock.patch.object(k, "_wrap", _wrap_with_session_salt):
        return init_keyring(keys_dir, PASSPHRASE_BYTES, today or dt.date.today())


@contextmanager
def remembered_key_derivation() -> Iterator[None]:
    """While active, a key derivation already made for the same passphrase, salt and cost
    gives the key it gave then. Not while a test has replaced `Argon2id` (to check that a
    refused file is refused before any derivation): then every call derives."""
    real_kek = k._kek

    def kek(passphrase: bytes, salt: bytes, cost: Any) -> bytes:
        if vars(k)["Argon2id"] is not Argon2id or not isinstance(passphrase, bytes):
            return real_kek(passphrase, salt, cost)
        key = (passphrase, salt, cost)
        if key not in _derived:
            _derived[key] = real_kek(passphrase, salt, cost)
        return _derived[key]

    with mock.patch.object(k, "_kek", kek):
        yield


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
