"""An admin's announcement to every subscriber: one text, written in one language, sent to
Russian and English readers alike, each under the title in their own language and, when the
text is in the other language, a line saying which language it is in (as the alert's free-text
"Where" does). There is no machine translation: a wrong one would speak for the helpline.

Approved like an alert (bot.services.alert_desk): only once ALERT_APPROVALS different people
(the admin may be one) have approved exactly these texts.
"""

from __future__ import annotations

import secrets

from bot.services.alert_text import ANNOUNCEMENT_LIMIT, AlertText, Certainty, text_hash
from bot.storage.alerts import Alert


def announcement_draft(texts: AlertText, body: str, created_at: str) -> Alert:
    """The draft of an announcement of `body` (ValueError when it is empty or too long): its
    Russian and English texts, and their hash, which approvals are given for."""
    body = body.strip()
    if not body or len(body) > ANNOUNCEMENT_LIMIT:
        raise ValueError(f"an announcement is 1 to {ANNOUNCEMENT_LIMIT} characters")
    text_ru, text_en = texts.announcement("ru", body), texts.announcement("en", body)
    return Alert(
        id=secrets.token_hex(4),
        kind="announcement",
        region="*",
        area="",
        place_type="",
        time_window="",
        certainty=Certainty.SINGLE,
        advice="",
        text_ru=text_ru,
        text_en=text_en,
        text_hash=text_hash(text_ru, text_en),
        state="draft",
        group_key=None,
        created_at=created_at,
    )
