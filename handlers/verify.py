"""/verify: is this alert text genuine? Paste it, forward it, or put it after the command.

The answer never echoes the pasted text, and nothing of it is stored or logged.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from bot.crypto.keyring import PublicKeyring
from bot.i18n import Tr
from bot.services.alert_desk import AlertDesk
from bot.services.signatures import verify_alert
from handlers.filters import has_text
from handlers.flow import Flow
from handlers.gates import GatedRouter
from handlers.menu import home_only


class VerifyForm(StatesGroup):
    text = State()


FLOW = Flow(name="verify", states=VerifyForm)  # /verify is a detour: it opens, never pauses


def build_router() -> Router:
    router = GatedRouter(name="verify")
    router.message.register(verify_command, Command("verify"))
    router.message.register(verify_text, StateFilter(VerifyForm.text), has_text)
    router.message.register(verify_not_text, StateFilter(VerifyForm.text))
    return router


async def verify_command(
    message: Message,
    command: CommandObject,
    tr: Tr,
    state: FSMContext,
    signing_keyring: PublicKeyring | None,
    alert_desk: AlertDesk,
) -> None:
    if signing_keyring is None:
        await message.answer(tr("verify-unavailable"), reply_markup=home_only(tr))
        return
    if command.args:
        await message.answer(await _verdict(tr, signing_keyring, alert_desk, command.args))
        return
    await state.clear()
    await state.set_state(VerifyForm.text)
    await message.answer(tr("verify-prompt"))


async def verify_text(
    message: Message,
    tr: Tr,
    state: FSMContext,
    signing_keyring: PublicKeyring | None,
    alert_desk: AlertDesk,
) -> None:
    await state.clear()
    if signing_keyring is None:
        await message.answer(tr("verify-unavailable"))
        return
    text = message.text or ""
    verdict = await _verdict(tr, signing_keyring, alert_desk, text)
    await message.answer(verdict, reply_markup=home_only(tr))


async def verify_not_text(message: Message, tr: Tr) -> None:
    await message.answer(tr("verify-text-only"))


async def _verdict(tr: Tr, ring: PublicKeyring, alert_desk: AlertDesk, text: str) -> str:
    verdict = verify_alert(ring.signing_public, text)
    if not verdict.found:
        return tr("verify-unsigned")
    if not verdict.genuine or verdict.alert_id is None:
        return tr("verify-forged")
    genuine = tr("verify-genuine", fingerprint=ring.fingerprint())
    if verdict.kind == "announcement":
        return genuine + "\n\n" + tr("verify-announcement")
    # Genuine, but is it still standing? The bot knows what happened to its alerts since.
    alert = await alert_desk.alert(verdict.alert_id)
    if alert is None:
        status = "verify-status-gone"
    elif alert.state in ("withdrawn", "replaced", "expired"):
        status = f"verify-status-{alert.state}"
    else:
        status = "verify-status-open"
    return genuine + "\n\n" + tr(status)
