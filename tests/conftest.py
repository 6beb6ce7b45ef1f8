"""Shared fixtures: the local Bot API stand-in, a keyring, and the bot started against them.

`start_bot` here starts the real `python -m bot run` process (tests/e2e);
tests/flows/conftest.py replaces it with the same app run in the test's event loop.
"""

from __future__ import annotations

import os
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
# The longest tests of the fast tier (3-10 s each alone; `--durations=20` shows them). Each
# xdist worker starts its share of the run with some of them, instead of one worker getting a
# 10 s test when the others have run out of work. A name no longer here only loses its place.
LONG = (
    "tests/unit/test_fuzz_updates.py::test_thousands_of_hostile_updates",
    "tests/flows/test_adversary.py::test_unparseable_updates_are_skipped_acknowledged_and_never_logged",
    "tests/flows/test_moderation_read.py::test_read_pages_a_flooded_group_and_one_report_can_be_rejected",
    "tests/flows/test_alerts.py::test_withdrawal_and_expiry_edit_every_delivered_copy_once",
    "tests/flows/test_report.py::test_idle_report_draft_is_forgotten_and_the_chat_cleaned",
    "tests/flows/test_guidance.py::test_long_entry_is_paged_in_place",
    "tests/flows/test_report_copies.py::test_no_decrypted_report_outlives_the_process_that_showed_it",
    "tests/flows/test_alerts.py::test_verify_tells_a_genuine_alert_from_a_changed_one",
    "tests/unit/test_crypto.py::test_chat_id_decrypt_fuzz",
    "tests/flows/test_reports_unlinked.py::test_the_queue_counts_people_and_after_a_restart_says_it_cannot_know",
    "tests/unit/test_crypto.py::test_open_sealed_fuzz",
    "tests/flows/test_adversary.py::test_a_send_burst_at_the_rate_limit_stores_one_report",
    "tests/unit/test_regions.py::test_the_exact_shortcut_agrees_with_the_full_ranking",
    "tests/flows/test_alerts.py::test_the_team_sees_and_can_undo_what_one_account_does",
    "tests/flows/test_guidance.py::test_admin_reload",
)


def pytest_itemcollected(item: pytest.Item) -> None:
    """Mark every test with its tier, the folder it is in, so that `-m "not e2e"` selects."""
    if TESTS in item.path.parents:
        folder = item.path.relative_to(TESTS).parts[0]
        if folder in TIERS:
            item.add_marker(folder)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Once `-m` has deselected: the long tests at the head of each worker's share."""
    items[:] = long_first(items, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))


def long_first(items: list[pytest.Item], workers: int) -> list[pytest.Item]:
    """`items` with the LONG ones dealt out to the start of each worker's share: xdist's
    worksteal gives worker i the i-th of `workers` consecutive slices at first (every worker
    collects, and orders, the same way)."""
    long = [item for item in items if item.nodeid in LONG]
    rest = [item for item in items if item.nodeid not in LONG]
    ordered: list[pytest.Item] = []
    for i in range(workers):
        share = len(rest) // (workers - i)  # as worksteal's first split (remaining / nodes)
        ordered += long[i::workers] + rest[:share]
        rest = rest[share:]
    return ordered + rest


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
