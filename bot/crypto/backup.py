"""Backups sealed to the offline backup key, and that key's private half in its own file.

The private half is wrapped the way the keyring is (Argon2id + ChaCha20-Poly1305, the whole
header as associated data) under a passphrase of its own, and is never kept on the server.

A sealed file is a stream, so a large database never sits in memory more than one chunk at a
time:

    MAGIC | u32 header length | header (canonical JSON, in clear)
    | u32 length | HPKE(backup public key, info = header) of a fresh 32-byte data key
    | chunks: u32 length | nonce (12) | ChaCha20-Poly1305(data key, nonce, AAD) of <= CHUNK bytes

Each chunk's AAD is the header's SHA-256, the chunk's index and whether it is the last one, so
chunks cannot be reordered, dropped, cut off at the end or moved into another backup. HPKE seals
only the data key (it has no streaming interface in `cryptography`); nonces are random, as
everywhere in this code (bot/crypto/sealing.py). The header says what the file is (format
version, kind, schema version, backup key id, the keyring's signing-key fingerprint), so a
foreign or too-new backup is refused before anything is decrypted, and it is authenticated:
an edited header does not open.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import date
from typing import IO, Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from bot.crypto.keyring import (
    AEAD_ALG,
    KDF_ALG,
    SALT_BYTES,
    KeyringError,
    WrongPassphrase,
    _Cost,
    _kek,
    _parse_cost,
    backup_key_id,
    canonical_json,
)
from bot.crypto.sealing import SUITE

MAGIC: Final = b"helpline-backup\x00"
FORMAT_VERSION: Final = 1
KEY_FILE_KIND: Final = "helpline-backup-key"
CHUNK: Final = 1 << 20
NONCE_BYTES: Final = 12
DATA_KEY_BYTES: Final = 32
_MAX_HEADER: Final = 4096
_TAG_BYTES: Final = 16
_MAX_SEALED_KEY: Final = 256
_MAX_KEY_FILE: Final = 16 * 1024
_HEX = re.compile(r"(?:[0-9a-f]{2})+")
# The Argon2id cost of a key file: the keyring's minimum, which `_parse_cost` enforces on read.
_KEY_FILE_COST: Final = _Cost(t=3, p=4, m=64 * 1024)
KINDS: Final = frozenset({"backup", "export"})


class BackupError(Exception):
    """A backup or key file that cannot be used, told in one line; never holds plaintext."""


@dataclass(frozen=True)
class BackupHeader:
    """What a sealed file says about itself before it is opened."""

    kind: str  # "backup" (the database) or "export" (database, keyring, content, settings)
    schema: int  # the database's schema version (PRAGMA user_version)
    backup_key: str  # the id of the backup key it is sealed to
    signing_key: str  # the keyring's signing-key fingerprint, 32 hex digits: which instance
    created: str  # the hour it was made, UTC: YYYY-MM-DDTHH
    bot_id: int | None = None  # the bot it belongs to (exports: `import` compares it)

    def encode(self) -> bytes:
        return canonical_json(
            {
                "format": "helpline-backup",
                "v": FORMAT_VERSION,
                "kind": self.kind,
                "schema": self.schema,
                "backup_key": self.backup_key,
                "signing_key": self.signing_key,
                "created": self.created,
                "bot_id": self.bot_id,
            }
        )

    @classmethod
    def decode(cls, raw: bytes) -> BackupHeader:
        try:
            doc = json.loads(raw)
        except (ValueError, RecursionError):
            raise BackupError("not a Helpline backup (its header is not JSON)") from None
        if not isinstance(doc, dict) or doc.get("format") != "helpline-backup":
            raise BackupError("not a Helpline backup")
        if doc.get("v") != FORMAT_VERSION:
            raise BackupError(
                f"backup format {doc.get('v')!r} is not one this program reads "
                f"(v{FORMAT_VERSION}); use the helpline-bot version that made it"
            )
        try:
            header = cls(
                kind=_str(doc["kind"]),
                schema=_int(doc["schema"]),
                backup_key=_str(doc["backup_key"]),
                signing_key=_str(doc["signing_key"]),
                created=_str(doc["created"]),
                bot_id=None if doc["bot_id"] is None else _int(doc["bot_id"]),
            )
        except (KeyError, TypeError):
            raise BackupError("the backup's header is malformed") from None
        if header.kind not in KINDS or header.encode() != raw:
            raise BackupError("the backup's header is malformed")
        return header


def _str(value: object) -> str:
    if not isinstance(value, str) or len(value) > 64:
        raise TypeError
    return value


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError
    return value


# --- the private half's file -------------------------------------------------------------


def new_backup_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def wrap_private_key(private: X25519PrivateKey, passphrase: bytes, created: date) -> bytes:
    """The private half as a small JSON file, readable only with its passphrase."""
    public = private.public_key()
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    cost = _KEY_FILE_COST
    doc: dict[str, Any] = {
        "kind": KEY_FILE_KIND,
        "v": FORMAT_VERSION,
        "key_id": backup_key_id(public),
        "public": public.public_bytes_raw().hex(),
        "created": created.isoformat(),
        "kdf": {"alg": KDF_ALG, "salt": salt.hex(), "t": cost.t, "p": cost.p, "m": cost.m},
        "aead": AEAD_ALG,
        "nonce": nonce.hex(),
    }
    sealed = ChaCha20Poly1305(_kek(passphrase, salt, cost)).encrypt(
        nonce, private.private_bytes_raw(), canonical_json(doc)
    )
    doc["ciphertext"] = sealed.hex()
    return json.dumps(doc, indent=2).encode("ascii") + b"\n"


def _unhex(value: object, length: int) -> bytes:
    if not isinstance(value, str) or not _HEX.fullmatch(value) or len(value) != 2 * length:
        raise BackupError("the backup key file is malformed")
    return bytes.fromhex(value)


def unwrap_private_key(raw: bytes, passphrase: bytes) -> X25519PrivateKey:
    """The private half; WrongPassphrase for a wrong passphrase or an edited file."""
    if len(raw) > _MAX_KEY_FILE:
        raise BackupError("the backup key file is too large to be one")
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        raise BackupError("not a backup key file (not JSON)") from None
    names = {"kind", "v", "key_id", "public", "created", "kdf", "aead", "nonce", "ciphertext"}
    if not isinstance(doc, dict) or doc.get("kind") != KEY_FILE_KIND or set(doc) != names:
        raise BackupError("not a Helpline backup key file")
    kdf = doc["kdf"]
    if not isinstance(kdf, dict) or set(kdf) != {"alg", "salt", "t", "p", "m"}:
        raise BackupError("the backup key file is malformed")
    if doc["v"] != FORMAT_VERSION or kdf["alg"] != KDF_ALG or doc["aead"] != AEAD_ALG:
        raise BackupError("the backup key file has an unsupported format")
    try:
        cost = _parse_cost(kdf)
    except KeyringError as exc:
        raise BackupError(str(exc).replace("keyring", "backup key file")) from None
    salt, nonce = _unhex(kdf["salt"], SALT_BYTES), _unhex(doc["nonce"], NONCE_BYTES)
    sealed = _unhex(doc["ciphertext"], 32 + _TAG_BYTES)
    aad = canonical_json({k: v for k, v in doc.items() if k != "ciphertext"})
    try:
        plain = ChaCha20Poly1305(_kek(passphrase, salt, cost)).decrypt(nonce, sealed, aad)
    except InvalidTag:
        raise WrongPassphrase(
            "wrong passphrase for the backup key file, or the file was modified"
        ) from None
    private = X25519PrivateKey.from_private_bytes(plain)
    if backup_key_id(private.public_key()) != doc["key_id"]:
        raise BackupError("the backup key file is malformed (its key id does not match)")
    return private


# --- sealed streams ----------------------------------------------------------------------


def _chunk_aad(header_hash: bytes, index: int, last: bool) -> bytes:
    return header_hash + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


class SealedWriter:
    """A write-only file object: what is written is sealed chunk by chunk to `out`.

    `close()` writes the last chunk (possibly empty), which marks the end: a file cut short
    anywhere does not open. Only one chunk of plaintext is held at a time.
    """

    def __init__(self, out: IO[bytes], recipient: X25519PublicKey, header: BackupHeader) -> None:
        raw = header.encode()
        self._out = out
        self._hash = hashlib.sha256(raw).digest()
        self._key = os.urandom(DATA_KEY_BYTES)
        self._aead = ChaCha20Poly1305(self._key)
        self._index = 0
        self._buffer = bytearray()
        self._closed = False
        sealed_key = SUITE.encrypt(self._key, recipient, info=MAGIC + raw)
        out.write(MAGIC + len(raw).to_bytes(4, "big") + raw)
        out.write(len(sealed_key).to_bytes(4, "big") + sealed_key)

    def write(self, data: bytes) -> int:
        if self._closed:
            raise ValueError("write to a closed backup")
        self._buffer += data
        while len(self._buffer) > CHUNK:
            with memoryview(self._buffer) as view:
                self._emit(view[:CHUNK], last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, plain: memoryview | bytes, *, last: bool) -> None:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plain, _chunk_aad(self._hash, self._index, last))
        self._out.write((len(sealed) + NONCE_BYTES).to_bytes(4, "big") + nonce)
        self._out.write(sealed)
        self._index += 1

    def close(self) -> None:
        if not self._closed:
            self._emit(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._closed = True


def read_header(source: IO[bytes]) -> tuple[BackupHeader, bytes]:
    """The header of a sealed file (and its raw bytes), read without any key."""
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError("not a Helpline backup (no backup header)")
    length = int.from_bytes(_exactly(source, 4), "big")
    if not 0 < length <= _MAX_HEADER:
        raise BackupError("the backup's header is malformed")
    raw = _exactly(source, length)
    return BackupHeader.decode(raw), raw


def _exactly(source: IO[bytes], size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise BackupError("the backup is cut short (a copy that did not finish?)")
    return data


class SealedReader:
    """A read-only file object over a sealed file: each chunk is authenticated before any of
    its bytes are returned, and the end must be the sealed last chunk."""

    def __init__(self, source: IO[bytes], private: X25519PrivateKey) -> None:
        self.header, raw = read_header(source)
        if backup_key_id(private.public_key()) != self.header.backup_key:
            raise BackupError(
                f"this backup is sealed to backup key {self.header.backup_key}, not to the key "
                f"in the key file ({backup_key_id(private.public_key())})"
            )
        self._source = source
        self._hash = hashlib.sha256(raw).digest()
        length = int.from_bytes(_exactly(source, 4), "big")
        if not 0 < length <= _MAX_SEALED_KEY:
            raise BackupError("the backup is damaged (its sealed key is malformed)")
        try:
            key = SUITE.decrypt(_exactly(source, length), private, info=MAGIC + raw)
        except (InvalidTag, ValueError):
            raise BackupError("the backup is damaged or its header was edited") from None
        self._aead = ChaCha20Poly1305(key)
        self._index = 0
        self._buffer = b""
        self._pos = 0
        self._done = False

    def _next_chunk(self) -> None:
        length = int.from_bytes(_exactly(self._source, 4), "big")
        if not NONCE_BYTES + _TAG_BYTES <= length <= CHUNK + NONCE_BYTES + _TAG_BYTES:
            raise BackupError(f"the backup is damaged (chunk {self._index})")
        body = memoryview(_exactly(self._source, length))  # no copy of the ciphertext
        nonce, sealed = body[:NONCE_BYTES], body[NONCE_BYTES:]
        for last in (False, True):
            try:
                plain = self._aead.decrypt(nonce, sealed, _chunk_aad(self._hash, self._index, last))
            except InvalidTag:
                continue
            self._index += 1
            left = self._buffer[self._pos :]
            self._buffer = left + plain if left else plain
            self._pos = 0
            if last:
                self._done = True
                if self._source.read(1):
                    raise BackupError("the backup has data after its end (edited or appended)")
            return
        raise BackupError(f"the backup is damaged (chunk {self._index} fails authentication)")

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) - self._pos < size):
            self._next_chunk()
        end = len(self._buffer) if size < 0 else self._pos + size
        data = self._buffer[self._pos : end]
        self._pos += len(data)
        return data

    def drain(self) -> None:
        """Read and authenticate to the end (everything left is discarded)."""
        while not self._done:
            self._buffer, self._pos = b"", 0
            self._next_chunk()
        self._buffer, self._pos = b"", 0
