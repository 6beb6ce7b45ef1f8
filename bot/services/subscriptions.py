"""Alert subscriptions: which regions a chat follows, stored without its chat id in the clear.

Unlocked, a subscriber is a blind index plus an encrypted chat id (bot.services.people). Locked,
the index key is out of reach, so a change is sealed to the review public key (like a report)
and applied at the next unlocked start; the subscriber is told so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from bot.crypto.keyring import PublicKeyring, UnlockedKeyring
from bot.crypto.sealing import EpochTagger, SealError, open_sealed, seal
from bot.i18n import LANGUAGES
from bot.logs import fields
from bot.protection import Protection
from bot.services.limits import DEFAULT_MAX_ENTRIES, LimiterFull, SlidingLimiter
from bot.services.people import subscriber_cipher
from bot.services.reports import DAY_SECONDS
from bot.storage.db import Database
from bot.storage.subscribers import SubscriberRepository

log = logging.getLogger("helpline.subscriptions")

PENDING_PURPOSE = "subscription"
PENDING_SCHEMA = 1
# Operations a subscriber can make; `value` is a region code or a flag.
OPERATIONS = frozenset({"add", "remove", "all", "silent", "stop"})
LOCKED_CHANGES_PER_HOUR = 30
MAX_PENDING = 50_000


@dataclass(frozen=True)
class Subscription:
    regions: frozenset[str] = frozenset()
    all_regions: bool = False
    silent: bool = False

    @property
    def active(self) -> bool:
        return self.all_regions or bool(self.regions)


class TooManyChanges(Exception):
    """While locked, changes are stored until unlock: their number per person and in all is
    capped, so that forged taps cannot fill the disk."""


class SubscriptionsUnavailable(Exception):
    """This instance has no keyring, so chat ids cannot be protected: alerts are off."""


class SubscriptionService:
    def __init__(
        self,
        db: Database,
        keyring: PublicKeyring | None,
        unlocked: UnlockedKeyring | None,
        clock: Callable[[], float] = time.time,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        self._repo = SubscriberRepository(db)
        self._keyring = keyring
        # The keyring was destroyed on purpose: alerts are off for good, and people are told so.
        self.keys_destroyed = False
        # What this instance protects (its mode), for the note on the subscription screen; set
        # by the app. Without it the note is left out rather than guessed.
        self.protection: Protection | None = None
        self._cipher = subscriber_cipher(unlocked) if unlocked is not None else None
        self._unlocked = unlocked
        self._clock = clock
        # Only for changes made while locked: per-day keyed tags, in memory, like reports.
        self._tagger = EpochTagger(DAY_SECONDS, clock)
        self._limiter = SlidingLimiter(
            LOCKED_CHANGES_PER_HOUR, 3600, max_entries=max_entries, clock=clock
        )
        # Locked: whoever unsubscribed today (coalesced: one stored "stop" a person a day), and
        # the chats seen changing their subscription since start (only their blocks are kept).
        self._stopped: set[bytes] = set()
        self._stopped_epoch = self._tagger.epoch
        self._changed: set[bytes] = set()
        self._lifetime_tagger = EpochTagger(2**40, clock)  # one key for the process's life
        self._max_entries = max_entries

    def use_keyring(self, keyring: PublicKeyring, unlocked: UnlockedKeyring | None) -> None:
        """After a rotation: seal to the new review key; the chat-id keys stay the same."""
        self._keyring = keyring
        if unlocked is not None:
            self._unlocked = unlocked

    def destroyed(self, protection: Protection) -> None:
        """The keyring was destroyed while running (the panic switch): alerts are off now."""
        self._keyring = None
        self._unlocked = None
        self._cipher = None
        self.keys_destroyed = True
        self.protection = protection

    @property
    def available(self) -> bool:
        return self._keyring is not None

    @property
    def locked(self) -> bool:
        return self._cipher is None

    async def current(self, chat_id: int) -> Subscription | None:
        """The chat's subscription; None while locked (it cannot be looked up then)."""
        if self._cipher is None:
            return None
        stored = await self._repo.get(self._cipher.ref(chat_id))
        if stored is None:
            return Subscription()
        return Subscription(stored.regions, stored.all_regions, stored.silent)

    async def change(self, chat_id: int, lang: str, op: str, value: str | bool = "") -> None:
        """Apply one change now, or seal it for later while locked."""
        if op not in OPERATIONS:
            raise ValueError(f"unknown subscription operation {op!r}")
        if self._keyring is None:
            raise SubscriptionsUnavailable("no keyring: run `helpline-bot keys init`")
        if self._cipher is None:
            await self._seal_change(chat_id, lang, op, value)
            return
        await self._apply(chat_id, lang, op, value)

    async def forget(self, chat_id: int) -> bool:
        """Delete everything about a chat: it blocked the bot.

        While locked, the block is kept for unlock only if this process saw the chat change its
        subscription since start: anything else could be a flood of blocks by strangers, and a
        subscriber who blocked the bot is retired by the next broadcast's 403 anyway.
        """
        if self._cipher is None:
            seen = self._lifetime_tagger.tag(chat_id) in self._changed
            if self._keyring is not None and seen:
                # When the caps refuse it, the next broadcast's 403 retires the row.
                with contextlib.suppress(TooManyChanges):
                    await self._seal_change(chat_id, "ru", "stop", "")
            return False
        return await self._repo.delete(self._cipher.ref(chat_id))

    async def set_language(self, chat_id: int, lang: str) -> None:
        if self._cipher is not None:
            await self._repo.set_lang(self._cipher.ref(chat_id), lang)

    async def apply_pending(self) -> int:
        """Apply the changes sealed while locked, oldest first; returns how many were applied."""
        if self._unlocked is None:
            return 0
        applied = 0
        for change in await self._repo.pending():
            try:
                data = open_sealed(
                    self._unlocked,
                    change.sealed,
                    key_id=change.key_id,
                    purpose=PENDING_PURPOSE,
                    record_id=change.id,
                    schema=PENDING_SCHEMA,
                )
                chat_id, lang, op, value = (
                    data["chat_id"],
                    data["lang"],
                    data["op"],
                    data["value"],
                )
                if not isinstance(chat_id, int) or op not in OPERATIONS or lang not in LANGUAGES:
                    raise SealError("malformed pending change")
                await self._apply(chat_id, lang, op, value)
                applied += 1
            except (SealError, KeyError, TypeError, ValueError) as exc:
                log.warning(
                    "pending subscription change dropped", extra=fields(error=type(exc).__name__)
                )
            await self._repo.delete_pending(change.id)
        return applied

    async def _apply(self, chat_id: int, lang: str, op: str, value: str | bool) -> None:
        assert self._cipher is not None
        ref = self._cipher.ref(chat_id)
        await self._repo.apply(
            ref=ref,
            chat_ct=self._cipher.encrypt(chat_id, ref),
            lang=lang,
            op=op,
            value=value,
            day=dt.datetime.fromtimestamp(self._clock(), dt.UTC).strftime("%Y-%m-%d"),
        )

    async def _seal_change(self, chat_id: int, lang: str, op: str, value: str | bool) -> None:
        """Store a change for unlock, within the caps (reserved before the first `await`).

        Unsubscribing is never refused for the per-person cap, and a person's repeated "stop"s
        in a day are stored once, so they count once against the global cap.
        """
        assert self._keyring is not None
        tag = self._tagger.tag(chat_id)
        if self._tagger.epoch != self._stopped_epoch:
            self._stopped.clear()
            self._stopped_epoch = self._tagger.epoch
        if op == "stop":
            if tag in self._stopped:
                return  # already stored today
            if len(self._stopped) >= self._max_entries:
                raise TooManyChanges("too many people tracked while locked")
            self._stopped.add(tag)
        else:
            try:
                if self._limiter.reserve(tag):
                    raise TooManyChanges("too many subscription changes while locked")
            except LimiterFull:
                raise TooManyChanges("too many people tracked while locked") from None
        try:
            if await self._repo.pending_count() >= MAX_PENDING:
                raise TooManyChanges("too many subscription changes while locked")
            await self._store_change(chat_id, lang, op, value)
        except BaseException:
            if op == "stop":
                self._stopped.discard(tag)
            else:
                self._limiter.release(tag)
            raise
        if op != "stop":
            self._stopped.discard(tag)  # a later "stop" must be stored again, to come last
        if len(self._changed) < self._max_entries:
            self._changed.add(self._lifetime_tagger.tag(chat_id))

    async def _store_change(self, chat_id: int, lang: str, op: str, value: str | bool) -> None:
        assert self._keyring is not None
        change_id = str(uuid.uuid4())
        key = self._keyring.current_review_key
        payload = {"chat_id": chat_id, "lang": lang, "op": op, "value": value}
        sealed = seal(
            key, payload, purpose=PENDING_PURPOSE, record_id=change_id, schema=PENDING_SCHEMA
        )
        await self._repo.add_pending(change_id, key.key_id, sealed)
