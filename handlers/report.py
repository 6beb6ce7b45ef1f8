"""/report: the anonymous raid-report form.

Steps: region → place → when → what happened → photo (optional) → location (optional) → review
(Send, Edit a step, Cancel). The draft lives only in the memory-only FSM. Every wrong input gets
an explanation and keeps the draft. However the form ends (Send, Cancel, an exit such as /start,
or the idle sweep) its messages, the user's and the bot's, leave the chat (handlers.flow), and
after Send one neutral "received" stays for a minute, so a phone seized at a checkpoint does not
show what was reported.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.content.regions import RegionCatalog
from bot.i18n import Tr
from bot.services.commands import delete_messages
from bot.services.drafts import DraftStorage
from bot.services.janitor import MessageJanitor
from bot.services.notices import ModeratorNotices
from bot.services.reports import (
    PLACE_TYPES,
    TEXT_LIMIT,
    TIME_BUCKETS,
    Busy,
    GroupFull,
    RateLimited,
    ReportDraft,
    ReportService,
    clean_text,
)
from handlers.callbacks import PageNumber
from handlers.filters import has_location, has_photo, has_text
from handlers.flow import CLEANUP_KEY, LANG_KEY, Flow, track_message
from handlers.menu import Nav
from handlers.regions import button, candidate_rows, region_list
from handlers.screens import show

KEPT_TEXT_KEY = "kept_text"  # free text typed at a button step, offered at the description step
ACK_SECONDS = 60  # the neutral "received" after Send leaves the chat after this long


class ReportForm(StatesGroup):
    region = State()
    place = State()
    when = State()
    text = State()
    photo = State()
    location = State()
    review = State()
    sending = State()  # Send was tapped: the draft is being sealed and stored


class RegionCb(CallbackData, prefix="rr"):
    code: str


class RegionPageCb(CallbackData, prefix="rp"):
    page: PageNumber


class ChoiceCb(CallbackData, prefix="rc"):
    """A place type or a time bucket; `field` says which."""

    field: str
    value: str


class ReportAct(CallbackData, prefix="ra"):
    action: str


# Step order; the optional steps count as done once answered or skipped.
STEPS = ("region", "place_type", "time_bucket", "text", "photo_done", "location_done")
STATE_OF = {
    "region": ReportForm.region,
    "place_type": ReportForm.place,
    "time_bucket": ReportForm.when,
    "text": ReportForm.text,
    "photo_done": ReportForm.photo,
    "location_done": ReportForm.location,
}
EDITABLE = {
    "region": ("region",),
    "place": ("place_type",),
    "when": ("time_bucket",),
    "text": ("text",),
    "photo": ("photo_done", "photo_file_id"),
    "location": ("location_done", "location"),
}


def build_router() -> Router:
    router = Router(name="report")

    @router.message(Command("report"))
    async def start_command(
        message: Message, tr: Tr, state: FSMContext, report_service: ReportService
    ) -> None:
        await _begin(message, None, tr, state, report_service)

    @router.callback_query(Nav.filter(F.to == "report"))
    async def start_button(
        query: CallbackQuery, tr: Tr, state: FSMContext, report_service: ReportService
    ) -> None:
        await _begin(None, query, tr, state, report_service)

    # --- region ------------------------------------------------------------------------------
    @router.message(ReportForm.region, has_text)
    async def region_text(
        message: Message, tr: Tr, state: FSMContext, regions: RegionCatalog
    ) -> None:
        await track_message(state, message)
        found = regions.resolve(message.text or "")
        if found is not None:
            await state.update_data(region=found.code)
            await _next_step(message, None, tr, state, regions)
            return
        candidates = regions.match(message.text or "", limit=5)
        rows = candidate_rows(tr, candidates, lambda code: RegionCb(code=code))
        key = "report-region-choose" if rows else "report-region-unknown"
        rows.append([button(tr("report-region-list"), RegionPageCb(page=0))])
        rows.append([button(tr("report-cancel"), ReportAct(action="cancel"))])
        await _prompt(message, None, state, tr(key), InlineKeyboardMarkup(inline_keyboard=rows))

    @router.message(ReportForm.region)
    async def region_not_text(message: Message, tr: Tr, state: FSMContext) -> None:
        await track_message(state, message)
        await _prompt(message, None, state, tr("report-region-text-only"), _region_help(tr))

    @router.callback_query(ReportForm.region, RegionPageCb.filter())
    async def region_page(
        query: CallbackQuery, callback_data: RegionPageCb, tr: Tr, regions: RegionCatalog
    ) -> None:
        await show(query, tr("report-region-pick"), _region_list(tr, regions, callback_data.page))

    @router.callback_query(ReportForm.region, RegionCb.filter())
    async def region_pick(
        query: CallbackQuery,
        callback_data: RegionCb,
        tr: Tr,
        state: FSMContext,
        regions: RegionCatalog,
    ) -> None:
        if regions.get(callback_data.code) is None:
            await query.answer(tr("report-stale"))
            return
        await state.update_data(region=callback_data.code)
        await _next_step(None, query, tr, state, regions)

    # --- place and time: buttons only ---------------------------------------------------------
    @router.callback_query(ReportForm.place, ChoiceCb.filter(F.field == "place"))
    async def place(
        query: CallbackQuery,
        callback_data: ChoiceCb,
        tr: Tr,
        state: FSMContext,
        regions: RegionCatalog,
    ) -> None:
        if callback_data.value in PLACE_TYPES:
            await state.update_data(place_type=callback_data.value)
        await _next_step(None, query, tr, state, regions)

    @router.callback_query(ReportForm.when, ChoiceCb.filter(F.field == "when"))
    async def when(
        query: CallbackQuery,
        callback_data: ChoiceCb,
        tr: Tr,
        state: FSMContext,
        regions: RegionCatalog,
    ) -> None:
        if callback_data.value in TIME_BUCKETS:
            await state.update_data(time_bucket=callback_data.value)
        await _next_step(None, query, tr, state, regions)

    @router.message(ReportForm.place)
    @router.message(ReportForm.when)
    async def choice_typed(
        message: Message, tr: Tr, state: FSMContext, regions: RegionCatalog
    ) -> None:
        # A typed answer where buttons are expected: what was typed is kept for the description
        # step, the person is told so, and the step is asked again with its buttons.
        await track_message(state, message)
        kept = clean_text(message.text or message.caption or "")
        if kept:
            data = await state.get_data()
            joined = "\n".join(filter(None, [str(data.get(KEPT_TEXT_KEY) or ""), kept]))
            await state.update_data({KEPT_TEXT_KEY: joined[:TEXT_LIMIT]})
            sent = await message.answer(tr("report-text-kept"))
            await track_message(state, sent)
        await _next_step(message, None, tr, state, regions)

    @router.callback_query(ReportForm.text, ReportAct.filter(F.action == "use-kept"))
    async def use_kept_text(
        query: CallbackQuery, tr: Tr, state: FSMContext, regions: RegionCatalog
    ) -> None:
        data = await state.get_data()
        kept = str(data.get(KEPT_TEXT_KEY) or "")
        if kept:
            await state.update_data({"text": kept, KEPT_TEXT_KEY: None})
        await _next_step(None, query, tr, state, regions)

    # --- text -----------------------------------------------------------------------------------
    @router.message(ReportForm.text, has_text)
    async def text(message: Message, tr: Tr, state: FSMContext, regions: RegionCatalog) -> None:
        await track_message(state, message)
        body = clean_text(message.text or "")
        length = len((message.text or "").strip())
        if length > TEXT_LIMIT:
            await _prompt(
                message, None, state,
                tr("report-text-too-long", length=length, limit=TEXT_LIMIT), _cancel_only(tr),
            )  # fmt: skip
            return
        if not body:
            await _prompt(message, None, state, tr("report-text-only"), _cancel_only(tr))
            return
        await state.update_data(text=body)
        await _next_step(message, None, tr, state, regions)

    @router.message(ReportForm.text)
    async def text_not_text(message: Message, tr: Tr, state: FSMContext) -> None:
        await track_message(state, message)
        await _prompt(message, None, state, tr("report-text-only"), _cancel_only(tr))

    # --- photo ----------------------------------------------------------------------------------
    @router.message(ReportForm.photo, has_photo)
    async def photo(message: Message, tr: Tr, state: FSMContext, regions: RegionCatalog) -> None:
        await track_message(state, message)
        largest = (message.photo or [])[-1]
        await state.update_data(photo_file_id=largest.file_id, photo_done=True)
        await _next_step(message, None, tr, state, regions)

    @router.message(ReportForm.photo)
    async def photo_wrong(message: Message, tr: Tr, state: FSMContext) -> None:
        await track_message(state, message)
        document = message.document
        as_file = document is not None and (document.mime_type or "").startswith("image/")
        key = "report-photo-as-file" if as_file else "report-photo-only"
        await _prompt(message, None, state, tr(key), _skip_cancel(tr))

    # --- location -------------------------------------------------------------------------------
    @router.message(ReportForm.location, has_location)
    async def location(message: Message, tr: Tr, state: FSMContext, regions: RegionCatalog) -> None:
        await track_message(state, message)
        point = message.location
        if point is None or point.live_period:
            await _prompt(message, None, state, tr("report-location-live"), _skip_cancel(tr))
            return
        await state.update_data(location=[point.latitude, point.longitude], location_done=True)
        await _next_step(message, None, tr, state, regions)

    @router.message(ReportForm.location)
    async def location_wrong(message: Message, tr: Tr, state: FSMContext) -> None:
        await track_message(state, message)
        await _prompt(message, None, state, tr("report-location-only"), _skip_cancel(tr))

    # --- buttons: skip, edit, send, cancel ------------------------------------------------------
    @router.callback_query(ReportForm.photo, ReportAct.filter(F.action == "skip"))
    async def skip_photo(
        query: CallbackQuery, tr: Tr, state: FSMContext, regions: RegionCatalog
    ) -> None:
        await state.update_data(photo_done=True, photo_file_id=None)
        await _next_step(None, query, tr, state, regions)

    @router.callback_query(ReportForm.location, ReportAct.filter(F.action == "skip"))
    async def skip_location(
        query: CallbackQuery, tr: Tr, state: FSMContext, regions: RegionCatalog
    ) -> None:
        await state.update_data(location_done=True, location=None)
        await _next_step(None, query, tr, state, regions)

    @router.callback_query(ReportForm.review, ReportAct.filter(F.action.startswith("edit-")))
    async def edit(
        query: CallbackQuery,
        callback_data: ReportAct,
        tr: Tr,
        state: FSMContext,
        regions: RegionCatalog,
    ) -> None:
        fields = EDITABLE.get(callback_data.action.removeprefix("edit-"))
        if fields:
            await state.update_data(**dict.fromkeys(fields))
        await _next_step(None, query, tr, state, regions)

    @router.callback_query(ReportForm.review, ReportAct.filter(F.action == "send"))
    async def send(
        query: CallbackQuery,
        tr: Tr,
        state: FSMContext,
        bot: Bot,
        report_service: ReportService,
        notices: ModeratorNotices,
        janitor: MessageJanitor,
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
        if isinstance(result, RateLimited | GroupFull | Busy):
            await state.set_state(ReportForm.review)
            await query.answer(_refusal(tr, result), show_alert=True)
            return
        await state.clear()  # handlers.flow deletes the form's messages
        await query.answer()
        if isinstance(query.message, Message):
            sent = await bot.send_message(query.message.chat.id, tr("report-sent"))
            if not janitor.schedule(query.message.chat.id, [sent.message_id], ACK_SECONDS):
                await delete_messages(bot, query.message.chat.id, [sent.message_id])
        await notices.report_received()

    @router.callback_query(StateInForm(), ReportAct.filter(F.action == "cancel"))
    async def cancel(query: CallbackQuery, tr: Tr, state: FSMContext, bot: Bot) -> None:
        await state.clear()  # handlers.flow deletes the form's messages
        await query.answer()
        if isinstance(query.message, Message):
            await bot.send_message(query.message.chat.id, tr("report-cancelled"))

    @router.callback_query(ReportAct.filter())
    @router.callback_query(RegionCb.filter())
    @router.callback_query(RegionPageCb.filter())
    @router.callback_query(ChoiceCb.filter())
    async def stale(query: CallbackQuery, tr: Tr) -> None:
        await query.answer(tr("report-stale"))

    return router


FLOW = Flow(
    name="report",
    states=ReportForm,
    commands=frozenset({"report"}),
    resume=lambda query, data: _next_step(None, query, data["tr"], data["state"], data["regions"]),
    deletes_messages=True,
)


def _take(state: FSMContext, expected: State, then: State) -> dict[str, Any] | None:
    storage = state.storage
    if not isinstance(storage, DraftStorage):  # pragma: no cover - the app always uses it
        raise TypeError("the report form needs DraftStorage")
    return storage.take(state.key, str(expected.state), str(then.state))


def _refusal(tr: Tr, result: RateLimited | GroupFull | Busy) -> str:
    if isinstance(result, RateLimited):
        return tr("report-rate-limited", minutes=result.wait_minutes)
    if isinstance(result, GroupFull):
        return tr("report-group-full")
    return tr("report-busy")


class StateInForm(Filter):
    """Matches while any step of the report form is active."""

    async def __call__(self, event: Any, raw_state: str | None = None) -> bool:
        return raw_state is not None and raw_state.startswith(ReportForm.__name__ + ":")


async def _begin(
    message: Message | None,
    query: CallbackQuery | None,
    tr: Tr,
    state: FSMContext,
    report_service: ReportService,
) -> None:
    if not report_service.enabled:
        text = tr("report-unavailable")
        if query is not None:
            await query.answer(text, show_alert=True)
        elif message is not None:
            await message.answer(text)
        return
    await state.clear()
    await state.set_state(ReportForm.region)
    # The language is kept with the draft so that closing an abandoned form speaks it too.
    await state.set_data({CLEANUP_KEY: [message.message_id] if message else [], LANG_KEY: tr.lang})
    await _prompt(message, query, state, tr("report-intro"), _region_help(tr))


async def _next_step(
    message: Message | None,
    query: CallbackQuery | None,
    tr: Tr,
    state: FSMContext,
    regions: RegionCatalog,
) -> None:
    """Show the first unanswered step, or the review screen when all are answered."""
    data = await state.get_data()
    missing = next((step for step in STEPS if not data.get(step)), None)
    if missing is None:
        await state.set_state(ReportForm.review)
        await _prompt(message, query, state, _review_text(data, tr, regions), _review_keyboard(tr))
        return
    await state.set_state(STATE_OF[missing])
    if missing == "region":
        await _prompt(message, query, state, tr("report-intro"), _region_help(tr))
    elif missing == "place_type":
        await _prompt(message, query, state, tr("report-place"), _choices(tr, "place", PLACE_TYPES))
    elif missing == "time_bucket":
        await _prompt(message, query, state, tr("report-when"), _choices(tr, "when", TIME_BUCKETS))
    elif missing == "text":
        text = tr("report-text", limit=TEXT_LIMIT)
        markup = _cancel_only(tr)
        if data.get(KEPT_TEXT_KEY):
            text += "\n\n" + tr("report-text-use-kept-hint")
            use = [button(tr("report-text-use-kept"), ReportAct(action="use-kept"))]
            markup = InlineKeyboardMarkup(inline_keyboard=[use, *markup.inline_keyboard])
        await _prompt(message, query, state, text, markup)
    elif missing == "photo_done":
        await _prompt(message, query, state, tr("report-photo"), _skip_cancel(tr))
    else:
        await _prompt(message, query, state, tr("report-location"), _skip_cancel(tr))


async def _prompt(
    message: Message | None,
    query: CallbackQuery | None,
    state: FSMContext,
    text: str,
    markup: InlineKeyboardMarkup,
) -> None:
    """Edit the screen a button was pressed on, or send a new prompt after a typed answer."""
    if query is not None:
        await show(query, text, markup)
        if isinstance(query.message, Message):
            await track_message(state, query.message)
        return
    if message is not None:
        sent = await message.answer(text, reply_markup=markup)
        await track_message(state, sent)


def _review_text(data: dict[str, Any], tr: Tr, regions: RegionCatalog) -> str:
    region = regions.get(str(data.get("region")))
    lines = [
        tr("report-review-title"),
        "",
        tr("report-review-region", value=region.name(tr.lang) if region else "?"),
        tr("report-review-place", value=tr(f"place-{data.get('place_type')}")),
        tr("report-review-when", value=tr(f"when-{data.get('time_bucket')}")),
        tr("report-review-text", value=str(data.get("text", ""))),
        tr(
            "report-review-photo",
            value=tr("report-yes" if data.get("photo_file_id") else "report-no"),
        ),
        tr(
            "report-review-location",
            value=tr("report-yes" if data.get("location") else "report-no"),
        ),
    ]
    return "\n".join(lines)


def _cancel_only(tr: Tr) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[button(tr("report-cancel"), ReportAct(action="cancel"))]]
    )


def _skip_cancel(tr: Tr) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(tr("report-skip"), ReportAct(action="skip"))],
            [button(tr("report-cancel"), ReportAct(action="cancel"))],
        ]
    )


def _region_help(tr: Tr) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(tr("report-region-list"), RegionPageCb(page=0))],
            [button(tr("report-cancel"), ReportAct(action="cancel"))],
        ]
    )


def _choices(tr: Tr, field: str, values: tuple[str, ...]) -> InlineKeyboardMarkup:
    prefix = "place" if field == "place" else "when"
    buttons = [button(tr(f"{prefix}-{v}"), ChoiceCb(field=field, value=v)) for v in values]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([button(tr("report-cancel"), ReportAct(action="cancel"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _region_list(tr: Tr, regions: RegionCatalog, page: int) -> InlineKeyboardMarkup:
    return region_list(
        tr,
        regions,
        page,
        lambda code: RegionCb(code=code),
        lambda page: RegionPageCb(page=page),
        [[button(tr("report-cancel"), ReportAct(action="cancel"))]],
    )


def _review_keyboard(tr: Tr) -> InlineKeyboardMarkup:
    edits = ("region", "place", "when", "text", "photo", "location")
    edit_buttons = [button(tr(f"report-edit-{e}"), ReportAct(action=f"edit-{e}")) for e in edits]
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(tr("report-send"), ReportAct(action="send"))],
            edit_buttons[0:3],
            edit_buttons[3:6],
            [button(tr("report-cancel"), ReportAct(action="cancel"))],
        ]
    )
