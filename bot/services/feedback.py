"""Anonymous "Still there" / "Gone" answers under delivered alerts.

Each person counts once per alert: the process remembers a keyed hash of (user, alert) under a
random key that lives in memory and is replaced every day, and the database keeps only the two
counts. Nobody, the operator included, can tell who answered; after a restart or the daily key
change a person could answer once more, which the counts tolerate. The counts are for the
moderators (in /stats), never shown to subscribers.

Only recipients can answer: each button carries a short MAC over the alert id and the
recipient's chat, under a key derived from the keyring, so forged callback data from someone who
never got the alert does not count. A vote is reserved in memory before the first `await`, so
thirty simultaneous taps count once.
"""

from __future__ import annotations

import base64
import hmac
import re
import time
from collections.abc import Callable
from enum import StrEnum

from bot.crypto.sealing import EpochTagger
from bot.services.limits import DEFAULT_MAX_ENTRIES
from bot.services.reports import DAY_SECONDS
from bot.storage.alerts import AlertRepository
from bot.storage.db import Database
from bot.storage.feedback import VOTES, FeedbackRepository

ALERT_ID = re.compile(r"[0-9a-f]{8}")  # secrets.token_hex(4), as moderation makes them
MAC_BYTES = 9  # 12 characters in base64url: forging one takes 2**72 guesses


class Answer(StrEnum):
    COUNTED = "counted"
    CLOSED = "closed"  # the alert is not open, the button is forged or of an old format
    BUSY = "busy"  # too many answers remembered today: refuse rather than forget anyone


class FeedbackService:
    def __init__(
        self,
        db: Database,
        clock: Callable[[], float] = time.time,
        *,
        key: bytes | None = None,
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        self._repo = FeedbackRepository(db)
        self._alerts = AlertRepository(db)
        self._tagger = EpochTagger(DAY_SECONDS, clock)
        self._epoch = self._tagger.epoch
        self._answers: dict[tuple[str, bytes], str] = {}
        self._key = key
        self.max_entries = max_entries

    def use_key(self, key: bytes) -> None:
        """The MAC key (derived from the unlocked keyring); without it no answer counts."""
        self._key = key

    def forget_key(self) -> None:
        """The keyring was destroyed while running: no answer counts any more."""
        self._key = None

    def mac(self, alert_id: str, chat_id: int) -> str:
        """The recipient-bound part of one recipient's buttons."""
        if self._key is None:
            raise RuntimeError("feedback buttons need the unlocked keyring")
        digest = hmac.digest(self._key, f"{alert_id}:{chat_id}".encode(), "sha256")
        return base64.urlsafe_b64encode(digest[:MAC_BYTES]).decode("ascii")

    def _genuine(self, alert_id: str, chat_id: int, mac: str) -> bool:
        if self._key is None:
            return False
        return hmac.compare_digest(self.mac(alert_id, chat_id), mac)

    async def answer(self, alert_id: str, chat_id: int, vote: str, mac: str) -> Answer:
        """Count one recipient's answer on an open alert; the same answer again counts once."""
        if vote not in VOTES:
            raise ValueError("a vote is 'still' or 'gone'")
        if not ALERT_ID.fullmatch(alert_id) or not self._genuine(alert_id, chat_id, mac):
            return Answer.CLOSED
        if self._tagger.epoch != self._epoch:  # a new day: yesterday's tags mean nothing now
            self._answers.clear()
            self._epoch = self._tagger.epoch
        key = (alert_id, self._tagger.tag(chat_id))
        previous = self._answers.get(key)
        if previous == vote:
            return Answer.COUNTED
        if previous is None and len(self._answers) >= self.max_entries:
            return Answer.BUSY
        self._answers[key] = vote  # reserved before the first await
        try:
            alert = await self._alerts.get(alert_id)
            if alert is None or alert.kind != "alert" or alert.state not in ("sending", "sent"):
                self._restore(key, previous)
                return Answer.CLOSED
            await self._repo.change(alert_id, vote, previous)
        except BaseException:
            self._restore(key, previous)
            raise
        return Answer.COUNTED

    def _restore(self, key: tuple[str, bytes], previous: str | None) -> None:
        if previous is None:
            self._answers.pop(key, None)
        else:
            self._answers[key] = previous
