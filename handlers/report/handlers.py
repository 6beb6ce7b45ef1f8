"""The report form's handlers: one per input a step accepts or refuses, and the form's buttons.

Every wrong input gets an explanation and keeps the draft. What comes next is the step table's
business (handlers.report.steps); these only store an answer and ask for the next step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message, User

from bot.config import Settings
from bot.content.regions import RegionCatalog
from bot.content.textnorm import normalize
from bot.i18n import Tr
from bot.services.location import coarse_location
from bot.services.reports import (
    PHOTO_ID_LIMIT,
    TEXT_LIMIT,
    ReportDraft,
    ReportService,
    Submitted,
    clean_text,
)
from bot.telegram.commands import delete_messages
from bot.telegram.drafts import DraftStorage
from bot.telegram.janitor import MessageJanitor
from bot.telegram.notices import ModeratorNotices
from handlers.flow import track_message
from handlers.report import personal_data, screens
from handlers.report.callbacks import (
    EditCb,
    FormStep,
    PlaceCb,
    RegionCb,
    RegionPageCb,
    WhenCb,
)
from handlers.report.states import KEPT_TEXT_KEY, ReportForm
from handlers.report.steps import (
    STEP_OF,
    STEPS,
    has_answers,
    open_form,
    save_answer,
    show_after,
    show_current,
    show_prompt,
    show_step,
    step_at,
)
from handlers.screens import show

ACK_SECONDS = 60  # the neutral "received" after Send leaves the chat after this long


# --- opening the form -----------------------------------------------------------------------


async def start_command(
    message: Message,
    tr: Tr,
    state: FSMContext,
    report_service: ReportService,
    settings: Settings,
) -> None:
    if not report_service.enabled:
        await message.answer(tr(_unavailable(report_service)))
        return
    note = _limit_note(tr, report_service, message.from_user, settings)
    if note is not None and not note.opens:
        await message.answer(note.text)
        return
    sent = await message.answer(note.text) if note is not None else None
    await open_form(message, None, tr, state)
    if sent is not None:
        await track_message(state, sent)


async def start_button(
    query: CallbackQuery,
    tr: Tr,
    state: FSMContext,
    report_service: ReportService,
    settings: Settings,
) -> None:
    if not report_service.enabled:
        await query.answer(tr(_unavailable(report_service)), show_alert=True)
        return
    note = _limit_note(tr, report_service, query.from_user, settings)
    if note is not None and not note.opens:
        await show(query, note.text, screens.home_only(tr))
        return
    if note is not None:
        await query.answer(note.text, show_alert=True)
    await open_form(None, query, tr, state)


@dataclass(frozen=True)
class LimitNote:
    text: str
    opens: bool  # the form opens anyway: its draft outlives the wait


def _limit_note(
    tr: Tr, report_service: ReportService, user: User | None, settings: Settings
) -> LimitNote | None:
    """The per-person limit, checked (not consumed) before anyone types six steps for nothing.
    A wait longer than a draft lives closes the door: the draft would be forgotten first."""
    if user is None:
        return None
    return _wait_note(tr, report_service.wait_minutes(user.id), "report-limit", settings)


def _group_note(
    tr: Tr, report_service: ReportService, user: User | None, region: str, settings: Settings
) -> LimitNote | None:
    """The per-person-per-region limit, checked (not consumed) as soon as the region is known;
    `opens` False: the region is not taken, the draft would be forgotten before Send works."""
    if user is None:
        return None
    minutes = report_service.group_wait_minutes(user.id, region)
    return _wait_note(tr, minutes, "report-group", settings)


def _wait_note(tr: Tr, minutes: int, key: str, settings: Settings) -> LimitNote | None:
    """`<key>-wait` when the wait outlives a draft (the form stays shut), `<key>-soon` when the
    draft is kept until then; None without a wait."""
    if minutes <= 0:
        return None
    idle = screens.idle_minutes(settings)
    if minutes > settings.draft_idle_minutes:
        return LimitNote(tr(f"{key}-wait", minutes=minutes, idle=idle), opens=False)
    return LimitNote(tr(f"{key}-soon", minutes=minutes, idle=idle), opens=True)


def _unavailable(report_service: ReportService) -> str:
    """Not set up yet, or the keyring was destroyed on purpose: people are told which."""
    return "keys-destroyed-reports" if report_service.keys_destroyed else "report-unavailable"


# --- region ---------------------------------------------------------------------------------


async def region_text(
    message: Message,
    tr: Tr,
    state: FSMContext,
    regions: RegionCatalog,
    report_service: ReportService,
    settings: Settings,
) -> None:
    await track_message(state, message)
    found = regions.resolve(message.text or "")
    if found is not None:
        note = _group_note(tr, report_service, message.from_user, found.code, settings)
        if note is not None:
            sent = await message.answer(note.text)
            await track_message(state, sent)
            if not note.opens:
                await show_prompt(message, None, state, *screens.region_prompt(tr, {}))
                return
        await save_answer(state, FormStep.REGION, found.code)
        await show_after(message, None, tr, state, regions, FormStep.REGION, picked=found)
        return
    candidates = regions.match(message.text or "", limit=5)
    await show_prompt(message, None, state, *screens.region_candidates(tr, candidates))


async def region_not_text(message: Message, tr: Tr, state: FSMContext) -> None:
    await track_message(state, message)
    await show_prompt(message, None, state, tr("report-region-text-only"), screens.region_help(tr))


async def region_page(
    query: CallbackQuery, callback_data: RegionPageCb, tr: Tr, regions: RegionCatalog
) -> None:
    await show(query, *screens.region_page(tr, regions, callback_data.page))


async def region_pick(
    query: CallbackQuery,
    callback_data: RegionCb,
    tr: Tr,
    state: FSMContext,
    regions: RegionCatalog,
    report_service: ReportService,
    settings: Settings,
) -> None:
    region = regions.get(callback_data.code)
    if region is None:
        await query.answer(tr("report-stale"))
        return
    note = _group_note(tr, report_service, query.from_user, region.code, settings)
    if note is not None and not note.opens:
        # Still at the region step: another region can be typed or picked from the list.
        await show(query, note.text, screens.region_help(tr))
        return
    if note is not None:
        await query.answer(note.text, show_alert=True)
    await save_answer(state, FormStep.REGION, region.code)
    # The list's message becomes the next step, "Region: …" and its undo on top.
    await show_after(None, query, tr, state, regions, FormStep.REGION, picked=region)


async def region_again(
    query: CallbackQuery, tr: Tr, state: FSMContext, regions: RegionCatalog
) -> None:
    """The "Not this region" button: the region question again, the rest of the draft kept."""
    await show_step(None, query, tr, state, regions, STEP_OF[FormStep.REGION])


# --- place and time: buttons only -------------------------------------------------------------


async def place(
    query: CallbackQuery,
    callback_data: PlaceCb,
    tr: Tr,
    state: FSMContext,
    regions: RegionCatalog,
) -> None:
    await save_answer(state, FormStep.PLACE, callback_data.place.value)
    await show_after(None, query, tr, state, regions, FormStep.PLACE)


async def when(
    query: CallbackQuery,
    callback_data: WhenCb,
    tr: Tr,
    state: FSMContext,
    regions: RegionCatalog,
) -> None:
    await save_answer(state, FormStep.WHEN, callback_data.when.value)
    await show_after(None, query, tr, state, regions, FormStep.WHEN)


async def choice_typed(message: Message, tr: Tr, state: FSMContext, regions: RegionCatalog) -> None:
    """A typed answer where buttons are expected: what was typed is kept for the description
    step, the person is told so (anything else is told what the step needs: never silence),
    and the step is asked again with its buttons."""
    await track_message(state, message)
    kept = await _keep_words(message, state)
    note = "report-kept-for-description" if kept else "report-choose-with-buttons"
    sent = await message.answer(tr(note))
    await track_message(state, sent)
    await show_current(message, None, tr, state, regions)


async def review_typed(message: Message, tr: Tr, state: FSMContext, regions: RegionCatalog) -> None:
    """Anything typed at the review screen: kept for the description (never sent unless the
    person puts it there), told so, and the review shown again. It used to fall through to
    "not understood" and be lost."""
    await track_message(state, message)
    kept = await _keep_words(message, state)
    sent = await message.answer(tr("report-kept-at-review" if kept else "report-review-buttons"))
    await track_message(state, sent)
    await show_current(message, None, tr, state, regions)


async def _kept_note(needed: str, message: Message, state: FSMContext, tr: Tr) -> str:
    """What a step needs, and, when words came instead, that they were kept (never dropped)."""
    if not await _keep_words(message, state):
        return needed
    return needed + "\n\n" + tr("report-kept-later")


# A button's word typed instead of pressing it ("назад", "отмена"): a wish to navigate, not a
# description; kept, it came back at step 4 as the report's text.
_BUTTON_WORDS = frozenset(
    [
        "назад",
        "back",
        "отмена",
        "отменить",
        "отменяю",
        "cancel",
        "стоп",
        "stop",
        "выход",
        "exit",
        "домой",
        "home",
        "меню",
        "menu",
        "далее",
        "дальше",
        "next",
        "пропустить",
        "skip",
        "отправить",
        "send",
        "да",
        "нет",
        "yes",
        "no",
        "ок",
        "ok",
    ]
)


def _is_button_word(text: str) -> bool:
    return normalize(text) in _BUTTON_WORDS


async def _keep_words(message: Message, state: FSMContext) -> bool:
    """Add what was typed (or a caption) to the words kept for the description; a button's
    word alone is not kept (the caller then says which buttons to press)."""
    kept = clean_text(message.text or message.caption or "")
    if not kept or _is_button_word(kept):
        return False
    data = await state.get_data()
    joined = "\n".join(filter(None, [str(data.get(KEPT_TEXT_KEY) or ""), kept]))
    await state.update_data({KEPT_TEXT_KEY: joined[:TEXT_LIMIT]})
    return True


async def use_kept_text(
    query: CallbackQuery, tr: Tr, state: FSMContext, regions: RegionCatalog
) -> None:
    data = await state.get_data()
    kept = str(data.get(KEPT_TEXT_KEY) or "")
    if not kept:
        await show_current(None, query, tr, state, regions)
        return
    await save_answer(state, FormStep.TEXT, kept)
    await state.update_data({KEPT_TEXT_KEY: None})
    await show_after(None, query, tr, state, regions, FormStep.TEXT)


async def add_kept_text(
    query: CallbackQuery, tr: Tr, state: FSMContext, regions: RegionCatalog
) -> None:
    """Words kept after the description was written are added to it, within TEXT_LIMIT."""
    data = await state.get_data()
    kept = str(data.get(KEPT_TEXT_KEY) or "")
    joined = "\n".join(filter(None, [str(data.get("text") or ""), kept]))
    if len(joined) > TEXT_LIMIT:
        await query.answer(tr("report-add-kept-too-long", limit=TEXT_LIMIT), show_alert=True)
        return
    if kept:
        await save_answer(state, FormStep.TEXT, joined)
        await state.update_data({KEPT_TEXT_KEY: None})
    await show_current(None, query, tr, state, regions)


# --- text -----------------------------------------------------------------------------------


async def text(message: Message, tr: Tr, state: FSMContext, regions: RegionCatalog) -> None:
    await track_message(state, message)
    body = clean_text(message.text or "")
    length = len((message.text or "").strip())
    if length > TEXT_LIMIT:
        too_long = tr("report-text-too-long", length=length, limit=TEXT_LIMIT)
        await show_prompt(message, None, state, too_long, screens.back_cancel(tr))
        return
    if not body:
        await show_prompt(message, None, state, tr("report-text-only"), screens.back_cancel(tr))
        return
    await save_answer(state, FormStep.TEXT, body)
    await show_after(message, None, tr, state, regions, FormStep.TEXT)


async def text_not_text(message: Message, tr: Tr, state: FSMContext) -> None:
    """Not text: a photo's caption is kept and offered as the description, never dropped."""
    await track_message(state, message)
    if await _keep_words(message, state):
        _, markup = screens.text_prompt(tr, await state.get_data())
        text = tr("report-text-only") + "\n\n" + tr("report-kept-for-text")
        await show_prompt(message, None, state, text, markup)
        return
    await show_prompt(message, None, state, tr("report-text-only"), screens.back_cancel(tr))


# --- photo ----------------------------------------------------------------------------------


async def photo(message: Message, tr: Tr, state: FSMContext, regions: RegionCatalog) -> None:
    await track_message(state, message)
    largest = (message.photo or [])[-1]
    if len(largest.file_id) > PHOTO_ID_LIMIT:  # would not fit the one sealed size
        await show_prompt(
            message, None, state, tr("report-photo-unusable"), screens.skip_back_cancel(tr)
        )
        return
    await save_answer(state, FormStep.PHOTO, largest.file_id)
    if await _keep_words(message, state):  # a caption is words too: kept, and said so
        await track_message(state, await message.answer(tr("report-kept-later")))
    await show_after(message, None, tr, state, regions, FormStep.PHOTO)


async def photo_wrong(message: Message, tr: Tr, state: FSMContext) -> None:
    await track_message(state, message)
    document = message.document
    as_file = document is not None and (document.mime_type or "").startswith("image/")
    key = "report-photo-as-file" if as_file else "report-photo-only"
    await show_prompt(
        message,
        None,
        state,
        await _kept_note(tr(key), message, state, tr),
        screens.skip_back_cancel(tr),
    )


# --- location -------------------------------------------------------------------------------


async def location(message: Message, tr: Tr, state: FSMContext, regions: RegionCatalog) -> None:
    await track_message(state, message)
    point = message.location
    if point is None or point.live_period:
        await show_prompt(
            message, None, state, tr("report-location-live"), screens.skip_back_cancel(tr)
        )
        return
    try:
        # Only the ~500 m cell is kept, in the draft too (the service snaps it again).
        coarse = coarse_location(point.latitude, point.longitude)
    except ValueError:
        await show_prompt(
            message, None, state, tr("report-location-bad"), screens.skip_back_cancel(tr)
        )
        return
    await save_answer(state, FormStep.LOCATION, list(coarse))
    await show_after(message, None, tr, state, regions, FormStep.LOCATION)


async def location_wrong(message: Message, tr: Tr, state: FSMContext) -> None:
    await track_message(state, message)
    text = await _kept_note(tr("report-location-only"), message, state, tr)
    await show_prompt(message, None, state, text, screens.skip_back_cancel(tr))


# --- buttons: skip, edit, send, cancel ------------------------------------------------------


async def skip_photo(
    query: CallbackQuery, tr: Tr, state: FSMContext, regions: RegionCatalog
) -> None:
    await save_answer(state, FormStep.PHOTO, None)
    await show_after(None, query, tr, state, regions, FormStep.PHOTO)


async def skip_location(
    query: CallbackQuery, tr: Tr, state: FSMContext, regions: RegionCatalog
) -> None:
    await save_answer(state, FormStep.LOCATION, None)
    await show_after(None, query, tr, state, regions, FormStep.LOCATION)


async def edit(
    query: CallbackQuery,
    callback_data: EditCb,
    tr: Tr,
    state: FSMContext,
    regions: RegionCatalog,
) -> None:
    await show_step(None, query, tr, state, regions, STEP_OF[callback_data.step])


async def back(query: CallbackQuery, tr: Tr, state: FSMContext, regions: RegionCatalog) -> None:
    """The step before the one on screen (the review's is the last step), its answer kept."""
    current = step_at(await state.get_state())
    index = STEPS.index(current) if current is not None else len(STEPS)
    if index == 0:  # the first step has no Back; an old button shows the step again
        await show_current(None, query, tr, state, regions)
        return
    await show_step(None, query, tr, state, regions, STEPS[index - 1])


async def keep(query: CallbackQuery, tr: Tr, state: FSMContext, regions: RegionCatalog) -> None:
    """ "Keep as is" on a revisited step: its answer stays, and the form goes on."""
    current = step_at(await state.get_state())
    if current is None or not current.answered(await state.get_data()):
        await show_current(None, query, tr, state, regions)
        return
    await show_after(None, query, tr, state, regions, current.name)


async def send(
    query: CallbackQuery,
    tr: Tr,
    state: FSMContext,
    bot: Bot,
    report_service: ReportService,
    notices: ModeratorNotices,
    janitor: MessageJanitor,
    settings: Settings,
) -> None:
    if await personal_data.held_back(query, tr, state, anyway=False):
        return
    await _submit(query, tr, state, bot, report_service, notices, janitor, settings)


async def send_anyway(
    query: CallbackQuery,
    tr: Tr,
    state: FSMContext,
    bot: Bot,
    report_service: ReportService,
    notices: ModeratorNotices,
    janitor: MessageJanitor,
    settings: Settings,
) -> None:
    """ "Send anyway" under the personal-data warning: sends the text it was shown for (a text
    changed since is checked again)."""
    if await personal_data.held_back(query, tr, state, anyway=True):
        return
    await _submit(query, tr, state, bot, report_service, notices, janitor, settings)


async def _submit(
    query: CallbackQuery,
    tr: Tr,
    state: FSMContext,
    bot: Bot,
    report_service: ReportService,
    notices: ModeratorNotices,
    janitor: MessageJanitor,
    settings: Settings,
) -> None:
    # Taken, not read: of two simultaneous Send taps the second finds nothing to send.
    data = _take(state, ReportForm.review, ReportForm.sending)
    if data is None:
        await query.answer(tr("report-stale"))
        return
    try:
        result = await report_service.submit(ReportDraft.from_data(data), query.from_user.id)
    except BaseException:
        await state.set_state(ReportForm.review)  # a failure loses nothing: the draft stays
        raise
    if not isinstance(result, Submitted):
        await state.set_state(ReportForm.review)
        await query.answer(screens.refusal(tr, result, settings), show_alert=True)
        return
    await state.clear()  # handlers.flow deletes the form's messages
    await query.answer()
    if isinstance(query.message, Message):
        sent = await bot.send_message(query.message.chat.id, tr("report-sent"))
        if not janitor.schedule(query.message.chat.id, [sent.message_id], ACK_SECONDS):
            await delete_messages(bot, query.message.chat.id, [sent.message_id])
    await notices.report_received()


async def cancel(query: CallbackQuery, tr: Tr, state: FSMContext, bot: Bot) -> None:
    """Cancel: at once on an empty form; with anything entered, asked first (one stray tap
    must not throw a report away)."""
    if await state.get_state() != ReportForm.sending.state and has_answers(await state.get_data()):
        await show(query, tr("report-discard-ask"), screens.discard_confirm(tr))
        return
    await discard(query, tr, state, bot)


async def go_on(query: CallbackQuery, tr: Tr, state: FSMContext, regions: RegionCatalog) -> None:
    """Cancel taken back: the screen the form was at, the draft untouched."""
    await show_current(None, query, tr, state, regions)


async def discard(query: CallbackQuery, tr: Tr, state: FSMContext, bot: Bot) -> None:
    await state.clear()  # handlers.flow deletes the form's messages
    await query.answer()
    if isinstance(query.message, Message):
        await bot.send_message(query.message.chat.id, tr("report-cancelled"))


async def stale(query: CallbackQuery, tr: Tr) -> None:
    """A form button outside its step (an older screen of the form, or a closed form)."""
    await query.answer(tr("report-stale"))


def _take(state: FSMContext, expected: State, then: State) -> dict[str, Any] | None:
    storage = state.storage
    if not isinstance(storage, DraftStorage):  # pragma: no cover - the app always uses it
        raise TypeError("the report form needs DraftStorage")
    return storage.take(state.key, str(expected.state), str(then.state))
