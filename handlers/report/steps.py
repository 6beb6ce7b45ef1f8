"""The step table: one row per step of the report form, and the logic that reads it.

Which step comes next, where Back goes, what Skip records and what Continue shows again all
come from STEPS: an answer leads to the next row (or back to the review once it was reached),
Back to the row before, and a revisited step keeps its answer until it is replaced. To add a
step: a FormStep member, a ReportForm state, the ReportDraft field its answer fills, its
catalogue keys, one row here (its prompt and review line in screens), and its input handler in
handlers (registered in build_router).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.content.regions import Region, RegionCatalog
from bot.i18n import Tr
from handlers.flow import CLEANUP_KEY, LANG_KEY, track_message
from handlers.report import screens
from handlers.report.callbacks import FormStep
from handlers.report.states import KEPT_TEXT_KEY, REVIEWED_KEY, ReportForm
from handlers.screens import show

Prompt = Callable[[Tr, Mapping[str, Any]], screens.Screen]
ReviewLine = Callable[[Tr, Any, RegionCatalog], str]


@dataclass(frozen=True)
class Step:
    """A row of the table. An optional step is answered once answered or skipped, which its
    `<name>_done` key records (its answer may be None)."""

    name: FormStep  # also names its Edit button on the review screen
    state: State
    key: str  # the draft key its answer goes in (what ReportDraft reads)
    prompt: Prompt  # its question and buttons
    review_line: ReviewLine  # its line on the review screen
    optional: bool = False  # it has a Skip button

    @property
    def done_key(self) -> str | None:
        return f"{self.name}_done" if self.optional else None

    @property
    def keys(self) -> tuple[str, ...]:
        """Every draft key the step fills."""
        return (self.key, self.done_key) if self.done_key else (self.key,)

    def answered(self, draft: Mapping[str, Any]) -> bool:
        return bool(draft.get(self.done_key or self.key))

    def answer(self, value: Any) -> dict[str, Any]:
        """The draft update that answers the step (None skips an optional one)."""
        update = {self.key: value}
        if self.done_key:
            update[self.done_key] = True
        return update

    def cleared(self) -> dict[str, Any]:
        """The draft update that forgets the step's answer."""
        return dict.fromkeys(self.keys)


STEPS: tuple[Step, ...] = (
    Step(FormStep.REGION, ReportForm.region, "region", screens.region_prompt, screens.region_line),
    Step(FormStep.PLACE, ReportForm.place, "place_type", screens.place_prompt, screens.place_line),
    Step(FormStep.WHEN, ReportForm.when, "time_bucket", screens.when_prompt, screens.when_line),
    Step(FormStep.TEXT, ReportForm.text, "text", screens.text_prompt, screens.text_line),
    Step(
        FormStep.PHOTO,
        ReportForm.photo,
        "photo_file_id",
        screens.photo_prompt,
        screens.photo_line,
        optional=True,
    ),
    Step(
        FormStep.LOCATION,
        ReportForm.location,
        "location",
        screens.location_prompt,
        screens.location_line,
        optional=True,
    ),
)
STEP_OF: dict[FormStep, Step] = {step.name: step for step in STEPS}


async def save_answer(state: FSMContext, step: FormStep, value: Any) -> None:
    await state.update_data(STEP_OF[step].answer(value))


def has_answers(draft: Mapping[str, Any]) -> bool:
    """Anything a person would lose with the draft: an answer, or words kept for later."""
    return bool(draft.get(KEPT_TEXT_KEY)) or any(step.answered(draft) for step in STEPS)


def step_at(raw_state: str | None) -> Step | None:
    """The step a stored state names; None at review, sending or outside the form."""
    return next((step for step in STEPS if step.state.state == raw_state), None)


async def open_form(
    message: Message | None, query: CallbackQuery | None, tr: Tr, state: FSMContext
) -> None:
    """A new draft (replacing any other), at the first step. The language is kept with the
    draft so that closing an abandoned form speaks it too."""
    first = STEPS[0]
    await state.clear()
    await state.set_state(first.state)
    draft = {CLEANUP_KEY: [message.message_id] if message else [], LANG_KEY: tr.lang}
    await state.set_data(draft)
    await show_prompt(message, query, state, *first.prompt(tr, draft))


async def show_step(
    message: Message | None,
    query: CallbackQuery | None,
    tr: Tr,
    state: FSMContext,
    regions: RegionCatalog,
    step: Step,
    *,
    picked: Region | None = None,
    draft: Mapping[str, Any] | None = None,
) -> None:
    """Ask `step`. An answered one (Back, Edit) shows its answer and "Keep as is": a step
    revisited is never an answer thrown away. `draft`: the caller's fresh read, if it has one."""
    if draft is None:
        draft = await state.get_data()
    await state.set_state(step.state)
    text, markup = step.prompt(tr, draft)
    if step.answered(draft):
        line = step.review_line(tr, draft.get(step.key), regions)
        text, markup = screens.with_answer_kept(tr, line, text, markup)
    if picked is not None:
        text, markup = screens.with_region_picked(tr, picked, text, markup)
    await show_prompt(message, query, state, text, markup)


async def show_after(
    message: Message | None,
    query: CallbackQuery | None,
    tr: Tr,
    state: FSMContext,
    regions: RegionCatalog,
    done: FormStep,
    *,
    picked: Region | None = None,
) -> None:
    """After a step was answered (or kept as is): the next step in order, its answer kept if
    it had one; once the review screen was reached, straight back there (an edit, or a walk
    back from it, returns to the review)."""
    draft = await state.get_data()
    later = STEPS[STEPS.index(STEP_OF[done]) + 1 :]
    if draft.get(REVIEWED_KEY) or not later:
        await show_next_step(message, query, tr, state, regions)
        return
    await show_step(message, query, tr, state, regions, later[0], picked=picked, draft=draft)


async def show_next_step(
    message: Message | None,
    query: CallbackQuery | None,
    tr: Tr,
    state: FSMContext,
    regions: RegionCatalog,
) -> None:
    """Show the first unanswered step, or the review screen when all are answered."""
    draft = await state.get_data()
    step = next((step for step in STEPS if not step.answered(draft)), None)
    if step is None:
        await state.set_state(ReportForm.review)
        await state.update_data({REVIEWED_KEY: True})
        lines = [s.review_line(tr, draft.get(s.key), regions) for s in STEPS]
        kept = bool(draft.get(KEPT_TEXT_KEY))
        if kept:  # words typed at a later step: shown, never sent unasked
            lines.append(tr("report-review-kept", words=str(draft[KEPT_TEXT_KEY])))
        steps = [s.name for s in STEPS]
        await show_prompt(message, query, state, *screens.review(tr, lines, steps, kept=kept))
        return
    await show_step(message, query, tr, state, regions, step, draft=draft)


async def show_current(
    message: Message | None,
    query: CallbackQuery | None,
    tr: Tr,
    state: FSMContext,
    regions: RegionCatalog,
) -> None:
    """The screen of the step the form is at (or the review) again, answers untouched."""
    step = step_at(await state.get_state())
    if step is None:
        await show_next_step(message, query, tr, state, regions)
        return
    await show_step(message, query, tr, state, regions, step)


async def resume(query: CallbackQuery, data: dict[str, Any]) -> None:
    """Continue after a detour: the step the form was at, on the Continue button's message."""
    await show_current(None, query, data["tr"], data["state"], data["regions"])


async def show_prompt(
    message: Message | None,
    query: CallbackQuery | None,
    state: FSMContext,
    text: str,
    markup: InlineKeyboardMarkup,
) -> None:
    """Edit the screen a button was pressed on, or send a new prompt after a typed answer;
    either way the message is the form's, deleted when it ends."""
    if query is not None:
        await show(query, text, markup)
        if isinstance(query.message, Message):
            await track_message(state, query.message)
        return
    if message is not None:
        sent = await message.answer(text, reply_markup=markup)
        await track_message(state, sent)
