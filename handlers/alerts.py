"""/alerts: choose the regions whose raid alerts you get, all of Russia, silent delivery.

The screen shows only the caller's own subscription (nothing reveals anyone else's). Blocking
the bot unsubscribes and deletes the chat's data (the my_chat_member update).
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.content.regions import RegionCatalog
from bot.i18n import Tr
from bot.services.subscriptions import Subscription, SubscriptionService, TooManyChanges
from handlers.filters import is_question
from handlers.flow import Flow
from handlers.menu import Nav, home_row
from handlers.regions import button, candidate_rows, region_list
from handlers.screens import show


class AlertsForm(StatesGroup):
    region = State()


class AlertsCb(CallbackData, prefix="al"):
    """`action`: add, list, pick, drop, all, silent, stop, show; `value`: a code, page or flag."""

    action: str
    value: str = ""


async def _resume(query: CallbackQuery, data: dict[str, Any]) -> None:
    tr: Tr = data["tr"]
    await show(query, tr("alerts-region-prompt"), _region_help(tr))


FLOW = Flow(name="alerts", states=AlertsForm, commands=frozenset({"alerts"}), resume=_resume)


def build_router() -> Router:
    router = Router(name="alerts")

    @router.message(Command("alerts"))
    async def alerts_command(
        message: Message, tr: Tr, subscriptions: SubscriptionService, regions: RegionCatalog
    ) -> None:
        text, markup = await _screen(message.chat.id, tr, subscriptions, regions)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(Nav.filter(F.to == "alerts"))
    @router.callback_query(AlertsCb.filter(F.action == "show"))
    async def alerts_button(
        query: CallbackQuery,
        tr: Tr,
        state: FSMContext,
        subscriptions: SubscriptionService,
        regions: RegionCatalog,
    ) -> None:
        if await state.get_state() == AlertsForm.region.state:
            await state.clear()
        await show(query, *await _screen(query.from_user.id, tr, subscriptions, regions))

    @router.callback_query(AlertsCb.filter(F.action == "add"))
    async def add(query: CallbackQuery, tr: Tr, state: FSMContext) -> None:
        # Choosing a region is a small form of its own; it replaces any form left open.
        await state.clear()
        await state.set_state(AlertsForm.region)
        await show(query, tr("alerts-region-prompt"), _region_help(tr))

    @router.message(AlertsForm.region, is_question)
    async def region_typed(
        message: Message,
        tr: Tr,
        state: FSMContext,
        lang: str,
        subscriptions: SubscriptionService,
        regions: RegionCatalog,
    ) -> None:
        found = regions.resolve(message.text or "")
        if found is not None:
            await state.clear()
            if not await _change(subscriptions, message.chat.id, lang, "add", found.code):
                await message.answer(tr("alerts-too-many"))
                return
            text, markup = await _screen(
                message.chat.id, tr, subscriptions, regions, added=found.name(tr.lang)
            )
            await message.answer(text, reply_markup=markup)
            return
        candidates = regions.match(message.text or "", limit=5)
        rows = candidate_rows(tr, candidates, lambda code: AlertsCb(action="pick", value=code))
        key = "report-region-choose" if rows else "report-region-unknown"
        rows += _region_help(tr).inline_keyboard
        await message.answer(tr(key), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))

    @router.message(AlertsForm.region)
    async def region_not_text(message: Message, tr: Tr) -> None:
        await message.answer(tr("report-region-text-only"), reply_markup=_region_help(tr))

    @router.callback_query(AlertsCb.filter(F.action == "list"))
    async def region_page(
        query: CallbackQuery, callback_data: AlertsCb, tr: Tr, regions: RegionCatalog
    ) -> None:
        value = callback_data.value
        # Client-supplied: only a short run of ASCII digits is a page ("²" is a digit too).
        page = int(value) if value.isascii() and value.isdecimal() and len(value) <= 4 else 0
        markup = region_list(
            tr,
            regions,
            page,
            lambda code: AlertsCb(action="pick", value=code),
            lambda page: AlertsCb(action="list", value=str(page)),
            [[button(tr("button-back"), AlertsCb(action="show"))]],
        )
        await show(query, tr("report-region-pick"), markup)

    @router.callback_query(AlertsCb.filter(F.action.in_({"pick", "drop", "all", "silent"})))
    async def change(
        query: CallbackQuery,
        callback_data: AlertsCb,
        tr: Tr,
        lang: str,
        state: FSMContext,
        subscriptions: SubscriptionService,
        regions: RegionCatalog,
    ) -> None:
        action, value = callback_data.action, callback_data.value
        added = None
        arg: str | bool
        if action in ("pick", "drop"):
            region = regions.get(value)
            if region is None:
                await query.answer(tr("button-expired"))
                return
            added = region.name(tr.lang) if action == "pick" else None
            op, arg = ("add" if action == "pick" else "remove"), region.code
        else:
            op, arg = action, value == "1"
        if not await _change(subscriptions, query.from_user.id, lang, op, arg):
            await query.answer(tr("alerts-too-many"), show_alert=True)
            return
        if await state.get_state() == AlertsForm.region.state:
            await state.clear()
        await show(
            query, *await _screen(query.from_user.id, tr, subscriptions, regions, added=added)
        )

    @router.callback_query(AlertsCb.filter(F.action == "stop"))
    async def stop(
        query: CallbackQuery,
        tr: Tr,
        lang: str,
        subscriptions: SubscriptionService,
        regions: RegionCatalog,
    ) -> None:
        if not await _change(subscriptions, query.from_user.id, lang, "stop"):
            await query.answer(tr("alerts-too-many"), show_alert=True)
            return
        text, markup = await _screen(query.from_user.id, tr, subscriptions, regions)
        await show(query, tr("alerts-stopped") + "\n\n" + text, markup)

    @router.callback_query(AlertsCb.filter())
    async def stale(query: CallbackQuery, tr: Tr) -> None:
        await query.answer(tr("button-expired"))

    return router


def build_membership_router() -> Router:
    """A person who blocks the bot is unsubscribed and their data deleted at once."""
    router = Router(name="membership")

    @router.my_chat_member(F.chat.type == ChatType.PRIVATE)
    async def membership(event: ChatMemberUpdated, subscriptions: SubscriptionService) -> None:
        if event.new_chat_member.status == ChatMemberStatus.KICKED and subscriptions.available:
            await subscriptions.forget(event.chat.id)

    return router


async def _change(
    subscriptions: SubscriptionService, chat_id: int, lang: str, op: str, value: str | bool = ""
) -> bool:
    """Apply a change; False when too many were made while the bot is locked."""
    try:
        await subscriptions.change(chat_id, lang, op, value)
    except TooManyChanges:
        return False
    return True


async def _screen(
    chat_id: int,
    tr: Tr,
    subscriptions: SubscriptionService,
    regions: RegionCatalog,
    *,
    added: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    if not subscriptions.available:
        return tr("alerts-unavailable"), InlineKeyboardMarkup(inline_keyboard=[home_row(tr)])
    current = await subscriptions.current(chat_id)
    lines = [tr("alerts-title")]
    if added is not None:
        lines.append(tr("alerts-locked-saved" if current is None else "alerts-added", region=added))
    if current is None:
        lines.append(tr("alerts-locked"))
        return "\n\n".join(lines), _locked_keyboard(tr)
    if current.active:
        names = [tr("alerts-everywhere")] if current.all_regions else []
        names += sorted(
            (r.name(tr.lang) for code in current.regions if (r := regions.get(code))),
        )
        lines.append(tr("alerts-list", regions=", ".join(names)))
        lines.append(tr("alerts-silent-state" if current.silent else "alerts-sound-state"))
    else:
        lines.append(tr("alerts-none"))
    lines.append(tr("alerts-privacy"))
    return "\n\n".join(lines), _keyboard(tr, current, regions)


def _keyboard(tr: Tr, current: Subscription, regions: RegionCatalog) -> InlineKeyboardMarkup:
    rows = [[button(tr("alerts-add"), AlertsCb(action="add"))]]
    for code in sorted(current.regions):
        region = regions.get(code)
        if region is not None:
            label = tr("alerts-remove", region=region.name(tr.lang))
            rows.append([button(label, AlertsCb(action="drop", value=code))])
    everywhere = "0" if current.all_regions else "1"
    rows.append(
        [
            button(
                tr("alerts-all-off" if current.all_regions else "alerts-all-on"),
                AlertsCb(action="all", value=everywhere),
            )
        ]
    )
    if current.active:
        rows.append(
            [
                button(
                    tr("alerts-sound-on" if current.silent else "alerts-silent-on"),
                    AlertsCb(action="silent", value="0" if current.silent else "1"),
                )
            ]
        )
        rows.append([button(tr("alerts-stop"), AlertsCb(action="stop"))])
    rows.append(home_row(tr))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _locked_keyboard(tr: Tr) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = [
        [button(tr("alerts-add"), AlertsCb(action="add"))],
        [button(tr("alerts-all-on"), AlertsCb(action="all", value="1"))],
        [button(tr("alerts-stop"), AlertsCb(action="stop"))],
        home_row(tr),
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _region_help(tr: Tr) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(tr("report-region-list"), AlertsCb(action="list", value="0"))],
            [button(tr("button-back"), AlertsCb(action="show"))],
        ]
    )
