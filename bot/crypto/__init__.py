"""Helpline's cryptography: the operator keyring, sealed reports, hidden chat ids, epoch tags.

Everything assumes the server may be seized: secrets live only in the passphrase-wrapped keyring
or in RAM, and everything written elsewhere is ciphertext bound to its row.
"""

from bot.crypto.keyring import (
    KeyringError,
    KeyringExists,
    KeyringMissing,
    PublicKeyring,
    ReviewPublicKey,
    UnlockedKeyring,
    WrongPassphrase,
    change_passphrase,
    destroy_retired_keys,
    init_keyring,
    rotate_review_key,
    verify_signature,
)
from bot.crypto.sealing import (
    BUCKET,
    SUITE,
    ChatIdCipher,
    EpochTagger,
    KeyDestroyed,
    SealError,
    open_sealed,
    pad,
    report_info,
    seal,
    unpad,
)

__all__ = [
    "BUCKET",
    "SUITE",
    "ChatIdCipher",
    "EpochTagger",
    "KeyDestroyed",
    "KeyringError",
    "KeyringExists",
    "KeyringMissing",
    "PublicKeyring",
    "ReviewPublicKey",
    "SealError",
    "UnlockedKeyring",
    "WrongPassphrase",
    "change_passphrase",
    "destroy_retired_keys",
    "init_keyring",
    "open_sealed",
    "pad",
    "report_info",
    "rotate_review_key",
    "seal",
    "unpad",
    "verify_signature",
]
