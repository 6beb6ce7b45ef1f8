"""The operator's keyring: one passphrase-wrapped file that holds every long-term secret.

Our own Argon2id + ChaCha20-Poly1305 envelope, because `BestAvailableEncryption` gives PBKDF2 at
2048 iterations, far too cheap against offline guessing of a seized file. The whole header and
public part are the AEAD's associated data, so a file with a lowered cost, a swapped salt or a
planted public key does not unlock. Public keys stay readable without the passphrase: locked mode
seals reports to them; so each review public key also carries the signing key's signature, which
a locked start checks (bot.services.keytrust) against a fingerprint configured outside DATA_DIR.

Every rewrite overwrites the old version in place once the new one is on disk, and
destroy_keyring is the panic switch: what survives anyway (copy-on-write filesystems, SSDs,
snapshots, backups) is written down in the README, Keys.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final, NoReturn, TypeVar

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEYRING_FILE: Final = "keyring.json"
# Left in KEYS_DIR by destroy_keyring: the keyring is gone on purpose (no key material inside).
TOMBSTONE_FILE: Final = "keyring.destroyed"
_TEMP_PREFIX: Final = ".keyring-"
_TEMP_SUFFIX: Final = ".tmp"
# What a review key's signature covers starts with this, so it can never pass for an alert's.
REVIEW_KEY_DOMAIN: Final = b"helpline-review-key/v1\n"
# And a backup key's: the signing key vouches that backups may be sealed to it.
BACKUP_KEY_DOMAIN: Final = b"helpline-backup-key/v1\n"
FORMAT_VERSION: Final = 1
KDF_ALG: Final = "argon2id"
AEAD_ALG: Final = "chacha20poly1305"
MIN_PASSPHRASE_BYTES: Final = 12
# RFC 9106's second recommended option; a file asking for less is treated as a downgrade attack.
MIN_T: Final = 3
MIN_P: Final = 4
MIN_M: Final = 64 * 1024
# Upper bounds so that a planted file cannot make unlocking eat all memory or hang.
MAX_T: Final = 64
MAX_P: Final = 64
MAX_M: Final = 4 * 1024 * 1024
SALT_BYTES: Final = 16
NONCE_BYTES: Final = 12
SECRET_BYTES: Final = 32
SUBKEY_PREFIX: Final = b"helpline/v1/"
# Documentation of the labels features use; any label of this shape is accepted.
KNOWN_SUBKEY_LABELS: Final = frozenset(
    {"subscriber-index", "subscriber-id", "moderator-index", "moderator-id", "audit", "feedback"}
)
_MAX_FILE_BYTES: Final = 1 << 20
_KEY_ID = re.compile(r"r[1-9][0-9]{0,8}")
_BACKUP_KEY_ID = re.compile(r"b[0-9a-f]{16}")
_LABEL = re.compile(r"[a-z][a-z0-9-]{0,63}")
_HEX = re.compile(r"(?:[0-9a-f]{2})+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_K = TypeVar("_K")


class KeyringError(Exception):
    """A keyring problem, told in one line that an operator can act on; never holds a secret."""


class WrongPassphrase(KeyringError):
    """The passphrase does not open the keyring (or the file was edited: the two look the same)."""


class KeyringExists(KeyringError):
    """`init` never overwrites: losing the old keyring would make every stored report unreadable."""


class KeyringMissing(KeyringError):
    """No keyring in the keys directory yet: run `helpline-bot keys init`."""


class KeyringDestroyed(KeyringError):
    """The keyring was destroyed on purpose (`keys destroy`): a state of its own, not an error
    to fix by restoring a file; the bot serves guidance only."""

    def __init__(self, message: str, destroyed_at: str) -> None:
        super().__init__(message)
        self.destroyed_at = destroyed_at


@dataclass(frozen=True)
class ReviewPublicKey:
    """A review key as anyone may see it; `destroyed` means its private half was shredded."""

    key_id: str
    public: X25519PublicKey
    created: date
    retired: date | None
    destroyed: bool = False
    # Ed25519 signature of review_key_statement() by the keyring's signing key; None only in a
    # keyring written before signatures existed (upgraded at the first unlocked start).
    signature: bytes | None = None

    def statement(self) -> bytes:
        return review_key_statement(self.key_id, self.public, self.created)


def review_key_statement(key_id: str, public: X25519PublicKey, created: date) -> bytes:
    """What the signing key vouches for: this key id is this public key, made on this day."""
    return REVIEW_KEY_DOMAIN + canonical_json(
        {
            "key_id": key_id,
            "public": public.public_bytes_raw().hex(),
            "created": created.isoformat(),
        }
    )


@dataclass(frozen=True)
class BackupPublicKey:
    """The public half of the offline backup key pair (`keys backup-key`): backups are sealed to
    it, and its private half never touches the server. Signed by the signing key, so a locked
    reader (`backup` needs no passphrase) can tell a planted key from the operator's own."""

    key_id: str
    public: X25519PublicKey
    created: date
    signature: bytes

    def statement(self) -> bytes:
        return backup_key_statement(self.key_id, self.public, self.created)


def backup_key_id(public: X25519PublicKey) -> str:
    """`b` and 16 hex digits of the key's SHA-256: the same key always has the same id, so a
    backup, the private half's file and the keyring can be matched without a secret."""
    return "b" + hashlib.sha256(public.public_bytes_raw()).hexdigest()[:16]


def backup_key_statement(key_id: str, public: X25519PublicKey, created: date) -> bytes:
    return BACKUP_KEY_DOMAIN + canonical_json(
        {
            "key_id": key_id,
            "public": public.public_bytes_raw().hex(),
            "created": created.isoformat(),
        }
    )


def canonical_json(value: object) -> bytes:
    """One byte string per value (sorted keys, no spaces), so it can be authenticated."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def _key_number(key_id: str) -> int:
    return int(key_id[1:])


class PublicKeyring:
    """What is readable without the passphrase: enough to seal reports and verify alerts."""

    def __init__(
        self,
        *,
        review_keys: Mapping[str, ReviewPublicKey],
        signing_public: Ed25519PublicKey,
        created: date,
        backup_key: BackupPublicKey | None = None,
    ) -> None:
        if not any(k.retired is None for k in review_keys.values()):
            raise KeyringError("keyring has no current (non-retired) review key")
        self._review_keys = dict(review_keys)
        self._signing_public = signing_public
        self._created = created
        self._backup_key = backup_key

    @classmethod
    def load(cls, keys_dir: Path) -> PublicKeyring:
        """Read the public part; refuses loose permissions and downgraded cost parameters."""
        return _read_envelope(Path(keys_dir)).public

    @property
    def review_keys(self) -> dict[str, ReviewPublicKey]:
        return dict(self._review_keys)

    @property
    def current_review_key(self) -> ReviewPublicKey:
        """The newest non-retired key: the one new reports are sealed to."""
        current = [k for k in self._review_keys.values() if k.retired is None]
        return max(current, key=lambda k: _key_number(k.key_id))

    @property
    def signing_public(self) -> Ed25519PublicKey:
        return self._signing_public

    @property
    def created(self) -> date:
        return self._created

    @property
    def backup_key(self) -> BackupPublicKey | None:
        """The backup public key as stored; use trusted_backup_key() before sealing to it."""
        return self._backup_key

    def trusted_backup_key(self) -> BackupPublicKey:
        """The backup key, checked against the signing key's signature (KeyringError if there
        is none yet or it is not signed by this keyring's signing key)."""
        key = self._backup_key
        if key is None:
            raise KeyringError(
                "the keyring has no backup key yet: run `helpline-bot keys backup-key` once"
            )
        if not verify_signature(self._signing_public, key.statement(), key.signature):
            raise KeyringError(
                f"backup key {key.key_id} is not signed by this keyring's signing key: the "
                "keyring file was edited; refusing to seal a backup to it"
            )
        return key

    def signature_state(self) -> str:
        """ "signed" (every review key carries a valid signature by this keyring's signing key) or
        "unsigned" (none does: a keyring from before signatures); anything else is refused."""
        unsigned = [k.key_id for k in self._review_keys.values() if k.signature is None]
        if len(unsigned) == len(self._review_keys):
            return "unsigned"
        if unsigned:
            raise KeyringError(
                f"review key(s) {', '.join(sorted(unsigned, key=_key_number))} carry no signature "
                "by the signing key while others do: the keyring file was edited; refusing it"
            )
        forged = sorted(
            (
                k.key_id
                for k in self._review_keys.values()
                if not verify_signature(self._signing_public, k.statement(), k.signature or b"")
            ),
            key=_key_number,
        )
        if forged:
            raise KeyringError(
                f"review key(s) {', '.join(forged)} are not signed by this keyring's signing key: "
                "the keyring file was edited or replaced; restore the right one"
            )
        return "signed"

    def fingerprint(self) -> str:
        """Short form of the signing key to publish, so readers can check `/verify` answers."""
        return self.fingerprint_of(self._signing_public)

    @staticmethod
    def fingerprint_of(public: Ed25519PublicKey) -> str:
        digest = hashlib.sha256(public.public_bytes_raw()).hexdigest()[:32]
        return " ".join(digest[i : i + 4] for i in range(0, 32, 4))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(review_keys={sorted(self._review_keys)!r})"


class UnlockedKeyring(PublicKeyring):
    """The keyring with its secrets in memory; exists only while the bot runs unlocked."""

    def __init__(
        self,
        *,
        public: PublicKeyring,
        master_secret: bytes,
        review_private: Mapping[str, X25519PrivateKey],
        signing_private: Ed25519PrivateKey,
    ) -> None:
        super().__init__(
            review_keys=public.review_keys,
            signing_public=public.signing_public,
            created=public.created,
            backup_key=public.backup_key,
        )
        self._master_secret = master_secret
        self._review_private = dict(review_private)
        self._signing_private = signing_private

    @classmethod
    def unlock(cls, keys_dir: Path, passphrase: bytes) -> UnlockedKeyring:
        """Derive the KEK with Argon2id and open the secret part (about 0.15 s)."""
        return _open(Path(keys_dir), passphrase)[1]

    def review_private(self, key_id: str) -> X25519PrivateKey | None:
        """The private review key, or None once it was destroyed; KeyError if never existed."""
        if key_id not in self._review_keys:
            raise KeyError(key_id)
        return self._review_private.get(key_id)

    def subkey(self, label: str) -> bytes:
        """A 32-byte key for one purpose, so a leak of one never exposes another."""
        if not isinstance(label, str) or not _LABEL.fullmatch(label):
            raise ValueError("subkey label must match [a-z][a-z0-9-]{0,63}")
        return HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=SUBKEY_PREFIX + label.encode("ascii"),
        ).derive(self._master_secret)

    def sign(self, data: bytes) -> bytes:
        """Ed25519 signature over `data` (alerts), checkable by anyone with the fingerprint."""
        return self._signing_private.sign(data)

    def _signed(self, key: ReviewPublicKey) -> ReviewPublicKey:
        return replace(key, signature=self._signing_private.sign(key.statement()))

    def __reduce__(self) -> NoReturn:
        raise TypeError("an unlocked keyring must not be pickled or copied to disk")


def verify_signature(public: Ed25519PublicKey, data: bytes, signature: bytes) -> bool:
    """True only for a valid Ed25519 signature; never raises on garbage input."""
    try:
        public.verify(signature, data)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# --- file format ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cost:
    t: int
    p: int
    m: int


_DEFAULT_COST: Final = _Cost(t=MIN_T, p=MIN_P, m=MIN_M)


@dataclass(frozen=True)
class _Envelope:
    cost: _Cost
    salt: bytes
    nonce: bytes
    public: PublicKeyring
    aad: bytes
    ciphertext: bytes


def _malformed(what: str) -> NoReturn:
    raise KeyringError(f"keyring file is malformed: {what}")


def _fields(value: object, names: set[str], what: str) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != names:
        _malformed(f"{what} must be an object with fields {', '.join(sorted(names))}")
    return value


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _malformed(f"{what} must be an integer")
    return value


def _unhex(value: object, what: str, length: int | None = None) -> bytes:
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        _malformed(f"{what} must be lowercase hex")
    raw = bytes.fromhex(value)
    if length is not None and len(raw) != length:
        _malformed(f"{what} must be {length} bytes")
    return raw


def _key(factory: Callable[[bytes], _K], raw: bytes, what: str) -> _K:
    try:
        return factory(raw)
    except ValueError:
        _malformed(f"{what} is not a valid key")


def _date(value: object, what: str) -> date:
    if isinstance(value, str) and _DATE.fullmatch(value):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value)
    _malformed(f"{what} must be a YYYY-MM-DD date")


def _parse_cost(kdf: dict[str, Any]) -> _Cost:
    cost = _Cost(t=_int(kdf["t"], "kdf.t"), p=_int(kdf["p"], "kdf.p"), m=_int(kdf["m"], "kdf.m"))
    if cost.t < MIN_T or cost.p < MIN_P or cost.m < MIN_M:
        raise KeyringError(
            f"keyring key-derivation cost is below the minimum (t={MIN_T}, p={MIN_P}, m={MIN_M}); "
            "refusing a possibly downgraded file"
        )
    if cost.t > MAX_T or cost.p > MAX_P or cost.m > MAX_M:
        raise KeyringError(
            f"keyring key-derivation cost is above the supported maximum "
            f"(t={MAX_T}, p={MAX_P}, m={MAX_M})"
        )
    return cost


def _parse_backup_key(value: object) -> BackupPublicKey:
    e = _fields(value, {"key_id", "public", "created", "signature"}, "backup key")
    public = _key(X25519PublicKey.from_public_bytes, _unhex(e["public"], "public", 32), "public")
    key_id = e["key_id"]
    if not isinstance(key_id, str) or key_id != backup_key_id(public):
        _malformed("backup key id must be b and 16 hex digits of its key's SHA-256")
    return BackupPublicKey(
        key_id=key_id,
        public=public,
        created=_date(e["created"], "created"),
        signature=_unhex(e["signature"], "signature", 64),
    )


def _parse_public(value: object) -> PublicKeyring:
    # "backup_key" arrived later (`keys backup-key`): a keyring without one is a valid old one.
    names = {"review_keys", "signing_public", "created"}
    if isinstance(value, dict) and "backup_key" in value:
        names.add("backup_key")
    public = _fields(value, names, "public")
    entries = public["review_keys"]
    if not isinstance(entries, list) or not entries:
        _malformed("public.review_keys must be a non-empty list")
    keys: dict[str, ReviewPublicKey] = {}
    for entry in entries:
        names = {"key_id", "public", "created", "retired", "destroyed"}
        if isinstance(entry, dict) and "signature" in entry:
            names.add("signature")
        e = _fields(entry, names, "review key")
        key_id = e["key_id"]
        if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id) or key_id in keys:
            _malformed("review key ids must be unique and look like r1, r2, ...")
        retired = None if e["retired"] is None else _date(e["retired"], "retired")
        if not isinstance(e["destroyed"], bool) or (e["destroyed"] and retired is None):
            _malformed("destroyed must be true or false, and only a retired key can be destroyed")
        keys[key_id] = ReviewPublicKey(
            key_id=key_id,
            public=_key(
                X25519PublicKey.from_public_bytes, _unhex(e["public"], "public", 32), "public"
            ),
            created=_date(e["created"], "created"),
            retired=retired,
            destroyed=e["destroyed"],
            signature=_unhex(e["signature"], "signature", 64) if "signature" in e else None,
        )
    signing = _key(
        Ed25519PublicKey.from_public_bytes,
        _unhex(public["signing_public"], "signing_public", 32),
        "signing_public",
    )
    return PublicKeyring(
        review_keys=keys,
        signing_public=signing,
        created=_date(public["created"], "created"),
        backup_key=_parse_backup_key(public["backup_key"]) if "backup_key" in public else None,
    )


def _parse_envelope(raw: bytes) -> _Envelope:
    """Strict parse of the whole file; anything unexpected is a KeyringError, nothing else."""
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        _malformed("not JSON")
    if not isinstance(doc, dict) or doc.get("v") != FORMAT_VERSION:
        raise KeyringError(f"unsupported keyring format (expected v={FORMAT_VERSION})")
    _fields(doc, {"v", "kdf", "aead", "nonce", "public", "ciphertext"}, "keyring")
    kdf = _fields(doc["kdf"], {"alg", "salt", "t", "p", "m"}, "kdf")
    if kdf["alg"] != KDF_ALG or doc["aead"] != AEAD_ALG:
        raise KeyringError(f"unsupported keyring algorithms (expected {KDF_ALG}, {AEAD_ALG})")
    cost = _parse_cost(kdf)
    ciphertext = _unhex(doc["ciphertext"], "ciphertext")
    if len(ciphertext) < 16 + 2:
        _malformed("ciphertext is too short")
    return _Envelope(
        cost=cost,
        salt=_unhex(kdf["salt"], "kdf.salt", SALT_BYTES),
        nonce=_unhex(doc["nonce"], "nonce", NONCE_BYTES),
        public=_parse_public(doc["public"]),
        aad=canonical_json({k: v for k, v in doc.items() if k != "ciphertext"}),
        ciphertext=ciphertext,
    )


def _check_dir(keys_dir: Path) -> None:
    try:
        st = keys_dir.stat()
    except FileNotFoundError:
        raise KeyringMissing(f"no keyring in {keys_dir}: run `helpline-bot keys init`") from None
    if not stat.S_ISDIR(st.st_mode):
        raise KeyringError(f"keys directory {keys_dir} is not a directory")
    if st.st_mode & 0o077:
        raise KeyringError(
            f"keys directory {keys_dir} is open to group or others "
            f"(mode {stat.S_IMODE(st.st_mode):o}); run chmod 700 on it"
        )


def destroyed_at(keys_dir: Path) -> str | None:
    """When the keyring in `keys_dir` was destroyed on purpose, or None if it was not."""
    try:
        raw = (Path(keys_dir) / TOMBSTONE_FILE).read_bytes()[:4096]
    except FileNotFoundError:
        return None
    except OSError:
        return "an unknown time"
    try:
        when = json.loads(raw).get("destroyed_at")
    except (ValueError, AttributeError, RecursionError):
        when = None
    return when if isinstance(when, str) and len(when) <= 40 else "an unknown time"


def _refuse_destroyed(keys_dir: Path) -> None:
    when = destroyed_at(keys_dir)
    if when is not None:
        raise KeyringDestroyed(
            f"the keyring in {keys_dir} was destroyed on purpose at {when}; reports and alerts "
            "are off on this instance (a new instance needs a new DATA_DIR and KEYS_DIR)",
            when,
        )


def _read_envelope(keys_dir: Path) -> _Envelope:
    _refuse_destroyed(keys_dir)  # first: a destroyed keyring is a state, whatever the modes
    _check_dir(keys_dir)
    path = keys_dir / KEYRING_FILE
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise KeyringMissing(f"no keyring in {keys_dir}: run `helpline-bot keys init`") from None
    except OSError as exc:
        raise KeyringError(
            f"cannot open {path} ({exc.strerror}); it must be a regular file"
        ) from None
    with os.fdopen(fd, "rb") as file:
        st = os.fstat(file.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise KeyringError(f"{path} is not a regular file")
        if st.st_mode & 0o077:
            raise KeyringError(
                f"{path} is readable by group or others (mode {stat.S_IMODE(st.st_mode):o}); "
                "run chmod 600 on it"
            )
        raw = file.read(_MAX_FILE_BYTES + 1)
    if len(raw) > _MAX_FILE_BYTES:
        _malformed("file is too large")
    return _parse_envelope(raw)


# --- wrapping ------------------------------------------------------------------------------


def _check_passphrase_type(passphrase: bytes) -> None:
    if not isinstance(passphrase, bytes):
        raise TypeError("passphrase must be bytes")


def _check_new_passphrase(passphrase: bytes) -> None:
    _check_passphrase_type(passphrase)
    if len(passphrase) < MIN_PASSPHRASE_BYTES:
        raise KeyringError(f"passphrase is too short (at least {MIN_PASSPHRASE_BYTES} bytes)")


def _kek(passphrase: bytes, salt: bytes, cost: _Cost) -> bytes:
    return Argon2id(
        salt=salt, length=32, iterations=cost.t, lanes=cost.p, memory_cost=cost.m
    ).derive(passphrase)


def _secret_part(parts: bytes, public: PublicKeyring) -> UnlockedKeyring:
    """Parse the decrypted part and check it matches the public part key for key."""
    try:
        doc = json.loads(parts)
    except (ValueError, RecursionError):
        _malformed("secret part is not JSON")
    doc = _fields(doc, {"master_secret", "review_private", "signing_private"}, "secret part")
    private = doc["review_private"]
    if not isinstance(private, dict):
        _malformed("secret part review_private must be an object")
    alive = {k.key_id: k for k in public.review_keys.values() if not k.destroyed}
    if set(private) != set(alive):
        _malformed("secret part does not hold exactly the non-destroyed review keys")
    review = {
        kid: _key(X25519PrivateKey.from_private_bytes, _unhex(hx, "private key", 32), "private")
        for kid, hx in private.items()
    }
    signing = _key(
        Ed25519PrivateKey.from_private_bytes,
        _unhex(doc["signing_private"], "signing private key", 32),
        "signing private key",
    )
    if any(review[kid].public_key() != alive[kid].public for kid in review) or (
        signing.public_key() != public.signing_public
    ):
        _malformed("secret part does not match its public keys")
    return UnlockedKeyring(
        public=public,
        master_secret=_unhex(doc["master_secret"], "master secret", SECRET_BYTES),
        review_private=review,
        signing_private=signing,
    )


def _open(keys_dir: Path, passphrase: bytes) -> tuple[_Envelope, UnlockedKeyring]:
    _check_passphrase_type(passphrase)
    envelope = _read_envelope(keys_dir)
    kek = _kek(passphrase, envelope.salt, envelope.cost)
    try:
        parts = ChaCha20Poly1305(kek).decrypt(envelope.nonce, envelope.ciphertext, envelope.aad)
    except InvalidTag:
        raise WrongPassphrase(
            "wrong passphrase, or the keyring file was modified (header, public keys or ciphertext)"
        ) from None
    return envelope, _secret_part(parts, envelope.public)


def _review_key_doc(k: ReviewPublicKey) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "key_id": k.key_id,
        "public": k.public.public_bytes_raw().hex(),
        "created": k.created.isoformat(),
        "retired": None if k.retired is None else k.retired.isoformat(),
        "destroyed": k.destroyed,
    }
    if k.signature is not None:
        doc["signature"] = k.signature.hex()
    return doc


def _public_doc(ring: PublicKeyring) -> dict[str, Any]:
    keys = sorted(ring.review_keys.values(), key=lambda k: _key_number(k.key_id))
    doc: dict[str, Any] = {
        "review_keys": [_review_key_doc(k) for k in keys],
        "signing_public": ring.signing_public.public_bytes_raw().hex(),
        "created": ring.created.isoformat(),
    }
    backup = ring.backup_key
    if backup is not None:
        doc["backup_key"] = {
            "key_id": backup.key_id,
            "public": backup.public.public_bytes_raw().hex(),
            "created": backup.created.isoformat(),
            "signature": backup.signature.hex(),
        }
    return doc


def _wrap(ring: UnlockedKeyring, passphrase: bytes, cost: _Cost) -> dict[str, Any]:
    """A fresh salt and nonce on every write: no two files share a KEK or a nonce."""
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    doc: dict[str, Any] = {
        "v": FORMAT_VERSION,
        "kdf": {"alg": KDF_ALG, "salt": salt.hex(), "t": cost.t, "p": cost.p, "m": cost.m},
        "aead": AEAD_ALG,
        "nonce": nonce.hex(),
        "public": _public_doc(ring),
    }
    secret = {
        "master_secret": ring._master_secret.hex(),
        "review_private": {
            kid: key.private_bytes_raw().hex() for kid, key in ring._review_private.items()
        },
        "signing_private": ring._signing_private.private_bytes_raw().hex(),
    }
    kek = _kek(passphrase, salt, cost)
    sealed = ChaCha20Poly1305(kek).encrypt(nonce, canonical_json(secret), canonical_json(doc))
    doc["ciphertext"] = sealed.hex()
    return doc


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _overwrite(fd: int) -> None:
    """Overwrite an open file's bytes in place with random data and flush them to the disk.

    On ext4/xfs without data journalling this reaches the old blocks; on copy-on-write
    filesystems, SSDs (wear levelling) and in snapshots the old bytes may survive (README, Keys).
    """
    left = os.fstat(fd).st_size
    os.lseek(fd, 0, os.SEEK_SET)
    while left > 0:
        left -= os.write(fd, os.urandom(min(left, 1 << 16)))
    os.fsync(fd)


def shred_file(path: Path) -> bool:
    """Overwrite, fsync and unlink one file (never following a symlink); False if absent."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
    except FileNotFoundError:
        return False
    except OSError:  # a symlink or something else that is not ours to overwrite: just unlink
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        return True
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            _overwrite(fd)
    finally:
        os.close(fd)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    return True


def _shred_stale_temps(keys_dir: Path) -> None:
    """Temporary copies a write interrupted by a crash left behind hold a whole keyring."""
    for path in keys_dir.glob(f"{_TEMP_PREFIX}*{_TEMP_SUFFIX}"):
        shred_file(path)


def _open_old(path: Path) -> int | None:
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def _write(keys_dir: Path, doc: dict[str, Any]) -> None:
    """Atomic replace, then the old version's bytes are overwritten in place.

    The old file is held open across the rename: its bytes are overwritten only once the new
    version is on disk (overwriting first would lose the keyring on a crash in between). No
    temporary or backup copy is left: a failed write shreds its temporary file, and one left by
    a crash is shredded by the next write. mkstemp creates the temporary file 0600.
    """
    data = json.dumps(doc, indent=2).encode("ascii") + b"\n"
    _shred_stale_temps(keys_dir)
    target = keys_dir / KEYRING_FILE
    old = _open_old(target)
    replaced = False
    fd, tmp = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX, dir=keys_dir)
    try:
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), 0o600)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, target)
        replaced = True
        _fsync_dir(keys_dir)
        if old is not None:
            _overwrite(old)
    finally:
        if old is not None:
            os.close(old)
        if not replaced:
            shred_file(Path(tmp))


@contextlib.contextmanager
def _locked(keys_dir: Path) -> Iterator[None]:
    """Serialise writers (rotate, destroy, init) so that none loses another's key."""
    try:
        fd = os.open(keys_dir, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        raise KeyringMissing(f"no keyring in {keys_dir}: run `helpline-bot keys init`") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _private_dir(keys_dir: Path) -> None:
    """Create the keys directory (and missing parents) 0700, or tighten it as storage does."""
    missing = [p for p in (keys_dir, *keys_dir.parents) if not p.exists()]
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)
    if not keys_dir.is_dir():
        raise KeyringError(f"keys directory {keys_dir} is not a directory")
    if stat.S_IMODE(keys_dir.stat().st_mode) != 0o700:
        keys_dir.chmod(0o700)


# --- operations ----------------------------------------------------------------------------


def init_keyring(keys_dir: Path, passphrase: bytes, today: date) -> PublicKeyring:
    """Create a keyring with review key r1, a signing key and a master secret; never overwrites."""
    keys_dir = Path(keys_dir)
    _check_new_passphrase(passphrase)
    _refuse_destroyed(keys_dir)
    if os.path.lexists(keys_dir / KEYRING_FILE):
        raise KeyringExists(f"a keyring already exists in {keys_dir}; refusing to overwrite it")
    _private_dir(keys_dir)
    with _locked(keys_dir):
        if os.path.lexists(keys_dir / KEYRING_FILE):
            raise KeyringExists(f"a keyring already exists in {keys_dir}; refusing to overwrite it")
        review, signing = X25519PrivateKey.generate(), Ed25519PrivateKey.generate()
        public = PublicKeyring(
            review_keys={"r1": ReviewPublicKey("r1", review.public_key(), today, None)},
            signing_public=signing.public_key(),
            created=today,
        )
        unsigned = UnlockedKeyring(
            public=public,
            master_secret=os.urandom(SECRET_BYTES),
            review_private={"r1": review},
            signing_private=signing,
        )
        ring = _with_review_keys(unsigned, _sign_all(unsigned, public.review_keys))
        _write(keys_dir, _wrap(ring, passphrase, _DEFAULT_COST))
    return PublicKeyring.load(keys_dir)


def _with_review_keys(
    ring: UnlockedKeyring,
    review_keys: Mapping[str, ReviewPublicKey],
    review_private: Mapping[str, X25519PrivateKey] | None = None,
    backup_key: BackupPublicKey | None = None,
) -> UnlockedKeyring:
    public = PublicKeyring(
        review_keys=review_keys,
        signing_public=ring.signing_public,
        created=ring.created,
        backup_key=ring.backup_key if backup_key is None else backup_key,
    )
    return UnlockedKeyring(
        public=public,
        master_secret=ring._master_secret,
        review_private=ring._review_private if review_private is None else review_private,
        signing_private=ring._signing_private,
    )


def _sign_all(
    ring: UnlockedKeyring, review_keys: Mapping[str, ReviewPublicKey]
) -> dict[str, ReviewPublicKey]:
    """Every review key with the signing key's signature (the ones without one get it now)."""
    return {
        kid: k if k.signature is not None else ring._signed(k) for kid, k in review_keys.items()
    }


def _rewrap(
    keys_dir: Path,
    passphrase: bytes,
    cost: _Cost,
    ring: UnlockedKeyring,
    review_keys: Mapping[str, ReviewPublicKey],
    review_private: Mapping[str, X25519PrivateKey],
) -> None:
    updated = _with_review_keys(ring, _sign_all(ring, review_keys), review_private)
    _write(keys_dir, _wrap(updated, passphrase, cost))


def rotate_review_key(keys_dir: Path, passphrase: bytes, today: date) -> ReviewPublicKey:
    """Add a new current review key and retire the old one (kept until destroy_retired_keys)."""
    keys_dir = Path(keys_dir)
    with _locked(keys_dir):
        envelope, ring = _open(keys_dir, passphrase)
        keys = {
            kid: replace(k, retired=today) if k.retired is None else k
            for kid, k in ring.review_keys.items()
        }
        new_id = f"r{max(_key_number(kid) for kid in keys) + 1}"
        new_private = X25519PrivateKey.generate()
        new = ring._signed(ReviewPublicKey(new_id, new_private.public_key(), today, None))
        keys[new_id] = new
        private = {**ring._review_private, new_id: new_private}
        _rewrap(keys_dir, passphrase, envelope.cost, ring, keys, private)
    return new


def destroy_retired_keys(keys_dir: Path, passphrase: bytes, keep: set[str]) -> list[str]:
    """Crypto-shred retired private keys not in `keep`; reports sealed to them become unreadable.

    `keep` holds the key ids still protecting reports within retention. The public entries stay,
    marked destroyed, so an old row reports "expired" rather than "unknown key".
    """
    keys_dir = Path(keys_dir)
    with _locked(keys_dir):
        envelope, ring = _open(keys_dir, passphrase)
        doomed = sorted(
            (
                k.key_id
                for k in ring.review_keys.values()
                if k.retired is not None and not k.destroyed and k.key_id not in keep
            ),
            key=_key_number,
        )
        if doomed:
            keys = {
                kid: replace(k, destroyed=True) if kid in doomed else k
                for kid, k in ring.review_keys.items()
            }
            private = {k: v for k, v in ring._review_private.items() if k not in doomed}
            _rewrap(keys_dir, passphrase, envelope.cost, ring, keys, private)
    return doomed


def sign_review_keys(keys_dir: Path, passphrase: bytes) -> list[str]:
    """Upgrade a keyring from before signatures: sign its review keys (the unlocked file's
    public part is authenticated by the passphrase, so they are the operator's own)."""
    keys_dir = Path(keys_dir)
    with _locked(keys_dir):
        envelope, ring = _open(keys_dir, passphrase)
        unsigned = sorted(
            (k.key_id for k in ring.review_keys.values() if k.signature is None), key=_key_number
        )
        if unsigned:
            _rewrap(
                keys_dir, passphrase, envelope.cost, ring, ring.review_keys, ring._review_private
            )
    return unsigned


def set_backup_key(
    keys_dir: Path, passphrase: bytes, public: X25519PublicKey, today: date
) -> BackupPublicKey:
    """Put a backup public key, signed by the signing key, into the keyring's public part.

    The keyring format upgrade for backups: an existing keyring gains the key with its own
    passphrase, no `keys init`. A key already there is replaced (its private half lost, say):
    backups made before stay sealed to the old one.
    """
    keys_dir = Path(keys_dir)
    with _locked(keys_dir):
        envelope, ring = _open(keys_dir, passphrase)
        key_id = backup_key_id(public)
        statement = backup_key_statement(key_id, public, today)
        key = BackupPublicKey(key_id, public, today, ring._signing_private.sign(statement))
        updated = _with_review_keys(ring, ring.review_keys, backup_key=key)
        _write(keys_dir, _wrap(updated, passphrase, envelope.cost))
    return key


def destroy_keyring(keys_dir: Path, when: datetime) -> Path:
    """Destroy the keyring on purpose (the panic switch): what it protects becomes unreadable.

    A tombstone saying when is written first, so that a crash half-way still leaves the state
    "destroyed"; it keeps no secret, only the signing key's public half (revoked from that
    moment: /verify can still say what it signed before). Then the keyring file and any
    temporary copy are overwritten, fsynced and unlinked. Returns the tombstone's path. Needs no
    passphrase, on purpose.
    """
    keys_dir = Path(keys_dir)
    path = keys_dir / KEYRING_FILE
    # No permission checks here: a panic switch must work on a misconfigured directory too.
    with _locked(keys_dir):
        if not os.path.lexists(path):
            _refuse_destroyed(keys_dir)
            raise KeyringMissing(f"no keyring in {keys_dir}: nothing to destroy")
        tombstone = keys_dir / TOMBSTONE_FILE
        if not tombstone.exists():
            note: dict[str, str] = {
                "destroyed_at": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "about": "the keyring was destroyed on purpose; no secret key is kept here, only "
                "the alert signing key's public half, revoked at destroyed_at",
            }
            signing = _signing_public_of(path)
            if signing is not None:
                note["signing_public"] = signing.public_bytes_raw().hex()
            _write_file(keys_dir, TOMBSTONE_FILE, canonical_json(note) + b"\n")
        shred_file(path)
        _shred_stale_temps(keys_dir)
        _fsync_dir(keys_dir)
    return tombstone


def _signing_public_of(path: Path) -> Ed25519PublicKey | None:
    """The signing key's public half from a keyring file about to be destroyed (no checks of
    modes: the panic switch must work on a misconfigured directory), or None if unreadable."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as file:
            raw = file.read(_MAX_FILE_BYTES + 1)
        return _parse_envelope(raw).public.signing_public
    except (OSError, KeyringError):
        return None


@dataclass(frozen=True)
class RevokedSigningKey:
    """The alert signing key after the keyring was destroyed: its public half and when it was
    revoked. Texts it signed before then were genuine; nothing it signs after is (the private
    half is gone here, but a copy taken from a seized server could still sign)."""

    public: Ed25519PublicKey
    revoked_at: str  # YYYY-MM-DDTHH:MM:SSZ, UTC

    @property
    def revoked_on(self) -> str:
        return self.revoked_at[:10]

    def fingerprint(self) -> str:
        return PublicKeyring.fingerprint_of(self.public)


def revoked_signing_key(keys_dir: Path) -> RevokedSigningKey | None:
    """The revoked signing key the tombstone keeps, or None (no tombstone, or one written
    before tombstones kept it, or an unreadable one)."""
    try:
        doc = json.loads((Path(keys_dir) / TOMBSTONE_FILE).read_bytes()[:4096])
        when, hexkey = doc["destroyed_at"], doc["signing_public"]
        if not isinstance(when, str) or not _TIMESTAMP.fullmatch(when):
            return None
        public = Ed25519PublicKey.from_public_bytes(_unhex(hexkey, "signing_public", 32))
    except (OSError, ValueError, KeyError, TypeError, RecursionError, KeyringError):
        return None
    return RevokedSigningKey(public, when)


def _write_file(keys_dir: Path, name: str, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tombstone-", dir=keys_dir)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, keys_dir / name)
        _fsync_dir(keys_dir)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def change_passphrase(keys_dir: Path, old: bytes, new: bytes) -> None:
    """Re-wrap the same secrets under a new passphrase (fresh salt and nonce)."""
    keys_dir = Path(keys_dir)
    _check_new_passphrase(new)
    with _locked(keys_dir):
        envelope, ring = _open(keys_dir, old)
        _rewrap(keys_dir, new, envelope.cost, ring, ring.review_keys, ring._review_private)


def parse_keyring_public(raw: bytes) -> PublicKeyring:
    """The public part of a keyring file's bytes (one carried in an export), strictly parsed."""
    return _parse_envelope(raw).public


def install_keyring_file(keys_dir: Path, raw: bytes) -> None:
    """Put a keyring file's bytes, exactly as they are (wrapped under their passphrase), into
    an empty keys directory: 0600 in a 0700 directory; never over an existing keyring."""
    keys_dir = Path(keys_dir)
    _refuse_destroyed(keys_dir)
    parse_keyring_public(raw)
    _private_dir(keys_dir)
    with _locked(keys_dir):
        try:
            fd = os.open(keys_dir / KEYRING_FILE, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            raise KeyringExists(f"a keyring already exists in {keys_dir}") from None
        with os.fdopen(fd, "wb") as file:
            file.write(raw)
            file.flush()
            os.fsync(file.fileno())
        _fsync_dir(keys_dir)


def replace_shredding_old(new: Path, target: Path) -> None:
    """Rename `new` over `target`, then overwrite the old version's bytes in place (as keyring
    rewrites do: only once the new version is in place)."""
    old = _open_old(target)
    try:
        os.replace(new, target)
        _fsync_dir(target.parent)
        if old is not None:
            _overwrite(old)
    finally:
        if old is not None:
            os.close(old)
