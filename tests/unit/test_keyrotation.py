"""The scheduled key rotation on real keyring files: rotate when due, shred what nothing uses,
hand the new keys to the running services, and only remind in hardened mode."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.crypto.keyring import PublicKeyring, UnlockedKeyring, init_keyring, rotate_review_key
from bot.services.keyrotation import KeyRotation
from tests.support.keys import PASSPHRASE

TODAY = dt.date(2026, 11, 30)


def rotation(
    keys: Path, passphrase: str | None, in_use: set[str], told: list[str], sealing: str = "r1"
) -> KeyRotation:
    async def keys_in_use() -> set[str]:
        return in_use

    async def on_new_keys(public: PublicKeyring, unlocked: UnlockedKeyring | None) -> None:
        if unlocked is not None:
            assert unlocked.review_private(unlocked.current_review_key.key_id) is not None
        told.append(public.current_review_key.key_id)

    return KeyRotation(
        keys,
        SecretStr(passphrase) if passphrase else None,
        None,
        30,
        keys_in_use,
        on_new_keys,
        lambda: sealing,
        today=lambda: TODAY,
    )


async def test_a_due_key_is_rotated_and_the_unused_one_shredded_a_run_later(
    tmp_path: Path,
) -> None:
    keys = tmp_path / "keys"
    init_keyring(keys, PASSPHRASE.encode(), TODAY - dt.timedelta(days=31))
    told: list[str] = []
    # The services switch first; r1 was current when the run began, so it is kept this time:
    # a report may have been sealed to it a moment before the switch.
    assert await rotation(keys, PASSPHRASE, set(), told).run() == ("r2", [])
    assert told == ["r2"]
    assert PublicKeyring.load(keys).current_review_key.key_id == "r2"
    # The next run: nothing uses r1 any more, so it is shredded, and the services get a
    # keyring without it.
    assert await rotation(keys, PASSPHRASE, set(), told, "r2").run() == (None, ["r1"])
    assert told == ["r2", "r2"]
    assert PublicKeyring.load(keys).review_keys["r1"].destroyed


async def test_a_key_still_protecting_reports_is_kept(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    init_keyring(keys, PASSPHRASE.encode(), TODAY - dt.timedelta(days=31))
    told: list[str] = []
    assert await rotation(keys, PASSPHRASE, {"r1"}, told).run() == ("r2", [])
    assert await rotation(keys, PASSPHRASE, {"r1"}, told, "r2").run() == (None, [])
    ring = UnlockedKeyring.unlock(keys, PASSPHRASE.encode())
    assert ring.review_private("r1") is not None  # old reports stay readable
    # Once retention removed the last report sealed to r1, it is shredded.
    assert await rotation(keys, PASSPHRASE, set(), told, "r2").run() == (None, ["r1"])


async def test_hardened_mode_only_reminds(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    keys = tmp_path / "keys"
    init_keyring(keys, PASSPHRASE.encode(), TODAY - dt.timedelta(days=45))
    told: list[str] = []
    assert await rotation(keys, None, set(), told).run() == (None, [])
    assert told == [] and PublicKeyring.load(keys).current_review_key.key_id == "r1"
    assert "keys rotate" in caplog.text


async def test_hardened_mode_follows_a_rotation_made_with_the_cli(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    init_keyring(keys, PASSPHRASE.encode(), TODAY - dt.timedelta(days=45))
    rotate_review_key(keys, PASSPHRASE.encode(), TODAY)  # `keys rotate` while the bot runs
    told: list[str] = []
    assert await rotation(keys, None, set(), told, sealing="r1").run() == (None, [])
    assert told == ["r2"]  # new reports are sealed to the new key from now on
