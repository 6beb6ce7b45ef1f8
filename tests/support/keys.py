"""The one test passphrase and keyring: made as `helpline-bot keys init` makes them.

Each Argon2id derivation at the production cost takes 0.15-0.4 s of CPU, and nearly every
flow test made a keyring (one derivation) and unlocked it at start-up (another). So, in tests
only: `make_keyring` copies a keyring file `init_keyring` made earlier in this process (the
n-th keyring a test makes is a copy of the n-th template, so the keyrings within one test still
differ), and `remembered_key_derivation` keeps each key a derivation gave for the same
passphrase, salt and cost, so unlocking a copy costs nothing. The files keep the production
cost: nothing here lowers it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
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


_templates: dict[tuple[dt.date, int], Path] = {}
_template_root: tempfile.TemporaryDirectory[str] | None = None
_made_in_test = 0  # keyrings the running test has made (`new_test` resets it)
_derived: dict[tuple[bytes, bytes, Any], bytes] = {}


def new_test() -> None:
    """A test starts: its first keyring is again a copy of the first template."""
    global _made_in_test
    _made_in_test = 0


def _template(today: dt.date, n: int) -> Path:
    """The keys directory of the n-th template keyring created `today` (made on first use)."""
    global _template_root
    if (today, n) not in _templates:
        if _template_root is None:
            _template_root = tempfile.TemporaryDirectory(prefix="helpline-test-keys-")
        keys_dir = Path(_template_root.name) / f"{today.isoformat()}-{n}"
        init_keyring(keys_dir, PASSPHRASE_BYTES, today)
        _templates[today, n] = keys_dir
    return _templates[today, n]


def make_keyring(keys_dir: Path, today: dt.date | None = None) -> PublicKeyring:
    """A fresh keyring in `keys_dir`, created `today` (default: the real today): what
    `init_keyring` makes there (a 0700 directory, a 0600 file; never over an existing one),
    copied from this process's template (see the module's docstring)."""
    global _made_in_test
    keys_dir = Path(keys_dir)
    template = _template(today or dt.date.today(), _made_in_test)
    _made_in_test += 1
    k._refuse_destroyed(keys_dir)
    if os.path.lexists(keys_dir / k.KEYRING_FILE):
        raise k.KeyringExists(f"a keyring already exists in {keys_dir}; refusing to overwrite it")
    k._private_dir(keys_dir)
    shutil.copyfile(template / k.KEYRING_FILE, keys_dir / k.KEYRING_FILE)
    (keys_dir / k.KEYRING_FILE).chmod(0o600)
    return PublicKeyring.load(keys_dir)


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
