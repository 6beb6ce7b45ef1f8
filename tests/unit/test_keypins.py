"""Pinned public keys: a swapped keyring file is refused while the bot runs locked."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.crypto.keyring import (
    KeyringError,
    PublicKeyring,
    UnlockedKeyring,
    init_keyring,
    rotate_review_key,
)
from bot.services.keypins import check_and_pin
from bot.storage import migrations
from bot.storage.db import Database
from bot.storage.instance import InstanceRepository
from tests.support.keys import PASSPHRASE_BYTES as PASSPHRASE

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def rings(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("rings")
    init_keyring(base / "ours", PASSPHRASE, TODAY)
    init_keyring(base / "attacker", PASSPHRASE, TODAY)
    return base / "ours", base / "attacker"


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[InstanceRepository]:
    db = await Database.open(tmp_path / "data" / "helpline.sqlite3")
    await migrations.apply(db)
    yield InstanceRepository(db)
    await db.close()


async def test_first_start_pins_and_a_swapped_keyring_is_refused(
    repo: InstanceRepository, rings: tuple[Path, Path]
) -> None:
    ours, attacker = rings
    await check_and_pin(repo, PublicKeyring.load(ours), authenticated=False)  # trust on first use
    await check_and_pin(repo, PublicKeyring.load(ours), authenticated=False)  # same keys: fine
    with pytest.raises(KeyringError, match="differs"):
        await check_and_pin(repo, PublicKeyring.load(attacker), authenticated=False)
    with pytest.raises(KeyringError, match="differs"):  # even unlocked: it is not our keyring
        await check_and_pin(repo, UnlockedKeyring.unlock(attacker, PASSPHRASE), authenticated=True)


async def test_a_new_key_needs_the_passphrase_once(
    repo: InstanceRepository, rings: tuple[Path, Path], tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    shutil.copytree(rings[0], keys)
    await check_and_pin(repo, PublicKeyring.load(keys), authenticated=False)
    rotate_review_key(keys, PASSPHRASE, TODAY)
    with pytest.raises(KeyringError, match="not seen"):
        await check_and_pin(repo, PublicKeyring.load(keys), authenticated=False)
    await check_and_pin(repo, UnlockedKeyring.unlock(keys, PASSPHRASE), authenticated=True)
    await check_and_pin(repo, PublicKeyring.load(keys), authenticated=False)
    assert "pin:review:r2" in await repo.items("pin:")
