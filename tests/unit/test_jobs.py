"""A job running when the bot stops finishes instead of being cancelled half-way."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.jobs import counted
from bot.telegram.inflight import InFlight


async def _stop_during_a_job(wrap: bool) -> list[str]:
    inflight = InFlight()
    began = asyncio.Event()
    done: list[str] = []

    async def slow_job() -> None:
        began.set()
        await asyncio.sleep(0.2)
        done.append("finished")

    scheduler = AsyncIOScheduler()
    job = counted(inflight, slow_job) if wrap else slow_job
    scheduler.add_job(job, "interval", seconds=3600, next_run_time=dt.datetime.now(dt.UTC))
    scheduler.start()
    await asyncio.wait_for(began.wait(), 5)
    # What bot.lifecycle.on_shutdown does: pause, drain, shut down without waiting.
    scheduler.pause()
    async with asyncio.timeout(5):
        await inflight.wait_idle()
    scheduler.shutdown(wait=False)
    await asyncio.sleep(0.3)
    return done


async def test_shutdown_waits_for_a_counted_job(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="apscheduler"):
        assert await _stop_during_a_job(True) == ["finished"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_uncounted_job_would_be_cut_off(caplog: pytest.LogCaptureFixture) -> None:
    """The control: without `counted`, the same stop cancels the job and logs an error."""
    with caplog.at_level(logging.INFO, logger="apscheduler"):
        assert await _stop_during_a_job(False) == []
