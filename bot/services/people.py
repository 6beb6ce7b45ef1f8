"""The ciphers that hide subscribers' and moderators' chat ids, derived from the keyring.

Each purpose has its own index key and encryption key (HKDF subkeys of the master secret), so a
subscriber's ref can never be matched against a moderator's, and a leak of one key exposes
nothing else.
"""

from __future__ import annotations

from bot.crypto.keyring import UnlockedKeyring
from bot.crypto.sealing import ChatIdCipher


def subscriber_cipher(ring: UnlockedKeyring) -> ChatIdCipher:
    return ChatIdCipher(ring.subkey("subscriber-index"), ring.subkey("subscriber-id"), "subscriber")


def moderator_cipher(ring: UnlockedKeyring) -> ChatIdCipher:
    return ChatIdCipher(ring.subkey("moderator-index"), ring.subkey("moderator-id"), "moderator")
