"""The report form's screens: each step's question with its buttons, the review screen's lines
and buttons, and the answers to a refused Send. Nothing here sends or stores anything."""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Iterable, Mapping
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.config import Settings
from bot.content.regions import Region, RegionCatalog, RegionMatch
from bot.i18n import Tr, Translator
from bot.services.reports import (
    TEXT_LIMIT,
    GroupFull,
    PlaceType,
    RateLimited,
    Refused,
    TimeBucket,
    TooLong,
)
from handlers.menu import home_row
from handlers.regions import button, candidates_screen, region_list
from handlers.report.callbacks import (
    EditCb,
    FormAction,
    FormStep,
    PlaceCb,
    RegionAgainCb,
    RegionCb,
    RegionPageCb,
    ReportActCb,
    WhenCb,
)
from handlers.report.states import KEPT_TEXT_KEY
from handlers.screens import per_language

Screen = tuple[str, InlineKeyboardMarkup]
Draft = Mapping[str, Any]


def action_button(tr: Tr, action: FormAction) -> InlineKeyboardButton:
    return button(tr(action.label_key), ReportActCb(action=action))


def nav_row(tr: Tr) -> list[InlineKeyboardButton]:
    """The last row of every step after the first: Back (the step before, answers kept) and
    Cancel (asked twice once anything was entered)."""
    return [action_button(tr, FormAction.BACK), action_button(tr, FormAction.CANCEL)]


@per_language
def back_cancel(tr: Tr) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[nav_row(tr)])


@per_language
def skip_back_cancel(tr: Tr) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[action_button(tr, FormAction.SKIP)], nav_row(tr)])


@per_language
def discard_confirm(tr: Tr) -> InlineKeyboardMarkup:
    """Cancel with something entered: discard, or go on with the draft as it is."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [action_button(tr, FormAction.DISCARD)],
            [action_button(tr, FormAction.GO_ON)],
        ]
    )


def with_answer_kept(tr: Tr, line: str, text: str, markup: InlineKeyboardMarkup) -> Screen:
    """A step revisited (Back, or Edit on the review screen): its answer is shown, and "Keep
    as is" (above the last row) goes on without changing it."""
    keep = [action_button(tr, FormAction.KEEP)]
    rows = list(markup.inline_keyboard)
    text += "\n\n" + tr("report-answer-now") + "\n" + line
    return text, InlineKeyboardMarkup(inline_keyboard=[*rows[:-1], keep, rows[-1]])


@per_language
def region_help(tr: Tr) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(tr("report-region-list"), RegionPageCb(page=0))],
            [action_button(tr, FormAction.CANCEL)],
        ]
    )


def region_candidates(tr: Tr, matches: list[RegionMatch]) -> Screen:
    return candidates_screen(
        tr, matches, lambda code: RegionCb(code=code), region_help(tr).inline_keyboard
    )


def with_region_picked(tr: Tr, region: Region, text: str, markup: InlineKeyboardMarkup) -> Screen:
    """The next step's screen with the region the form took said on top, so a wrong guess is
    seen and undone in one tap. "Not this region" takes Back's place (both lead to the region
    question, the rest kept), in the same message: one step, one sendMessage."""
    said = _region_picked_text(tr.translator, tr.lang, region.name(tr.lang))
    return said + "\n\n" + text, _region_picked_markup(tr, markup)


@functools.lru_cache(maxsize=512)  # every region in every language, formatted once
def _region_picked_text(translator: Translator, lang: str, name: str) -> str:
    return translator(lang, "regions-picked", region=name)


# The keyboards made by _region_picked_markup, by the keyboard they were made from: the session
# prepares a keyboard's JSON once per object (bot.telegram.updates), and this one is on the
# form's hot path. Kept small: a keyboard built per reply (a step revisited) is seldom reused.
_PICKED: dict[int, tuple[InlineKeyboardMarkup, InlineKeyboardMarkup]] = {}
PICKED_CACHE = 32


def _region_picked_markup(tr: Tr, markup: InlineKeyboardMarkup) -> InlineKeyboardMarkup:
    found = _PICKED.get(id(markup))
    if found is not None and found[0] is markup:
        return found[1]
    again = button(tr("regions-not-this"), RegionAgainCb())
    back = action_button(tr, FormAction.BACK).callback_data
    rows = list(markup.inline_keyboard)
    last = [again, *(b for b in rows[-1] if b.callback_data != back)]
    built = InlineKeyboardMarkup(inline_keyboard=[*rows[:-1], last])
    if len(_PICKED) >= PICKED_CACHE:
        _PICKED.clear()
    _PICKED[id(markup)] = (markup, built)  # the source is held: its id cannot be reused
    return built


def region_page(tr: Tr, regions: RegionCatalog, page: int) -> Screen:
    markup = region_list(
        tr,
        regions,
        page,
        lambda code: RegionCb(code=code),
        lambda page: RegionPageCb(page=page),
        [[action_button(tr, FormAction.CANCEL)]],
    )
    return tr("report-region-pick"), markup


def _two_a_row(buttons: list[InlineKeyboardButton], tr: Tr) -> InlineKeyboardMarkup:
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(nav_row(tr))
    return InlineKeyboardMarkup(inline_keyboard=rows)


# --- each step's question: a row of the step table names one of these --------------------------


def region_prompt(tr: Tr, draft: Draft) -> Screen:
    return tr("report-intro"), region_help(tr)


def place_prompt(tr: Tr, draft: Draft) -> Screen:
    return tr("report-place"), _place_buttons(tr)


def when_prompt(tr: Tr, draft: Draft) -> Screen:
    return tr("report-when"), _when_buttons(tr)


@per_language
def _place_buttons(tr: Tr) -> InlineKeyboardMarkup:
    return _two_a_row(
        [button(tr(place.label_key), PlaceCb(place=place)) for place in PlaceType], tr
    )


@per_language
def _when_buttons(tr: Tr) -> InlineKeyboardMarkup:
    return _two_a_row([button(tr(when.label_key), WhenCb(when=when)) for when in TimeBucket], tr)


def text_prompt(tr: Tr, draft: Draft) -> Screen:
    """The description step; words typed at an earlier step are shown (the person sees they
    were kept) and offered with one button."""
    text = tr("report-text", limit=TEXT_LIMIT)
    markup = back_cancel(tr)
    kept = draft.get(KEPT_TEXT_KEY)
    if kept:
        text += "\n\n" + tr("report-text-kept-words") + "\n\n" + html.escape(str(kept), quote=False)
        use = [action_button(tr, FormAction.USE_KEPT)]
        markup = InlineKeyboardMarkup(inline_keyboard=[use, *markup.inline_keyboard])
    return text, markup


def photo_prompt(tr: Tr, draft: Draft) -> Screen:
    return tr("report-photo"), skip_back_cancel(tr)


def location_prompt(tr: Tr, draft: Draft) -> Screen:
    """The last step, with the warning that "current location" is where the person stands."""
    return tr("report-location") + "\n\n" + tr("report-location-warning"), skip_back_cancel(tr)


# --- each step's line on the review screen ------------------------------------------------------


def region_line(tr: Tr, value: Any, regions: RegionCatalog) -> str:
    region = regions.get(str(value))
    return tr("report-review-region", value=region.name(tr.lang) if region else "?")


def place_line(tr: Tr, value: Any, regions: RegionCatalog) -> str:
    return tr("report-review-place", value=tr(PlaceType(value).label_key))


def when_line(tr: Tr, value: Any, regions: RegionCatalog) -> str:
    return tr("report-review-when", value=tr(TimeBucket(value).label_key))


def text_line(tr: Tr, value: Any, regions: RegionCatalog) -> str:
    return tr("report-review-text", value=str(value or ""))


def photo_line(tr: Tr, value: Any, regions: RegionCatalog) -> str:
    return tr("report-review-photo", value=tr("report-yes" if value else "report-no"))


def location_line(tr: Tr, value: Any, regions: RegionCatalog) -> str:
    return tr("report-review-location", value=tr("report-yes" if value else "report-no"))


def review(
    tr: Tr, lines: Iterable[str], steps: Iterable[FormStep], *, kept: bool = False
) -> Screen:
    """Every answer, then Send, "Add to description" while words are kept, an Edit button per
    step (three a row), Back (the last step) and Cancel."""
    edits = [button(tr(step.label_key), EditCb(step=step)) for step in steps]
    add = [[action_button(tr, FormAction.ADD_KEPT)]] if kept else []
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [action_button(tr, FormAction.SEND)],
            *add,
            *(edits[i : i + 3] for i in range(0, len(edits), 3)),
            nav_row(tr),
        ]
    )
    return "\n".join([tr("report-review-title"), "", *lines]), markup


def idle_minutes(settings: Settings) -> int:
    """DRAFT_IDLE_MINUTES as people are told it: whole minutes, at least one."""
    return max(1, math.floor(settings.draft_idle_minutes))


@per_language
def home_only(tr: Tr) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[home_row(tr)])


def refusal(tr: Tr, result: Refused, settings: Settings) -> str:
    """Why Send was refused. The draft stays, but only until the idle sweep: a wait longer
    than DRAFT_IDLE_MINUTES is told that the draft will not last it."""
    if isinstance(result, RateLimited | GroupFull):
        idle = idle_minutes(settings)
        lasts = result.wait_minutes <= settings.draft_idle_minutes
        prefix = "report-rate-limited" if isinstance(result, RateLimited) else "report-group-full"
        return tr(f"{prefix}-{'kept' if lasts else 'lost'}", minutes=result.wait_minutes, idle=idle)
    if isinstance(result, TooLong):
        return tr("report-too-large")
    return tr("report-busy")
