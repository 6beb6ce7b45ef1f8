"""The "Still there" / "Gone" buttons under a delivered alert: anonymous, counted once a person.

Only the toast answers the person; the counts go to moderators (/stats), never to subscribers.
"""

from __future__ import annotations

import functools

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Tr, Translator
from bot.services.feedback import FeedbackService
from bot.storage.feedback import VOTES


class FeedbackCb(CallbackData, prefix="fb"):
    alert: str
    vote: str


def build_router() -> Router:
    router = Router(name="feedback")

    @router.callback_query(FeedbackCb.filter(F.vote.in_(VOTES)))
    async def answer(
        query: CallbackQuery, callback_data: FeedbackCb, tr: Tr, feedback: FeedbackService
    ) -> None:
        counted = await feedback.answer(callback_data.alert, query.from_user.id, callback_data.vote)
        await query.answer(tr("feedback-thanks" if counted else "feedback-closed"))

    return router


def feedback_buttons(translator: Translator, alert_id: str, lang: str) -> InlineKeyboardMarkup:
    """The buttons under one alert, in the subscriber's language (built once per alert)."""
    return _buttons(translator, alert_id, lang)


@functools.lru_cache(maxsize=256)
def _buttons(translator: Translator, alert_id: str, lang: str) -> InlineKeyboardMarkup:
    row = [
        InlineKeyboardButton(
            text=translator(lang, f"feedback-{vote}"),
            callback_data=FeedbackCb(alert=alert_id, vote=vote).pack(),
        )
        for vote in VOTES
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row])
