"""Trusting the keyring with nothing in the data directory trusted: the out-of-band signing key
fingerprint, the review keys' signatures, and what a locked start of an old keyring does."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import SecretStr

from bot.config import ConfigError, load_settings
from bot.crypto.keyring import KEYRING_FILE, KeyringError, PublicKeyring, UnlockedKeyring
from bot.services.keypins import PREFIX
from bot.services.keyrotation import KeyRotation
from bot.services.keytrust import SIGNED_MARKER, compact, verify_keyring
from bot.storage.db import Database
from bot.storage.instance import InstanceRepository
from tests.support.keys import PASSPHRASE, make_keyring, make_unsigned_keyring, unlock


def fingerprint_of(keys: Path) -> str:
    return compact(PublicKeyring.load(keys).fingerprint())


async def edit_pins_to(repo: InstanceRepository, ring: PublicKeyring) -> None:
    """What someone who can write DATA_DIR does after swapping the keyring: edit the pin rows."""
    raw = {f"{PREFIX}signing": ring.signing_public.public_bytes_raw().hex()}
    for key in ring.review_keys.values():
        raw[f"{PREFIX}review:{key.key_id}"] = key.public.public_bytes_raw().hex()
    for name, value in raw.items():
        await repo.set(name, value)


async def test_a_swapped_keyring_with_edited_pins_passes_the_pins_but_not_the_fingerprint(
    db: Database, tmp_path: Path
) -> None:
    repo = InstanceRepository(db)
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    make_keyring(ours)
    make_keyring(theirs)
    expected = fingerprint_of(ours)
    await verify_keyring(repo, PublicKeyring.load(ours), authenticated=False, fingerprint=expected)
    swapped = PublicKeyring.load(theirs)
    await edit_pins_to(repo, swapped)
    # Without the setting, the edited pins are all there is: the swap goes through.
    await verify_keyring(repo, swapped, authenticated=False, fingerprint=None)
    with pytest.raises(KeyringError, match="not the SIGNING_KEY_FINGERPRINT configured"):
        await verify_keyring(repo, swapped, authenticated=False, fingerprint=expected)
    with pytest.raises(KeyringError, match="not the SIGNING_KEY_FINGERPRINT configured"):
        await verify_keyring(repo, unlock(theirs), authenticated=True, fingerprint=expected)


async def test_a_review_key_planted_in_the_file_is_refused_before_anything_is_pinned(
    db: Database, tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    make_keyring(keys)
    path = keys / KEYRING_FILE
    doc = json.loads(path.read_text())
    planted = X25519PrivateKey.generate().public_key().public_bytes_raw().hex()
    doc["public"]["review_keys"][0]["public"] = planted
    path.write_text(json.dumps(doc))
    repo = InstanceRepository(db)
    with pytest.raises(KeyringError, match="not signed by this keyring's signing key"):
        await verify_keyring(repo, PublicKeyring.load(keys), authenticated=False, fingerprint=None)
    assert await repo.items(PREFIX) == {}


async def test_signed_keyring_is_remembered_and_stripped_signatures_are_refused(
    db: Database, tmp_path: Path
) -> None:
    repo = InstanceRepository(db)
    keys = tmp_path / "keys"
    make_keyring(keys)
    assert (
        await verify_keyring(repo, PublicKeyring.load(keys), authenticated=False, fingerprint=None)
        == "signed"
    )
    assert await repo.get(SIGNED_MARKER) == "1"
    path = keys / KEYRING_FILE
    doc = json.loads(path.read_text())
    for entry in doc["public"]["review_keys"]:
        del entry["signature"]
    path.write_text(json.dumps(doc))  # now it looks like a keyring from an older version
    with pytest.raises(KeyringError, match="was signed before"):
        await verify_keyring(repo, PublicKeyring.load(keys), authenticated=False, fingerprint=None)


async def test_a_locked_start_of_an_old_keyring_keeps_the_pins_and_says_so(
    db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    repo = InstanceRepository(db)
    keys = tmp_path / "keys"
    old = make_unsigned_keyring(keys)
    with caplog.at_level(logging.WARNING, logger="helpline.keys"):
        state = await verify_keyring(repo, old, authenticated=False, fingerprint=None)
    assert state == "unsigned"
    assert "keyring not yet upgraded" in caplog.text
    assert "SIGNING_KEY_FINGERPRINT is not set" in caplog.text
    assert await repo.get(SIGNED_MARKER) is None
    assert f"{PREFIX}review:r1" in await repo.items(PREFIX)
    # With the fingerprint configured, nothing vouches for an unsigned review key.
    with pytest.raises(KeyringError, match="start once with the passphrase"):
        await verify_keyring(repo, old, authenticated=False, fingerprint=fingerprint_of(keys))
    # Unlocked, the passphrase authenticates the file: accepted.
    await verify_keyring(repo, unlock(keys), authenticated=True, fingerprint=fingerprint_of(keys))


@pytest.mark.parametrize(
    "written",
    ["{spaced}", "{spaced_upper}", "{colons}", "{compact}"],
)
def test_the_fingerprint_setting_takes_what_keys_status_prints(
    tmp_path: Path, written: str
) -> None:
    keys = tmp_path / "keys"
    make_keyring(keys)
    spaced = PublicKeyring.load(keys).fingerprint()  # "1a2b 3c4d ..."
    value = written.format(
        spaced=spaced,
        spaced_upper=spaced.upper(),
        colons=spaced.replace(" ", ":"),
        compact=spaced.replace(" ", ""),
    )
    settings = load_settings(_env_file=None, signing_key_fingerprint=value)
    assert settings.signing_key_fingerprint == compact(spaced)


@pytest.mark.parametrize("value", ["abc", "zz" * 16, "0" * 64])
def test_a_mistyped_fingerprint_is_a_configuration_error(value: str) -> None:
    with pytest.raises(ConfigError, match="SIGNING_KEY_FINGERPRINT"):
        load_settings(_env_file=None, signing_key_fingerprint=value)


def test_an_empty_fingerprint_means_unset() -> None:
    assert (
        load_settings(_env_file=None, signing_key_fingerprint=" ").signing_key_fingerprint is None
    )


async def test_the_daily_rotation_job_signs_the_new_key_and_the_app_accepts_it(
    db: Database, tmp_path: Path
) -> None:
    """The unattended job rotates with the configured passphrase; what the running app is then
    told (bot.app._keys_changed runs verify_keyring) must pass a locked-start check too."""
    keys = tmp_path / "keys"
    today = dt.date(2026, 12, 6)
    make_keyring(keys, today - dt.timedelta(days=40))
    repo = InstanceRepository(db)
    expected = fingerprint_of(keys)
    seen: list[str] = []

    async def in_use() -> set[str]:
        return set()

    async def on_new_keys(public: PublicKeyring, unlocked: UnlockedKeyring | None) -> None:
        seen.append(
            await verify_keyring(
                repo, unlocked or public, authenticated=unlocked is not None, fingerprint=expected
            )
        )

    job = KeyRotation(
        keys, SecretStr(PASSPHRASE), None, 30, in_use, on_new_keys, lambda: "r1", lambda: today
    )
    assert (await job.run())[0] == "r2"
    assert seen == ["signed"]
    ring = PublicKeyring.load(keys)
    assert ring.review_keys["r2"].signature is not None
    assert await verify_keyring(repo, ring, authenticated=False, fingerprint=expected) == "signed"
