"""The keyring under a seized or tampered server: signed review keys, honest shredding of old
versions, and the keyring destroyed on purpose (a state of its own)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from bot.crypto.keyring import (
    KEYRING_FILE,
    REVIEW_KEY_DOMAIN,
    TOMBSTONE_FILE,
    KeyringDestroyed,
    KeyringError,
    KeyringMissing,
    PublicKeyring,
    UnlockedKeyring,
    change_passphrase,
    destroy_keyring,
    destroy_retired_keys,
    destroyed_at,
    init_keyring,
    revoked_signing_key,
    rotate_review_key,
    sign_review_keys,
    verify_signature,
)
from tests.support.keys import PASSPHRASE_BYTES as PASSPHRASE
from tests.support.keys import make_keyring, make_unsigned_keyring

TODAY = date(2026, 12, 1)


def edit(keys_dir: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Edit the keyring file as someone with write access to KEYS_DIR would (no passphrase)."""
    path = keys_dir / KEYRING_FILE
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


# --- signed review keys ----------------------------------------------------------------------


def test_init_and_rotation_sign_every_review_key(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    ring = init_keyring(keys, PASSPHRASE, TODAY)
    assert ring.signature_state() == "signed"
    r1 = ring.review_keys["r1"]
    assert r1.signature is not None and r1.statement().startswith(REVIEW_KEY_DOMAIN)
    assert verify_signature(ring.signing_public, r1.statement(), r1.signature)
    new = rotate_review_key(keys, PASSPHRASE, date(2026, 12, 20))
    after = PublicKeyring.load(keys)
    assert after.signature_state() == "signed"
    assert after.review_keys[new.key_id].signature == new.signature is not None
    assert destroy_retired_keys(keys, PASSPHRASE, keep=set()) == ["r1"]
    assert PublicKeyring.load(keys).signature_state() == "signed"


def test_an_old_keyring_is_unsigned_until_upgraded(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    old = make_unsigned_keyring(keys)
    assert old.signature_state() == "unsigned"
    assert "signature" not in (keys / KEYRING_FILE).read_text()
    assert sign_review_keys(keys, PASSPHRASE) == ["r1"]
    upgraded = UnlockedKeyring.unlock(keys, PASSPHRASE)  # still opens: same secrets
    assert upgraded.signature_state() == "signed"
    assert upgraded.review_keys["r1"].public == old.review_keys["r1"].public
    assert sign_review_keys(keys, PASSPHRASE) == []


def test_a_swapped_review_key_is_refused_without_the_passphrase(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    make_keyring(keys)
    planted = X25519PrivateKey.generate().public_key().public_bytes_raw().hex()

    def swap(doc: dict[str, Any]) -> None:
        doc["public"]["review_keys"][0]["public"] = planted

    edit(keys, swap)
    ring = PublicKeyring.load(keys)  # readable: locked mode would seal to it
    with pytest.raises(KeyringError, match="not signed by this keyring's signing key"):
        ring.signature_state()


def test_a_stripped_signature_among_signed_ones_is_refused(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    make_keyring(keys)
    rotate_review_key(keys, PASSPHRASE, date(2026, 12, 20))

    def strip(doc: dict[str, Any]) -> None:
        del doc["public"]["review_keys"][1]["signature"]

    edit(keys, strip)
    with pytest.raises(KeyringError, match=r"r2 carry no signature"):
        PublicKeyring.load(keys).signature_state()


def test_a_signature_must_be_64_bytes_of_hex(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    make_keyring(keys)

    def shorten(doc: dict[str, Any]) -> None:
        doc["public"]["review_keys"][0]["signature"] = "00" * 63

    edit(keys, shorten)
    with pytest.raises(KeyringError, match="signature must be 64 bytes"):
        PublicKeyring.load(keys)


# --- shredding old versions ------------------------------------------------------------------


def _rotate(keys: Path) -> None:
    rotate_review_key(keys, PASSPHRASE, date(2026, 12, 20))


def _rotate_and_destroy(keys: Path) -> None:
    _rotate(keys)
    assert destroy_retired_keys(keys, PASSPHRASE, keep=set()) == ["r1"]


def _change(keys: Path) -> None:
    change_passphrase(keys, PASSPHRASE, b"another long passphrase 42")


def _upgrade(keys: Path) -> None:
    assert sign_review_keys(keys, PASSPHRASE) == ["r1"]


@pytest.mark.parametrize("rewrite", [_rotate, _rotate_and_destroy, _change, _upgrade])
def test_every_rewrite_overwrites_the_old_version_and_leaves_no_copy(
    tmp_path: Path, rewrite: Callable[[Path], None]
) -> None:
    keys = tmp_path / "keys"
    if rewrite is _upgrade:
        make_unsigned_keyring(keys)
    else:
        make_keyring(keys)
    old = (keys / KEYRING_FILE).read_bytes()
    # A second name for the old file's blocks: what is in them after the rewrite is what a
    # disk image of this filesystem would show where the old version was.
    os.link(keys / KEYRING_FILE, tmp_path / "old-blocks")
    rewrite(keys)
    left = (tmp_path / "old-blocks").read_bytes()
    assert len(left) == len(old) and left != old
    assert b"ciphertext" not in left and b"kdf" not in left
    assert sorted(p.name for p in keys.iterdir()) == [KEYRING_FILE]
    assert UnlockedKeyring.unlock(
        keys, b"another long passphrase 42" if rewrite is _change else PASSPHRASE
    )


def test_a_temporary_copy_left_by_a_crash_is_shredded_by_the_next_write(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    make_keyring(keys)
    stale = keys / ".keyring-crashed.tmp"
    stale.write_bytes((keys / KEYRING_FILE).read_bytes())
    os.link(stale, tmp_path / "stale-blocks")
    _rotate(keys)
    assert not stale.exists()
    assert b"ciphertext" not in (tmp_path / "stale-blocks").read_bytes()


def test_a_failed_write_keeps_the_keyring_and_shreds_its_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / "keys"
    make_keyring(keys)
    before = (keys / KEYRING_FILE).read_bytes()

    def full_disk(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError):
        _rotate(keys)
    assert (keys / KEYRING_FILE).read_bytes() == before
    assert sorted(p.name for p in keys.iterdir()) == [KEYRING_FILE]


# --- destroyed on purpose --------------------------------------------------------------------


def test_destroy_overwrites_unlinks_and_leaves_a_tombstone(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    signing_public = make_keyring(keys).signing_public
    os.link(keys / KEYRING_FILE, tmp_path / "old-blocks")
    when = datetime(2026, 12, 6, 4, 30, tzinfo=UTC)
    tombstone = destroy_keyring(keys, when)
    assert sorted(p.name for p in keys.iterdir()) == [TOMBSTONE_FILE]
    assert tombstone == keys / TOMBSTONE_FILE and (tombstone.stat().st_mode & 0o077) == 0
    assert b"ciphertext" not in (tmp_path / "old-blocks").read_bytes()
    note = json.loads(tombstone.read_text())
    assert note["destroyed_at"] == "2026-12-06T04:30:00Z"
    # No secret: only the signing key's public half, revoked from that moment.
    assert set(note) == {"destroyed_at", "about", "signing_public"}
    signing = PublicKeyring.fingerprint_of(signing_public)
    revoked = revoked_signing_key(keys)
    assert revoked is not None and revoked.fingerprint() == signing
    assert revoked.revoked_at == "2026-12-06T04:30:00Z" and revoked.revoked_on == "2026-12-06"
    assert destroyed_at(keys) == "2026-12-06T04:30:00Z"
    with pytest.raises(KeyringDestroyed, match="destroyed on purpose at 2026-12-06T04:30:00Z"):
        PublicKeyring.load(keys)
    with pytest.raises(KeyringDestroyed):
        init_keyring(keys, PASSPHRASE, TODAY)
    with pytest.raises(KeyringDestroyed):
        destroy_keyring(keys, when)


def test_a_keyring_put_back_beside_the_tombstone_is_not_used(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    make_keyring(keys)
    copy = (keys / KEYRING_FILE).read_bytes()
    destroy_keyring(keys, datetime.now(UTC))
    (keys / KEYRING_FILE).write_bytes(copy)
    (keys / KEYRING_FILE).chmod(0o600)
    with pytest.raises(KeyringDestroyed):
        UnlockedKeyring.unlock(keys, PASSPHRASE)
    destroy_keyring(keys, datetime.now(UTC))  # a second run finishes the job
    assert not (keys / KEYRING_FILE).exists()


def test_nothing_to_destroy(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir(mode=0o700)
    with pytest.raises(KeyringMissing, match="nothing to destroy"):
        destroy_keyring(tmp_path / "keys", datetime.now(UTC))
    assert destroyed_at(tmp_path / "keys") is None


def test_destroy_works_on_a_loosely_permitted_directory(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    make_keyring(keys)
    keys.chmod(0o755)  # load would refuse it; the panic switch must not
    destroy_keyring(keys, datetime.now(UTC))
    assert not (keys / KEYRING_FILE).exists() and (keys / TOMBSTONE_FILE).exists()
    with pytest.raises(KeyringDestroyed):  # the state, not a complaint about the mode
        PublicKeyring.load(keys)
