"""The backup key pair, the private half's file and the sealed stream: real keys, real files."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from bot.crypto import backup as sealed
from bot.crypto.backup import (
    BackupError,
    BackupHeader,
    SealedReader,
    SealedWriter,
    read_header,
    unwrap_private_key,
    wrap_private_key,
)
from bot.crypto.keyring import (
    KEYRING_FILE,
    KeyringError,
    PublicKeyring,
    WrongPassphrase,
    backup_key_id,
    rotate_review_key,
    set_backup_key,
)
from bot.storage import snapshot
from tests.support.keys import PASSPHRASE_BYTES, make_keyring, unlock

BACKUP_PASS = b"quarrel-anthem-bravely-sandal-uplift"
TODAY = dt.date(2026, 12, 6)


def header(private: X25519PrivateKey, **changes: object) -> BackupHeader:
    made = BackupHeader(
        kind="backup",
        schema=6,
        backup_key=backup_key_id(private.public_key()),
        signing_key="0" * 32,
        created="2026-12-06T07",
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def seal(private: X25519PrivateKey, data: bytes, head: BackupHeader | None = None) -> bytes:
    out = io.BytesIO()
    writer = SealedWriter(out, private.public_key(), head or header(private))
    for i in range(0, len(data), 700):  # writes that do not line up with chunks
        writer.write(data[i : i + 700])
    writer.close()
    return out.getvalue()


def open_all(private: X25519PrivateKey, blob: bytes) -> bytes:
    reader = SealedReader(io.BytesIO(blob), private)
    data = reader.read(333) + reader.read()
    reader.drain()
    return data


def test_an_old_keyring_gains_a_signed_backup_key_without_keys_init(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    make_keyring(keys)
    old = json.loads((keys / KEYRING_FILE).read_text())
    assert "backup_key" not in old["public"]  # a keyring as earlier versions wrote it
    assert PublicKeyring.load(keys).backup_key is None
    with pytest.raises(KeyringError, match="keys backup-key"):
        PublicKeyring.load(keys).trusted_backup_key()

    private = X25519PrivateKey.generate()
    key = set_backup_key(keys, PASSPHRASE_BYTES, private.public_key(), TODAY)
    ring = PublicKeyring.load(keys)
    assert ring.trusted_backup_key() == key
    assert key.key_id == backup_key_id(private.public_key())
    assert ring.review_keys == PublicKeyring.load(keys).review_keys
    assert unlock(keys).review_private("r1") is not None  # the secrets are untouched
    rotate_review_key(keys, PASSPHRASE_BYTES, TODAY)  # later rewrites keep it
    assert PublicKeyring.load(keys).trusted_backup_key() == key


def test_a_planted_backup_key_is_refused_without_the_passphrase(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    make_keyring(keys)
    set_backup_key(keys, PASSPHRASE_BYTES, X25519PrivateKey.generate().public_key(), TODAY)
    doc = json.loads((keys / KEYRING_FILE).read_text())
    planted = X25519PrivateKey.generate().public_key()
    doc["public"]["backup_key"]["public"] = planted.public_bytes_raw().hex()
    doc["public"]["backup_key"]["key_id"] = backup_key_id(planted)
    (keys / KEYRING_FILE).write_text(json.dumps(doc))
    with pytest.raises(KeyringError, match="not signed"):
        PublicKeyring.load(keys).trusted_backup_key()
    with pytest.raises(WrongPassphrase):  # and the edited public part does not unlock either
        unlock(keys)


def test_the_private_half_opens_only_with_its_passphrase() -> None:
    private = X25519PrivateKey.generate()
    raw = wrap_private_key(private, BACKUP_PASS, TODAY)
    assert private.private_bytes_raw().hex() not in raw.decode()
    opened = unwrap_private_key(raw, BACKUP_PASS)
    assert opened.private_bytes_raw() == private.private_bytes_raw()
    with pytest.raises(WrongPassphrase):
        unwrap_private_key(raw, BACKUP_PASS + b"x")
    doc = json.loads(raw)
    doc["created"] = "2020-01-01"  # any edited header field fails like a wrong passphrase
    with pytest.raises(WrongPassphrase):
        unwrap_private_key(json.dumps(doc).encode(), BACKUP_PASS)
    doc = json.loads(raw)
    doc["kdf"]["m"] = 1024  # a lowered cost is refused before any work
    with pytest.raises(BackupError, match="below the minimum"):
        unwrap_private_key(json.dumps(doc).encode(), BACKUP_PASS)
    for junk in (b"", b"{}", b"[1]", b"\xff" * 20, raw[:-40]):
        with pytest.raises(BackupError):
            unwrap_private_key(junk, BACKUP_PASS)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(sealed, "CHUNK", 1000)
    return 1000


def chunk_offsets(blob: bytes) -> list[int]:
    """Where each sealed chunk starts (after the header and the sealed data key)."""
    source = io.BytesIO(blob)
    read_header(source)
    source.seek(int.from_bytes(source.read(4), "big"), os.SEEK_CUR)
    offsets = []
    while (at := source.tell()) < len(blob):
        offsets.append(at)
        source.seek(int.from_bytes(source.read(4), "big"), os.SEEK_CUR)
    return offsets


def test_a_sealed_stream_round_trips_in_chunks(small_chunks: int) -> None:
    private = X25519PrivateKey.generate()
    data = os.urandom(5 * small_chunks + 17)
    blob = seal(private, data)
    assert len(chunk_offsets(blob)) == 6
    assert open_all(private, blob) == data
    assert open_all(private, seal(private, b"")) == b""
    assert data[:64] not in blob


def test_every_damage_to_a_sealed_stream_is_refused(small_chunks: int) -> None:
    private = X25519PrivateKey.generate()
    data = os.urandom(3 * small_chunks + 5)
    blob = seal(private, data)
    offsets = chunk_offsets(blob)
    cut_short = [blob[:at] for at in offsets] + [blob[:-1]]
    flipped = [blob[:i] + bytes([blob[i] ^ 1]) + blob[i + 1 :] for i in range(0, len(blob), 97)]
    a, b = offsets[0], offsets[1]
    swapped = blob[:a] + blob[b : offsets[2]] + blob[a:b] + blob[offsets[2] :]
    other = seal(private, data)  # the same data, sealed again: its chunks do not fit here
    spliced = blob[: offsets[1]] + other[chunk_offsets(other)[1] :]
    for bad in [*cut_short, *flipped, swapped, spliced, blob + b"\0"]:
        with pytest.raises(BackupError):
            open_all(private, bad)


def test_a_foreign_or_edited_header_does_not_open() -> None:
    mine, theirs = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    blob = seal(mine, b"data")
    with pytest.raises(BackupError, match="sealed to backup key"):
        open_all(theirs, blob)
    # A header that claims the other key: the data key was sealed to mine, so it does not open.
    forged = seal(mine, b"data", header(mine, backup_key=backup_key_id(theirs.public_key())))
    with pytest.raises(BackupError, match="damaged"):
        open_all(theirs, forged)
    newer = blob.replace(b'"schema":6', b'"schema":7')
    assert read_header(io.BytesIO(newer))[0].schema == 7  # readable before any key ...
    with pytest.raises(BackupError, match="header was edited"):
        open_all(mine, newer)  # ... but authenticated
    for junk in (b"", b"not a backup at all", sealed.MAGIC + b"\0\0\0\2{}"):
        with pytest.raises(BackupError):
            read_header(io.BytesIO(junk))


def test_the_online_copy_is_one_consistent_moment(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (x INTEGER)")
    writer.execute("INSERT INTO t VALUES (1)")
    writer.execute("PRAGMA user_version=3")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (2)")  # uncommitted while the copy is taken
    snapshot.copy_database(live, tmp_path / "copy.sqlite3")
    writer.execute("COMMIT")
    writer.close()
    found = snapshot.facts(tmp_path / "copy.sqlite3")
    assert (found.integrity, found.schema, found.has_data) == ("ok", 3, True)
    with sqlite3.connect(tmp_path / "copy.sqlite3") as copy:
        assert copy.execute("SELECT x FROM t").fetchall() == [(1,)]
    assert not (tmp_path / "copy.sqlite3-wal").exists()
    assert not snapshot.has_data(tmp_path / "absent.sqlite3")


def test_sealing_and_opening_hold_about_one_chunk_in_memory(tmp_path: Path) -> None:
    """A large database is never held whole: 12 MiB pass through with a peak of a few chunks."""
    import tracemalloc

    private = X25519PrivateKey.generate()
    block, blocks = os.urandom(1 << 16), 192
    path = tmp_path / "big.hbk"
    tracemalloc.start()
    try:
        with path.open("wb") as out:
            writer = SealedWriter(out, private.public_key(), header(private))
            for _ in range(blocks):
                writer.write(block)
            writer.close()
        sealing_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        total = 0
        with path.open("rb") as source:
            reader = SealedReader(source, private)
            while data := reader.read(1 << 16):
                total += len(data)
        opening_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total == len(block) * blocks and path.stat().st_size > total
    assert sealing_peak < 4 * sealed.CHUNK and opening_peak < 4 * sealed.CHUNK


def test_a_backup_from_a_newer_program_or_of_the_wrong_kind_is_refused_unopened() -> None:
    from bot.services.backups import check_header
    from bot.storage.migrations import discover

    private = X25519PrivateKey.generate()
    newest = discover()[-1].version
    check_header(header(private, schema=newest), "backup")
    check_header(header(private, schema=1), "backup")  # older: `run` migrates it after
    with pytest.raises(BackupError, match="newer than this program"):
        check_header(header(private, schema=newest + 1), "backup")
    with pytest.raises(BackupError, match="use `import`") as wrong:
        check_header(header(private, kind="export", bot_id=42), "backup")
    assert str(wrong.value) == "this file was made by `export`, not `backup`: use `import` for it"
