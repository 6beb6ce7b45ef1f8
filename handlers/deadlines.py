"""/deadlines: choose what happened, give its date(s), get the dates that follow.

The dates live in the memory-only FSM draft while the person answers and are cleared with the
answer; nothing is stored or logged. The .ics button carries the dates in its own callback
data (they are already in the chat), so the file can be built after the draft is gone.
Dates are typed as people write them (bot.services.typed_dates) or picked in a month view.
"Today" is Moscow's (bot.services.local_time): the bot does not know where the person is.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from aiogram import Bot, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from pydantic import Field

from bot.content.calendar import WorkCalendar
from bot.content.store import ContentStore
from bot.i18n import Tr
from bot.services.deadlines import REVIEWED, Dates, Deadline, Event, Kind, deadlines
from bot.services.icalendar import AllDay, build_calendar
from bot.services.typed_dates import (
    EARLIEST_YEAR,
    check_day,
    last_day_allowed,
    moscow_today,
    parse_date,
)
from handlers.callbacks import ExactButton
from handlers.flow import Flow
from handlers.gates import GatedRouter
from handlers.menu import Nav, home_row
from handlers.screens import show

# A date in button data: its proleptic ordinal, bounded to the years a date may be in.
FIRST_DAY = dt.date(EARLIEST_YEAR, 1, 1).toordinal()
LAST_DAY = dt.date(2100, 12, 31).toordinal()
DayNumber = Annotated[int, Field(ge=FIRST_DAY, le=LAST_DAY)]
DayOrNone = Annotated[int, Field(ge=0, le=LAST_DAY)]  # 0: not given
Year = Annotated[int, Field(ge=EARLIEST_YEAR, le=2100)]
Month = Annotated[int, Field(ge=1, le=12)]


class DeadlineForm(StatesGroup):
    date = State()


class EventCb(CallbackData, prefix="dle"):
    event: Event


Step = Literal["placed", "appearance", "decided", "learned", "fine_copy"]


class DayCb(CallbackData, prefix="dld"):
    """A day picked for one question: a calendar left above a later question answers nothing."""

    day: DayNumber
    step: Step


class MonthCb(CallbackData, prefix="dlm"):
    year: Year
    month: Month


class SkipCb(CallbackData, prefix="dls"):
    """ "The appearance date is unknown" / "learned the same day"."""


class NoopCb(CallbackData, prefix="dlx"):
    """A calendar cell that is not a day to pick (a weekday name, an empty or future cell)."""


class IcsCb(CallbackData, prefix="dli"):
    """The answer's dates again, so the file needs no draft: today, and the two dates given."""

    event: Event
    today: DayNumber
    first: DayOrNone
    second: DayOrNone


# What each event asks for, in order. Keys of `Dates`; "fine_copy" etc.
STEPS: dict[Event, tuple[str, ...]] = {
    Event.ESUMMONS: ("placed", "appearance"),
    Event.PAPER: ("appearance",),
    Event.DECISION: ("decided", "learned"),
    Event.FINE: ("fine_copy",),
    Event.AGS: (),
    Event.SELF_REPORT: (),
}
PROMPTS = {
    "placed": "dl-ask-placed",
    "appearance": "dl-ask-appearance",
    "decided": "dl-ask-decided",
    "learned": "dl-ask-learned",
    "fine_copy": "dl-ask-fine",
}
GIVEN = {
    "placed": "dl-given-placed",
    "appearance": "dl-given-appearance",
    "decided": "dl-given-decided",
    "learned": "dl-given-learned",
    "fine_copy": "dl-given-fine",
}
FUTURE_ALLOWED = frozenset({"appearance"})  # a summons names a day ahead
WARNINGS = {
    Event.DECISION: ("dl-warn-dispatch", "dl-warn-court", "dl-warn-copy"),
    Event.FINE: ("dl-warn-fine", "dl-warn-copy"),
}


async def _resume(query: CallbackQuery, data: dict[str, Any]) -> None:
    state: FSMContext = data["state"]
    await _ask(query, data["tr"], await state.get_data())


FLOW = Flow(
    name="deadlines", states=DeadlineForm, commands=frozenset({"deadlines"}), resume=_resume
)


def build_router() -> Router:
    router = GatedRouter(name="deadlines")
    router.message.register(deadlines_command, Command("deadlines"))
    router.callback_query.register(deadlines_screen, ExactButton(Nav(to="deadlines")))
    router.callback_query.register(choose_event, EventCb.filter())
    router.message.register(typed_date, StateFilter(DeadlineForm.date), has_text)
    router.message.register(not_text, StateFilter(DeadlineForm.date))
    router.callback_query.register(picked_day, StateFilter(DeadlineForm.date), DayCb.filter())
    router.callback_query.register(turn_month, StateFilter(DeadlineForm.date), MonthCb.filter())
    router.callback_query.register(skip, StateFilter(DeadlineForm.date), ExactButton(SkipCb()))
    router.callback_query.register(ics_file, IcsCb.filter())
    router.callback_query.register(noop, ExactButton(NoopCb()))
    router.callback_query.register(stale, DayCb.filter())
    router.callback_query.register(stale, MonthCb.filter())
    router.callback_query.register(stale, ExactButton(SkipCb()))
    return router


async def deadlines_command(message: Message, tr: Tr, state: FSMContext) -> None:
    await state.clear()
    await message.answer(tr("dl-intro"), reply_markup=intro_keyboard(tr))


async def deadlines_screen(query: CallbackQuery, tr: Tr, state: FSMContext) -> None:
    await state.clear()
    await show(query, tr("dl-intro"), intro_keyboard(tr))


def intro_keyboard(tr: Tr) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=tr(f"dl-event-{e.value}"), callback_data=EventCb(event=e).pack()
            )
        ]
        for e in Event
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, home_row(tr)])


async def choose_event(
    query: CallbackQuery, callback_data: EventCb, tr: Tr, state: FSMContext, content: ContentStore
) -> None:
    event = callback_data.event
    today = moscow_today()
    if not STEPS[event]:
        await state.clear()
        found = deadlines(event, Dates(today=today), content.current.calendar)
        await show(
            query, render(tr, event, {}, found, today), result_keyboard(tr, event, {}, today)
        )
        return
    await state.set_state(DeadlineForm.date)
    data: dict[str, Any] = {"event": event.value, "dates": {}}
    await state.set_data(data)
    await _ask(query, tr, data)


async def typed_date(message: Message, tr: Tr, state: FSMContext, content: ContentStore) -> None:
    data = await state.get_data()
    step = _step(data)
    if step is None:
        await state.clear()
        await message.answer(tr("dl-stale"))
        return
    today = moscow_today()
    parsed = parse_date(message.text or "", today, past_only=step not in FUTURE_ALLOWED)
    if parsed.day is None:
        problem = parsed.problem.value if parsed.problem else "unknown"
        await message.answer(
            tr(f"dl-problem-{problem}"), reply_markup=calendar_keyboard(tr, data, today)
        )
        return
    text, markup = await _accept(tr, state, data, parsed.day, content.current.calendar)
    await message.answer(text, reply_markup=markup)


async def has_text(message: Message) -> bool:
    return bool(message.text)


async def not_text(message: Message, tr: Tr, state: FSMContext) -> None:
    data = await state.get_data()
    await message.answer(tr("dl-text-only"), reply_markup=calendar_keyboard(tr, data))


async def picked_day(
    query: CallbackQuery, callback_data: DayCb, tr: Tr, state: FSMContext, content: ContentStore
) -> None:
    data = await state.get_data()
    day = dt.date.fromordinal(callback_data.day)
    step = _step(data)
    if step is None or step != callback_data.step:
        await query.answer(tr("dl-stale"))
        return
    checked = check_day(day, moscow_today(), past_only=step not in FUTURE_ALLOWED)
    if checked.problem is not None:
        await query.answer(tr(f"dl-problem-{checked.problem.value}"))
        return
    text, markup = await _accept(tr, state, data, day, content.current.calendar)
    await show(query, text, markup, toast=tr("dl-calendar-day", date=_date(tr, day)))


async def turn_month(
    query: CallbackQuery, callback_data: MonthCb, tr: Tr, state: FSMContext
) -> None:
    data = await state.get_data()
    shown = dt.date(callback_data.year, callback_data.month, 1)
    await show(query, _prompt(tr, data), calendar_keyboard(tr, data, month=shown))


async def skip(query: CallbackQuery, tr: Tr, state: FSMContext, content: ContentStore) -> None:
    """Unknown appearance date: left out. Learned "the same day": the day of the decision."""
    data = await state.get_data()
    step = _step(data)
    dates = data.get("dates", {})
    if step == "learned" and "decided" in dates:
        day: dt.date | None = dt.date.fromordinal(int(dates["decided"]))
    elif step == "appearance" and data.get("event") == Event.ESUMMONS.value:
        day = None
    else:
        await query.answer(tr("dl-stale"))
        return
    text, markup = await _accept(tr, state, data, day, content.current.calendar)
    await show(query, text, markup)


async def ics_file(
    query: CallbackQuery, callback_data: IcsCb, tr: Tr, bot: Bot, content: ContentStore
) -> None:
    """The answer's deadlines as a .ics file, built in memory and uploaded from there."""
    event = callback_data.event
    today = dt.date.fromordinal(callback_data.today)
    given = _from_ics(callback_data)
    found = deadlines(event, _dates(given, today), content.current.calendar)
    if not found:
        await query.answer(tr("dl-stale"))
        return
    events = [
        AllDay(
            d.day,
            tr(f"dl-kind-{d.kind.value}"),
            "\n".join([tr(f"dl-basis-{d.kind.value}"), *_notes(tr, d)]),
        )
        for d in found
    ]
    data = build_calendar(events, dt.datetime.now(dt.UTC))
    await query.answer()
    await bot.send_document(
        query.from_user.id,
        BufferedInputFile(data, filename="deadlines.ics"),
        caption=tr("dl-ics-caption"),
    )


async def noop(query: CallbackQuery) -> None:
    await query.answer()


async def stale(query: CallbackQuery, tr: Tr) -> None:
    await query.answer(tr("dl-stale"))


async def _accept(
    tr: Tr,
    state: FSMContext,
    data: dict[str, Any],
    day: dt.date | None,
    work_calendar: WorkCalendar,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Record the answer to the current step; the next question, or the answer (the draft is
    then cleared)."""
    step = _step(data)
    dates: dict[str, int] = dict(data.get("dates", {}))
    problem = _conflict(step, day, dates)
    if problem is not None:
        return tr(problem), calendar_keyboard(tr, data)
    if step is not None and day is not None:
        dates[step] = day.toordinal()
    if step is not None and day is None:
        dates[step] = 0  # skipped
    data = {**data, "dates": dates}
    if _step(data) is not None:
        await state.set_data(data)
        return _prompt(tr, data), calendar_keyboard(tr, data)
    await state.clear()
    event = Event(data["event"])
    today = moscow_today()
    given = {k: dt.date.fromordinal(v) for k, v in dates.items() if v}
    found = deadlines(event, _dates(given, today), work_calendar)
    return render(tr, event, given, found, today), result_keyboard(tr, event, given, today)


def _conflict(step: str | None, day: dt.date | None, dates: dict[str, int]) -> str | None:
    """A date that cannot be: learned before the decision, appearance before placement."""
    if day is None:
        return None
    earlier = {"learned": "decided", "appearance": "placed"}.get(step or "")
    if earlier and dates.get(earlier) and day.toordinal() < dates[earlier]:
        return "dl-problem-learned-before" if step == "learned" else "dl-problem-appearance-before"
    return None


def _step(data: dict[str, Any]) -> str | None:
    """The date asked for now; None when every one is answered (or the draft is gone)."""
    try:
        steps = STEPS[Event(data.get("event", ""))]
    except ValueError:
        return None
    answered = data.get("dates", {})
    return next((s for s in steps if s not in answered), None)


def _prompt(tr: Tr, data: dict[str, Any]) -> str:
    step = _step(data)
    return tr(PROMPTS[step]) if step else tr("dl-stale")


async def _ask(query: CallbackQuery, tr: Tr, data: dict[str, Any]) -> None:
    await show(query, _prompt(tr, data), calendar_keyboard(tr, data))


def _dates(given: dict[str, dt.date], today: dt.date) -> Dates:
    return Dates(**given, today=today)


def calendar_keyboard(
    tr: Tr, data: dict[str, Any], today: dt.date | None = None, *, month: dt.date | None = None
) -> InlineKeyboardMarkup:
    """A month view: ‹ month › on top, weekday names, the days (future ones inert where only
    the past makes sense), the step's own button (skip / same day), and Home."""
    today = today or moscow_today()
    step = _step(data)
    past_only = step not in FUTURE_ALLOWED
    first = (month or today).replace(day=1)
    last_allowed = last_day_allowed(today, past_only=past_only)
    rows = [_month_row(tr, first, last_allowed)]
    rows.append([_noop(name) for name in tr("dl-weekdays").split()])
    week: list[InlineKeyboardButton] = [_noop(" ")] * first.weekday()
    day = first
    while day.month == first.month:
        if day > last_allowed:
            week.append(_noop("·"))
        else:
            week.append(
                InlineKeyboardButton(
                    text=str(day.day),
                    callback_data=DayCb(day=day.toordinal(), step=step or "placed").pack(),
                )
            )
        if len(week) == 7:
            rows.append(week)
            week = []
        day += dt.timedelta(days=1)
    if week:
        rows.append(week + [_noop(" ")] * (7 - len(week)))
    extra = _step_button(tr, data, step)
    if extra is not None:
        rows.append([extra])
    rows.append(home_row(tr))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _month_row(tr: Tr, first: dt.date, last_allowed: dt.date) -> list[InlineKeyboardButton]:
    before = (first - dt.timedelta(days=1)).replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    title = f"{tr('dl-month', month=first.month)} {first.year}"
    row = []
    if before.year >= EARLIEST_YEAR:
        row.append(
            InlineKeyboardButton(
                text="‹", callback_data=MonthCb(year=before.year, month=before.month).pack()
            )
        )
    row.append(_noop(title))
    if after <= last_allowed:
        row.append(
            InlineKeyboardButton(
                text="›", callback_data=MonthCb(year=after.year, month=after.month).pack()
            )
        )
    return row


def _step_button(tr: Tr, data: dict[str, Any], step: str | None) -> InlineKeyboardButton | None:
    if step == "learned":
        return InlineKeyboardButton(text=tr("dl-same-day"), callback_data=SkipCb().pack())
    if step == "appearance" and data.get("event") == Event.ESUMMONS.value:
        return InlineKeyboardButton(text=tr("dl-skip-appearance"), callback_data=SkipCb().pack())
    return None


def _noop(text: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=NoopCb().pack())


def render(
    tr: Tr, event: Event, given: dict[str, dt.date], found: list[Deadline], today: dt.date
) -> str:
    """The answer: what was given, each date with its basis, counting and notes, warnings."""
    parts = [tr(f"dl-title-{event.value}"), tr("dl-today", date=_date(tr, today))]
    if given:
        listed = ", ".join(tr(GIVEN[k], date=_date(tr, v)) for k, v in given.items())
        parts.append(tr("dl-from-dates", dates=listed))
    for deadline in found:
        kind = deadline.kind.value
        lines = [
            f"📅 <b>{_date(tr, deadline.day)}</b> — {tr(f'dl-kind-{kind}')}",
            f"{tr('dl-basis-label')}: {tr(f'dl-basis-{kind}')}",
            f"{tr('dl-counting-label')}: {tr(f'dl-counting-{deadline.counting.value}')}",
            *_when(tr, deadline, today),
            *_notes(tr, deadline),
        ]
        parts.append("\n".join(lines))
    parts.extend(tr(key) for key in WARNINGS.get(event, ()))
    parts.append(tr("dl-footer", reviewed=REVIEWED.strftime("%d.%m.%Y")))
    return "\n\n".join(parts)


# Days from which something applies, not last days: once behind, it is in force, not over.
STARTS = frozenset({Kind.EXIT_BAN, Kind.DELIVERED, Kind.MEASURES})


def _when(tr: Tr, deadline: Deadline, today: dt.date) -> list[str]:
    """Whether the day is behind: a passed last day is not silently shown as one to meet, and
    a passed start («measures may apply») is not read as a danger that is over."""
    if deadline.day < today:
        return [tr("dl-day-started" if deadline.kind in STARTS else "dl-day-passed")]
    return [tr("dl-day-today")] if deadline.day == today else []


def _notes(tr: Tr, deadline: Deadline) -> list[str]:
    notes = []
    if not deadline.certain and deadline.kind is not Kind.VALID_UNTIL and deadline.calendar_known:
        notes.append(tr("dl-earliest"))
    if deadline.moved_from is not None:
        notes.append(tr("dl-note-fine-appeal-moved", date=_date(tr, deadline.moved_from)))
    if deadline.unknown_year is not None and deadline.unknown_year != deadline.day.year:
        notes.append(
            tr(
                "dl-note-fine-appeal-day-off-no-calendar",
                date=_date(tr, deadline.day),
                year=str(deadline.unknown_year),
            )
        )
    elif deadline.unknown_year is not None:
        notes.append(tr("dl-note-fine-appeal-no-calendar", year=str(deadline.unknown_year)))
    notes.append(tr(f"dl-note-{deadline.kind.value}"))
    return notes


def result_keyboard(
    tr: Tr, event: Event, given: dict[str, dt.date], today: dt.date
) -> InlineKeyboardMarkup:
    values = [given[k].toordinal() if k in given else 0 for k in STEPS[event]]
    values += [0] * (2 - len(values))
    ics = IcsCb(event=event, today=today.toordinal(), first=values[0], second=values[1])
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=tr("dl-ics-button"), callback_data=ics.pack())],
            [InlineKeyboardButton(text=tr("dl-again"), callback_data=Nav(to="deadlines").pack())],
            home_row(tr),
        ]
    )


def _from_ics(data: IcsCb) -> dict[str, dt.date]:
    steps = STEPS[data.event]
    values = (data.first, data.second)
    return {step: dt.date.fromordinal(v) for step, v in zip(steps, values, strict=False) if v}


def _date(tr: Tr, day: dt.date) -> str:
    return f"{day:%d.%m.%Y} ({tr('dl-weekday', day=day.weekday())})"
