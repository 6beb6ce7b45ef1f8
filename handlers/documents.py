"""/documents: choose a template, answer its questions, get the document as .docx or PDF.

The bot never asks for a name, a passport or an address: the document keeps marked blanks for
them. Answers live only in the memory-only draft storage; the file is built in memory
(bot.documents.render), sent with BufferedInputFile and dropped, never written to disk. Nothing
is logged but constant event names. Before a free-text step the person is warned not to type
names, and a typed text that looks like it carries personal data is held back once.
"""

from __future__ import annotations

import html
import logging
from enum import StrEnum
from typing import Annotated, Any

from aiogram import Router
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

from bot.content.regions import RegionCatalog
from bot.content.store import ContentStore
from bot.documents.answers import answered, clean_text, parse_date
from bot.documents.render import file_name, render
from bot.documents.templates import MAX_TEXT, Question, Template
from bot.i18n import Tr
from bot.logs import fields
from bot.services.personal_data import find_personal_data, kinds_of
from bot.services.typed_dates import moscow_today
from handlers.callbacks import ExactButton
from handlers.flow import Flow
from handlers.gates import GatedRouter
from handlers.menu import Nav, home_row
from handlers.screens import show

log = logging.getLogger("helpline.handlers.documents")

TemplateId = Annotated[str, Field(pattern=r"^[a-z0-9-]{1,32}$")]
Step = Annotated[int, Field(ge=0, le=50)]
OptionId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
RegionCode = Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,32}$")]
MAX_REGION_BUTTONS = 5
PENDING_KEY = "pending"  # a typed text held back by the personal-data warning (memory only)


class DocumentForm(StatesGroup):
    answering = State()
    format = State()


class Fmt(StrEnum):
    DOCX = "docx"
    PDF = "pdf"
    BOTH = "both"


class ChooseCb(CallbackData, prefix="dc"):
    template: TemplateId


class AnswerCb(CallbackData, prefix="da"):
    step: Step
    option: OptionId


class SkipCb(CallbackData, prefix="ds"):
    step: Step


class RegionCb(CallbackData, prefix="dr"):
    step: Step
    code: RegionCode


class KeepCb(CallbackData, prefix="dk"):
    step: Step


class FormatCb(CallbackData, prefix="df"):
    fmt: Fmt


async def _resume(query: CallbackQuery, data: dict[str, Any]) -> None:
    await _ask(query, data["tr"], data["state"], data["content"])


FLOW = Flow(
    name="documents", states=DocumentForm, commands=frozenset({"documents"}), resume=_resume
)


def build_router() -> Router:
    router = GatedRouter(name="documents")
    router.message.register(documents_command, Command("documents"))
    router.callback_query.register(documents_menu, ExactButton(Nav(to="documents")))
    router.callback_query.register(choose, ChooseCb.filter())
    router.callback_query.register(pick, StateFilter(DocumentForm.answering), AnswerCb.filter())
    router.callback_query.register(skip, StateFilter(DocumentForm.answering), SkipCb.filter())
    router.callback_query.register(region, StateFilter(DocumentForm.answering), RegionCb.filter())
    router.callback_query.register(keep, StateFilter(DocumentForm.answering), KeepCb.filter())
    router.callback_query.register(send, StateFilter(DocumentForm.format), FormatCb.filter())
    router.callback_query.register(stale, AnswerCb.filter())
    router.callback_query.register(stale, SkipCb.filter())
    router.callback_query.register(stale, RegionCb.filter())
    router.callback_query.register(stale, KeepCb.filter())
    router.callback_query.register(stale, FormatCb.filter())
    router.message.register(typed, StateFilter(DocumentForm.answering))
    router.message.register(typed_at_format, StateFilter(DocumentForm.format))
    return router


# ----------------------------------------------------------------- choosing


def _list_screen(tr: Tr, content: ContentStore) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [
            InlineKeyboardButton(
                text=template.title[tr.lang], callback_data=ChooseCb(template=template.id).pack()
            )
        ]
        for template in content.current.templates.templates
    ]
    rows.append(home_row(tr))
    text = tr("documents-intro") if len(rows) > 1 else tr("documents-unavailable")
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


async def documents_command(
    message: Message, tr: Tr, state: FSMContext, content: ContentStore
) -> None:
    await state.clear()
    text, markup = _list_screen(tr, content)
    await message.answer(text, reply_markup=markup)


async def documents_menu(
    query: CallbackQuery, tr: Tr, state: FSMContext, content: ContentStore
) -> None:
    await state.clear()
    await show(query, *_list_screen(tr, content))


async def choose(
    query: CallbackQuery,
    callback_data: ChooseCb,
    tr: Tr,
    state: FSMContext,
    content: ContentStore,
) -> None:
    template = content.current.templates.get(callback_data.template)
    if template is None:
        await query.answer(tr("documents-stale"))
        return
    await state.clear()
    await state.set_state(DocumentForm.answering)
    await state.set_data({"template": template.id, "step": 0, "answers": {}})
    await _ask(query, tr, state, content, intro=html.escape(template.summary[tr.lang]))


# ----------------------------------------------------------------- asking


async def _current(state: FSMContext, content: ContentStore) -> tuple[Template, int] | None:
    data = await state.get_data()
    template = content.current.templates.get(str(data.get("template", "")))
    step = data.get("step")
    if template is None or not isinstance(step, int):
        return None
    return template, step


def _question_screen(
    tr: Tr, template: Template, step: int, intro: str = ""
) -> tuple[str, InlineKeyboardMarkup]:
    question = template.questions[step]
    rows = [
        [
            InlineKeyboardButton(
                text=option.label[tr.lang],
                callback_data=AnswerCb(step=step, option=option.id).pack(),
            )
        ]
        for option in question.options
    ]
    rows.append(
        [InlineKeyboardButton(text=tr("documents-skip"), callback_data=SkipCb(step=step).pack())]
    )
    rows.append(home_row(tr))
    parts = [intro] if intro else []
    parts.append(tr("documents-progress", number=step + 1, total=len(template.questions)))
    parts.append(f"<b>{html.escape(question.prompt[tr.lang])}</b>")
    if question.free_text:
        parts.append(tr("documents-text-warning"))
    return "\n\n".join(parts), InlineKeyboardMarkup(inline_keyboard=rows)


async def _ask(
    event: CallbackQuery | Message,
    tr: Tr,
    state: FSMContext,
    content: ContentStore,
    *,
    intro: str = "",
) -> None:
    """The current question, or the format choice once every question is answered."""
    current = await _current(state, content)
    if current is None:
        await state.clear()
        await _reply(event, tr("documents-stale"), None)
        return
    template, step = current
    if step >= len(template.questions):
        await state.set_state(DocumentForm.format)
        await _reply(event, tr("documents-format"), _format_buttons(tr))
        return
    await _reply(event, *_question_screen(tr, template, step, intro))


async def _reply(
    event: CallbackQuery | Message, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    if isinstance(event, CallbackQuery):
        await show(event, text, markup)
    else:
        await event.answer(text, reply_markup=markup)


def _format_buttons(tr: Tr) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=tr("documents-format-docx"), callback_data=FormatCb(fmt=Fmt.DOCX).pack()
                ),
                InlineKeyboardButton(
                    text=tr("documents-format-pdf"), callback_data=FormatCb(fmt=Fmt.PDF).pack()
                ),
            ],
            [
                InlineKeyboardButton(
                    text=tr("documents-format-both"), callback_data=FormatCb(fmt=Fmt.BOTH).pack()
                )
            ],
            home_row(tr),
        ]
    )


async def _record(
    event: CallbackQuery | Message,
    tr: Tr,
    state: FSMContext,
    content: ContentStore,
    step: int,
    value: str | None,
) -> None:
    """Keep the answer to `step` (None: left blank) and go on to the next question."""
    data = await state.get_data()
    answers = dict(data.get("answers") or {})
    template = content.current.templates.get(str(data.get("template", "")))
    if template is None:
        await _ask(event, tr, state, content)
        return
    answers[template.questions[step].id] = value
    await state.update_data({"answers": answers, "step": step + 1, PENDING_KEY: None})
    await _ask(event, tr, state, content)


async def _on_step(
    query: CallbackQuery, tr: Tr, state: FSMContext, content: ContentStore, step: int
) -> Template | None:
    """The template when `step` is the question on screen; a stale button gets a toast."""
    current = await _current(state, content)
    if current is None or current[1] != step:
        await query.answer(tr("documents-stale"))
        return None
    return current[0]


# ----------------------------------------------------------------- answers


async def pick(
    query: CallbackQuery, callback_data: AnswerCb, tr: Tr, state: FSMContext, content: ContentStore
) -> None:
    template = await _on_step(query, tr, state, content, callback_data.step)
    if template is None:
        return
    option = template.questions[callback_data.step].option(callback_data.option)
    if option is None:
        await query.answer(tr("documents-stale"))
        return
    await _record(query, tr, state, content, callback_data.step, option.text)


async def skip(
    query: CallbackQuery, callback_data: SkipCb, tr: Tr, state: FSMContext, content: ContentStore
) -> None:
    if await _on_step(query, tr, state, content, callback_data.step) is not None:
        await _record(query, tr, state, content, callback_data.step, None)


async def region(
    query: CallbackQuery,
    callback_data: RegionCb,
    tr: Tr,
    state: FSMContext,
    content: ContentStore,
    regions: RegionCatalog,
) -> None:
    found = regions.get(callback_data.code)
    if await _on_step(query, tr, state, content, callback_data.step) is None:
        return
    if found is None:
        await query.answer(tr("documents-stale"))
        return
    await _record(query, tr, state, content, callback_data.step, found.official_ru)


async def keep(
    query: CallbackQuery, callback_data: KeepCb, tr: Tr, state: FSMContext, content: ContentStore
) -> None:
    """ "Keep it as it is" after the personal-data warning: the held-back text is the answer."""
    if await _on_step(query, tr, state, content, callback_data.step) is None:
        return
    pending = (await state.get_data()).get(PENDING_KEY)
    if not isinstance(pending, str):
        await query.answer(tr("documents-stale"))
        return
    await _record(query, tr, state, content, callback_data.step, pending)


async def typed(
    message: Message,
    tr: Tr,
    state: FSMContext,
    content: ContentStore,
    regions: RegionCatalog,
) -> None:
    """Typed input at a question: a date, a region, a free text; at a choice, a nudge."""
    current = await _current(state, content)
    if current is None:
        await state.clear()
        await message.answer(tr("documents-stale"))
        return
    template, step = current
    question = template.questions[step]
    if question.kind == "choice":
        await _nudge(message, tr, template, step, "documents-press-button")
        return
    if not message.text:
        await _nudge(message, tr, template, step, "documents-send-text")
        return
    if question.kind == "date":
        await _typed_date(message, tr, state, content, step)
    elif question.kind == "region":
        await _typed_region(message, tr, state, content, regions, step)
    else:
        await _typed_text(message, tr, state, content, question, step)


async def _typed_date(
    message: Message, tr: Tr, state: FSMContext, content: ContentStore, step: int
) -> None:
    value = parse_date(message.text or "", moscow_today())
    if value is None:
        await _nudge(message, tr, await _template(state, content), step, "documents-date-invalid")
        return
    await _record(message, tr, state, content, step, value)


async def _typed_region(
    message: Message,
    tr: Tr,
    state: FSMContext,
    content: ContentStore,
    regions: RegionCatalog,
    step: int,
) -> None:
    text = message.text or ""
    found = regions.resolve(text)
    if found is not None:
        await _record(message, tr, state, content, step, found.official_ru)
        return
    matches = regions.match(text, limit=MAX_REGION_BUTTONS)
    if not matches:
        template = await _template(state, content)
        await _nudge(message, tr, template, step, "documents-region-unknown")
        return
    rows = [
        [
            InlineKeyboardButton(
                text=m.region.name(tr.lang),
                callback_data=RegionCb(step=step, code=m.region.code).pack(),
            )
        ]
        for m in matches
    ]
    rows.append(
        [InlineKeyboardButton(text=tr("documents-skip"), callback_data=SkipCb(step=step).pack())]
    )
    await message.answer(
        tr("documents-region-pick"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
    )


async def _typed_text(
    message: Message,
    tr: Tr,
    state: FSMContext,
    content: ContentStore,
    question: Question,
    step: int,
) -> None:
    raw = message.text or ""
    text = clean_text(raw) if len(raw) <= MAX_TEXT else None
    if text is None:
        key = "documents-too-long" if len(raw) > MAX_TEXT else "documents-send-text"
        await _nudge(message, tr, await _template(state, content), step, key, limit=MAX_TEXT)
        return
    kinds = kinds_of(find_personal_data(text))
    if kinds:
        await state.update_data({PENDING_KEY: text})
        found = "\n".join(f"• {tr(kind.label_key)}" for kind in kinds)
        keep_button = InlineKeyboardButton(
            text=tr("documents-pd-keep"), callback_data=KeepCb(step=step).pack()
        )
        await message.answer(
            tr("documents-pd-warning", kinds=found),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[keep_button]]),
        )
        return
    await _record(message, tr, state, content, step, text)


async def _template(state: FSMContext, content: ContentStore) -> Template | None:
    current = await _current(state, content)
    return None if current is None else current[0]


async def _nudge(
    message: Message, tr: Tr, template: Template | None, step: int, key: str, **args: object
) -> None:
    """What to do instead, with the question and its buttons again: the next screen replaces
    the message whose button was pressed, so a button pressed above this hint would leave
    the hint as the chat's last word and the new question out of sight."""
    if template is None:
        await message.answer(tr(key, **args))
        return
    text, markup = _question_screen(tr, template, step)
    await message.answer(f"{tr(key, **args)}\n\n{text}", reply_markup=markup)


async def typed_at_format(message: Message, tr: Tr) -> None:
    await message.answer(tr("documents-format"), reply_markup=_format_buttons(tr))


async def stale(query: CallbackQuery, tr: Tr) -> None:
    await query.answer(tr("documents-stale"))


# ----------------------------------------------------------------- the files


async def send(
    query: CallbackQuery, callback_data: FormatCb, tr: Tr, state: FSMContext, content: ContentStore
) -> None:
    """Build the file(s) in memory, send them, then say where and by when to file; the draft
    ends only once they are sent, so a failure loses nothing."""
    data = await state.get_data()
    template = content.current.templates.get(str(data.get("template", "")))
    if template is None or not isinstance(query.message, Message):
        await state.clear()
        await query.answer(tr("documents-stale"))
        return
    formats = ["docx", "pdf"] if callback_data.fmt is Fmt.BOTH else [callback_data.fmt.value]
    answers = answered(template, data.get("answers") or {})
    try:
        files = [(fmt, render(template, answers, fmt)) for fmt in formats]
    except Exception as exc:  # a font or library failure: say so, keep the answers
        log.warning("documents.render_failed", extra=fields(error=type(exc).__name__))
        await query.answer(tr("documents-failed"), show_alert=True)
        return
    await query.answer()
    for fmt, payload in files:
        document = BufferedInputFile(payload, filename=file_name(template, fmt))
        await query.message.answer_document(document)
    del files, answers  # nothing of them outlives this handler
    await state.clear()
    await query.message.answer(
        _done_text(tr, template), reply_markup=InlineKeyboardMarkup(inline_keyboard=[home_row(tr)])
    )
    log.info("documents.sent", extra=fields(files=len(formats)))


def _done_text(tr: Tr, template: Template) -> str:
    lang = tr.lang
    return tr(
        "documents-done",
        where=html.escape(template.where[lang]),
        deadline=html.escape(template.deadline[lang]),
        warning=html.escape(template.warning[lang]),
    )
