"""The audit trail: every moderation action, under the moderator's alias (never an id), and the
operator's server commands, go to the keyed audit log; the process log gets the action's name
and nothing else.

The chain is keyed with a subkey of the keyring's master secret, so nothing is appended while
the keyring is locked: every moderation action needs the unlocked keyring anyway (nobody is
recognised as a moderator without it), and an entry written without the key could only be an
unauthenticated row, which verification must never accept. `AuditTrail.record` therefore
raises ModerationLocked instead of writing one.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from bot.crypto.keyring import UnlockedKeyring
from bot.logs import fields
from bot.services.review_keys import ModerationLocked, ReviewKeys
from bot.storage.audit import AuditEntry, AuditRepository, Upgrade, Verdict
from bot.storage.db import Database

log = logging.getLogger("helpline.moderation")

SYSTEM: Final = "system"  # the actor of what the bot does on its own (sending, expiring)
OPERATOR: Final = "operator"  # the actor of commands run on the server with the passphrase
AUDIT_KEY_LABEL: Final = "audit-chain"
HEAD_MAC_HEX: Final = 16  # hex digits of the head's HMAC shown to admins


def minute(moment: dt.datetime) -> str:
    """How moderation stores a moment: UTC to the minute, '2026-11-25T14:05Z'."""
    return moment.strftime("%Y-%m-%dT%H:%MZ")


def audit_key(unlocked: UnlockedKeyring) -> bytes:
    """The key of the chain's HMACs; the same across review-key rotations (master secret)."""
    return unlocked.subkey(AUDIT_KEY_LABEL)


@dataclass(frozen=True)
class AuditHead:
    """The last entry as an admin writes it down: a shorter log later means truncation."""

    seq: int
    at: str
    mac: str  # the first HEAD_MAC_HEX hex digits of its HMAC

    @classmethod
    def of(cls, entry: AuditEntry | None) -> AuditHead | None:
        if entry is None:
            return None
        return cls(entry.seq, entry.at, entry.entry_hash.hex()[:HEAD_MAC_HEX])

    def __str__(self) -> str:
        return f"#{self.seq} {self.at} {self.mac}"


class AuditTrail:
    """Appends to the audit log with the time of the services' clock, under the audit key."""

    def __init__(
        self, db: Database, keys: ReviewKeys, clock: Callable[[], float] = time.time
    ) -> None:
        self._audit = AuditRepository(db)
        self._keys = keys
        self._clock = clock

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock(), dt.UTC)

    async def record(self, actor: str, action: str, subject: str = "") -> None:
        """An entry only: for what the bot did on its own, or someone joining."""
        await self.append(actor, action, subject)

    async def append(self, actor: str, action: str, subject: str = "") -> AuditEntry:
        """The entry written; ModerationLocked while the keyring is locked (see above)."""
        unlocked = self._keys.unlocked
        if unlocked is None:
            raise ModerationLocked("the audit log needs the keyring: nothing is recorded locked")
        return await self._audit.append(
            audit_key(unlocked), minute(self.now()), actor, action, subject
        )

    async def moderator_did(self, alias: str, action: str, subject: str = "") -> None:
        """A moderator's or admin's action: an entry, and a log line that names the action."""
        await self.record(alias, action, subject)
        log.info("moderation", extra=fields(action=action))


class AuditChain:
    """The chain as a whole: its upgrade, verification, retention and head."""

    def __init__(
        self, db: Database, keys: ReviewKeys, clock: Callable[[], float] = time.time
    ) -> None:
        self._audit = AuditRepository(db)
        self._keys = keys
        self._clock = clock

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock(), dt.UTC)

    async def upgrade(self, actor: str = SYSTEM) -> Upgrade | None:
        """Bring an unkeyed or rekeyed chain under the key (once); None if locked or nothing
        to do (see AuditRepository.upgrade)."""
        unlocked = self._keys.unlocked
        if unlocked is None:
            return None
        return await self._audit.upgrade(audit_key(unlocked), minute(self._now()), actor)

    async def untold_upgrade(self) -> Upgrade | None:
        """An upgrade (by this start or an earlier command) the admins are to be told of, once."""
        return await self._audit.take_untold()

    async def verify(self) -> Verdict | None:
        """The keyed chain from its anchor; None while locked (nothing can be checked)."""
        unlocked = self._keys.unlocked
        if unlocked is None:
            return None
        return await self._audit.verify(audit_key(unlocked))

    async def head(self) -> AuditHead | None:
        """The last entry's seq, time and MAC prefix (a later heartbeat shows it too)."""
        return AuditHead.of(await self._audit.head())

    async def prune(self, retention_days: int) -> int:
        """Retention (an hourly job): entries older than `retention_days` go, the anchor moves
        to the last one deleted. Only with the key: the anchor must be authenticated."""
        unlocked = self._keys.unlocked
        if unlocked is None:
            return 0
        before = minute(self._now() - dt.timedelta(days=retention_days))
        deleted = await self._audit.prune(audit_key(unlocked), before)
        if deleted:
            log.info("audit log retention", extra=fields(deleted=deleted))
        return deleted


async def record_operator_action(
    db: Database,
    unlocked: UnlockedKeyring,
    action: str,
    subject: str = "",
    clock: Callable[[], float] = time.time,
) -> tuple[Upgrade | None, AuditHead]:
    """An operator's command run on the server with the passphrase (outside the two-person
    rule): an entry with actor `operator`. `subject` holds counts or key ids, never content.
    Upgrades an unkeyed chain first (this may be the first unlocked use of the database)."""
    keys = ReviewKeys(unlocked)
    upgrade = await AuditChain(db, keys, clock).upgrade(OPERATOR)
    entry = await AuditTrail(db, keys, clock).append(OPERATOR, action, subject)
    log.info("operator action", extra=fields(action=action))
    return upgrade, AuditHead(entry.seq, entry.at, entry.entry_hash.hex()[:HEAD_MAC_HEX])
