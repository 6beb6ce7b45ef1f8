"""Helpline's cryptography: the operator keyring, sealed reports, hidden chat ids, epoch tags.

Everything assumes the server may be seized: secrets live only in the passphrase-wrapped keyring
or in RAM, and everything written elsewhere is ciphertext bound to its row.
"""

from bot.crypto.keyring import (
    KeyringDestroyed,
    KeyringError,
    KeyringExists,
    KeyringMissing,
    PublicKeyring,
    ReviewPublicKey,
    UnlockedKeyring,
    WrongPassphrase,
    change_passphrase,
    destroy_keyring,
    destroy_retired_keys,
    init_keyring,
    rotate_review_key,
    sign_review_keys,
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
    "KeyringDestroyed",
    "KeyringError",
    "KeyringExists",
    "KeyringMissing",
    "PublicKeyring",
    "ReviewPublicKey",
    "SealError",
    "UnlockedKeyring",
    "WrongPassphrase",
    "change_passphrase",
    "destroy_keyring",
    "destroy_retired_keys",
    "init_keyring",
    "open_sealed",
    "pad",
    "report_info",
    "rotate_review_key",
    "seal",
    "sign_review_keys",
    "unpad",
    "verify_signature",
]
