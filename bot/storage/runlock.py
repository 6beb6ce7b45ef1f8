"""The data directory's run lock: `run` holds it while the bot runs, `restore` and `import`
take it before they replace the database, so neither happens under a running bot (whose open
connection would go on writing to the replaced file) nor lets one start half-way through."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Final

LOCK_FILE: Final = "run.lock"


class DataDirBusy(Exception):
    """Another process (a running bot, a restore) holds the data directory."""


def take(data_dir: Path) -> int:
    """Lock `data_dir` for this process (the lock goes with the process); DataDirBusy if taken.

    The lock file is empty and stays: it holds nothing, and removing it would race a taker.
    """
    fd = os.open(data_dir / LOCK_FILE, os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DataDirBusy(
            f"another helpline-bot process uses {data_dir} (the bot is running, or a restore)"
        ) from None
    return fd


@contextlib.contextmanager
def held(data_dir: Path) -> Iterator[None]:
    fd = take(data_dir)
    try:
        yield
    finally:
        os.close(fd)
