"""The hash-chained audit log: each entry's hash covers the previous one, so an edited or
deleted row breaks verification from that row on."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from bot.storage.db import Database

GENESIS = bytes(32)


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    prev_hash: bytes
    entry_hash: bytes


def entry_hash(prev_hash: bytes, seq: int, at: str, actor: str, action: str, subject: str) -> bytes:
    body = json.dumps([seq, at, actor, action, subject], ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(prev_hash + body.encode("ascii")).digest()


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def append(self, at: str, actor: str, action: str, subject: str = "") -> int:
        async with self._db.transaction() as tx:
            last = await tx.fetchone(
                "SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1"
            )
            seq = 1 if last is None else int(last[0]) + 1
            prev = GENESIS if last is None else bytes(last[1])
            digest = entry_hash(prev, seq, at, actor, action, subject)
            await tx.execute(
                "INSERT INTO audit_log (seq, at, actor, action, subject, prev_hash, entry_hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (seq, at, actor, action, subject, prev, digest),
            )
        return seq

    async def entries(self, limit: int | None = None) -> list[AuditEntry]:
        sql = "SELECT seq, at, actor, action, subject, prev_hash, entry_hash FROM audit_log"
        if limit is None:
            rows = await self._db.fetchall(sql + " ORDER BY seq")
        else:
            rows = await self._db.fetchall(sql + " ORDER BY seq DESC LIMIT ?", (limit,))
            rows.reverse()
        return [
            AuditEntry(
                int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), bytes(r[5]), bytes(r[6])
            )
            for r in rows
        ]

    async def verify(self) -> int | None:
        """The seq of the first entry that breaks the chain, or None when it is intact."""
        prev, expected_seq = GENESIS, 1
        for entry in await self.entries():
            digest = entry_hash(prev, entry.seq, entry.at, entry.actor, entry.action, entry.subject)
            if entry.seq != expected_seq or entry.prev_hash != prev or entry.entry_hash != digest:
                return entry.seq
            prev, expected_seq = entry.entry_hash, expected_seq + 1
        return None
