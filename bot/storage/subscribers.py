"""Repository for alert subscribers: blind-indexed, encrypted chat ids and their regions.

Callers pass the ref (blind index) and the encrypted chat id; this module never sees a chat id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.storage.db import Database, Transaction

ALL_REGIONS = "*"
# An alert that rings at a checkpoint draws attention: a new subscriber is silent until they
# choose sound (the subscribe question marks silent too). The column's DEFAULT 0 predates this
# and is left alone: rows written before keep what their subscribers had.
NEW_SUBSCRIBER_SILENT = True


@dataclass(frozen=True)
class Subscriber:
    id: int
    ref: bytes
    chat_ct: bytes
    lang: str
    silent: bool
    all_regions: bool
    regions: frozenset[str]


@dataclass(frozen=True)
class PendingChange:
    id: str
    seq: int
    key_id: str
    sealed: bytes


class SubscriberRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, ref: bytes) -> Subscriber | None:
        row = await self._db.fetchone(
            "SELECT id, ref, chat_ct, lang, silent, all_regions FROM subscribers WHERE ref = ?",
            (ref,),
        )
        if row is None:
            return None
        regions = await self._db.fetchall(
            "SELECT region FROM subscriber_regions WHERE subscriber_id = ? ORDER BY region",
            (row[0],),
        )
        return Subscriber(
            id=int(row[0]),
            ref=bytes(row[1]),
            chat_ct=bytes(row[2]),
            lang=str(row[3]),
            silent=bool(row[4]),
            all_regions=bool(row[5]),
            regions=frozenset(str(r[0]) for r in regions),
        )

    async def apply(
        self, *, ref: bytes, chat_ct: bytes, lang: str, op: str, value: str | bool, day: str
    ) -> None:
        """One change, read and written in one transaction, so that two taps at once cannot
        undo each other. `chat_ct` is used only when the subscriber is new, and a new
        subscriber's alerts are silent (NEW_SUBSCRIBER_SILENT) until they choose otherwise;
        an existing one keeps their setting. A subscriber left with no region at all is
        deleted, like unsubscribing."""
        async with self._db.transaction() as tx:
            if op == "stop":
                await _delete(tx, ref)
                return
            await tx.execute(
                "INSERT INTO subscribers (ref, chat_ct, lang, silent, created_day)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (ref) DO UPDATE SET lang = excluded.lang",
                (ref, chat_ct, lang, int(NEW_SUBSCRIBER_SILENT), day),
            )
            row = await tx.fetchone("SELECT id FROM subscribers WHERE ref = ?", (ref,))
            assert row is not None
            subscriber_id = int(row[0])
            if op == "add":
                await tx.execute(
                    "INSERT OR IGNORE INTO subscriber_regions (subscriber_id, region)"
                    " VALUES (?, ?)",
                    (subscriber_id, str(value)),
                )
            elif op == "remove":
                await tx.execute(
                    "DELETE FROM subscriber_regions WHERE subscriber_id = ? AND region = ?",
                    (subscriber_id, str(value)),
                )
            elif op in ("all", "silent"):
                column = "all_regions" if op == "all" else "silent"
                await tx.execute(
                    f"UPDATE subscribers SET {column} = ? WHERE id = ?",  # noqa: S608
                    (int(bool(value)), subscriber_id),
                )
            else:
                raise ValueError(f"unknown subscription operation {op!r}")
            left = await tx.fetchone(
                "SELECT all_regions OR EXISTS (SELECT 1 FROM subscriber_regions"
                " WHERE subscriber_id = ?) FROM subscribers WHERE id = ?",
                (subscriber_id, subscriber_id),
            )
            if left is not None and not left[0]:
                await _delete(tx, ref)

    async def save(
        self,
        *,
        ref: bytes,
        chat_ct: bytes,
        lang: str,
        silent: bool,
        all_regions: bool,
        regions: Iterable[str],
        day: str,
    ) -> None:
        """Create or replace a subscriber's settings whole (imports, tests, benchmarks)."""
        regions = sorted(set(regions))
        async with self._db.transaction() as tx:
            if not regions and not all_regions:
                await _delete(tx, ref)
                return
            await tx.execute(
                "INSERT INTO subscribers (ref, chat_ct, lang, silent, all_regions, created_day)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ref) DO UPDATE SET"
                " lang = excluded.lang, silent = excluded.silent,"
                " all_regions = excluded.all_regions",
                (ref, chat_ct, lang, int(silent), int(all_regions), day),
            )
            row = await tx.fetchone("SELECT id FROM subscribers WHERE ref = ?", (ref,))
            assert row is not None
            subscriber_id = int(row[0])
            await tx.execute(
                "DELETE FROM subscriber_regions WHERE subscriber_id = ?", (subscriber_id,)
            )
            await tx.executemany(
                "INSERT INTO subscriber_regions (subscriber_id, region) VALUES (?, ?)",
                [(subscriber_id, region) for region in regions],
            )

    async def set_lang(self, ref: bytes, lang: str) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE subscribers SET lang = ? WHERE ref = ?", (lang, ref))

    async def delete(self, ref: bytes) -> bool:
        """Forget a subscriber entirely; their undelivered alerts are dropped too."""
        async with self._db.transaction() as tx:
            return await _delete(tx, ref)

    async def count(self) -> int:
        return int(await self._db.fetchval("SELECT count(*) FROM subscribers"))

    async def count_by_region(self) -> dict[str, int]:
        """Subscribers per region code, with ALL_REGIONS for whole-country subscribers."""
        rows = await self._db.fetchall(
            "SELECT region, count(*) FROM subscriber_regions GROUP BY region"
        )
        counts = {str(r[0]): int(r[1]) for r in rows}
        everywhere = await self._db.fetchval(
            "SELECT count(*) FROM subscribers WHERE all_regions = 1"
        )
        if everywhere:
            counts[ALL_REGIONS] = int(everywhere)
        return counts

    # --- changes made while locked ---------------------------------------------------------------

    async def add_pending(self, change_id: str, key_id: str, sealed: bytes) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO pending_subscriptions (id, seq, key_id, sealed) VALUES"
                " (?, (SELECT coalesce(max(seq), 0) + 1 FROM pending_subscriptions), ?, ?)",
                (change_id, key_id, sealed),
            )

    async def pending(self) -> list[PendingChange]:
        rows = await self._db.fetchall(
            "SELECT id, seq, key_id, sealed FROM pending_subscriptions ORDER BY seq"
        )
        return [PendingChange(str(r[0]), int(r[1]), str(r[2]), bytes(r[3])) for r in rows]

    async def delete_pending(self, change_id: str) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM pending_subscriptions WHERE id = ?", (change_id,))

    async def pending_count(self) -> int:
        return int(await self._db.fetchval("SELECT count(*) FROM pending_subscriptions"))


async def _delete(tx: Transaction, ref: bytes) -> bool:
    row = await tx.fetchone("SELECT id FROM subscribers WHERE ref = ?", (ref,))
    if row is None:
        return False
    await tx.execute(
        "UPDATE outbox SET state = 'dropped' WHERE subscriber_id = ? AND state = 'pending'",
        (row[0],),
    )
    await tx.execute("DELETE FROM subscribers WHERE id = ?", (row[0],))
    return True
