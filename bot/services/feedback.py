"""Anonymous "Still there" / "Gone" answers under delivered alerts.

Each person counts once per alert: the process remembers a keyed hash of (user, alert) under a
random key that lives in memory and is replaced every day, and the database keeps only the two
counts. Nobody, the operator included, can tell who answered; after a restart or the daily key
change a person could answer once more, which the counts tolerate. The counts are for the
moderators (in /stats), never shown to subscribers.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from bot.crypto.sealing import EpochTagger
from bot.services.reports import DAY_SECONDS
from bot.storage.alerts import AlertRepository
from bot.storage.db import Database
from bot.storage.feedback import VOTES, FeedbackRepository

MAX_REMEMBERED = 200_000


class FeedbackService:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._repo = FeedbackRepository(db)
        self._alerts = AlertRepository(db)
        self._tagger = EpochTagger(DAY_SECONDS, clock)
        self._epoch = self._tagger.epoch
        self._answers: OrderedDict[tuple[str, bytes], str] = OrderedDict()

    async def answer(self, alert_id: str, user_id: int, vote: str) -> bool:
        """Count one person's answer on an alert they got; False if the alert is not open."""
        if vote not in VOTES:
            raise ValueError("a vote is 'still' or 'gone'")
        alert = await self._alerts.get(alert_id)
        if alert is None or alert.kind != "alert" or alert.state not in ("sending", "sent"):
            return False
        if self._tagger.epoch != self._epoch:  # a new day: yesterday's tags mean nothing now
            self._answers.clear()
            self._epoch = self._tagger.epoch
        key = (alert_id, self._tagger.tag(user_id))
        previous = self._answers.get(key)
        if previous != vote:
            await self._repo.change(alert_id, vote, previous)
            self._answers[key] = vote
            self._answers.move_to_end(key)
            while len(self._answers) > MAX_REMEMBERED:
                self._answers.popitem(last=False)
        return True
