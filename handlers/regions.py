"""Region choosing, shared by the report form and alert subscriptions: candidates for what was
typed, and a paged list of every subject as the fallback."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.regions import RegionCatalog, RegionMatch
from bot.i18n import Tr

REGION_PAGE = 16


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def candidate_rows(
    tr: Tr, matches: list[RegionMatch], pick: Callable[[str], CallbackData]
) -> list[list[InlineKeyboardButton]]:
    """One button per candidate region for a name the bot could not resolve on its own."""
    return [[button(m.region.name(tr.lang), pick(m.region.code))] for m in matches]


def candidates_screen(
    tr: Tr,
    matches: list[RegionMatch],
    pick: Callable[[str], CallbackData],
    tail: list[list[InlineKeyboardButton]],
) -> tuple[str, InlineKeyboardMarkup]:
    """The regions a typed name may mean (or "unknown" when there are none), then `tail`: the
    same screen in every flow that asks for a region."""
    rows = candidate_rows(tr, matches, pick)
    key = "report-region-choose" if rows else "report-region-unknown"
    return tr(key), InlineKeyboardMarkup(inline_keyboard=rows + tail)


def region_list(
    tr: Tr,
    regions: RegionCatalog,
    page: int,
    pick: Callable[[str], CallbackData],
    turn: Callable[[int], CallbackData],
    tail: list[list[InlineKeyboardButton]],
) -> InlineKeyboardMarkup:
    """Every region, two a row, REGION_PAGE a page, sorted by name in the user's language."""
    ordered = regions.sorted(tr.lang)
    pages = -(-len(ordered) // REGION_PAGE)
    page = min(max(page, 0), pages - 1)
    chunk = ordered[page * REGION_PAGE : (page + 1) * REGION_PAGE]
    buttons = [button(r.name(tr.lang), pick(r.code)) for r in chunk]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    nav = []
    if page > 0:
        nav.append(button(tr("report-region-prev"), turn(page - 1)))
    nav.append(button(f"{page + 1}/{pages}", turn(page)))
    if page < pages - 1:
        nav.append(button(tr("report-region-next"), turn(page + 1)))
    rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=rows + tail)
