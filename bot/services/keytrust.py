"""Whether the keyring found at start can be trusted, with nothing in the data directory trusted.

The pins in the database (bot.services.keypins) stop a keyring swapped behind a locked bot's
back, but someone who can write the data directory can edit the pin rows as well. Two checks do
not depend on anything there:

- SIGNING_KEY_FINGERPRINT, configured out of band (environment, systemd unit): a keyring whose
  signing key has another fingerprint is refused, locked or unlocked;
- every review key carries the signing key's signature, checked with public keys only, so a
  review key planted in the keyring file (same signing key) is refused in a locked start too.

A keyring from before signatures is "unsigned": an unlocked start signs it (bot.run_cli); a locked
start keeps relying on the pins and says so, unless the fingerprint is configured (then nothing
vouches for the review key, and the start is refused) or the database remembers the keyring was
signed once (then the signatures were stripped).
"""

from __future__ import annotations

import logging

from bot.crypto.keyring import KeyringError, PublicKeyring
from bot.logs import fields
from bot.services.keypins import check_and_pin
from bot.storage.instance import InstanceRepository

log = logging.getLogger("helpline.keys")

SIGNED_MARKER = "keyring:signed"
UNPINNED_ADVICE = (
    "SIGNING_KEY_FINGERPRINT is not set: anyone who can write the data directory can swap the "
    "keyring and edit the pins in the database; set it (outside DATA_DIR: environment or the "
    "service unit) to the fingerprint `helpline-bot keys status` prints"
)


def compact(fingerprint: str) -> str:
    """The fingerprint without separators, lowercase: how SIGNING_KEY_FINGERPRINT is kept."""
    return "".join(c for c in fingerprint if c.isalnum()).lower()


def check_fingerprint(ring: PublicKeyring, expected: str | None) -> None:
    """Refuse a keyring whose signing key is not the one configured out of band."""
    if expected is not None and compact(ring.fingerprint()) != expected:
        raise KeyringError(
            f"the keyring's signing key has fingerprint {ring.fingerprint()}, not the "
            "SIGNING_KEY_FINGERPRINT configured: the keyring was replaced; restore the right one"
        )


async def verify_keyring(
    repo: InstanceRepository,
    ring: PublicKeyring,
    *,
    authenticated: bool,
    fingerprint: str | None,
) -> str:
    """Check the signing key, the review keys' signatures and the pins; pin what is trusted.

    Returns the signature state ("signed" or "unsigned"); raises KeyringError to refuse.
    """
    check_fingerprint(ring, fingerprint)
    state = ring.signature_state()
    was_signed = await repo.get(SIGNED_MARKER) is not None
    if state == "unsigned" and not authenticated:
        if was_signed:
            raise KeyringError(
                "the keyring's review keys carry no signatures, but this instance's keyring was "
                "signed before: the keyring file was edited; restore the right one"
            )
        if fingerprint is not None:
            raise KeyringError(
                "the keyring's review keys are not signed yet, so SIGNING_KEY_FINGERPRINT "
                "cannot vouch for them: start once with the passphrase (which signs them)"
            )
        log.warning(
            "keyring not yet upgraded: review keys are unsigned, only the database pins protect "
            "them until a start with the passphrase signs them",
            extra=fields(keyring="unsigned"),
        )
    await check_and_pin(repo, ring, authenticated=authenticated)
    if state == "signed" and not was_signed:
        await repo.set(SIGNED_MARKER, "1")
    if fingerprint is None:
        log.warning(UNPINNED_ADVICE, extra=fields(signing_key="unpinned"))
    return state
