"""/panic: an admin asks to destroy the keyring; a different admin confirms with a button.

The request goes to every other admin (in private chats the chat id is the user id, so
ADMIN_IDS reach them without the keyring) with a Confirm button that carries the request's
random id; it lapses after a few minutes, the requester's own press is refused, and every step
is audited (bot.services.panic). With one admin configured there is nobody to confirm: the
answer names the server command. Non-admins get what any unknown command gets.
"""

from __future__ import annotations

import logging
from typing import Annotated

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from pydantic import Field

from bot.config import Settings
from bot.crypto.keyring import KeyringMissing
from bot.i18n import Tr, Translator
from bot.logs import fields
from bot.services.panic import Confirmation, PanicSwitch
from handlers.filters import FromUser
from handlers.gates import GatedRouter

log = logging.getLogger(__name__)

RequestId = Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]


class PanicConfirmCb(CallbackData, prefix="p1.ok"):
    """Confirm this panic request (its random id)."""

    request: RequestId


def build_router(admin_ids: frozenset[int]) -> Router:
    router = GatedRouter(name="panic")
    admins = FromUser(admin_ids)
    router.message.filter(admins)
    router.callback_query.filter(admins)
    router.message.register(panic_command, Command("panic"))
    router.callback_query.register(panic_confirm, PanicConfirmCb.filter())
    return router


async def panic_command(
    message: Message,
    bot: Bot,
    tr: Tr,
    translator: Translator,
    settings: Settings,
    panic: PanicSwitch,
) -> None:
    if message.from_user is None:
        return
    if panic.destroyed:
        await message.answer(tr("panic-already"))
        return
    if not panic.two_admins:
        await message.answer(tr("panic-one-admin"))
        return
    if not panic.has_keyring:
        await message.answer(tr("panic-no-keyring"))
        return
    request, audited = await panic.request(message.from_user.id)
    # The other admins' language is unknown here: the instance's, like other staff notices.
    other = Tr(translator, settings.default_language)
    text = other(
        "panic-request",
        who=request.alias or other("panic-request-someone"),
        minutes=panic.ttl_minutes,
    )
    button = InlineKeyboardButton(
        text=other("panic-confirm-button"),
        callback_data=PanicConfirmCb(request=request.id).pack(),
    )
    markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
    sent = 0
    for admin_id in panic.other_admins(message.from_user.id):
        try:
            await bot.send_message(admin_id, text, reply_markup=markup)
            sent += 1
        except TelegramAPIError as exc:
            log.warning("could not tell an admin", extra=fields(error=type(exc).__name__))
    key = "panic-asked" if sent else "panic-asked-nobody"
    answer = tr(key, sent=sent, minutes=panic.ttl_minutes)
    if not audited:
        answer += "\n\n" + tr("panic-unaudited")
    await message.answer(answer)


async def panic_confirm(
    query: CallbackQuery,
    callback_data: PanicConfirmCb,
    bot: Bot,
    tr: Tr,
    translator: Translator,
    settings: Settings,
    panic: PanicSwitch,
) -> None:
    try:
        outcome = await panic.confirm(callback_data.request, query.from_user.id)
    except KeyringMissing:
        outcome = None
    if outcome is Confirmation.DESTROYED:
        await query.answer()
        if query.message is not None:
            await query.message.answer(tr("panic-done"))
        # The requester and any other admin learn it too (the instance's language).
        done = Tr(translator, settings.default_language)("panic-done")
        for admin_id in panic.other_admins(query.from_user.id):
            try:
                await bot.send_message(admin_id, done)
            except TelegramAPIError as exc:
                log.warning("could not tell an admin", extra=fields(error=type(exc).__name__))
        return
    key = {
        None: "panic-no-keyring",
        Confirmation.ALREADY: "panic-already",
        Confirmation.SAME_ADMIN: "panic-same-admin",
        Confirmation.EXPIRED: "panic-expired",
    }[outcome]
    await query.answer(tr(key), show_alert=True)
