"""Who may moderate: admins, moderators, invites, and the report copies shown in their chats.

Roles are checked here, on the server, for every action; handlers only translate buttons into
calls. Moderators are identified by a blind index of their user id (admins come from ADMIN_IDS)
and their chat id is stored encrypted: while the bot runs locked nobody can be recognised.

Membership follows the two-person rule: whoever opens an invite joins as *pending*, and becomes
a moderator only when someone other than the admin who invited them confirms them (another
admin, an active moderator, or the server's operator with `helpline-bot moderators confirm`).
One taken-over admin account cannot invite a second account of its own and approve alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.crypto.sealing import ChatIdCipher, SealError
from bot.services.audit_trail import AuditTrail, minute
from bot.services.people import moderator_cipher
from bot.services.review_keys import ReviewKeys
from bot.storage.db import Database
from bot.storage.moderators import CopyRepository, ModeratorRepository

log = logging.getLogger("helpline.moderation")

OPERATOR = "operator"  # the audit log's actor for what is done on the server with the passphrase
INVITE_HOURS = 24
INVITE_PREFIX = "inv_"
ALIAS_LIMIT = 24
# A moderator's alias: short, printable, no markup.
_ALIAS_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class Moderator:
    """A person allowed to moderate, as the handlers see them (never stored like this)."""

    ref: bytes
    alias: str
    chat_id: int
    is_admin: bool


@dataclass(frozen=True)
class Member:
    """A stored moderator as the admin screens and the CLI list them."""

    id: int
    alias: str
    active: bool


@dataclass(frozen=True)
class Joined:
    """Someone who opened an invite and waits for confirmation: their row id and alias."""

    id: int
    alias: str


@dataclass(frozen=True)
class Confirmed:
    """A pending moderator made active: their ref, alias and chat (None if it would not
    decrypt)."""

    ref: bytes
    alias: str
    chat_id: int | None


class CannotConfirm(Exception):
    """The two-person rule refuses this confirmation: `reason` is 'inviter' (whoever invited
    someone cannot confirm them) or 'gone' (no such pending moderator)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Removed:
    """A removed moderator: their alias, chat (None if it would not decrypt), and the messages
    with decrypted reports still in that chat."""

    alias: str
    chat_id: int | None
    copies: list[int]


def clean_alias(text: str) -> str | None:
    alias = text.strip().lower().replace(" ", "-")
    if not alias or len(alias) > ALIAS_LIMIT or not set(alias) <= _ALIAS_CHARS:
        return None
    return alias


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(b"helpline-invite:" + token.encode("utf-8", "replace")).digest()


class ModeratorTeam:
    """Admins and moderators: who is who, invites and removal, and where their chats are."""

    def __init__(
        self,
        db: Database,
        keys: ReviewKeys,
        *,
        admin_ids: frozenset[int],
        copy_minutes: int = 30,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._moderators = ModeratorRepository(db)
        self._copies = CopyRepository(db)
        self._audit = AuditTrail(db, keys, clock)
        self._admin_ids = admin_ids
        self._cipher: ChatIdCipher | None = (
            moderator_cipher(keys.unlocked) if keys.unlocked is not None else None
        )
        self._copy_seconds = copy_minutes * 60
        self._clock = clock

    # --- who is who ----------------------------------------------------------------------------

    def forget_keys(self) -> None:
        """The keyring was destroyed while running: nobody can be recognised any more."""
        self._cipher = None

    @property
    def locked(self) -> bool:
        """No keyring at start: nobody can be recognised, invites wait."""
        return self._cipher is None

    @property
    def admin_ids(self) -> frozenset[int]:
        return self._admin_ids

    async def identify(self, user_id: int) -> Moderator | None:
        """The moderator (or admin) with this user id, checked against the database each time."""
        if self._cipher is None:
            return None
        ref = self._cipher.ref(user_id)
        if user_id in self._admin_ids:
            return Moderator(ref, f"admin-{ref.hex()[:6]}", user_id, True)
        stored = await self._moderators.get(ref)
        if stored is None or not stored.active:
            return None  # a pending moderator is nobody's moderator yet
        return Moderator(ref, stored.alias, user_id, False)

    async def is_pending(self, user_id: int) -> bool:
        """Joined through an invite and waiting for someone to confirm them."""
        if self._cipher is None:
            return False
        stored = await self._moderators.get(self._cipher.ref(user_id))
        return stored is not None and not stored.active

    def admin_refs(self) -> frozenset[bytes]:
        """The admins' refs: an approval from one of them counts without a moderator row."""
        if self._cipher is None:
            return frozenset()
        return frozenset(self._cipher.ref(admin_id) for admin_id in self._admin_ids)

    async def chat_of(self, ref: bytes) -> int | None:
        """The chat of a moderator or admin given their ref (to show progress, delete copies)."""
        if self._cipher is None:
            return None
        for admin_id in self._admin_ids:
            if hmac.compare_digest(self._cipher.ref(admin_id), ref):
                return admin_id
        stored = await self._moderators.get(ref)
        return None if stored is None else self._chat(stored.ref, stored.chat_ct)

    async def staff_chats(self) -> list[tuple[bytes, int]]:
        """(ref, chat) of every admin and active moderator: who is told what the team does.
        Empty while locked (nobody can be recognised then)."""
        if self._cipher is None:
            return []
        staff = [(self._cipher.ref(admin_id), admin_id) for admin_id in sorted(self._admin_ids)]
        for stored in await self._moderators.all():
            if not stored.active:
                continue
            chat = self._chat(stored.ref, stored.chat_ct)
            if chat is not None and chat not in self._admin_ids:
                staff.append((stored.ref, chat))
        return staff

    async def moderator_chats(self) -> list[int]:
        """Chats of the active moderators (admins come from the configuration)."""
        chats = [self._chat(m.ref, m.chat_ct) for m in await self._moderators.all() if m.active]
        return [chat for chat in chats if chat is not None]

    def _chat(self, ref: bytes, chat_ct: bytes) -> int | None:
        """A stored moderator's chat id; None while locked or if it does not decrypt."""
        if self._cipher is None:
            return None
        try:
            return self._cipher.decrypt(chat_ct, ref)
        except SealError:
            log.warning("moderator chat id did not decrypt")
            return None

    # --- invites and the moderator list (admins) -------------------------------------------

    async def invite(self, admin: Moderator, alias: str) -> str:
        """A single-use token for `t.me/<bot>?start=inv_<token>`; only its hash is stored."""
        _require_admin(admin)
        token = secrets.token_urlsafe(24)
        expires = self._audit.now() + dt.timedelta(hours=INVITE_HOURS)
        await self._moderators.add_invite(_token_hash(token), alias, minute(expires), admin.ref)
        await self._audit.moderator_did(admin.alias, "invite.create", alias)
        return token

    async def redeem(self, token: str, user_id: int) -> str | None:
        """Make the holder of an invite a pending moderator; their alias, or None if it is not
        valid. (`joined` says who invited them, for the notice to the team.)"""
        if self._cipher is None or not token or len(token) > 64:
            return None
        ref = self._cipher.ref(user_id)
        now = self._audit.now()
        alias = await self._moderators.redeem(
            _token_hash(token),
            minute(now),
            ref=ref,
            chat_ct=self._cipher.encrypt(user_id, ref),
            day=now.strftime("%Y-%m-%d"),
        )
        if alias is not None:
            await self._audit.record(alias, "moderator.join")
        return alias

    async def joined(self, user_id: int) -> Joined | None:
        """The pending moderator with this user id (what the confirm button names)."""
        if self._cipher is None:
            return None
        stored = await self._moderators.get(self._cipher.ref(user_id))
        if stored is None or stored.active:
            return None
        return Joined(stored.id, stored.alias)

    async def moderators(self) -> list[tuple[int, str]]:
        """(row id, alias) of every stored moderator, pending ones included, by alias."""
        return [(m.id, m.alias) for m in await self._moderators.all()]

    async def members(self) -> list[Member]:
        """Every stored moderator, active or pending, by alias."""
        return [Member(m.id, m.alias, m.active) for m in await self._moderators.all()]

    async def confirm(self, confirmer: Moderator, moderator_id: int) -> Confirmed:
        """Someone other than the inviter vouches for a pending moderator, who becomes active.

        `confirmer` is an admin or an active moderator (identify() returns nobody else); the
        admin who invited them, or they themselves, cannot. CannotConfirm says why not."""
        stored = await self._moderators.by_id(moderator_id)
        if stored is None or stored.active:
            raise CannotConfirm("gone")
        if stored.invited_by is not None and hmac.compare_digest(stored.invited_by, confirmer.ref):
            raise CannotConfirm("inviter")
        if hmac.compare_digest(stored.ref, confirmer.ref):
            raise CannotConfirm("inviter")
        return await self._activate(stored.id, confirmer.alias)

    async def confirm_by_operator(self, alias: str) -> Confirmed:
        """The server's operator confirms (with the passphrase, on the server): outside the
        two-person rule by design, and recorded in the audit log as the operator's."""
        stored = await self._moderators.by_alias(alias)
        if stored is None or stored.active:
            raise CannotConfirm("gone")
        return await self._activate(stored.id, OPERATOR)

    async def _activate(self, moderator_id: int, actor: str) -> Confirmed:
        activated = await self._moderators.activate(moderator_id)
        if activated is None:
            raise CannotConfirm("gone")
        await self._audit.moderator_did(actor, "moderator.confirm", activated.alias)
        chat = self._chat(activated.ref, activated.chat_ct)
        return Confirmed(activated.ref, activated.alias, chat)

    async def approvers(self) -> int:
        """How many people can approve an alert now: admins and active moderators."""
        return len(self._admin_ids) + await self._moderators.count(active_only=True)

    async def remove(self, admin: Moderator, moderator_id: int) -> Removed | None:
        """Remove a moderator: their pending approvals are voided, and the reports they were
        shown are handed back to be deleted from their chat now (the chat id cannot be
        recovered after this)."""
        _require_admin(admin)
        removed = await self._moderators.remove(moderator_id)
        if removed is None:
            return None
        await self._audit.moderator_did(admin.alias, "moderator.remove", removed.alias)
        copies = await self._copies.take_all(removed.ref)
        return Removed(removed.alias, self._chat(removed.ref, removed.chat_ct), copies)

    async def purge_invites(self) -> None:
        """Retention: invites past their expiry go."""
        await self._moderators.purge_invites(minute(self._audit.now()))

    # --- decrypted reports in moderators' chats ----------------------------------------------

    async def remember_copy(self, moderator: Moderator, message_id: int) -> None:
        """A message showing a decrypted report: deleted from the chat after a while."""
        await self._copies.add(moderator.ref, message_id, self._clock() + self._copy_seconds)

    async def due_copies(self, *, everything: bool = False) -> dict[int, list[int]]:
        """Messages to delete now, by chat; forgotten here (deleting is the caller's job).
        `everything`: every copy still shown, due or not (at shutdown and at an unlocked start:
        a decrypted report must not outlive the process that showed it)."""
        now = math.inf if everything else self._clock()
        by_chat: dict[int, list[int]] = {}
        while due := await self._copies.due(now):
            for _, ref, message_id in due:
                chat = await self.chat_of(ref)
                if chat is not None:
                    by_chat.setdefault(chat, []).append(message_id)
            await self._copies.forget([row_id for row_id, _, _ in due])
            if not everything:
                break
        return by_chat

    async def copies_outstanding(self) -> int:
        """Decrypted reports still shown in moderators' chats (countable while locked)."""
        return await self._copies.count()


def rule_weaknesses(approvals_needed: int, approvers: int) -> list[str]:
    """Why the two-person rule rests on one person here, if it does (for `check` and the
    start-up log): one approval is enough, or fewer than two people can approve."""
    weaknesses = []
    if approvals_needed < 2:
        weaknesses.append(
            f"ALERT_APPROVALS={approvals_needed}: one account alone can send alerts and"
            " announcements to every subscriber (set it to 2 or more)"
        )
    if approvers < 2:
        who = "only 1 person can" if approvers == 1 else "nobody can"
        weaknesses.append(
            f"{who} approve (admins and confirmed moderators): invite a"
            " moderator (/invite) and confirm them (another admin, or the operator with"
            " `helpline-bot moderators confirm ALIAS`)"
        )
    return weaknesses


def _require_admin(moderator: Moderator) -> None:
    if not moderator.is_admin:
        raise PermissionError("admins only")
