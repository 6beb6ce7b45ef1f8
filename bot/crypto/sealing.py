"""Sealing reports to the review key, hiding chat ids, and unlinkable per-epoch tags.

Reports use HPKE (RFC 9180) so that intake needs only the public key (locked mode works), and the
row context is bound through HPKE's `info`: a ciphertext moved to another row, purpose, key id or
schema does not open. Chat ids get a keyed blind index for lookup plus an AEAD copy for sending.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import secrets
import time
from collections.abc import Callable
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

from bot.crypto.keyring import ReviewPublicKey, UnlockedKeyring, canonical_json

SUITE: Final = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.CHACHA20_POLY1305)
BUCKET: Final = 256
ENC_BYTES: Final = 32
TAG_BYTES: Final = 16
INFO_VERSION: Final = 1
NONCE_BYTES: Final = 12
EPOCH_TAG_BYTES: Final = 16
_LENGTH_BYTES: Final = 4
_PURPOSE = re.compile(r"[a-z][a-z0-9-]{0,31}")
_CHAT_ID = re.compile(rb"-?[1-9][0-9]{0,19}")


class SealError(Exception):
    """A blob that does not open: tampered, wrong key, wrong context or bad format.

    The message never contains plaintext; callers log the class name only.
    """


class KeyDestroyed(SealError):
    """The blob's review key was crypto-shredded: a handled "expired" result, not an attack."""


def pad(data: bytes, bucket: int = BUCKET) -> bytes:
    """Length prefix + zeros to a bucket multiple, so ciphertext size says little about the text."""
    if bucket < 1:
        raise ValueError("bucket must be positive")
    if len(data) >= 1 << (8 * _LENGTH_BYTES):
        raise ValueError("data is too long to pad")
    zeros = -(len(data) + _LENGTH_BYTES) % bucket
    return len(data).to_bytes(_LENGTH_BYTES, "big") + data + bytes(zeros)


class TooLarge(ValueError):
    """A payload longer than the one fixed size it must be padded to."""


def pad_to(data: bytes, size: int) -> bytes:
    """Length prefix + zeros to exactly `size` bytes, so every blob of a kind has one size and
    says nothing about its content; TooLarge when the data does not fit."""
    if size < _LENGTH_BYTES or size % BUCKET:
        raise ValueError("size must be a positive multiple of the bucket")
    if len(data) + _LENGTH_BYTES > size:
        raise TooLarge("data does not fit the padded size")
    return len(data).to_bytes(_LENGTH_BYTES, "big") + data + bytes(size - _LENGTH_BYTES - len(data))


def unpad(data: bytes) -> bytes:
    """Inverse of `pad`; SealError if the prefix does not fit or the padding is not zeros."""
    if not isinstance(data, bytes | bytearray | memoryview) or len(data) < _LENGTH_BYTES:
        raise SealError("padded data is too short")
    data = bytes(data)
    length = int.from_bytes(data[:_LENGTH_BYTES], "big")
    end = _LENGTH_BYTES + length
    if end > len(data) or any(data[end:]):
        raise SealError("padded data has an inconsistent length")
    return data[_LENGTH_BYTES:end]


def report_info(*, purpose: str, record_id: str, key_id: str, schema: int) -> bytes:
    """The HPKE `info` that ties a blob to its row; HPKE offers no separate AAD argument."""
    if not isinstance(purpose, str) or not _PURPOSE.fullmatch(purpose):
        raise ValueError("purpose must match [a-z][a-z0-9-]{0,31}")
    if not isinstance(record_id, str) or not record_id:
        raise ValueError("record_id must be a non-empty string")
    if not isinstance(key_id, str) or not key_id:
        raise ValueError("key_id must be a non-empty string")
    if isinstance(schema, bool) or not isinstance(schema, int) or schema < 1:
        raise ValueError("schema must be a positive integer")
    return canonical_json(
        {
            "v": INFO_VERSION,
            "purpose": purpose,
            "record_id": record_id,
            "key_id": key_id,
            "schema": schema,
        }
    )


def sealed_length(payload_bytes: int) -> int:
    """Blob size for a payload of this many encoded bytes (for tests and capacity planning)."""
    return ENC_BYTES + len(pad(bytes(payload_bytes))) + TAG_BYTES


def seal(
    public: ReviewPublicKey,
    payload: dict[str, Any],
    *,
    purpose: str,
    record_id: str,
    schema: int = 1,
    size: int | None = None,
) -> bytes:
    """Encrypt a JSON payload to a review key; output is enc || ct || tag, nothing else.

    Padded to 256-byte buckets, or to exactly `size` bytes when given (TooLarge if it does not
    fit). ValueError/TypeError for a payload JSON cannot carry (NaN, lone surrogates, objects).
    """
    if public.retired is not None or public.destroyed:
        raise ValueError(f"review key {public.key_id} is retired; seal to the current key")
    if not isinstance(payload, dict):
        raise TypeError("payload must be a dict")
    info = report_info(purpose=purpose, record_id=record_id, key_id=public.key_id, schema=schema)
    text = json.dumps(
        payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    try:
        plain = text.encode("utf-8")
    except UnicodeEncodeError:
        plain = None  # raised below, outside: UnicodeEncodeError.object holds the plaintext
    if plain is None:
        raise ValueError("payload holds text that is not valid Unicode (lone surrogate)")
    padded = pad(plain) if size is None else pad_to(plain, size)
    return SUITE.encrypt(padded, public.public, info=info)


def open_sealed(
    keyring: UnlockedKeyring,
    blob: bytes,
    *,
    key_id: str,
    purpose: str,
    record_id: str,
    schema: int = 1,
) -> dict[str, Any]:
    """Decrypt a payload; KeyDestroyed if its key was shredded, SealError if anything is off."""
    entry = keyring.review_keys.get(key_id) if isinstance(key_id, str) else None
    if entry is None:
        raise SealError("unknown review key id")
    private = keyring.review_private(key_id)
    if entry.destroyed or private is None:
        raise KeyDestroyed(f"review key {key_id} was destroyed; the record has expired")
    try:
        info = report_info(purpose=purpose, record_id=record_id, key_id=key_id, schema=schema)
    except ValueError:
        raise SealError("invalid sealing context") from None
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise SealError("sealed blob must be bytes")
    body = len(blob) - ENC_BYTES - TAG_BYTES
    if body < BUCKET or body % BUCKET:
        raise SealError("sealed blob has an invalid length")
    try:
        padded = SUITE.decrypt(bytes(blob), private, info=info)
    except (InvalidTag, ValueError):
        raise SealError("sealed blob failed authentication") from None
    try:
        payload = json.loads(unpad(padded).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SealError("sealed payload is not valid JSON") from None
    if not isinstance(payload, dict):
        raise SealError("sealed payload is not an object")
    return payload


class ChatIdCipher:
    """Blind index + AEAD for chat ids (subscribers, moderators).

    The HMAC ref gives lookup and de-duplication without the id; the AEAD copy lets the bot send.
    The ref is the AAD, so ciphertexts cannot be swapped between rows.
    """

    def __init__(self, index_key: bytes, encryption_key: bytes, purpose: str) -> None:
        for key in (index_key, encryption_key):
            if not isinstance(key, bytes) or len(key) != 32:
                raise ValueError("chat id keys must be 32 bytes")
        if hmac.compare_digest(index_key, encryption_key):
            raise ValueError("index and encryption keys must differ")
        if not isinstance(purpose, str) or not _PURPOSE.fullmatch(purpose):
            raise ValueError("purpose must match [a-z][a-z0-9-]{0,31}")
        self._index_key = index_key
        self._aead = ChaCha20Poly1305(encryption_key)
        self._purpose = purpose
        self._aad_prefix = f"{purpose}/v1|".encode("ascii")

    @property
    def purpose(self) -> str:
        return self._purpose

    def ref(self, chat_id: int) -> bytes:
        """Deterministic 32-byte lookup key; useless for brute force without the index key."""
        if isinstance(chat_id, bool) or not isinstance(chat_id, int):
            raise TypeError("chat_id must be an int")
        message = f"{self._purpose}:chat:{chat_id}".encode("ascii")
        return hmac.digest(self._index_key, message, "sha256")

    def encrypt(self, chat_id: int, ref: bytes) -> bytes:
        """nonce || AEAD(chat id); the nonce is random (a restored backup must not repeat one)."""
        if not hmac.compare_digest(ref, self.ref(chat_id)):
            raise ValueError("ref does not belong to this chat id")
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, str(chat_id).encode("ascii"), self._aad(ref))

    def decrypt(self, blob: bytes, ref: bytes) -> int:
        """The chat id, or SealError if the blob was tampered with or belongs to another row."""
        if not isinstance(blob, bytes | bytearray | memoryview) or not isinstance(ref, bytes):
            raise SealError("chat id blob and ref must be bytes")
        blob = bytes(blob)
        if len(blob) < NONCE_BYTES + TAG_BYTES + 1:
            raise SealError("chat id blob is too short")
        try:
            plain = self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], self._aad(ref))
        except InvalidTag:
            raise SealError("chat id blob failed authentication") from None
        if not _CHAT_ID.fullmatch(plain):
            raise SealError("chat id blob holds no chat id")
        return int(plain)

    def _aad(self, ref: bytes) -> bytes:
        return self._aad_prefix + ref

    def __repr__(self) -> str:
        return f"ChatIdCipher(purpose={self._purpose!r})"


class EpochTagger:
    """Keyed tags of user ids under a random in-memory key that is replaced every epoch.

    Used for rate limits, corroboration and feedback. The key never leaves RAM and is dropped at
    the epoch change, so nobody, the operator included, can link tags across epochs.
    """

    def __init__(self, epoch_seconds: int, clock: Callable[[], float] = time.time) -> None:
        if isinstance(epoch_seconds, bool) or not isinstance(epoch_seconds, int):
            raise TypeError("epoch_seconds must be an int")
        if epoch_seconds < 1:
            raise ValueError("epoch_seconds must be positive")
        self._epoch_seconds = epoch_seconds
        self._clock = clock
        self._key: bytes | None = None
        self._key_epoch: int | None = None

    @property
    def epoch(self) -> int:
        """The current epoch number: floor(clock() / epoch_seconds)."""
        return int(self._clock() // self._epoch_seconds)

    def tag(self, user_id: int) -> bytes:
        """16-byte tag, stable within the epoch; the key is replaced when the epoch changes."""
        if isinstance(user_id, bool) or not isinstance(user_id, int):
            raise TypeError("user_id must be an int")
        epoch = self.epoch
        if self._key is None or epoch != self._key_epoch:
            self._key = secrets.token_bytes(32)
            self._key_epoch = epoch
        return hmac.digest(self._key, f"user:{user_id}".encode("ascii"), "sha256")[:EPOCH_TAG_BYTES]

    def __repr__(self) -> str:
        return f"EpochTagger(epoch_seconds={self._epoch_seconds})"
