"""/verify: is this alert text genuine? Paste it, forward it, or put it after the command.

The answer never echoes the pasted text, and nothing of it is stored or logged.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from bot.crypto.keyring import PublicKeyring
from bot.i18n import Tr
from bot.services.signatures import verify_alert
from handlers.filters import has_text
from handlers.menu import home_only


class VerifyForm(StatesGroup):
    text = State()


def build_router() -> Router:
    router = Router(name="verify")

    @router.message(Command("verify"))
    async def verify_command(
        message: Message,
        command: CommandObject,
        tr: Tr,
        state: FSMContext,
        signing_keyring: PublicKeyring | None,
    ) -> None:
        if signing_keyring is None:
            await message.answer(tr("verify-unavailable"), reply_markup=home_only(tr))
            return
        if command.args:
            await message.answer(_verdict(tr, signing_keyring, command.args))
            return
        await state.clear()
        await state.set_state(VerifyForm.text)
        await message.answer(tr("verify-prompt"))

    @router.message(VerifyForm.text, has_text)
    async def verify_text(
        message: Message, tr: Tr, state: FSMContext, signing_keyring: PublicKeyring | None
    ) -> None:
        await state.clear()
        if signing_keyring is None:
            await message.answer(tr("verify-unavailable"))
            return
        text = message.text or ""
        await message.answer(_verdict(tr, signing_keyring, text), reply_markup=home_only(tr))

    @router.message(VerifyForm.text)
    async def verify_not_text(message: Message, tr: Tr) -> None:
        await message.answer(tr("verify-text-only"))

    return router


def _verdict(tr: Tr, ring: PublicKeyring, text: str) -> str:
    verdict = verify_alert(ring.signing_public, text)
    if not verdict.found:
        return tr("verify-unsigned")
    if not verdict.genuine:
        return tr("verify-forged")
    return tr("verify-genuine", fingerprint=ring.fingerprint())
