""" "Check my situation": one question at a time; answers live only in the memory-only FSM.

Every question and the results have Back: the last answer is taken back and its question asked
again, the choice made marked with ✓ and the answers before it kept; Back on the first question
returns to the introduction."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.markup import paginate, render_blocks
from bot.content.questionnaire import Outcome
from bot.content.store import ContentStore
from bot.i18n import Tr
from handlers.callbacks import ExactButton, PageNumber
from handlers.faq import EntryCb
from handlers.flow import Flow, aside
from handlers.gates import GatedRouter
from handlers.menu import Nav, home_row
from handlers.screens import page_of, show

MAX_ENTRY_BUTTONS = 8


class Situation(StatesGroup):
    answering = State()


# A finished questionnaire leaves no state behind: its answers wait aside, for paging.
RESULTS = "results"
REDO_KEY = "redo"  # the answer Back took back: its option is marked when the question is shown
CHOSEN_MARK = "✓ "


async def _resume(query: CallbackQuery, data: dict[str, Any]) -> None:
    await _next(query, data["tr"], data["state"], data["content"])


# Free text typed while answering is a question: answered, and the questionnaire resumable.
FLOW = Flow(name="situation", states=Situation, resume=_resume, text_is_detour=True)


class AnswerCb(CallbackData, prefix="q"):
    question: str
    option: str


class ResultPageCb(CallbackData, prefix="qr"):
    page: PageNumber


class BackCb(CallbackData, prefix="qb"):
    """Back one question (from a question, or from the results)."""


def build_router() -> Router:
    router = GatedRouter(name="situation")
    router.callback_query.register(intro, ExactButton(Nav(to="check")))
    router.callback_query.register(begin, ExactButton(Nav(to="check-go")))
    router.callback_query.register(answer, StateFilter(Situation.answering), AnswerCb.filter())
    router.callback_query.register(stale_answer, AnswerCb.filter())
    router.callback_query.register(back, ExactButton(BackCb()))
    router.callback_query.register(result_page, ResultPageCb.filter())
    return router


async def intro(query: CallbackQuery, tr: Tr, state: FSMContext) -> None:
    await state.clear()
    await show(query, *intro_screen(tr))


def intro_screen(tr: Tr) -> tuple[str, InlineKeyboardMarkup]:
    """The questionnaire's first screen (from the menu, or a deep link from /start)."""
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=tr("check-start"), callback_data=Nav(to="check-go").pack())],
            home_row(tr),
        ]
    )
    return tr("check-intro"), markup


async def begin(query: CallbackQuery, tr: Tr, state: FSMContext, content: ContentStore) -> None:
    await state.set_state(Situation.answering)
    await state.set_data({"answers": []})
    await _next(query, tr, state, content)


async def answer(
    query: CallbackQuery,
    callback_data: AnswerCb,
    tr: Tr,
    state: FSMContext,
    content: ContentStore,
) -> None:
    questionnaire = content.current.questionnaire
    answers = [tuple(a) for a in (await state.get_data()).get("answers", [])]
    step = questionnaire.advance(answers)
    # Only an answer to the question on screen counts: a stale or forged button does nothing.
    question = step.question
    if (
        question is not None
        and question.id == callback_data.question
        and question.option(callback_data.option) is not None
    ):
        answers.append((callback_data.question, callback_data.option))
        await state.update_data({"answers": answers, REDO_KEY: None})
    await _next(query, tr, state, content)


async def back(query: CallbackQuery, tr: Tr, state: FSMContext, content: ContentStore) -> None:
    """The last answer taken back: its question again (the results' Back reopens the
    questionnaire at its last question); on the first question, the introduction."""
    if await state.get_state() == Situation.answering.state:
        answers = [tuple(a) for a in (await state.get_data()).get("answers", [])]
    else:
        answers = [tuple(a) for a in (await aside(state, RESULTS).get_data()).get("answers", [])]
        if not answers:
            await query.answer(tr("check-stale"))
            return
    if not answers:
        await state.clear()
        await show(query, *intro_screen(tr))
        return
    await state.set_state(Situation.answering)
    await state.set_data({"answers": answers[:-1], REDO_KEY: list(answers[-1])})
    await _next(query, tr, state, content)


async def stale_answer(query: CallbackQuery, tr: Tr) -> None:
    await query.answer(tr("check-stale"))


async def result_page(
    query: CallbackQuery,
    callback_data: ResultPageCb,
    tr: Tr,
    state: FSMContext,
    content: ContentStore,
) -> None:
    stored = (await aside(state, RESULTS).get_data()).get("answers")
    if not stored:
        await query.answer(tr("check-stale"))
        return
    step = content.current.questionnaire.advance([tuple(a) for a in stored])
    await _results(query, tr, content, step.flags, callback_data.page)


async def _next(query: CallbackQuery, tr: Tr, state: FSMContext, content: ContentStore) -> None:
    questionnaire = content.current.questionnaire
    data = await state.get_data()
    answers = [tuple(a) for a in data.get("answers", [])]
    redo = tuple(data.get(REDO_KEY) or ())
    step = questionnaire.advance(answers)
    if step.question is None:
        await state.clear()
        results = aside(state, RESULTS)
        await results.set_state(RESULTS)
        await results.set_data({"answers": answers})
        await _results(query, tr, content, step.flags, 0)
        return
    question = step.question
    rows = [
        [
            InlineKeyboardButton(
                text=(CHOSEN_MARK if redo == (question.id, option.id) else "")
                + option.text[tr.lang],
                callback_data=AnswerCb(question=question.id, option=option.id).pack(),
            )
        ]
        for option in question.options
    ]
    rows.append([_back_button(tr), *home_row(tr)])
    text = f"{tr('check-progress', number=step.number)}\n\n<b>{_escape(question.text[tr.lang])}</b>"
    await show(query, text, InlineKeyboardMarkup(inline_keyboard=rows))


async def _results(
    query: CallbackQuery, tr: Tr, content: ContentStore, flags: frozenset[str], page: int
) -> None:
    questionnaire = content.current.questionnaire
    faq = content.current.faq
    outcomes = questionnaire.results(flags)
    blocks = [_outcome_block(o, tr) for o in outcomes]
    footer = tr("check-footer", reviewed=questionnaire.reviewed.strftime("%d.%m.%Y"))
    pages = paginate(tr("check-results-title"), blocks, footer)
    text, rows = page_of(pages, page, tr, lambda p: ResultPageCb(page=p).pack())
    seen: list[str] = []
    for outcome in outcomes:
        for entry_id in outcome.entries:
            if entry_id not in seen:
                seen.append(entry_id)
    for entry_id in seen[:MAX_ENTRY_BUTTONS]:
        entry = faq.entry(tr.lang, entry_id)
        if entry is not None:
            rows.append(
                [InlineKeyboardButton(text=entry.title, callback_data=EntryCb(id=entry_id).pack())]
            )
    rows.append(
        [
            _back_button(tr),
            InlineKeyboardButton(text=tr("check-restart"), callback_data=Nav(to="check-go").pack()),
            *home_row(tr),
        ]
    )
    await show(query, text, InlineKeyboardMarkup(inline_keyboard=rows))


def _back_button(tr: Tr) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=tr("button-back"), callback_data=BackCb().pack())


def _outcome_block(outcome: Outcome, tr: Tr) -> str:
    lang = tr.lang
    parts = [f"<b>{_escape(outcome.title[lang])}</b>", *render_blocks(outcome.text[lang])]
    if outcome.documents[lang]:
        parts.append(
            tr("check-documents")
            + "\n"
            + "\n".join(f"• {_escape(d)}" for d in outcome.documents[lang])
        )
    if outcome.steps[lang]:
        parts.append(
            tr("check-steps")
            + "\n"
            + "\n".join(f"{n}. {_escape(s)}" for n, s in enumerate(outcome.steps[lang], 1))
        )
    return "\n".join(parts)


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=False)
