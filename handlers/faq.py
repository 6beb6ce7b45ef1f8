"""Questions & rights: topics → entries → related entries, edited in place, paged."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.faq import Entry, render_entry
from bot.content.store import Content, ContentStore
from bot.i18n import Tr
from bot.protection import Protection
from handlers.callbacks import ExactButton, PageNumber
from handlers.gates import GatedRouter
from handlers.menu import Nav, home_row
from handlers.screens import page_of, show

LIST_PAGE_SIZE = 12


class TopicCb(CallbackData, prefix="t"):
    topic: str
    page: PageNumber = 0


class TopicsCb(CallbackData, prefix="ts"):
    page: PageNumber = 0


class EntryCb(CallbackData, prefix="e"):
    """An entry and the page of it to show; the id is at most 32 ASCII bytes."""

    id: str
    page: PageNumber = 0


def build_router() -> Router:
    router = GatedRouter(name="faq")
    router.callback_query.register(topics_from_menu, ExactButton(Nav(to="topics")))
    router.callback_query.register(topics_page, TopicsCb.filter())
    router.callback_query.register(topic, TopicCb.filter())
    router.callback_query.register(entry, EntryCb.filter())
    return router


async def topics_from_menu(query: CallbackQuery, tr: Tr, content: ContentStore) -> None:
    await show(query, tr("faq-topics-title"), topics_keyboard(tr, content, 0))


async def topics_page(
    query: CallbackQuery, callback_data: TopicsCb, tr: Tr, content: ContentStore
) -> None:
    await show(query, tr("faq-topics-title"), topics_keyboard(tr, content, callback_data.page))


async def topic(
    query: CallbackQuery, callback_data: TopicCb, tr: Tr, content: ContentStore
) -> None:
    found = content.current.faq.topic(callback_data.topic)
    if found is None:
        await show(query, tr("faq-not-found"), topics_keyboard(tr, content, 0))
        return
    entries = content.current.faq.in_topic(tr.lang, found.id)
    buttons = [
        InlineKeyboardButton(text=e.title, callback_data=EntryCb(id=e.id).pack()) for e in entries
    ]
    rows = _paged(
        buttons,
        callback_data.page,
        lambda page: TopicCb(topic=found.id, page=page).pack(),
        tr,
    )
    rows.append([InlineKeyboardButton(text=tr("faq-back-topics"), callback_data=TopicsCb().pack())])
    rows.append(home_row(tr))
    await show(
        query,
        tr("faq-topic-title", topic=found.title(tr.lang)),
        InlineKeyboardMarkup(inline_keyboard=rows),
    )


async def entry(
    query: CallbackQuery,
    callback_data: EntryCb,
    tr: Tr,
    content: ContentStore,
    protection: Protection,
) -> None:
    found = content.current.faq.entry(tr.lang, callback_data.id)
    if found is None:
        await show(query, tr("faq-not-found"), topics_keyboard(tr, content, 0))
        return
    text, markup = entry_screen(found, callback_data.page, tr, content, protection)
    await show(query, text, markup)


def topics_keyboard(tr: Tr, content: ContentStore, page: int) -> InlineKeyboardMarkup:
    """The same for everyone in a language: built once per content snapshot and page."""
    page = _clip_page(len(content.current.faq.topics), page)

    def build(current: Content) -> InlineKeyboardMarkup:
        buttons = [
            InlineKeyboardButton(text=t.title(tr.lang), callback_data=TopicCb(topic=t.id).pack())
            for t in current.faq.topics
        ]
        rows = _paged(buttons, page, lambda p: TopicsCb(page=p).pack(), tr)
        rows.append(home_row(tr))
        return InlineKeyboardMarkup(inline_keyboard=rows)

    return content.derived(("faq-topics", tr.translator, tr.lang, page), build)


def entry_screen(
    entry: Entry, page: int, tr: Tr, content: ContentStore, protection: Protection
) -> tuple[str, InlineKeyboardMarkup]:
    """One page of an entry, with paging, related entries, Back (to its topic) and Home;
    `protection` fills the placeholders that say what this instance protects."""
    text, rows = page_of(
        render_entry(entry, tr, protection), page, tr, lambda p: EntryCb(id=entry.id, page=p).pack()
    )
    faq = content.current.faq
    for related_id in entry.related:
        related = faq.entry(tr.lang, related_id)
        if related is not None:
            rows.append(
                [
                    InlineKeyboardButton(
                        text=related.title, callback_data=EntryCb(id=related.id).pack()
                    )
                ]
            )
    rows.append(
        [
            InlineKeyboardButton(
                text=tr("faq-back-topic"), callback_data=TopicCb(topic=entry.topic).pack()
            ),
            *home_row(tr),
        ]
    )
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def _paged(
    buttons: list[InlineKeyboardButton], page: int, page_data: Callable[[int], str], tr: Tr
) -> list[list[InlineKeyboardButton]]:
    """One button per row, LIST_PAGE_SIZE at a time, with ◀ ▶ when the list is longer."""
    pages = max(1, -(-len(buttons) // LIST_PAGE_SIZE))
    page = _clip_page(len(buttons), page)
    chunk = buttons[page * LIST_PAGE_SIZE : (page + 1) * LIST_PAGE_SIZE]
    rows = [[button] for button in chunk]
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(
                InlineKeyboardButton(text=tr("faq-list-prev"), callback_data=page_data(page - 1))
            )
        if page < pages - 1:
            nav.append(
                InlineKeyboardButton(text=tr("faq-list-next"), callback_data=page_data(page + 1))
            )
        rows.append(nav)
    return rows


def _clip_page(items: int, page: int) -> int:
    pages = max(1, -(-items // LIST_PAGE_SIZE))
    return min(max(page, 0), pages - 1)
