"""Pinning the keyring's public keys in the database.

While the bot runs locked, the keyring's public part cannot be authenticated (that needs the
passphrase), so someone able to write to KEYS_DIR could swap the review public key and have new
reports sealed to a key of their own. The public keys are therefore pinned in the database the
first time they are seen and whenever the keyring is unlocked (which authenticates them); a
locked start with keys that differ from the pins is refused.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization

from bot.crypto.keyring import KeyringError, PublicKeyring, UnlockedKeyring
from bot.storage.instance import InstanceRepository

PREFIX = "pin:"


def _public_keys(ring: PublicKeyring) -> dict[str, str]:
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    keys = {
        f"{PREFIX}review:{k.key_id}": k.public.public_bytes(*raw).hex()
        for k in ring.review_keys.values()
    }
    keys[f"{PREFIX}signing"] = ring.signing_public.public_bytes(*raw).hex()
    return keys


async def check_and_pin(
    repo: InstanceRepository, ring: PublicKeyring, *, authenticated: bool
) -> None:
    """Refuse keys that differ from the pins; pin new ones when they are trustworthy."""
    pinned = await repo.items(PREFIX)
    current = _public_keys(ring)
    for name, value in current.items():
        known = pinned.get(name)
        if known is not None and known != value:
            raise KeyringError(
                f"the keyring's {name.removeprefix(PREFIX)} key differs from the one this "
                "database knows: the keyring file was replaced; restore the right one"
            )
        if known is None and pinned and not authenticated:
            raise KeyringError(
                f"the keyring has a new {name.removeprefix(PREFIX)} key that this database has "
                "not seen: start once with the passphrase (or run `keys rotate`) to confirm it"
            )
    for name, value in current.items():
        if name not in pinned:
            await repo.set(name, value)


def is_authenticated(ring: PublicKeyring) -> bool:
    return isinstance(ring, UnlockedKeyring)


async def forget_pins(repo: InstanceRepository) -> None:
    """Drop every pin: only for `keys init` replacing the keyring of an existing database."""
    await repo.delete_prefix(PREFIX)
