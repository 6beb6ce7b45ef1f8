"""The "Still there" / "Gone" buttons under a delivered alert: anonymous, counted once a person.

Only the toast answers the person; the counts go to moderators (/stats), never to subscribers.
Each recipient's buttons carry a MAC over the alert and their chat (bot.services.feedback), in a
versioned format: buttons of the first format ("fb:") answer "closed" and never count.
"""

from __future__ import annotations

import functools
from enum import StrEnum

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Tr, Translator
from bot.services.feedback import Answer, FeedbackService
from handlers.gates import GatedRouter


class Vote(StrEnum):
    STILL = "still"
    GONE = "gone"


class FeedbackV2Cb(CallbackData, prefix="fv"):
    alert: str
    vote: Vote
    mac: str


class FeedbackV1Cb(CallbackData, prefix="fb"):
    """The first format, without a recipient binding: still recognised, never counted."""

    alert: str
    vote: str


def build_router() -> Router:
    router = GatedRouter(name="feedback")
    router.callback_query.register(answer, FeedbackV2Cb.filter())
    router.callback_query.register(old_format, FeedbackV1Cb.filter())
    return router


async def answer(
    query: CallbackQuery, callback_data: FeedbackV2Cb, tr: Tr, feedback: FeedbackService
) -> None:
    result = await feedback.answer(
        callback_data.alert, query.from_user.id, callback_data.vote, callback_data.mac
    )
    key = {
        Answer.COUNTED: "feedback-thanks",
        Answer.CLOSED: "feedback-closed",
        Answer.BUSY: "busy",
    }
    await query.answer(tr(key[result]))


async def old_format(query: CallbackQuery, tr: Tr) -> None:
    await query.answer(tr("feedback-closed"))


def feedback_buttons(
    translator: Translator, feedback: FeedbackService, alert_id: str, lang: str, chat_id: int
) -> InlineKeyboardMarkup:
    """The buttons under one recipient's copy of an alert, in their language."""
    mac = feedback.mac(alert_id, chat_id)
    row = [
        InlineKeyboardButton(
            text=_label(translator, lang, vote),
            callback_data=FeedbackV2Cb(alert=alert_id, vote=vote, mac=mac).pack(),
        )
        for vote in Vote
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row])


@functools.lru_cache(maxsize=64)
def _label(translator: Translator, lang: str, vote: Vote) -> str:
    return translator(lang, f"feedback-{vote.value}")
