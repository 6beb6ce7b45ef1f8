"""Moderation's audit trail: every action, under the moderator's alias (never an id), goes to
the hash-chained audit log; the process log gets the action's name and nothing else."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from bot.logs import fields
from bot.storage.audit import AuditRepository
from bot.storage.db import Database

log = logging.getLogger("helpline.moderation")

SYSTEM = "system"  # the actor of what the bot does on its own (sending, expiring)


def minute(moment: dt.datetime) -> str:
    """How moderation stores a moment: UTC to the minute, '2026-11-25T14:05Z'."""
    return moment.strftime("%Y-%m-%dT%H:%MZ")


class AuditTrail:
    """Appends to the audit log with the time of the services' clock."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._audit = AuditRepository(db)
        self._clock = clock

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock(), dt.UTC)

    async def record(self, actor: str, action: str, subject: str = "") -> None:
        """An entry only: for what the bot did on its own, or someone joining."""
        await self._audit.append(minute(self.now()), actor, action, subject)

    async def moderator_did(self, alias: str, action: str, subject: str = "") -> None:
        """A moderator's or admin's action: an entry, and a log line that names the action."""
        await self.record(alias, action, subject)
        log.info("moderation", extra=fields(action=action))
