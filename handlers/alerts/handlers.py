"""The /alerts handlers: showing the caller's subscription, changing it, choosing a region, and
forgetting a chat that blocked the bot."""

from __future__ import annotations

from typing import Any

from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message

from bot.content.regions import RegionCatalog, says_all_of_russia
from bot.i18n import Tr
from bot.services.subscriptions import SubscriptionService, TooManyChanges
from handlers.alerts import delivery, screens
from handlers.alerts.callbacks import (
    AlertsAction,
    AlertsDropCb,
    AlertSetting,
    AlertsMenuCb,
    AlertsPageCb,
    AlertsPickCb,
    AlertsToggleCb,
    AlertsUndoCb,
    AlertsV1Cb,
    upgrade,
)
from handlers.screens import show


class AlertsForm(StatesGroup):
    """Adding a region by typing its name: a small form of its own."""

    region = State()


async def resume(query: CallbackQuery, data: dict[str, Any]) -> None:
    """Continue after a detour: ask for the region again."""
    await show(query, *screens.region_prompt(data["tr"]))


async def alerts_command(
    message: Message, tr: Tr, subscriptions: SubscriptionService, regions: RegionCatalog
) -> None:
    text, markup = await screens.subscription(message.chat.id, tr, subscriptions, regions)
    await message.answer(text, reply_markup=markup)


async def open_screen(
    query: CallbackQuery,
    tr: Tr,
    state: FSMContext,
    subscriptions: SubscriptionService,
    regions: RegionCatalog,
) -> None:
    """The subscription screen from the menu, or Back from choosing a region."""
    if await state.get_state() == AlertsForm.region.state:
        await state.clear()
    await show(query, *await screens.subscription(query.from_user.id, tr, subscriptions, regions))


async def ask_region(query: CallbackQuery, tr: Tr, state: FSMContext) -> None:
    # Choosing a region is a small form of its own; it replaces any form left open.
    await state.clear()
    await state.set_state(AlertsForm.region)
    await show(query, *screens.region_prompt(tr))


async def region_typed(
    message: Message,
    tr: Tr,
    state: FSMContext,
    lang: str,
    subscriptions: SubscriptionService,
    regions: RegionCatalog,
) -> None:
    found = regions.resolve(message.text or "")
    if found is None and says_all_of_russia(message.text or ""):
        text, markup = screens.all_of_russia_hint(tr)
        await message.answer(text, reply_markup=markup)
        return
    if found is None:
        candidates = regions.match(message.text or "", limit=5)
        text, markup = screens.region_candidates(tr, candidates)
        await message.answer(text, reply_markup=markup)
        return
    await state.clear()
    undo = await _undoable(subscriptions, message.chat.id, found.code)
    if not await _change(subscriptions, message.chat.id, lang, "add", found.code):
        await message.answer(tr("alerts-too-many"))
        return
    if undo is not None:  # a region added: how its alerts arrive, silent marked
        locked = subscriptions.locked
        text, markup = delivery.question(tr, regions, code=found.code, locked=locked)
    else:
        text, markup = await screens.subscription(
            message.chat.id, tr, subscriptions, regions, added=found.name(tr.lang)
        )
    await message.answer(text, reply_markup=markup)


async def _undoable(subscriptions: SubscriptionService, chat_id: int, code: str) -> str | None:
    """The code of a region being added, to ask how alerts arrive and offer "Not this region"
    for; None when it was already subscribed (nothing is added, and undoing would drop a
    choice made before). While locked that cannot be known: the question is asked."""
    current = await subscriptions.current(chat_id) if subscriptions.available else None
    return None if current is not None and code in current.regions else code


async def undo_region(
    query: CallbackQuery,
    callback_data: AlertsUndoCb,
    tr: Tr,
    lang: str,
    state: FSMContext,
    subscriptions: SubscriptionService,
    regions: RegionCatalog,
) -> None:
    """The "Not this region" button: the region just added is dropped and asked for again."""
    if regions.get(callback_data.code) is None:
        await query.answer(tr("button-expired"))
        return
    if not await _change(subscriptions, query.from_user.id, lang, "remove", callback_data.code):
        await query.answer(tr("alerts-too-many"), show_alert=True)
        return
    await ask_region(query, tr, state)


async def region_not_text(message: Message, tr: Tr) -> None:
    await message.answer(tr("report-region-text-only"), reply_markup=screens.region_help(tr))


async def region_page(
    query: CallbackQuery, callback_data: AlertsPageCb, tr: Tr, regions: RegionCatalog
) -> None:
    await show(query, *screens.region_page(tr, regions, callback_data.page))


async def pick_region(
    query: CallbackQuery,
    callback_data: AlertsPickCb,
    tr: Tr,
    lang: str,
    state: FSMContext,
    subscriptions: SubscriptionService,
    regions: RegionCatalog,
) -> None:
    region = regions.get(callback_data.code)
    if region is None:
        await query.answer(tr("button-expired"))
        return
    undo = await _undoable(subscriptions, query.from_user.id, region.code)
    added = region.name(tr.lang) if undo is None else None
    await _change_and_show(
        query, tr, lang, state, subscriptions, regions, "add", region.code, added=added, ask=undo
    )


async def drop_region(
    query: CallbackQuery,
    callback_data: AlertsDropCb,
    tr: Tr,
    lang: str,
    state: FSMContext,
    subscriptions: SubscriptionService,
    regions: RegionCatalog,
) -> None:
    region = regions.get(callback_data.code)
    if region is None:
        await query.answer(tr("button-expired"))
        return
    await _change_and_show(query, tr, lang, state, subscriptions, regions, "remove", region.code)


async def toggle(
    query: CallbackQuery,
    callback_data: AlertsToggleCb,
    tr: Tr,
    lang: str,
    state: FSMContext,
    subscriptions: SubscriptionService,
    regions: RegionCatalog,
) -> None:
    setting, on = callback_data.setting.value, callback_data.on
    # All of Russia turned on is a subscription made (or grown): how its alerts arrive.
    ask = delivery.ALL_REGIONS if callback_data.setting is AlertSetting.ALL_REGIONS and on else None
    await _change_and_show(query, tr, lang, state, subscriptions, regions, setting, on, ask=ask)


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
    text, markup = await screens.subscription(query.from_user.id, tr, subscriptions, regions)
    await show(query, tr("alerts-stopped") + "\n\n" + text, markup)


async def old_button(
    query: CallbackQuery,
    callback_data: AlertsV1Cb,
    tr: Tr,
    lang: str,
    state: FSMContext,
    subscriptions: SubscriptionService,
    regions: RegionCatalog,
) -> None:
    """A button of a screen sent before the current format: it does what it said then."""
    current = upgrade(callback_data)
    if isinstance(current, AlertsMenuCb):
        if current.action is AlertsAction.ADD:
            await ask_region(query, tr, state)
        elif current.action is AlertsAction.STOP:
            await stop(query, tr, lang, subscriptions, regions)
        else:
            await open_screen(query, tr, state, subscriptions, regions)
    elif isinstance(current, AlertsPageCb):
        await region_page(query, current, tr, regions)
    elif isinstance(current, AlertsPickCb):
        await pick_region(query, current, tr, lang, state, subscriptions, regions)
    elif isinstance(current, AlertsDropCb):
        await drop_region(query, current, tr, lang, state, subscriptions, regions)
    elif isinstance(current, AlertsToggleCb):
        await toggle(query, current, tr, lang, state, subscriptions, regions)
    else:
        await query.answer(tr("button-expired"))


async def in_private_chat(event: ChatMemberUpdated) -> bool:
    return event.chat.type == ChatType.PRIVATE


async def membership(event: ChatMemberUpdated, subscriptions: SubscriptionService) -> None:
    """A person who blocks the bot is unsubscribed and their data deleted at once."""
    if event.new_chat_member.status == ChatMemberStatus.KICKED and subscriptions.available:
        await subscriptions.forget(event.chat.id)


async def _change_and_show(
    query: CallbackQuery,
    tr: Tr,
    lang: str,
    state: FSMContext,
    subscriptions: SubscriptionService,
    regions: RegionCatalog,
    op: str,
    value: str | bool,
    *,
    added: str | None = None,
    ask: str | None = None,
) -> None:
    """A change made with a button on the subscription screen, which then shows the result;
    `ask` (what was added) asks how alerts arrive first (handlers.alerts.delivery)."""
    if not await _change(subscriptions, query.from_user.id, lang, op, value):
        await query.answer(tr("alerts-too-many"), show_alert=True)
        return
    if await state.get_state() == AlertsForm.region.state:
        await state.clear()
    if ask is not None:
        await show(query, *delivery.question(tr, regions, code=ask, locked=subscriptions.locked))
        return
    screen = await screens.subscription(query.from_user.id, tr, subscriptions, regions, added=added)
    await show(query, *screen)


async def _change(
    subscriptions: SubscriptionService, chat_id: int, lang: str, op: str, value: str | bool = ""
) -> bool:
    """Apply a change; False when too many were made while the bot is locked."""
    try:
        await subscriptions.change(chat_id, lang, op, value)
    except TooManyChanges:
        return False
    return True
