"""/verify: is this alert text genuine? Paste it, forward it, or put it after the command.

The answer says which bot the signed text names, and warns about links or mentions a copy
carries that the original does not (a forwarded text's hidden ones too). It never echoes the
pasted text, and nothing of it is stored or logged.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message, MessageEntity

from bot.crypto.keyring import PublicKeyring, RevokedSigningKey
from bot.i18n import Tr
from bot.services.added_links import added_links
from bot.services.alert_desk import AlertDesk
from bot.services.bot_move import MoveNotices
from bot.services.defang import defang
from bot.services.signatures import MARK, Verdict, verify_alert
from handlers.flow import Flow
from handlers.gates import GatedRouter
from handlers.menu import home_only


class VerifyForm(StatesGroup):
    text = State()


def _pasted_signed_text(message: Message) -> bool:
    """A text carrying a signature line is what /verify asked for, whatever its first line."""
    return MARK in (message.text or message.caption or "")


# /verify is a detour: it opens, never pauses.
FLOW = Flow(name="verify", states=VerifyForm, takes_pasted=_pasted_signed_text)


def build_router() -> Router:
    router = GatedRouter(name="verify")
    router.message.register(verify_command, Command("verify"))
    router.message.register(verify_text, StateFilter(VerifyForm.text), has_text_or_caption)
    router.message.register(verify_not_text, StateFilter(VerifyForm.text))
    return router


async def verify_command(
    message: Message,
    command: CommandObject,
    tr: Tr,
    state: FSMContext,
    signing_keyring: PublicKeyring | None,
    alert_desk: AlertDesk,
    revoked_signing_key: RevokedSigningKey | None = None,
    move_notices: MoveNotices | None = None,
) -> None:
    key = _key(signing_keyring, revoked_signing_key)
    if key is None:
        await message.answer(tr("verify-unavailable"), reply_markup=home_only(tr))
        return
    if command.args:
        entities = _entities(message.text or "", message.entities)
        answer = await _verdict(tr, key, alert_desk, command.args, entities, move_notices)
        await message.answer(answer)
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
    revoked_signing_key: RevokedSigningKey | None = None,
    move_notices: MoveNotices | None = None,
) -> None:
    await state.clear()
    key = _key(signing_keyring, revoked_signing_key)
    if key is None:
        await message.answer(tr("verify-unavailable"))
        return
    # A forwarded copy may be a photo with the alert as its caption.
    text = message.text or message.caption or ""
    entities = _entities(text, message.entities if message.text else message.caption_entities)
    verdict = await _verdict(tr, key, alert_desk, text, entities, move_notices)
    await message.answer(verdict, reply_markup=home_only(tr))


async def verify_not_text(message: Message, tr: Tr) -> None:
    await message.answer(tr("verify-text-only"))


async def has_text_or_caption(message: Message) -> bool:
    return bool(message.text or message.caption)


def _entities(text: str, entities: list[MessageEntity] | None) -> list[tuple[str, str]]:
    """Each entity's type and the text it covers (offsets count UTF-16 code units)."""
    return [(e.type, e.extract_from(text)) for e in entities or ()]


def _key(
    ring: PublicKeyring | None, revoked: RevokedSigningKey | None
) -> PublicKeyring | RevokedSigningKey | None:
    """The key texts are checked with: the keyring's, or after the panic switch the revoked
    one (what it signed before the revocation was genuine), or none at all."""
    return ring if ring is not None else revoked


async def _verdict(
    tr: Tr,
    key: PublicKeyring | RevokedSigningKey,
    alert_desk: AlertDesk,
    text: str,
    entities: list[tuple[str, str]],
    move_notices: MoveNotices | None = None,
) -> str:
    """The answer; a warning first when the copy links where the original does not (a genuine
    original names only its own bot, and a notice of a move the new one too; anything else
    names none but this one)."""
    public = key.public if isinstance(key, RevokedSigningKey) else key.signing_public
    verdict = verify_alert(public, text)
    expected = verdict.issuer if verdict.genuine else alert_desk.issuer
    if isinstance(key, RevokedSigningKey):
        answer = _revoked(tr, key, alert_desk, verdict)
    else:
        answer = await _signature(tr, key, alert_desk, verdict)
    moved_to = None
    if verdict.genuine and verdict.kind == "announcement" and move_notices is not None:
        moved_to = await move_notices.moved_to(verdict.alert_id or "")
    if added_links(text, entities, expected, moved_to):
        return tr("verify-added-links") + "\n\n" + answer
    return answer


async def _signature(tr: Tr, ring: PublicKeyring, alert_desk: AlertDesk, verdict: Verdict) -> str:
    if not verdict.found:
        return tr("verify-unsigned")
    if not verdict.genuine or verdict.alert_id is None:
        return tr("verify-forged")
    genuine = tr("verify-genuine", fingerprint=ring.fingerprint())
    genuine += "\n\n" + _issuer(tr, verdict.issuer, alert_desk.issuer)
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


def _revoked(tr: Tr, key: RevokedSigningKey, alert_desk: AlertDesk, verdict: Verdict) -> str:
    """After the panic switch: a valid signature proves only that the revoked key made it, not
    when (nothing in a signed text is a trustworthy time), so the answer says what is known."""
    if not verdict.found:
        return tr("verify-unsigned")
    if not verdict.genuine:
        return tr("verify-forged")
    answer = tr("verify-revoked", fingerprint=key.fingerprint(), date=key.revoked_on)
    return answer + "\n\n" + _issuer(tr, verdict.issuer, alert_desk.issuer)


def _issuer(tr: Tr, named: str | None, own: str | None) -> str:
    """Which bot the signed text names: this one, or another name this bot cannot vouch for
    (shown inert, never as a link to tap)."""
    if named is None:
        return tr("verify-issued-by-none")
    if own is None:
        return tr("verify-issued-by-unchecked", bot=defang(f"@{named}"))
    if named.casefold() != own.casefold():
        return tr("verify-issued-by-other", bot=defang(f"@{named}"), own=f"@{own}")
    return tr("verify-issued-by", bot=f"@{own}")
