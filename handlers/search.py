"""Free text outside a form is a question: answer with the best matching entries."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.content.store import Content, ContentStore
from bot.i18n import Tr
from handlers.faq import EntryCb, TopicsCb
from handlers.filters import is_question
from handlers.gates import GatedRouter
from handlers.menu import home_row

RESULTS = 5
ORGANISATIONS_ENTRY = "organisations"


def build_router() -> Router:
    router = GatedRouter(name="search")
    router.message.register(question, StateFilter(None), is_question)
    return router


# Commands are not questions; unknown ones fall through to the fallback router.
async def question(message: Message, tr: Tr, content: ContentStore) -> None:
    # The query is used here and dropped: never stored, never logged.
    hits = content.current.search.search(message.text or "", limit=RESULTS)
    found = tuple(hit.entry_id for hit in hits)
    key = ("search-results", tr.translator, tr.lang, found)
    text, markup = content.derived(key, lambda current: _results(current, tr, found))
    await message.answer(text, reply_markup=markup)


def _results(current: Content, tr: Tr, found: tuple[str, ...]) -> tuple[str, InlineKeyboardMarkup]:
    """The answer for a set of hits: the same for everyone in a language, so it is built once
    per content snapshot and reused (ContentStore.derived keeps the recently used ones)."""
    rows = []
    for entry_id in found:
        entry = current.faq.entry(tr.lang, entry_id)
        if entry is not None:
            rows.append(
                [InlineKeyboardButton(text=entry.title, callback_data=EntryCb(id=entry.id).pack())]
            )
    topics = InlineKeyboardButton(text=tr("search-topics"), callback_data=TopicsCb().pack())
    if rows:
        rows.append([topics, *home_row(tr)])
        return tr("search-results"), InlineKeyboardMarkup(inline_keyboard=rows)
    help_button = InlineKeyboardButton(
        text=tr("search-organisations"), callback_data=EntryCb(id=ORGANISATIONS_ENTRY).pack()
    )
    rows = [[topics], [help_button], home_row(tr)]
    return tr("search-nothing"), InlineKeyboardMarkup(inline_keyboard=rows)
