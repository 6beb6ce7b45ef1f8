"""What a person's input does while they are in the middle of something: one rule, one place.

A *flow* is anything that keeps a draft between messages: the report form, the questionnaire,
the /alerts region input, a moderator's area edit, /announce and /verify. Every input that
arrives while one is open is one of three kinds:

STEP INPUT: what the step asks for, handled by the flow's own handlers. It stays in the flow.
    The report form keeps free text typed at a button step for the description step, and
    says so.
DETOUR: /sos, /privacy, /help, /language, /verify, any other command that opens no flow, the
    main menu's info screens, and a free-text question typed in the questionnaire. It is
    answered; the draft is paused, and a "Continue" button resumes it with one tap. While a
    draft is paused and nothing else is open, every message is a detour too, so "Continue"
    moves under its answer instead of being left behind.
EXIT: /start, Home, /cancel, a command or menu button that opens a flow (/report again,
    /alerts, ...), or any handler that ends the flow or opens another one. The draft is
    dropped, and a report form's messages are deleted.

`FlowMiddleware` applies the rule around every private message and button; the flows' handlers
never clean up after themselves. It also lets one update of a chat run at a time (`ChatTurns`):
the rule reads the state, awaits, then acts, and so do the flows (Send seals and stores while the
draft waits), so two updates of one person must not interleave. The idle sweep and the drafts
cap, which end drafts without an update, delete a form's messages the same way
(`delete_form_messages`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramAPIError
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import (
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
)

from bot.i18n import Tr, Translator
from bot.logs import fields
from bot.telegram.commands import delete_messages
from bot.telegram.drafts import DraftStorage
from handlers.filters import command_name
from handlers.gates import GatedRouter

log = logging.getLogger("helpline.handlers.flow")

CLEANUP_KEY = "cleanup"  # message ids a flow leaves in the chat, deleted when it ends
LANG_KEY = "lang"  # the language a flow was started in (for notes sent without an update)
RESUME_MESSAGE_KEY = "resume_message"
PAUSED = "paused"  # the storage destiny where a paused flow waits

STEP, DETOUR, EXIT = "step", "detour", "exit"

# Commands that answer and leave the draft alone. Commands that open a flow are exits, and so
# are /start and /cancel; any other command (a moderator's /queue, an unknown one) is a detour.
EXIT_COMMANDS = frozenset({"start", "cancel"})
# Main-menu screens: these open a flow (exit) ...
FLOW_SCREENS = frozenset(
    {"home", "report", "check", "check-go", "alerts", "documents", "deadlines"}
)
# ... and these only show something (detour).
INFO_SCREENS = frozenset({"topics", "sos", "privacy", "help", "language"})

Resume = Callable[[CallbackQuery, dict[str, Any]], Awaitable[None]]

MAX_FORM_MESSAGES = 100  # message ids a form remembers; older ones are deleted at once
MAX_WAITING = 20  # updates of one chat waiting for their turn; more are dropped (a flood)


@dataclass(frozen=True)
class Flow:
    """One flow: its states, the commands that open it, and how to show its step again."""

    name: str
    states: type[StatesGroup]
    commands: frozenset[str] = frozenset()
    resume: Resume | None = None  # None: a detour drops it instead of pausing it
    text_is_detour: bool = False  # free text is a question, not an answer (questionnaire)
    deletes_messages: bool = False  # its messages leave the chat when it ends (report form)
    # A pasted text this flow takes as its answer even when it starts like a command (a signed
    # alert whose first line is "/..." pasted into /verify).
    takes_pasted: Callable[[Message], bool] | None = None


class FlowCb(CallbackData, prefix="fl"):
    action: str  # "resume" or "drop"


class FlowRule:
    """The table of flows and the classification of an input against it."""

    def __init__(self, flows: list[Flow]) -> None:
        self.flows = flows
        self._by_group = {flow.states.__full_group_name__: flow for flow in flows}
        self._opening = frozenset(c for flow in flows for c in flow.commands)

    def of_state(self, raw_state: str | None) -> Flow | None:
        if not raw_state:
            return None
        return self._by_group.get(raw_state.split(":", 1)[0])

    def classify(self, event: TelegramObject, flow: Flow | None) -> str:
        if isinstance(event, Message):
            command = command_name(event)
            if command is not None and not (
                flow is not None and flow.takes_pasted is not None and flow.takes_pasted(event)
            ):
                if command in EXIT_COMMANDS or command in self._opening:
                    return EXIT
                return DETOUR
            if flow is not None and flow.text_is_detour and event.text:
                return DETOUR
            return STEP
        if isinstance(event, CallbackQuery) and event.data and event.data.startswith("nav:"):
            screen = event.data.removeprefix("nav:")
            if screen in FLOW_SCREENS:
                return EXIT
            if screen in INFO_SCREENS:
                return DETOUR
        return STEP


Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


@dataclass
class _Turn:
    lock: asyncio.Lock
    users: int = 0


class ChatTurns:
    """One update at a time per chat. Only chats with an update in progress have an entry, so
    the table is as small as the number of updates in flight; a chat with `max_waiting` updates
    already waiting gets no more (one person's flood must not hold every handler slot)."""

    def __init__(self, max_waiting: int = MAX_WAITING) -> None:
        self.max_waiting = max_waiting
        self._turns: dict[int, _Turn] = {}

    def enter(self, chat_id: int) -> _Turn | None:
        turn = self._turns.get(chat_id)
        if turn is None:
            turn = self._turns[chat_id] = _Turn(asyncio.Lock())
        elif turn.users > self.max_waiting:
            return None
        turn.users += 1
        return turn

    def leave(self, chat_id: int, turn: _Turn) -> None:
        turn.users -= 1
        if turn.users == 0:
            del self._turns[chat_id]

    def __len__(self) -> int:
        return len(self._turns)


class FlowMiddleware:
    """Applies the rule above around every private message and button press."""

    def __init__(self, rule: FlowRule, turns: ChatTurns) -> None:
        self._rule = rule
        self._turns = turns

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        data["flow_rule"] = self._rule  # the Continue/Discard handler resolves flows with it
        state: FSMContext | None = data.get("state")
        chat_id = _chat_id(event)
        if state is None or chat_id is None:
            return await handler(event, data)
        turn = self._turns.enter(chat_id)
        if turn is None:
            return UNHANDLED  # dropped: this chat already has a queue of updates waiting
        try:
            async with turn.lock:
                return await self._apply(handler, event, data, state, chat_id)
        finally:
            self._turns.leave(chat_id, turn)

    async def _apply(
        self,
        handler: Handler,
        event: TelegramObject,
        data: dict[str, Any],
        state: FSMContext,
        chat_id: int,
    ) -> Any:
        raw_before = await state.get_state()
        flow = self._rule.of_state(raw_before)
        paused = aside(state, PAUSED)
        has_paused = await paused.get_state() is not None
        if flow is None and not has_paused:
            return await handler(event, data)  # nothing open: the common case, kept cheap
        kind = self._rule.classify(event, flow)
        if kind == STEP and flow is None and isinstance(event, Message):
            # Only a paused draft: a message is another detour, and Continue moves under its
            # answer (the old offer would be lost above it).
            kind = DETOUR
        bot: Bot = data["bot"]
        if kind == EXIT:
            dropped = await _drop(state, flow, bot, chat_id, also=_message_id(event))
            if has_paused:
                paused_flow = self._rule.of_state(await paused.get_state())
                dropped = await _drop(paused, paused_flow, bot, chat_id) or dropped
            data["left_flow"] = dropped
            data["raw_state"] = None  # the handlers' state filters see what is left: nothing
            return await handler(event, data)
        if kind == DETOUR:
            if flow is not None and flow.resume is not None:
                await _pause(state, paused, bot, chat_id)
                has_paused = True
            elif flow is not None:
                await state.clear()
            data["raw_state"] = None
            try:
                return await handler(event, data)
            finally:
                # Even when the detour's answer failed, the draft stays reachable.
                if has_paused and await paused.get_state() is not None:
                    await _offer_resume(paused, bot, chat_id, data["tr"])
        before = await state.get_data() if flow is not None else {}
        result = await handler(event, data)
        if flow is not None and self._rule.of_state(await state.get_state()) is not flow:
            # The flow ended (Send, Cancel) or another one replaced it: clean up after it.
            await _clean(flow, before, bot, chat_id)
        return result


def aside(state: FSMContext, destiny: str) -> FSMContext:
    """The same person's second slot in the draft storage (a paused flow, a finished
    questionnaire's answers): it does not count as the open flow."""
    key = state.key  # StorageKey(...) directly: dataclasses.replace inspects fields every call
    return FSMContext(
        storage=state.storage,
        key=StorageKey(
            bot_id=key.bot_id,
            chat_id=key.chat_id,
            user_id=key.user_id,
            thread_id=key.thread_id,
            business_connection_id=key.business_connection_id,
            destiny=destiny,
        ),
    )


async def _pause(state: FSMContext, paused: FSMContext, bot: Bot, chat_id: int | None) -> None:
    """Move the open flow aside (a flow already paused is dropped: only one waits)."""
    old = await paused.get_data()
    if old and chat_id is not None:
        await delete_form_messages(bot, chat_id, old)
    await paused.set_state(await state.get_state())
    await paused.set_data(await state.get_data())
    await state.clear()


async def _drop(
    state: FSMContext, flow: Flow | None, bot: Bot, chat_id: int | None, *, also: int | None = None
) -> str | None:
    """Drop a draft; a report form's messages (and the input that closed it) leave the chat."""
    if await state.get_state() is None:
        return None
    data = await state.get_data()
    await state.clear()
    if flow is not None and flow.deletes_messages and also is not None:
        data = {**data, CLEANUP_KEY: [*data.get(CLEANUP_KEY, []), also]}
    await _clean(flow, data, bot, chat_id)
    return flow.name if flow is not None else ""


async def _clean(flow: Flow | None, data: dict[str, Any], bot: Bot, chat_id: int | None) -> None:
    if chat_id is None:
        return
    if flow is not None and flow.deletes_messages:
        await delete_form_messages(bot, chat_id, data)
    elif data.get(RESUME_MESSAGE_KEY):
        await delete_messages(bot, chat_id, [int(data[RESUME_MESSAGE_KEY])])


async def _offer_resume(paused: FSMContext, bot: Bot, chat_id: int, tr: Tr) -> None:
    """One message with Continue / Discard; the previous one, if any, is replaced. Failing to
    send it loses nothing: the draft stays paused until the next detour, an exit or the sweep."""
    data = await paused.get_data()
    previous = data.get(RESUME_MESSAGE_KEY)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=tr("flow-continue"), callback_data=FlowCb(action="resume").pack()
                ),
                InlineKeyboardButton(
                    text=tr("flow-discard"), callback_data=FlowCb(action="drop").pack()
                ),
            ]
        ]
    )
    try:
        sent = await bot.send_message(chat_id, tr("flow-paused"), reply_markup=markup)
    except TelegramAPIError:
        return
    cleanup = [i for i in data.get(CLEANUP_KEY, []) if i != previous] + [sent.message_id]
    await paused.update_data({RESUME_MESSAGE_KEY: sent.message_id, CLEANUP_KEY: cleanup})
    if previous:
        await delete_messages(bot, chat_id, [int(previous)])


async def track_message(state: FSMContext, message: Message) -> None:
    """Remember a message of a form, to delete it when the form ends. A form remembers at most
    MAX_FORM_MESSAGES: past that, its oldest messages are deleted at once."""
    data = await state.get_data()
    ids = [int(i) for i in data.get(CLEANUP_KEY, [])]
    if message.message_id in ids:
        return
    ids.append(message.message_id)
    if len(ids) > MAX_FORM_MESSAGES:
        old, ids = ids[: -MAX_FORM_MESSAGES // 2], ids[-MAX_FORM_MESSAGES // 2 :]
        if message.bot is not None:
            await delete_messages(message.bot, message.chat.id, old)
    await state.update_data({CLEANUP_KEY: ids})


def form_message_ids(data: dict[str, Any]) -> list[int]:
    ids = {int(i) for i in data.get(CLEANUP_KEY, [])}
    if data.get(RESUME_MESSAGE_KEY):
        ids.add(int(data[RESUME_MESSAGE_KEY]))
    return sorted(ids)


async def delete_form_messages(bot: Bot, chat_id: int, data: dict[str, Any]) -> None:
    """Delete what a form left in the private chat (possible within 48 hours)."""
    await delete_messages(bot, chat_id, form_message_ids(data))


async def close_evicted_form(bot: Bot, key: StorageKey, data: dict[str, Any]) -> None:
    """A draft dropped at the MAX_DRAFTS cap: its form's messages leave the chat now."""
    await delete_form_messages(bot, key.chat_id, data)  # no request when it left none


async def forget_idle_forms(
    drafts: DraftStorage,
    bot: Bot,
    translator: Translator,
    idle_seconds: float,
    default_lang: str,
) -> None:
    """Forget drafts left idle, and take an abandoned report form's messages out of the chat:
    a phone seized later must not show a half-written report."""
    for key, data in await drafts.sweep(idle_seconds):
        if not form_message_ids(data):
            continue
        await delete_form_messages(bot, key.chat_id, data)
        if not data.get(LANG_KEY):
            continue  # not a report form (a paused questionnaire): nothing to explain
        try:
            lang = str(data.get(LANG_KEY) or default_lang)
            await bot.send_message(key.chat_id, translator(lang, "draft-expired"))
        except TelegramAPIError as exc:
            log.warning("could not close an idle form", extra=fields(error=type(exc).__name__))


def _chat_id(event: TelegramObject) -> int | None:
    """The private chat an input came from; None elsewhere (flows live in private chats).

    A button under an old message comes with an InaccessibleMessage, which still has its chat.
    """
    message = event.message if isinstance(event, CallbackQuery) else event
    if isinstance(message, Message | InaccessibleMessage) and message.chat.type == "private":
        return message.chat.id
    return None


def _message_id(event: TelegramObject) -> int | None:
    return event.message_id if isinstance(event, Message) else None


def build_router() -> Router:
    """The Continue and Discard buttons under a detour's answer."""
    router = GatedRouter(name="flow")
    router.callback_query.register(resume_or_drop, FlowCb.filter())
    return router


async def resume_or_drop(
    query: CallbackQuery,
    callback_data: FlowCb,
    state: FSMContext,
    tr: Tr,
    bot: Bot,
    flow_rule: FlowRule,
    **deps: Any,
) -> None:
    paused = aside(state, PAUSED)
    raw = await paused.get_state()
    flow = flow_rule.of_state(raw)
    chat_id = _chat_id(query)
    if raw is None or flow is None or flow.resume is None:
        await query.answer(tr("flow-gone"))
        if chat_id is not None and isinstance(query.message, Message):
            await delete_messages(bot, chat_id, [query.message.message_id])
        return
    if callback_data.action != "resume":
        await _drop(paused, flow, bot, chat_id)
        await query.answer(tr("flow-dropped"))
        return
    # Whatever was opened since (a /verify prompt, say) gives way to the resumed draft.
    await _drop(state, flow_rule.of_state(await state.get_state()), bot, chat_id)
    data = await paused.get_data()
    await paused.clear()
    data.pop(RESUME_MESSAGE_KEY, None)  # this message becomes the step's screen
    await state.set_state(raw)
    await state.set_data(data)
    await flow.resume(query, {**deps, "state": state, "tr": tr, "bot": bot})
