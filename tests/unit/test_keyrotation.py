"""The scheduled key rotation on real keyring files: rotate when due, shred what nothing uses,
hand the new keys to the running services, and only remind in hardened mode."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import SecretStr

from bot.crypto.keyring import PublicKeyring, UnlockedKeyring, init_keyring
from bot.services.keyrotation import KeyRotation

PASSPHRASE = "correct horse battery staple"
TODAY = dt.date(2026, 11, 30)


def rotation(keys: Path, passphrase: str | None, in_use: set[str], told: list[str]) -> KeyRotation:
    async def keys_in_use() -> set[str]:
        return in_use

    async def on_new_keys(public: PublicKeyring, unlocked: UnlockedKeyring) -> None:
        assert unlocked.review_private(unlocked.current_review_key.key_id) is not None
        told.append(public.current_review_key.key_id)

    return KeyRotation(
        keys,
        SecretStr(passphrase) if passphrase else None,
        None,
        30,
        keys_in_use,
        on_new_keys,
        today=lambda: TODAY,
    )


async def test_a_due_key_is_rotated_and_the_unused_one_shredded(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    init_keyring(keys, PASSPHRASE.encode(), TODAY - dt.timedelta(days=31))
    told: list[str] = []
    new_key, destroyed = await rotation(keys, PASSPHRASE, set(), told).run()
    assert (new_key, destroyed) == ("r2", ["r1"])
    assert told == ["r2"]
    ring = PublicKeyring.load(keys)
    assert ring.current_review_key.key_id == "r2" and ring.review_keys["r1"].destroyed
    # Nothing due the next day: nothing happens.
    assert await rotation(keys, PASSPHRASE, set(), told).run() == (None, [])
    assert told == ["r2"]


async def test_a_key_still_protecting_reports_is_kept(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    init_keyring(keys, PASSPHRASE.encode(), TODAY - dt.timedelta(days=31))
    told: list[str] = []
    assert await rotation(keys, PASSPHRASE, {"r1"}, told).run() == ("r2", [])
    ring = UnlockedKeyring.unlock(keys, PASSPHRASE.encode())
    assert ring.review_private("r1") is not None  # old reports stay readable
    # Once retention removed the last report sealed to r1, it is shredded.
    assert await rotation(keys, PASSPHRASE, set(), told).run() == (None, ["r1"])


async def test_hardened_mode_only_reminds(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    keys = tmp_path / "keys"
    init_keyring(keys, PASSPHRASE.encode(), TODAY - dt.timedelta(days=45))
    told: list[str] = []
    assert await rotation(keys, None, set(), told).run() == (None, [])
    assert told == [] and PublicKeyring.load(keys).current_review_key.key_id == "r1"
    assert "keys rotate" in caplog.text
