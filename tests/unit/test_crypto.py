"""Crypto checklist (security notes §8: B1-B7, A4) on real files with real Argon2id costs.

Every unlock costs about 0.15 s, so keyrings are shared through module-scoped fixtures and the
tests that need their own file count their unlocks.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import stat
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import REPO_ROOT
from bot.crypto import keyring as keyring_module
from bot.crypto.keyring import (
    KNOWN_SUBKEY_LABELS,
    KeyringError,
    KeyringExists,
    KeyringMissing,
    PublicKeyring,
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
from tests.support.clock import ManualClock
from tests.support.keys import PASSPHRASE_BYTES as PASSPHRASE

TODAY = date(2026, 11, 25)
# Ids above 2**24 make the 4-, 6- and 8-byte encodings distinctive.
CHAT_IDS = (5_123_456_789, 5_223_456_789, 123_456_789_012)
CONTEXT: dict[str, Any] = {"purpose": "report", "record_id": "0b6f7c1e-uuid", "schema": 1}
FUZZ = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def encodings(value: int) -> list[bytes]:
    """How an integer could leak: decimal text and SQLite-style big-endian, 8-byte little-endian."""
    out = [str(value).encode()]
    for size in (4, 6, 8):
        with contextlib.suppress(OverflowError):
            out.append(value.to_bytes(size, "big", signed=True))
    out.append(value.to_bytes(8, "little", signed=True))
    return out


def all_bytes_under(directory: Path) -> list[bytes]:
    return [p.read_bytes() for p in directory.rglob("*") if p.is_file()]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)


def edited_copy(src: Path, dst: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the keyring in `dst` with one field changed, permissions kept private."""
    doc = json.loads((src / "keyring.json").read_text())
    edit(doc)
    write_private(dst / "keyring.json", json.dumps(doc).encode())
    return dst


def decrypt_secret_part(keys_dir: Path, passphrase: bytes) -> dict[str, Any]:
    """Unwrap the file independently of the module, following the documented format."""
    doc = json.loads((keys_dir / "keyring.json").read_text())
    kdf = doc["kdf"]
    kek = Argon2id(
        salt=bytes.fromhex(kdf["salt"]),
        length=32,
        iterations=kdf["t"],
        lanes=kdf["p"],
        memory_cost=kdf["m"],
    ).derive(passphrase)
    header = {k: v for k, v in doc.items() if k != "ciphertext"}
    aad = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    plain = ChaCha20Poly1305(kek).decrypt(
        bytes.fromhex(doc["nonce"]), bytes.fromhex(doc["ciphertext"]), aad
    )
    opened: dict[str, Any] = json.loads(plain)
    return opened


@pytest.fixture(scope="module")
def ring_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One keyring for the module, created under umask 0 to prove modes do not rely on it."""
    keys_dir = tmp_path_factory.mktemp("ring") / "data" / "keys"
    old = os.umask(0)
    try:
        init_keyring(keys_dir, PASSPHRASE, TODAY)
    finally:
        os.umask(old)
    return keys_dir


@pytest.fixture(scope="module")
def unlocked(ring_dir: Path) -> UnlockedKeyring:
    return UnlockedKeyring.unlock(ring_dir, PASSPHRASE)


@pytest.fixture(scope="module")
def cipher(unlocked: UnlockedKeyring) -> ChatIdCipher:
    return ChatIdCipher(
        unlocked.subkey("subscriber-index"), unlocked.subkey("subscriber-id"), "subscriber"
    )


@pytest.fixture(scope="module")
def sealed(unlocked: UnlockedKeyring) -> bytes:
    return seal(unlocked.current_review_key, {"text": "short"}, **CONTEXT)


# --- keyring: files and permissions -----------------------------------------------------------


def test_init_creates_private_dir_and_file(ring_dir: Path) -> None:
    assert mode(ring_dir) == 0o700
    assert mode(ring_dir.parent) == 0o700  # a missing DATA_DIR is created private as well
    assert mode(ring_dir / "keyring.json") == 0o600
    assert [p.name for p in ring_dir.iterdir()] == ["keyring.json"]  # no temp file left behind
    doc = json.loads((ring_dir / "keyring.json").read_text())
    assert doc["v"] == 1 and doc["aead"] == "chacha20poly1305"
    assert doc["kdf"]["alg"] == "argon2id"
    assert (doc["kdf"]["t"], doc["kdf"]["p"], doc["kdf"]["m"]) >= (3, 4, 65536)
    assert len(bytes.fromhex(doc["kdf"]["salt"])) == 16
    assert len(bytes.fromhex(doc["nonce"])) == 12
    assert set(doc) == {"v", "kdf", "aead", "nonce", "public", "ciphertext"}


def test_file_holds_no_secret_in_the_clear(ring_dir: Path, unlocked: UnlockedKeyring) -> None:
    review = unlocked.review_private("r1")
    assert review is not None
    secrets = [review.private_bytes_raw(), *(unlocked.subkey(x) for x in KNOWN_SUBKEY_LABELS)]
    data = (ring_dir / "keyring.json").read_bytes()
    for secret in secrets:
        assert secret not in data and secret.hex().encode() not in data


def test_init_refuses_to_overwrite(ring_dir: Path) -> None:
    before = (ring_dir / "keyring.json").read_bytes()
    with pytest.raises(KeyringExists):
        init_keyring(ring_dir, PASSPHRASE, TODAY)
    assert (ring_dir / "keyring.json").read_bytes() == before


def test_init_refuses_a_short_passphrase(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="too short"):
        init_keyring(tmp_path / "keys", b"short", TODAY)
    assert not (tmp_path / "keys" / "keyring.json").exists()


def test_init_tightens_an_existing_loose_directory(tmp_path: Path) -> None:
    keys_dir = tmp_path / "keys"
    keys_dir.mkdir(mode=0o755)
    keys_dir.chmod(0o755)
    init_keyring(keys_dir, PASSPHRASE, TODAY)
    assert mode(keys_dir) == 0o700 and mode(keys_dir / "keyring.json") == 0o600


def test_public_part_is_readable_without_passphrase(
    ring_dir: Path, unlocked: UnlockedKeyring
) -> None:
    public = PublicKeyring.load(ring_dir)
    assert not isinstance(public, UnlockedKeyring)
    current = public.current_review_key
    assert (current.key_id, current.created, current.retired) == ("r1", TODAY, None)
    assert current == unlocked.current_review_key
    assert public.review_keys == {"r1": current}
    assert public.signing_public == unlocked.signing_public
    groups = public.fingerprint().split(" ")
    assert len(groups) == 8 and all(len(g) == 4 for g in groups)
    assert public.fingerprint() == unlocked.fingerprint()


@pytest.mark.parametrize(
    ("target", "loose"), [("file", 0o640), ("file", 0o604), ("dir", 0o750), ("dir", 0o705)]
)
def test_load_refuses_loose_permissions(
    ring_dir: Path, tmp_path: Path, target: str, loose: int
) -> None:
    copy = edited_copy(ring_dir, tmp_path / "keys", lambda doc: None)
    (copy / "keyring.json" if target == "file" else copy).chmod(loose)
    with pytest.raises(KeyringError, match="chmod"):
        PublicKeyring.load(copy)
    with pytest.raises(KeyringError, match="chmod"):
        UnlockedKeyring.unlock(copy, PASSPHRASE)


def test_load_refuses_a_symlinked_file(ring_dir: Path, tmp_path: Path) -> None:
    keys_dir = tmp_path / "keys"
    keys_dir.mkdir(mode=0o700)
    (keys_dir / "keyring.json").symlink_to(ring_dir / "keyring.json")
    with pytest.raises(KeyringError):
        PublicKeyring.load(keys_dir)


def test_missing_keyring(tmp_path: Path) -> None:
    with pytest.raises(KeyringMissing):
        PublicKeyring.load(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir(mode=0o700)
    with pytest.raises(KeyringMissing):
        UnlockedKeyring.unlock(tmp_path / "empty", PASSPHRASE)
    with pytest.raises(KeyringMissing):
        rotate_review_key(tmp_path / "nowhere", PASSPHRASE, TODAY)


# --- keyring: passphrase, tampering, downgrade ------------------------------------------------


def test_wrong_passphrase(ring_dir: Path) -> None:
    with pytest.raises(WrongPassphrase) as info:
        UnlockedKeyring.unlock(ring_dir, PASSPHRASE + b"!")
    assert "passphrase" in str(info.value) and "\n" not in str(info.value)


def _flip_hex(value: str, at: int = -1) -> str:
    chars = list(value)
    chars[at] = "0" if chars[at] != "0" else "1"
    return "".join(chars)


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        node: Any = doc
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value(node[path[-1]]) if callable(value) else value

    return edit


OTHER_X25519 = X25519PrivateKey.generate().public_key().public_bytes_raw().hex()
OTHER_ED25519 = Ed25519PrivateKey.generate().public_key().public_bytes_raw().hex()
EDITS = {
    "salt": _set(("kdf", "salt"), _flip_hex),
    "nonce": _set(("nonce",), _flip_hex),
    "t raised": _set(("kdf", "t"), 4),
    "p raised": _set(("kdf", "p"), 5),
    "m raised": _set(("kdf", "m"), 2 * 65536),
    "review public key": _set(("public", "review_keys", 0, "public"), OTHER_X25519),
    "review key created": _set(("public", "review_keys", 0, "created"), "2026-11-24"),
    "signing public key": _set(("public", "signing_public"), OTHER_ED25519),
    "keyring created": _set(("public", "created"), "2020-01-01"),
    "ciphertext byte": _set(("ciphertext",), lambda v: _flip_hex(v, len(v) // 2)),
    "ciphertext tag": _set(("ciphertext",), _flip_hex),
    "ciphertext truncated": _set(("ciphertext",), lambda v: v[:-2]),
}


@pytest.mark.parametrize("field", list(EDITS))
def test_edited_file_does_not_unlock(ring_dir: Path, tmp_path: Path, field: str) -> None:
    copy = edited_copy(ring_dir, tmp_path / "keys", EDITS[field])
    with pytest.raises(WrongPassphrase):
        UnlockedKeyring.unlock(copy, PASSPHRASE)


def _no_argon2(**_: object) -> None:
    raise AssertionError("a refused file must be refused before any key derivation")


@pytest.mark.parametrize(
    "edit",
    [
        _set(("kdf", "m"), 32768),
        _set(("kdf", "m"), 8),
        _set(("kdf", "t"), 2),
        _set(("kdf", "p"), 1),
    ],
    ids=["m halved", "m minimal", "t lowered", "p lowered"],
)
def test_downgraded_cost_is_refused(
    ring_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: Any
) -> None:
    copy = edited_copy(ring_dir, tmp_path / "keys", edit)
    monkeypatch.setattr(keyring_module, "Argon2id", _no_argon2)
    with pytest.raises(KeyringError, match="below the minimum"):
        PublicKeyring.load(copy)
    with pytest.raises(KeyringError, match="below the minimum"):
        UnlockedKeyring.unlock(copy, PASSPHRASE)


@pytest.mark.parametrize(
    "edit",
    [
        _set(("v",), 2),
        _set(("aead",), "aes-128-cbc"),
        _set(("kdf", "alg"), "pbkdf2"),
        _set(("kdf", "m"), 1 << 40),
        _set(("kdf", "t"), "3"),
        _set(("kdf", "t"), True),
        _set(("public", "review_keys", 0, "retired"), "2026-11-25"),
        _set(("public", "review_keys", 0, "key_id"), "../r1"),
        _set(("public", "review_keys"), []),
        _set(("kdf", "salt"), "AB" * 16),
        _set(("extra",), 1),
    ],
    ids=[
        "version",
        "aead",
        "kdf alg",
        "huge m",
        "t as string",
        "t as bool",
        "no current key",
        "bad key id",
        "no keys",
        "uppercase hex",
        "unknown field",
    ],
)
def test_unexpected_header_is_refused_before_derivation(
    ring_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: Any
) -> None:
    copy = edited_copy(ring_dir, tmp_path / "keys", edit)
    monkeypatch.setattr(keyring_module, "Argon2id", _no_argon2)
    with pytest.raises(KeyringError):
        UnlockedKeyring.unlock(copy, PASSPHRASE)


# --- keyring: what an unlocked keyring offers ------------------------------------------------


def test_subkeys_are_separate_and_stable(unlocked: UnlockedKeyring) -> None:
    keys = {label: unlocked.subkey(label) for label in KNOWN_SUBKEY_LABELS}
    assert all(len(k) == 32 for k in keys.values())
    assert len(set(keys.values())) == len(keys)
    assert unlocked.subkey("audit") == keys["audit"]
    with pytest.raises(ValueError):
        unlocked.subkey("Audit log")


def test_sign_and_verify(unlocked: UnlockedKeyring, ring_dir: Path) -> None:
    public = PublicKeyring.load(ring_dir).signing_public
    signature = unlocked.sign(b"alert: region 77")
    assert verify_signature(public, b"alert: region 77", signature)
    assert not verify_signature(public, b"alert: region 78", signature)
    assert not verify_signature(
        public, b"alert: region 77", signature[:-1] + bytes([signature[-1] ^ 1])
    )
    assert not verify_signature(public, b"alert: region 77", b"")


def test_unlocked_keyring_shows_and_pickles_no_secret(unlocked: UnlockedKeyring) -> None:
    assert repr(unlocked) == "UnlockedKeyring(review_keys=['r1'])"
    with pytest.raises(TypeError):
        pickle.dumps(unlocked)


# --- keyring: rotation, crypto-shredding, passphrase change (A4) -----------------------------


def test_rotate_then_destroy(tmp_path: Path) -> None:
    keys_dir = tmp_path / "keys"
    init_keyring(keys_dir, PASSPHRASE, TODAY)
    before = UnlockedKeyring.unlock(keys_dir, PASSPHRASE)
    old_r1 = before.review_private("r1")
    assert old_r1 is not None
    old_raw = old_r1.private_bytes_raw()
    old_blob = seal(PublicKeyring.load(keys_dir).current_review_key, {"n": 1}, **CONTEXT)
    old_header = json.loads((keys_dir / "keyring.json").read_text())

    later = date(2026, 12, 25)
    new = rotate_review_key(keys_dir, PASSPHRASE, later)
    assert (new.key_id, new.created, new.retired) == ("r2", later, None)
    header = json.loads((keys_dir / "keyring.json").read_text())
    assert header["kdf"]["salt"] != old_header["kdf"]["salt"]
    assert header["nonce"] != old_header["nonce"]
    public = PublicKeyring.load(keys_dir)
    assert public.current_review_key == new
    assert public.review_keys["r1"].retired == later
    with pytest.raises(ValueError, match="retired"):
        seal(public.review_keys["r1"], {"n": 1}, **CONTEXT)

    after = UnlockedKeyring.unlock(keys_dir, PASSPHRASE)
    assert after.subkey("subscriber-index") == before.subkey("subscriber-index")
    assert after.fingerprint() == before.fingerprint()
    assert open_sealed(after, old_blob, key_id="r1", **CONTEXT) == {"n": 1}
    new_blob = seal(public.current_review_key, {"n": 2}, **CONTEXT)
    assert open_sealed(after, new_blob, key_id="r2", **CONTEXT) == {"n": 2}
    with pytest.raises(SealError):
        open_sealed(after, new_blob, key_id="r1", **CONTEXT)

    assert destroy_retired_keys(keys_dir, PASSPHRASE, keep={"r1"}) == []
    assert destroy_retired_keys(keys_dir, PASSPHRASE, keep=set()) == ["r1"]

    shredded = UnlockedKeyring.unlock(keys_dir, PASSPHRASE)
    assert shredded.review_private("r1") is None
    assert shredded.review_keys["r1"].destroyed
    with pytest.raises(KeyDestroyed):
        open_sealed(shredded, old_blob, key_id="r1", **CONTEXT)
    assert open_sealed(shredded, new_blob, key_id="r2", **CONTEXT) == {"n": 2}
    assert shredded.subkey("subscriber-index") == before.subkey("subscriber-index")

    secret_part = decrypt_secret_part(keys_dir, PASSPHRASE)
    assert set(secret_part["review_private"]) == {"r2"}
    assert old_raw.hex() not in json.dumps(secret_part)
    assert [p.name for p in keys_dir.iterdir()] == ["keyring.json"]
    for data in all_bytes_under(keys_dir):
        assert old_raw not in data and old_raw.hex().encode() not in data


def test_change_passphrase(tmp_path: Path) -> None:
    keys_dir = tmp_path / "keys"
    init_keyring(keys_dir, PASSPHRASE, TODAY)
    new_passphrase = b"another long passphrase"
    with pytest.raises(KeyringError, match="too short"):
        change_passphrase(keys_dir, PASSPHRASE, b"short")
    change_passphrase(keys_dir, PASSPHRASE, new_passphrase)
    with pytest.raises(WrongPassphrase):
        UnlockedKeyring.unlock(keys_dir, PASSPHRASE)
    assert UnlockedKeyring.unlock(keys_dir, new_passphrase).review_private("r1") is not None
    assert mode(keys_dir / "keyring.json") == 0o600


# --- sealing (B1, B2) ------------------------------------------------------------------------


def test_seal_round_trip_and_randomness(unlocked: UnlockedKeyring, sealed: bytes) -> None:
    assert open_sealed(unlocked, sealed, key_id="r1", **CONTEXT) == {"text": "short"}
    again = seal(unlocked.current_review_key, {"text": "short"}, **CONTEXT)
    assert again != sealed and again[:32] != sealed[:32]
    assert len(sealed) == 32 + BUCKET + 16
    assert b"short" not in sealed


@pytest.mark.parametrize(
    "change",
    [{"purpose": "subscription"}, {"record_id": "0b6f7c1e-uuie"}, {"schema": 2}],
    ids=["purpose", "record_id", "schema"],
)
def test_context_is_bound(unlocked: UnlockedKeyring, sealed: bytes, change: dict[str, Any]) -> None:
    with pytest.raises(SealError):
        open_sealed(unlocked, sealed, key_id="r1", **{**CONTEXT, **change})


def test_key_id_is_bound(unlocked: UnlockedKeyring, sealed: bytes) -> None:
    private = unlocked.review_private("r1")
    assert private is not None
    SUITE.decrypt(sealed, private, info=report_info(key_id="r1", **CONTEXT))
    with pytest.raises(InvalidTag):
        SUITE.decrypt(sealed, private, info=report_info(key_id="r2", **CONTEXT))
    with pytest.raises(SealError):
        open_sealed(unlocked, sealed, key_id="r2", **CONTEXT)


def test_every_bit_flip_is_detected(unlocked: UnlockedKeyring, sealed: bytes) -> None:
    for position in range(len(sealed)):
        for bit in range(8):
            broken = bytearray(sealed)
            broken[position] ^= 1 << bit
            with pytest.raises(SealError):
                open_sealed(unlocked, bytes(broken), key_id="r1", **CONTEXT)
    for broken_blob in (sealed[:-1], sealed + b"\0", sealed[:-BUCKET], sealed + bytes(BUCKET), b""):
        with pytest.raises(SealError):
            open_sealed(unlocked, broken_blob, key_id="r1", **CONTEXT)


def test_padding_hides_length_within_a_bucket(unlocked: UnlockedKeyring) -> None:
    key = unlocked.current_review_key
    empty = len(json.dumps({"t": ""}, separators=(",", ":")))  # 8 bytes of JSON around the text
    sizes = {len(seal(key, {"t": "x" * n}, **CONTEXT)) for n in range(0, BUCKET - 4 - empty + 1)}
    assert sizes == {32 + BUCKET + 16}
    assert len(seal(key, {"t": "x" * (BUCKET - 4 - empty + 1)}, **CONTEXT)) == 32 + 2 * BUCKET + 16
    for n in (0, 1000, 4000):
        blob = seal(key, {"t": "ы😀" * n}, **CONTEXT)
        assert (len(blob) - 32 - 16) % BUCKET == 0


def test_seal_refuses_payloads_json_cannot_carry(unlocked: UnlockedKeyring) -> None:
    key = unlocked.current_review_key
    with pytest.raises(ValueError, match="Unicode") as info:
        seal(key, {"text": "secret \ud800"}, **CONTEXT)
    assert "secret" not in str(info.value) and info.value.__context__ is None
    with pytest.raises(ValueError):
        seal(key, {"x": float("nan")}, **CONTEXT)


def test_pad_and_unpad_edges() -> None:
    assert len(pad(b"")) == BUCKET
    assert len(pad(b"x" * (BUCKET - 4))) == BUCKET
    assert len(pad(b"x" * (BUCKET - 3))) == 2 * BUCKET
    assert unpad(pad(b"abc")) == b"abc"
    for bad in (b"", b"\0\0\0", (5).to_bytes(4, "big") + b"abcd", pad(b"abc")[:-1] + b"\1"):
        with pytest.raises(SealError):
            unpad(bad)


# --- chat ids (B4, B5) -----------------------------------------------------------------------


def test_chat_id_ref_is_deterministic_and_keyed(
    unlocked: UnlockedKeyring, cipher: ChatIdCipher
) -> None:
    ref = cipher.ref(CHAT_IDS[0])
    assert len(ref) == 32 and cipher.ref(CHAT_IDS[0]) == ref
    assert cipher.ref(CHAT_IDS[1]) != ref
    other_key = ChatIdCipher(
        unlocked.subkey("moderator-index"), unlocked.subkey("subscriber-id"), "subscriber"
    )
    assert other_key.ref(CHAT_IDS[0]) != ref
    other_purpose = ChatIdCipher(
        unlocked.subkey("subscriber-index"), unlocked.subkey("subscriber-id"), "moderator"
    )
    assert other_purpose.ref(CHAT_IDS[0]) != ref
    for chat_id in CHAT_IDS:
        blob = cipher.encrypt(chat_id, cipher.ref(chat_id))
        for needle in encodings(chat_id):
            assert needle not in cipher.ref(chat_id) and needle not in blob


def test_chat_id_round_trip_and_swap(cipher: ChatIdCipher) -> None:
    a, b = CHAT_IDS[0], CHAT_IDS[1]
    ref_a, ref_b = cipher.ref(a), cipher.ref(b)
    blob_a, blob_b = cipher.encrypt(a, ref_a), cipher.encrypt(b, ref_b)
    assert cipher.decrypt(blob_a, ref_a) == a and cipher.decrypt(blob_b, ref_b) == b
    group = -1001234567890  # a group chat id (a moderators' chat) is negative
    assert cipher.decrypt(cipher.encrypt(group, cipher.ref(group)), cipher.ref(group)) == group
    with pytest.raises(SealError):
        cipher.decrypt(blob_a, ref_b)
    with pytest.raises(SealError):
        cipher.decrypt(blob_b, ref_a)
    with pytest.raises(SealError):
        cipher.decrypt(blob_a[:-1] + bytes([blob_a[-1] ^ 1]), ref_a)
    with pytest.raises(ValueError):
        cipher.encrypt(a, ref_b)  # a ref that is not this chat's is a caller bug


def test_ten_thousand_encryptions_use_distinct_nonces(cipher: ChatIdCipher) -> None:
    ref = cipher.ref(CHAT_IDS[0])
    nonces = {cipher.encrypt(CHAT_IDS[0], ref)[:12] for _ in range(10_000)}
    assert len(nonces) == 10_000


# --- epoch tags (section 6) ------------------------------------------------------------------


def test_epoch_tags_link_within_an_epoch_only() -> None:
    clock = ManualClock(1_800_000_000.0)
    tagger = EpochTagger(3600, clock=clock)
    first = tagger.tag(CHAT_IDS[0])
    assert len(first) == 16
    clock.now += 10
    assert tagger.tag(CHAT_IDS[0]) == first
    assert tagger.tag(CHAT_IDS[1]) != first
    epoch = tagger.epoch
    clock.now += 3600
    assert tagger.epoch == epoch + 1
    second = tagger.tag(CHAT_IDS[0])
    assert second != first
    clock.now -= 3600  # back in the old epoch: its key is gone, so its tags cannot be rebuilt
    assert tagger.tag(CHAT_IDS[0]) not in {first, second}
    for user_id in CHAT_IDS:
        tag = tagger.tag(user_id)
        assert all(needle not in tag for needle in encodings(user_id))
    assert EpochTagger(3600, clock=clock).tag(CHAT_IDS[0]) != tagger.tag(CHAT_IDS[0])


# --- properties and fuzzing (B6) -------------------------------------------------------------

TEXT = st.text(
    st.characters(codec="utf-8") | st.characters(codec="utf-8", min_codepoint=0x10000),
    max_size=4000,
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)
PAYLOADS = st.dictionaries(st.text(max_size=16), JSON_VALUES, max_size=4)


@given(data=st.binary(max_size=2000), bucket=st.integers(min_value=1, max_value=1024))
@settings(max_examples=500, deadline=None)
def test_pad_round_trip(data: bytes, bucket: int) -> None:
    padded = pad(data, bucket)
    assert len(padded) % bucket == 0 and len(padded) - bucket < len(data) + 4 <= len(padded)
    assert unpad(padded) == data


@given(payload=PAYLOADS)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_seal_round_trip_property(unlocked: UnlockedKeyring, payload: dict[str, Any]) -> None:
    blob = seal(unlocked.current_review_key, payload, **CONTEXT)
    assert (len(blob) - 48) % BUCKET == 0
    assert open_sealed(unlocked, blob, key_id="r1", **CONTEXT) == payload


BLOBS = st.binary(max_size=1200) | st.integers(min_value=1, max_value=3).flatmap(
    lambda k: st.binary(min_size=48 + BUCKET * k, max_size=48 + BUCKET * k)
)


@given(blob=BLOBS)
@FUZZ
def test_open_sealed_fuzz(unlocked: UnlockedKeyring, blob: bytes) -> None:
    with pytest.raises(SealError):
        open_sealed(unlocked, blob, key_id="r1", **CONTEXT)


@given(position=st.integers(min_value=0), value=st.integers(min_value=1, max_value=255))
@settings(max_examples=500, deadline=None)
def test_open_sealed_mutation_fuzz(
    unlocked: UnlockedKeyring, sealed: bytes, position: int, value: int
) -> None:
    broken = bytearray(sealed)
    broken[position % len(sealed)] ^= value
    with pytest.raises(SealError):
        open_sealed(unlocked, bytes(broken), key_id="r1", **CONTEXT)


@given(blob=st.binary(max_size=200), ref=st.binary(max_size=40))
@FUZZ
def test_chat_id_decrypt_fuzz(cipher: ChatIdCipher, blob: bytes, ref: bytes) -> None:
    with pytest.raises(SealError):
        cipher.decrypt(blob, ref)


@given(data=st.binary(max_size=600))
@FUZZ
def test_unpad_fuzz(data: bytes) -> None:
    try:
        result = unpad(data)
    except SealError:
        return
    assert data[4:].startswith(result) and not any(data[4 + len(result) :])


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    keys_dir = tmp_path_factory.mktemp("fuzz") / "keys"
    keys_dir.mkdir(mode=0o700)
    return keys_dir


@given(raw=st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
@settings(max_examples=500, deadline=None)
def test_keyring_parser_fuzz_bytes(fuzz_dir: Path, raw: bytes) -> None:
    write_private(fuzz_dir / "keyring.json", raw)
    with pytest.raises(KeyringError):
        PublicKeyring.load(fuzz_dir)


@pytest.fixture(scope="module")
def ring_doc(ring_dir: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((ring_dir / "keyring.json").read_text())
    return doc


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        yield (*prefix, key)
        if isinstance(value, dict | list):
            yield from _paths(value, (*prefix, key))


@given(data=st.data())
@settings(max_examples=500, deadline=None)
def test_keyring_parser_fuzz_fields(
    fuzz_dir: Path, ring_doc: dict[str, Any], data: st.DataObject
) -> None:
    """Any field replaced by any JSON value: the public loader either copes or says KeyringError."""
    doc = json.loads(json.dumps(ring_doc))
    path = data.draw(st.sampled_from(list(_paths(doc))))
    _set(path, data.draw(JSON_VALUES))(doc)
    write_private(fuzz_dir / "keyring.json", json.dumps(doc).encode())
    with contextlib.suppress(KeyringError):
        PublicKeyring.load(fuzz_dir)


# --- known answers and forbidden APIs (B7) ---------------------------------------------------


def test_rfc8439_chacha20_poly1305_vector() -> None:
    key = bytes(range(0x80, 0xA0))
    nonce = bytes.fromhex("070000004041424344454647")
    aad = bytes.fromhex("50515253c0c1c2c3c4c5c6c7")
    plaintext = (
        b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
        b"the future, sunscreen would be it."
    )
    ciphertext = bytes.fromhex(
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
        "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
        "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
        "3ff4def08e4b7a9de576d26586cec64b6116"
    )
    tag = bytes.fromhex("1ae10b594f09e26a7e902ecbd0600691")
    assert ChaCha20Poly1305(key).encrypt(nonce, plaintext, aad) == ciphertext + tag
    assert ChaCha20Poly1305(key).decrypt(nonce, ciphertext + tag, aad) == plaintext


def test_private_hpke_aad_apis_are_not_used() -> None:
    sources = list((REPO_ROOT / "bot" / "crypto").rglob("*.py"))
    assert sources
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert "_encrypt_with_aad" not in text and "_decrypt_with_aad" not in text, path.name
