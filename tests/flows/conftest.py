"""Flow tests in-process: `start_bot` runs the real app in the test's event loop.

Same interface as tests/conftest.py's `start_bot` (keyword overrides are environment
variables; the bot has `.logs()`, `.data_dir` and `.stop()`), so a flow test reads the same in
either tier. Put a new flow test here unless it needs a separate process (see tests/e2e).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import lifecycle
from bot.devserver.server import FakeBotAPI
from tests.support.inprocess import KEEP_HEAP, InProcessStarter


@pytest.fixture
async def start_bot(
    api: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[InProcessStarter]:
    """Starts the app `python -m bot run` would run, polling in this event loop; the stand-in's
    `wait_idle` then also waits for the app to finish every update it fetched."""
    starter = InProcessStarter(api, tmp_path)
    monkeypatch.setattr(lifecycle, "gc", KEEP_HEAP)  # no heap-wide collection at each start
    monkeypatch.setattr(api, "wait_idle", starter.wait_idle)
    try:
        yield starter
    finally:
        await starter.stop_all()
