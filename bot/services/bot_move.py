"""The notice of a move to a new bot (`helpline-bot announce-move @new_bot`).

A bot cannot message anyone who has not pressed Start in it, so subscriptions cannot follow a
new bot: while the old one still works, every subscriber gets one signed announcement naming
the new bot, through the normal outbox (paced, resumed after a crash, each row sent once). It is
the one signed text that names a bot other than the issuer, live: everything else a signed text
says is defanged, so /verify asks here which bot a genuine notice names (bot.storage.moves).

Queuing is one transaction that also records the move: a second run, or a run after an
interruption, adds only subscribers not yet queued for it (those who subscribed since).
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable, Sequence

from bot.config import BOT_USERNAME
from bot.crypto.keyring import UnlockedKeyring
from bot.i18n import LANGUAGES, Translator
from bot.services.alert_text import text_hash
from bot.services.audit_trail import minute
from bot.services.signatures import announcement_signer
from bot.storage.db import Database
from bot.storage.moves import MoveRepository, Queued


def bot_username(text: str) -> str | None:
    """`@name_bot` or `name_bot` as a bot's username without '@', or None if it is not one."""
    name = text.strip().removeprefix("@")
    return name if BOT_USERNAME.fullmatch(name) else None


class MoveNotices:
    def __init__(
        self, db: Database, translator: Translator, clock: Callable[[], float] = time.time
    ) -> None:
        self._moves = MoveRepository(db)
        self._tr = translator
        self._clock = clock

    async def announce(
        self,
        ring: UnlockedKeyring,
        new_bot: str,
        issuer: str,
        channels: Sequence[tuple[int, str]] = (),
    ) -> Queued:
        """Queue the signed notice naming `new_bot` for every subscriber and each of the region
        `channels` (id, language), once each; `issuer` is this bot's own username, signed into
        the last line as on every alert."""
        if bot_username(new_bot) != new_bot or bot_username(issuer) != issuer:
            raise ValueError("not a bot username")
        if new_bot.casefold() == issuer.casefold():
            raise ValueError("the new bot is this bot")

        def texts(alert_id: str) -> tuple[str, str, bytes]:
            markup = {lang: self._markup(lang, new_bot) for lang in LANGUAGES}
            sign = announcement_signer(
                ring, alert_id, lambda lang: self._tr(lang, "alert-issued-by", username=issuer)
            )
            text_ru, text_en = sign(markup["ru"], markup["en"])
            return text_ru, text_en, text_hash(markup["ru"], markup["en"])

        now = minute(dt.datetime.fromtimestamp(self._clock(), dt.UTC))
        return await self._moves.queue(new_bot, secrets.token_hex(4), now, texts, channels)

    async def moved_to(self, alert_id: str) -> str | None:
        """The new bot a genuine notice names (None: `alert_id` is no move notice)."""
        return await self._moves.moved_to(alert_id)

    def _markup(self, lang: str, new_bot: str) -> str:
        return (
            self._tr(lang, "announcement-title")
            + "\n\n"
            + self._tr(lang, "move-notice", bot=f"@{new_bot}")
        )
