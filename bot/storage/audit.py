"""The audit log: a chain in which each entry's hash covers the previous one's.

Since migration 0004 the hash is an HMAC-SHA256 under a key derived from the keyring's master
secret (never in the database): whoever holds only the database can edit or delete rows, but
cannot make the chain verify again. Verification starts at the anchor (the last entry that
retention deleted, itself authenticated), so old entries can go without breaking the chain.
Deleting the newest entries is not detectable here: admins compare the head they wrote down.

The form marker (an `instance` item) cannot be authenticated: it exists before any key does.
Setting it back to an old form makes the next unlocked start keep the chain so far unverified
and start a new one, and that start tells the admins: an unexpected notice is how it shows.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

import aiosqlite

from bot.storage.db import Database, StorageError, Transaction

GENESIS: Final = bytes(32)
FORM_ITEM: Final = "audit.chain"  # the `instance` item that says which form the chain is in
UNTOLD_ITEM: Final = "audit.untold"  # an upgrade the admins are still to be told of
LEGACY: Final = "sha256"  # migration 0003's unkeyed chain
KEYED: Final = "hmac-sha256"
REKEYED: Final = "rekeyed"  # a new keyring for this database: the chain so far cannot verify
RETENTION: Final = "retention"  # anchor reasons
UNVERIFIED: Final = "unverified"
RECHAINED: Final = "rechained"  # upgrade outcomes (and REKEYED)
LEGACY_BROKEN: Final = "legacy-broken"
_ENTRY_DOMAIN: Final = b"helpline/audit-entry/v2|"
_ANCHOR_DOMAIN: Final = b"helpline/audit-anchor/v1|"
_SELECT: Final = "SELECT seq, at, actor, action, subject, prev_hash, entry_hash FROM audit_log"


class AuditNotKeyed(StorageError):
    """The chain is still in its unkeyed form: it must be upgraded (with the key) first."""


class _Reads(Protocol):
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]: ...


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    prev_hash: bytes
    entry_hash: bytes


@dataclass(frozen=True)
class Anchor:
    """Where verification starts: the entry before the first verified one, and its hash."""

    seq: int
    entry_hash: bytes
    reason: str  # RETENTION (deleted up to it) or UNVERIFIED (kept, unverifiable, up to it)
    tag: bytes


@dataclass(frozen=True)
class Verdict:
    """The outcome of verifying the keyed chain."""

    checked: int  # entries that verified
    broken_at: int | None  # the first seq that is missing or does not verify; None: intact
    head: AuditEntry | None  # the last entry, verified or not
    unverified: int = 0  # entries kept before an UNVERIFIED anchor (evidence)

    @property
    def intact(self) -> bool:
        return self.broken_at is None


@dataclass(frozen=True)
class Upgrade:
    """What an unlocked start (or command) did with a chain that was not under this key."""

    outcome: str  # RECHAINED, LEGACY_BROKEN or REKEYED
    entries: int  # entries found
    broken_at: int | None


def _body(seq: int, at: str, actor: str, action: str, subject: str) -> bytes:
    body = json.dumps([seq, at, actor, action, subject], ensure_ascii=True, separators=(",", ":"))
    return body.encode("ascii")


def legacy_hash(
    prev_hash: bytes, seq: int, at: str, actor: str, action: str, subject: str
) -> bytes:
    """Migration 0003's unkeyed hash: anyone can recompute it; read only to upgrade."""
    return hashlib.sha256(prev_hash + _body(seq, at, actor, action, subject)).digest()


def keyed_hash(
    key: bytes, prev_hash: bytes, seq: int, at: str, actor: str, action: str, subject: str
) -> bytes:
    return hmac.new(
        key, _ENTRY_DOMAIN + prev_hash + _body(seq, at, actor, action, subject), hashlib.sha256
    ).digest()


def anchor_tag(key: bytes, seq: int, entry_hash: bytes, reason: str) -> bytes:
    body = json.dumps([seq, entry_hash.hex(), reason], separators=(",", ":")).encode("ascii")
    return hmac.new(key, _ANCHOR_DOMAIN + body, hashlib.sha256).digest()


def _keyed_ok(key: bytes, entry: AuditEntry, seq: int, prev: bytes) -> bool:
    digest = keyed_hash(key, prev, seq, entry.at, entry.actor, entry.action, entry.subject)
    return (
        entry.seq == seq
        and hmac.compare_digest(entry.prev_hash, prev)
        and hmac.compare_digest(entry.entry_hash, digest)
    )


def verify_chain(key: bytes, entries: list[AuditEntry], anchor: Anchor | None) -> Verdict:
    """Verify `entries` (by seq) from `anchor` (or the genesis) under `key`."""
    head = entries[-1] if entries else None
    seq, prev = (anchor.seq, anchor.entry_hash) if anchor else (0, GENESIS)
    if anchor is not None and not hmac.compare_digest(
        anchor.tag, anchor_tag(key, anchor.seq, anchor.entry_hash, anchor.reason)
    ):
        first = next((e.seq for e in entries if e.seq > anchor.seq), anchor.seq + 1)
        return Verdict(0, first, head)
    checked = kept = 0
    for entry in entries:
        if anchor is not None and entry.seq <= anchor.seq:
            if anchor.reason != UNVERIFIED:  # retention deleted these: a row here is forged
                return Verdict(checked, entry.seq, head, kept)
            kept += 1
            continue
        seq += 1
        if not _keyed_ok(key, entry, seq, prev):
            return Verdict(checked, seq, head, kept)
        prev, checked = entry.entry_hash, checked + 1
    return Verdict(checked, None, head, kept)


def verify_legacy(entries: list[AuditEntry]) -> int | None:
    """The first seq that breaks the unkeyed chain, or None when it is intact."""
    prev, expected = GENESIS, 1
    for entry in entries:
        digest = legacy_hash(prev, entry.seq, entry.at, entry.actor, entry.action, entry.subject)
        if entry.seq != expected or entry.prev_hash != prev or entry.entry_hash != digest:
            return expected
        prev, expected = entry.entry_hash, expected + 1
    return None


def _prunable(
    key: bytes, entries: list[AuditEntry], anchor: Anchor | None, before: str
) -> AuditEntry | None:
    """The last entry retention may delete: older than `before`, and before any break (a
    moved anchor keeps everything)."""
    if anchor is not None and not hmac.compare_digest(
        anchor.tag, anchor_tag(key, anchor.seq, anchor.entry_hash, anchor.reason)
    ):
        return None
    limit = verify_chain(key, entries, anchor).broken_at
    old = [e for e in entries if e.at < before and (limit is None or e.seq < limit)]
    return old[-1] if old else None


def _entry(r: aiosqlite.Row) -> AuditEntry:
    return AuditEntry(
        int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), bytes(r[5]), bytes(r[6])
    )


async def _entries(reader: _Reads) -> list[AuditEntry]:
    return [_entry(r) for r in await reader.fetchall(_SELECT + " ORDER BY seq")]


async def _anchor(reader: _Reads) -> Anchor | None:
    rows = await reader.fetchall("SELECT seq, entry_hash, reason, tag FROM audit_anchor")
    if not rows:
        return None
    r = rows[0]
    return Anchor(int(r[0]), bytes(r[1]), str(r[2]), bytes(r[3]))


async def _form(reader: _Reads) -> str:
    """A missing item counts as keyed: only an explicit old form is ever upgraded."""
    rows = await reader.fetchall("SELECT value FROM instance WHERE key = ?", (FORM_ITEM,))
    return str(rows[0][0]) if rows else KEYED


async def _set_anchor(
    tx: Transaction, key: bytes, seq: int, entry_hash: bytes, reason: str
) -> None:
    await tx.execute(
        "INSERT INTO audit_anchor (id, seq, entry_hash, reason, tag) VALUES (1, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, entry_hash = excluded.entry_hash,"
        " reason = excluded.reason, tag = excluded.tag",
        (seq, entry_hash, reason, anchor_tag(key, seq, entry_hash, reason)),
    )


async def _set_item(tx: Transaction, key: str, value: str) -> None:
    await tx.execute(
        "INSERT INTO instance (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


async def _rechain(tx: Transaction, key: bytes, entries: list[AuditEntry]) -> None:
    prev = GENESIS
    for e in entries:
        digest = keyed_hash(key, prev, e.seq, e.at, e.actor, e.action, e.subject)
        await tx.execute(
            "UPDATE audit_log SET prev_hash = ?, entry_hash = ? WHERE seq = ?",
            (prev, digest, e.seq),
        )
        prev = digest


async def _append(
    tx: Transaction, key: bytes, at: str, actor: str, action: str, subject: str
) -> AuditEntry:
    if await _form(tx) != KEYED:
        raise AuditNotKeyed("the audit log is still unkeyed; an unlocked start re-chains it")
    last = await tx.fetchone("SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1")
    anchor = await _anchor(tx)
    seq, prev = 0, GENESIS
    if last is not None:
        seq, prev = int(last[0]), bytes(last[1])
    if anchor is not None and anchor.seq >= seq:  # retention deleted every entry
        seq, prev = anchor.seq, anchor.entry_hash
    entry = AuditEntry(
        seq + 1,
        at,
        actor,
        action,
        subject,
        prev,
        keyed_hash(key, prev, seq + 1, at, actor, action, subject),
    )
    await tx.execute(
        "INSERT INTO audit_log (seq, at, actor, action, subject, prev_hash, entry_hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (entry.seq, at, actor, action, subject, prev, entry.entry_hash),
    )
    return entry


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def form(self) -> str:
        return await _form(self._db)

    async def append(
        self, key: bytes, at: str, actor: str, action: str, subject: str = ""
    ) -> AuditEntry:
        async with self._db.transaction() as tx:
            return await _append(tx, key, at, actor, action, subject)

    async def entries(self, limit: int | None = None) -> list[AuditEntry]:
        if limit is None:
            return await _entries(self._db)
        rows = await self._db.fetchall(_SELECT + " ORDER BY seq DESC LIMIT ?", (limit,))
        return [_entry(r) for r in reversed(rows)]

    async def head(self) -> AuditEntry | None:
        entries = await self.entries(limit=1)
        return entries[0] if entries else None

    async def anchor(self) -> Anchor | None:
        return await _anchor(self._db)

    async def verify(self, key: bytes) -> Verdict:
        """The keyed chain from its anchor; an unkeyed chain does not verify under any key."""
        async with self._db.transaction() as tx:  # entries and anchor from one snapshot
            entries, anchor = await _entries(tx), await _anchor(tx)
        return verify_chain(key, entries, anchor)

    async def verify_legacy(self) -> int | None:
        """The unkeyed chain as migration 0003 left it (before the upgrade)."""
        return verify_legacy(await _entries(self._db))

    async def upgrade(self, key: bytes, at: str, actor: str) -> Upgrade | None:
        """Bring the chain under this key, in one transaction; None if it already is.

        An intact unkeyed chain is re-chained under the key. A broken one, or one written under
        a previous keyring, stays as it is (evidence) behind an authenticated anchor after its
        last entry, where the keyed chain starts. An entry records what happened."""
        async with self._db.transaction() as tx:
            form = await _form(tx)
            if form == KEYED:
                return None
            entries, anchor = await _entries(tx), await _anchor(tx)
            broken = verify_legacy(entries) if form == LEGACY else None
            outcome = RECHAINED if broken is None else LEGACY_BROKEN
            if form == REKEYED:
                outcome = REKEYED
            if outcome == RECHAINED:
                await _rechain(tx, key, entries)
            else:
                last = entries[-1] if entries else anchor
                if last is not None:
                    await _set_anchor(tx, key, last.seq, last.entry_hash, UNVERIFIED)
            await _set_item(tx, FORM_ITEM, KEYED)
            upgrade = Upgrade(outcome, len(entries), broken)
            subject = str(len(entries)) if broken is None else f"{len(entries)}:{broken}"
            await _append(tx, key, at, actor, f"audit.{outcome}", subject)
            # For the bot to tell the admins at its next start, whoever upgraded.
            await _set_item(tx, UNTOLD_ITEM, f"{outcome}:{subject}")
        return upgrade

    async def mark_rekeyed(self) -> None:
        """`keys init` made a new keyring for this database: the next unlocked use keeps the
        chain so far (which no longer verifies) as evidence and starts a new one after it."""
        async with self._db.transaction() as tx:
            await _set_item(tx, FORM_ITEM, REKEYED)

    async def take_untold(self) -> Upgrade | None:
        """The upgrade the admins have not been told of yet (a command may have done it), once."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall("SELECT value FROM instance WHERE key = ?", (UNTOLD_ITEM,))
            await tx.execute("DELETE FROM instance WHERE key = ?", (UNTOLD_ITEM,))
        if not rows:
            return None
        outcome, _, rest = str(rows[0][0]).partition(":")
        entries, _, broken = rest.partition(":")
        valid = outcome in (RECHAINED, LEGACY_BROKEN, REKEYED) and entries.isdigit()
        if not valid or (broken and not broken.isdigit()):
            return None
        return Upgrade(outcome, int(entries), int(broken) if broken else None)

    async def prune(self, key: bytes, before: str) -> int:
        """Delete entries older than `before` (a prefix of the chain), moving the anchor to the
        last one deleted. Nothing from a break on is deleted: the evidence stays."""
        async with self._db.transaction() as tx:
            entries, anchor = await _entries(tx), await _anchor(tx)
            last = _prunable(key, entries, anchor, before)
            if last is None:
                return 0
            deleted = await tx.execute("DELETE FROM audit_log WHERE seq <= ?", (last.seq,))
            if anchor is None or last.seq > anchor.seq:
                await _set_anchor(tx, key, last.seq, last.entry_hash, RETENTION)
        return deleted
