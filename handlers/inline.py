"""Inline mode: `@bot query` in any chat offers matching answers to share.

A shared result shows "via @bot" to everyone in that chat; the results carry a button that
explains this before anyone shares.
"""

from __future__ import annotations

import html

from aiogram import Bot, Router
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
)
from aiogram.types.inline_query_result_union import InlineQueryResultUnion

from bot.content.emergency import SOS_INLINE_QUERY
from bot.content.faq import Entry, render_summary
from bot.content.store import ContentStore
from bot.i18n import Tr
from bot.protection import Protection
from handlers.gates import GatedRouter

RESULTS = 8
# Shown for an empty query: what someone in trouble most likely needs.
DEFAULT_ENTRIES = ("detained", "police-stops", "raids", "summons-electronic", "student-deferral")
INLINE_HELP_PAYLOAD = "inline_help"


def build_router() -> Router:
    router = GatedRouter(name="inline")
    router.inline_query.register(offer)
    return router


async def offer(
    query: InlineQuery, bot: Bot, tr: Tr, content: ContentStore, protection: Protection
) -> None:
    if query.query.strip().lower() == SOS_INLINE_QUERY:
        await _offer_sos_message(query, tr, content)
        return
    faq = content.current.faq
    if query.query.strip():
        ids = [hit.entry_id for hit in content.current.search.search(query.query, RESULTS)]
    else:
        ids = list(DEFAULT_ENTRIES)
    me = await bot.me()
    entries = [e for e in (faq.entry(tr.lang, i) for i in ids) if e is not None]
    results: list[InlineQueryResultUnion] = [
        _article(entry, tr, protection, me.username or "") for entry in entries
    ]
    await query.answer(
        results,
        cache_time=60,
        is_personal=True,  # results depend on the user's language
        button=InlineQueryResultsButton(
            text=tr("inline-button"), start_parameter=INLINE_HELP_PAYLOAD
        ),
    )


def _article(
    entry: Entry, tr: Tr, protection: Protection, username: str
) -> InlineQueryResultArticle:
    link = f"https://t.me/{username}?start={entry.id}"
    text = render_summary(entry, tr, protection) + "\n\n" + tr("inline-read-more", link=link)
    return InlineQueryResultArticle(
        id=f"{entry.lang}-{entry.id}",
        title=entry.title,
        description=", ".join(entry.sources)[:100],
        input_message_content=InputTextMessageContent(message_text=text),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text=tr("inline-open"), url=link)]]
        ),
    )


async def _offer_sos_message(query: InlineQuery, tr: Tr, content: ContentStore) -> None:
    """The /sos card's prepared message, for a person who chose to send it through the bot
    (it shows "via @bot"); the place stays a blank he fills in before sending."""
    text = content.current.emergency.share[tr.lang]
    result = InlineQueryResultArticle(
        id=f"{tr.lang}-sos-message",
        title=tr("sos-inline-title"),
        description=tr("sos-inline-description"),
        input_message_content=InputTextMessageContent(message_text=html.escape(text)),
    )
    await query.answer([result], cache_time=60, is_personal=True)
