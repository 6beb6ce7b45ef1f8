"""The personal-data warning before Send: a description that looks like it carries a phone
number, a name, a flat number… is not sent at the first tap. The person is told what kind of
thing the bot saw (never what it is, and nothing is logged) and chooses "Edit text" or "Send
anyway". "Send anyway" sends only the text the warning was shown for: a text changed since
(edited, or kept words added) is checked again. The detector is bot.services.personal_data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.i18n import Tr
from bot.services.personal_data import PersonalDataKind, find_personal_data, kinds_of
from handlers.flow import track_message
from handlers.regions import button
from handlers.report.callbacks import EditCb, FormAction, FormStep
from handlers.report.screens import action_button
from handlers.screens import per_language, show

# The draft key holding a digest of the text the warning was last shown for (memory only,
# like the whole draft).
WARNED_KEY = "pd_warned"


async def held_back(query: CallbackQuery, tr: Tr, state: FSMContext, *, anyway: bool) -> bool:
    """True when Send must wait: the description looks like it carries personal data and the
    warning (now shown in place of the review screen) was not yet answered for this text."""
    data = await state.get_data()
    text = str(data.get("text") or "")
    kinds = kinds_of(find_personal_data(text))
    if not kinds:
        return False
    digest = _digest(text)
    if anyway and data.get(WARNED_KEY) == digest:
        return False
    await state.update_data({WARNED_KEY: digest})
    await show(query, warning_text(tr, kinds), _buttons(tr))
    if isinstance(query.message, Message):
        await track_message(state, query.message)
    return True


def warning_text(tr: Tr, kinds: Sequence[PersonalDataKind]) -> str:
    found = "\n".join(f"• {tr(kind.label_key)}" for kind in kinds)
    return tr("report-pd-warning", kinds=found)


@per_language
def _buttons(tr: Tr) -> InlineKeyboardMarkup:
    edit = button(tr("report-pd-edit"), EditCb(step=FormStep.TEXT))
    return InlineKeyboardMarkup(
        inline_keyboard=[[edit], [action_button(tr, FormAction.SEND_ANYWAY)]]
    )


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
