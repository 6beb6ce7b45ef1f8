"""Scheduled review-key rotation and crypto-shredding of retired keys.

A review key older than KEY_ROTATION_DAYS is replaced by a new one, and a retired private key is
destroyed once no stored sealed record uses it (retention deletes old reports first). After
that, copies of old reports anywhere, backups included, are unreadable.

Rewriting the keyring needs the passphrase. In unattended mode it is configured, so the job does
the work; in hardened mode the passphrase was typed at start and not kept, so the job only
reminds the operator to run `helpline-bot keys rotate`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from pydantic import SecretStr

from bot.crypto.keyring import (
    PublicKeyring,
    UnlockedKeyring,
    destroy_retired_keys,
    rotate_review_key,
)
from bot.crypto.passphrase import PassphraseUnavailable, configured_passphrase
from bot.logs import fields

log = logging.getLogger("helpline.keys")

# Told the new keys, in the running process, after a rotation (no unlocked part in hardened mode).
KeyringListener = Callable[[PublicKeyring, UnlockedKeyring | None], Awaitable[None]]


class KeyRotation:
    def __init__(
        self,
        keys_dir: Path,
        passphrase: SecretStr | None,
        passphrase_file: Path | None,
        rotation_days: int,
        keys_in_use: Callable[[], Awaitable[set[str]]],
        on_new_keys: KeyringListener,
        sealing_key: Callable[[], str | None],
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._keys_dir = keys_dir
        self._passphrase = passphrase
        self._passphrase_file = passphrase_file
        self._rotation_days = rotation_days
        self._keys_in_use = keys_in_use
        self._on_new_keys = on_new_keys
        self._sealing_key = sealing_key
        self._today = today

    def due(self, ring: PublicKeyring) -> bool:
        age = self._today() - ring.current_review_key.created
        return age.days >= self._rotation_days

    async def run(self) -> tuple[str | None, list[str]]:
        """Rotate if due and shred what nothing uses: (new key id or None, destroyed key ids).

        The services switch to a new key before anything is destroyed, and the key that was
        current when this run began is kept until the next run: a report sealed a moment ago
        to the old key must stay readable.
        """
        ring = await asyncio.to_thread(PublicKeyring.load, self._keys_dir)
        try:
            passphrase = configured_passphrase(self._passphrase, self._passphrase_file)
        except PassphraseUnavailable as exc:
            log.error("key rotation skipped", extra=fields(reason=str(exc)))
            return None, []
        if passphrase is None:
            await self._hardened(ring)
            return None, []
        previous = ring.current_review_key.key_id
        new_key = None
        if self.due(ring):
            rotated = await asyncio.to_thread(
                rotate_review_key, self._keys_dir, passphrase, self._today()
            )
            new_key = rotated.key_id
            await self._reload(passphrase)
        keep = await self._keys_in_use() | {previous, new_key or previous}
        destroyed = await asyncio.to_thread(destroy_retired_keys, self._keys_dir, passphrase, keep)
        if destroyed:
            await self._reload(passphrase)  # the running process forgets the shredded keys too
        if new_key or destroyed:
            log.info(
                "keyring updated",
                extra=fields(new_key=new_key or "-", destroyed=",".join(destroyed) or "-"),
            )
        return new_key, destroyed

    async def _reload(self, passphrase: bytes) -> None:
        unlocked = await asyncio.to_thread(UnlockedKeyring.unlock, self._keys_dir, passphrase)
        await self._on_new_keys(unlocked, unlocked)

    async def _hardened(self, ring: PublicKeyring) -> None:
        """No passphrase here: remind when due, and follow a `keys rotate` run by the operator
        (sealing needs only the public key; reading the new key's reports waits for a restart
        with the passphrase)."""
        if ring.current_review_key.key_id != self._sealing_key():
            await self._on_new_keys(ring, None)
            log.warning(
                "the keyring was rotated: new reports are sealed to the new key; restart with "
                "the passphrase so that moderators can read them",
                extra=fields(key_id=ring.current_review_key.key_id),
            )
        elif self.due(ring):
            log.warning(
                "review key is due for rotation: run `helpline-bot keys rotate`",
                extra=fields(key_id=ring.current_review_key.key_id),
            )
