"""Shared fixtures: the local Bot API stand-in, a keyring, and the bot started against them.

`start_bot` here starts the real `python -m bot run` process (tests/e2e);
tests/flows/conftest.py replaces it with the same app run in the test's event loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.devserver.server import FakeBotAPI
from bot.storage.db import Database
from tests.support import keys
from tests.support.db import migrated_database
from tests.support.keys import make_keyring
from tests.support.loopback import no_ssl_grace
from tests.support.process import ProcessStarter

TESTS = Path(__file__).parent
TIERS = ("e2e", "flows")  # tests/unit is left unmarked


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test with its tier, the folder it is in, so that `-m "not e2e"` selects."""
    for item in items:
        if TESTS in item.path.parents:
            folder = item.path.relative_to(TESTS).parts[0]
            if folder in TIERS:
                item.add_marker(folder)


@pytest.fixture(scope="session", autouse=True)
def _remembered_key_derivation() -> Iterator[None]:
    """Making and unlocking test keyrings derives a key once per process (tests.support.keys)."""
    with keys.remembered_key_derivation():
        yield


@pytest.fixture(scope="session", autouse=True)
def _no_ssl_grace() -> Iterator[None]:
    """Closing a Bot API session does not wait for SSL (tests.support.loopback)."""
    with no_ssl_grace():
        yield


@pytest.fixture
def keyring_dir(tmp_path: Path) -> Path:
    """A keyring in the data directory the `start_bot` fixture's bot uses."""
    keys = tmp_path / "data" / "keys"
    make_keyring(keys)
    return keys


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def start_bot(api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[ProcessStarter]:
    """Starts `python -m bot run` (keyword overrides are environment variables)."""
    starter = ProcessStarter(api, tmp_path)
    try:
        yield starter
    finally:
        await starter.stop_all()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database on a real file in the test's data directory."""
    database = await migrated_database(tmp_path / "data")
    yield database
    await database.close()
