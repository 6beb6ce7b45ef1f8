"""The panic switch: destroy the keyring in place, on the server or by two admins in Telegram.

A seized server must not hand over what the keyring protects. `helpline-bot panic` destroys it
at once; in Telegram one admin's `/panic` is only a request, which a *different* admin must
confirm within `ttl_seconds` (one taken-over admin account must not be able to wipe the
instance, nor to keep it from being wiped: any second admin can confirm). With one admin
configured there is no second person, so the request is refused and the server command named.

Requests live in memory only (a restart forgets them; nobody's user id reaches the disk), and
every request, refusal and confirmation is written to the audit log under the admins' aliases
while the keyring is unlocked (locked, the audit log cannot be written: the process log gets
the event's name). After the destruction `on_destroyed` switches the running bot to guidance
only (bot.app), without a restart.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bot.crypto.keyring import (
    KEYRING_FILE,
    RevokedSigningKey,
    destroy_keyring,
    destroyed_at,
    revoked_signing_key,
)
from bot.logs import fields
from bot.services.audit_trail import AuditTrail
from bot.services.keypins import PREFIX as PIN_PREFIX
from bot.services.keytrust import compact
from bot.services.review_keys import ModerationLocked
from bot.services.team import ModeratorTeam
from bot.storage.instance import InstanceRepository

log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 300


class Confirmation(StrEnum):
    """What a press of Confirm did."""

    DESTROYED = "destroyed"  # the keyring is gone: the bot now serves guidance only
    SAME_ADMIN = "same-admin"  # the requester cannot confirm their own request
    EXPIRED = "expired"  # no such open request (expired, replaced, already used, or forged)
    ALREADY = "already"  # the keyring was destroyed before this press


@dataclass(frozen=True)
class PanicRequest:
    """One admin's open request: its random id (in the Confirm buttons) and when it lapses."""

    id: str
    requester: int  # memory only
    expires_at: float
    alias: str | None  # the requester's alias as the audit log has it (None while locked)


class PanicSwitch:
    """Open requests, their confirmation by a second admin, and the destruction itself."""

    def __init__(
        self,
        keys_dir: Path,
        team: ModeratorTeam,
        audit: AuditTrail,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
        on_destroyed: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._keys_dir = keys_dir
        self._team = team
        self._audit = audit
        self._ttl = ttl_seconds
        self._clock = clock
        self.on_destroyed = on_destroyed
        # At most one open request per admin (a new one replaces it): bounded by ADMIN_IDS.
        self._open: dict[str, PanicRequest] = {}

    @property
    def ttl_minutes(self) -> int:
        return max(1, round(self._ttl / 60))

    @property
    def two_admins(self) -> bool:
        """Whether a second admin exists to confirm: otherwise only the server command works."""
        return len(self._team.admin_ids) >= 2

    @property
    def has_keyring(self) -> bool:
        return os.path.lexists(self._keys_dir / KEYRING_FILE)

    @property
    def destroyed(self) -> bool:
        return destroyed_at(self._keys_dir) is not None

    def other_admins(self, requester: int) -> list[int]:
        return sorted(a for a in self._team.admin_ids if a != requester)

    async def request(self, admin_id: int) -> tuple[PanicRequest, bool]:
        """Open a request (replacing this admin's previous one); whether it was audited."""
        if admin_id not in self._team.admin_ids or not self.two_admins:
            raise PermissionError("a request needs an admin and a second admin to confirm it")
        self._forget_expired()
        for key in [k for k, r in self._open.items() if r.requester == admin_id]:
            del self._open[key]
        admin = await self._team.identify(admin_id)
        request = PanicRequest(
            secrets.token_hex(8),
            admin_id,
            self._clock() + self._ttl,
            None if admin is None else admin.alias,
        )
        self._open[request.id] = request
        return request, await self._record(admin_id, "panic.request", request.id)

    async def confirm(self, request_id: str, admin_id: int) -> Confirmation:
        """A second admin's confirmation destroys the keyring; anything else changes nothing."""
        if admin_id not in self._team.admin_ids:
            raise PermissionError("admins only")
        if self.destroyed:
            return Confirmation.ALREADY
        self._forget_expired()
        request = self._open.get(request_id)
        if request is None:
            await self._record(admin_id, "panic.refused", f"{request_id[:16]} expired")
            return Confirmation.EXPIRED
        if request.requester == admin_id:
            await self._record(admin_id, "panic.refused", f"{request.id} same admin")
            return Confirmation.SAME_ADMIN
        del self._open[request.id]
        # Recorded first: once the keyring is gone, nothing can be added to the audit log.
        await self._record(admin_id, "panic.confirm", request.id)
        await self.destroy("telegram")
        return Confirmation.DESTROYED

    async def destroy(self, source: str) -> Path:
        """Destroy the keyring now and switch the running bot to guidance only."""
        tombstone = destroy_keyring(self._keys_dir, dt.datetime.now(dt.UTC))
        self._open.clear()
        log.warning("panic: keyring destroyed", extra=fields(source=source, keyring="destroyed"))
        if self.on_destroyed is not None:
            await self.on_destroyed()
        return tombstone

    def _forget_expired(self) -> None:
        now = self._clock()
        for key in [k for k, r in self._open.items() if r.expires_at <= now]:
            del self._open[key]

    async def _record(self, admin_id: int, action: str, subject: str) -> bool:
        """An audit entry under the admin's alias; False (and a log line) while locked."""
        log.warning("panic", extra=fields(action=action))
        admin = await self._team.identify(admin_id)
        if admin is None:
            return False
        try:
            await self._audit.moderator_did(admin.alias, action, subject)
        except ModerationLocked:
            return False
        return True


async def revoked_key(
    keys_dir: Path, instance: InstanceRepository, fingerprint: str | None
) -> RevokedSigningKey | None:
    """The revoked signing key /verify answers with once the keyring is destroyed: the one the
    tombstone keeps or, for a tombstone written before tombstones kept it, the one pinned in
    the database. None if neither exists, or if SIGNING_KEY_FINGERPRINT names another key (an
    edited tombstone or database must not make forged texts pass for the helpline's)."""
    when = destroyed_at(keys_dir)
    if when is None or len(when) != 20 or when[10] != "T":  # none, or an unreadable tombstone
        return None
    key = revoked_signing_key(keys_dir)
    if key is None:
        pinned = await instance.get(f"{PIN_PREFIX}signing")
        try:
            public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(pinned or ""))
        except ValueError:
            return None
        key = RevokedSigningKey(public, when)
    if fingerprint is not None and compact(key.fingerprint()) != fingerprint:
        log.warning("revoked signing key does not match SIGNING_KEY_FINGERPRINT: not used")
        return None
    return key
