"""Repository for moderators and their invites: refs, encrypted chat ids, aliases, token hashes."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from bot.storage.db import Database


@dataclass(frozen=True)
class StoredModerator:
    id: int
    ref: bytes
    chat_ct: bytes
    alias: str
    added_day: str
    state: str = "active"  # 'pending' until someone other than the inviter confirms them
    invited_by: bytes | None = None  # the inviting admin's ref

    @property
    def active(self) -> bool:
        return self.state == "active"


_MODERATOR = "SELECT id, ref, chat_ct, alias, added_day, state, invited_by FROM moderators"


class ModeratorRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, ref: bytes) -> StoredModerator | None:
        row = await self._db.fetchone(f"{_MODERATOR} WHERE ref = ?", (ref,))
        return None if row is None else _moderator(row)

    async def by_id(self, moderator_id: int) -> StoredModerator | None:
        row = await self._db.fetchone(f"{_MODERATOR} WHERE id = ?", (moderator_id,))
        return None if row is None else _moderator(row)

    async def by_alias(self, alias: str) -> StoredModerator | None:
        row = await self._db.fetchone(f"{_MODERATOR} WHERE alias = ?", (alias,))
        return None if row is None else _moderator(row)

    async def all(self) -> list[StoredModerator]:
        rows = await self._db.fetchall(f"{_MODERATOR} ORDER BY alias")
        return [_moderator(r) for r in rows]

    async def count(self, *, active_only: bool = False) -> int:
        where = " WHERE state = 'active'" if active_only else ""
        return int(await self._db.fetchval(f"SELECT count(*) FROM moderators{where}"))  # noqa: S608

    async def redeem(
        self, token_hash: bytes, now: str, *, ref: bytes, chat_ct: bytes, day: str
    ) -> str | None:
        """Use an invite once: the new (pending) moderator's alias, or None (unknown, used or
        expired).

        An existing moderator redeeming again keeps their row; the invite is used up either way.
        """
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT alias, expires_at, invited_by FROM invites WHERE token_hash = ?",
                (token_hash,),
            )
            if row is None:
                return None
            await tx.execute("DELETE FROM invites WHERE token_hash = ?", (token_hash,))
            alias, expires_at, invited_by = str(row[0]), str(row[1]), row[2]
            if expires_at <= now:
                return None
            existing = await tx.fetchone("SELECT alias FROM moderators WHERE ref = ?", (ref,))
            if existing is not None:
                return str(existing[0])
            base, suffix = alias, 2
            while await tx.fetchone("SELECT 1 FROM moderators WHERE alias = ?", (alias,)):
                alias, suffix = f"{base}-{suffix}", suffix + 1
            await tx.execute(
                "INSERT INTO moderators (ref, chat_ct, alias, added_day, state, invited_by)"
                " VALUES (?, ?, ?, ?, 'pending', ?)",
                (ref, chat_ct, alias, day, invited_by),
            )
            return alias

    async def activate(self, moderator_id: int) -> StoredModerator | None:
        """A pending moderator becomes active; None if there is no such pending moderator.
        (Who may confirm is the service's rule; this only makes the change once.)"""
        async with self._db.transaction() as tx:
            updated = await tx.execute(
                "UPDATE moderators SET state = 'active' WHERE id = ? AND state = 'pending'",
                (moderator_id,),
            )
            if not updated:
                return None
            row = await tx.fetchone(f"{_MODERATOR} WHERE id = ?", (moderator_id,))
        return None if row is None else _moderator(row)

    async def remove(self, moderator_id: int) -> StoredModerator | None:
        """Remove a moderator and void their approvals of alerts not yet sent."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(f"{_MODERATOR} WHERE id = ?", (moderator_id,))
            if row is None:
                return None
            moderator = _moderator(row)
            await tx.execute(
                "DELETE FROM approvals WHERE moderator_ref = ? AND alert_id IN"
                " (SELECT id FROM alerts WHERE state = 'draft')",
                (moderator.ref,),
            )
            await tx.execute("DELETE FROM moderators WHERE id = ?", (moderator_id,))
            return moderator

    # --- invites -------------------------------------------------------------------------------

    async def add_invite(
        self, token_hash: bytes, alias: str, expires_at: str, invited_by: bytes
    ) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO invites (token_hash, alias, expires_at, invited_by)"
                " VALUES (?, ?, ?, ?)",
                (token_hash, alias, expires_at, invited_by),
            )

    async def purge_invites(self, now: str) -> int:
        async with self._db.transaction() as tx:
            return await tx.execute("DELETE FROM invites WHERE expires_at <= ?", (now,))


class CopyRepository:
    """Messages with decrypted reports in moderators' chats, to delete after a while."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, moderator_ref: bytes, message_id: int, delete_after: float) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO moderator_copies (moderator_ref, message_id, delete_after)"
                " VALUES (?, ?, ?)",
                (moderator_ref, message_id, delete_after),
            )

    async def due(self, now: float, limit: int = 500) -> list[tuple[int, bytes, int]]:
        """(row id, moderator ref, message id) of copies whose time is up."""
        rows = await self._db.fetchall(
            "SELECT id, moderator_ref, message_id FROM moderator_copies WHERE delete_after <= ?"
            " ORDER BY delete_after LIMIT ?",
            (now, limit),
        )
        return [(int(r[0]), bytes(r[1]), int(r[2])) for r in rows]

    async def count(self) -> int:
        return int(await self._db.fetchval("SELECT count(*) FROM moderator_copies"))

    async def take_all(self, moderator_ref: bytes) -> list[int]:
        """Every copy shown to one moderator, due or not, forgotten here: for their removal."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                "SELECT message_id FROM moderator_copies WHERE moderator_ref = ?", (moderator_ref,)
            )
            await tx.execute(
                "DELETE FROM moderator_copies WHERE moderator_ref = ?", (moderator_ref,)
            )
        return [int(r[0]) for r in rows]

    async def forget(self, row_ids: list[int]) -> None:
        async with self._db.transaction() as tx:
            await tx.executemany(
                "DELETE FROM moderator_copies WHERE id = ?", [(i,) for i in row_ids]
            )


def _moderator(r: aiosqlite.Row) -> StoredModerator:
    return StoredModerator(
        id=int(r[0]),
        ref=bytes(r[1]),
        chat_ct=bytes(r[2]),
        alias=str(r[3]),
        added_day=str(r[4]),
        state=str(r[5]),
        invited_by=None if r[6] is None else bytes(r[6]),
    )
