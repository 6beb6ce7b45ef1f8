"""/start (with deep links), /help, /cancel and the Home screen."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.content.faq import ENTRY_ID
from bot.content.store import ContentStore
from bot.i18n import Tr
from bot.protection import Protection
from bot.services.reports import ReportService
from bot.services.team import INVITE_PREFIX, ModeratorTeam
from bot.telegram.notices import ModeratorNotices
from handlers.callbacks import ExactButton
from handlers.faq import entry_screen
from handlers.gates import GatedRouter
from handlers.inline import INLINE_HELP_PAYLOAD
from handlers.menu import Nav, home_only, main_menu
from handlers.moderation.callbacks import ConfirmMemberCb
from handlers.regions import button
from handlers.screens import show


def build_router() -> Router:
    router = GatedRouter(name="start")
    router.message.register(start, CommandStart())
    router.message.register(help_command, Command("help"))
    router.message.register(cancel, Command("cancel"))
    router.callback_query.register(home, ExactButton(Nav(to="home")))
    router.callback_query.register(help_screen, ExactButton(Nav(to="help")))
    return router


async def start(
    message: Message,
    command: CommandObject,
    tr: Tr,
    state: FSMContext,
    content: ContentStore,
    bot: Bot,
    report_service: ReportService,
    team: ModeratorTeam,
    notices: ModeratorNotices,
    protection: Protection,
) -> None:
    # A deep-link payload is never stored or logged: a unique link could tag whoever clicks.
    await state.clear()
    payload = (command.args or "").strip()
    if payload.startswith(INVITE_PREFIX):
        await _redeem(message, payload.removeprefix(INVITE_PREFIX), tr, team, notices)
        return
    if payload == INLINE_HELP_PAYLOAD:
        me = await bot.me()
        await message.answer(tr("inline-help", bot=me.username or ""), reply_markup=home_only(tr))
        return
    if ENTRY_ID.match(payload):
        entry = content.current.faq.entry(tr.lang, payload)
        if entry is not None:
            text, markup = entry_screen(entry, 0, tr, content, protection)
            await message.answer(text, reply_markup=markup)
            return
    menu = main_menu(tr, reports=report_service.enabled)
    await message.answer(tr("start-welcome"), reply_markup=menu)


async def help_command(message: Message, tr: Tr) -> None:
    await message.answer(tr("help-text"), reply_markup=home_only(tr))


async def cancel(
    message: Message, tr: Tr, report_service: ReportService, left_flow: str | None = None
) -> None:
    # handlers.flow already dropped the draft (and a report form's messages, this one too).
    await message.answer(
        tr("cancelled" if left_flow is not None else "nothing-to-cancel"),
        reply_markup=main_menu(tr, reports=report_service.enabled),
    )


async def home(
    query: CallbackQuery, tr: Tr, state: FSMContext, report_service: ReportService
) -> None:
    await state.clear()  # leaving a questionnaire forgets its answers
    await show(query, tr("start-welcome"), main_menu(tr, reports=report_service.enabled))


async def help_screen(query: CallbackQuery, tr: Tr) -> None:
    await show(query, tr("help-text"), home_only(tr))


async def _redeem(
    message: Message, token: str, tr: Tr, team: ModeratorTeam, notices: ModeratorNotices
) -> None:
    """A moderator invite: single use, 24 hours; the token itself is never stored or logged.
    Whoever opens it joins as pending, and the whole team is told, with a button to confirm
    them (anyone but the admin who invited them: the two-person rule)."""
    if team.locked:
        await message.answer(tr("invite-locked"))
        return
    if message.chat.id in team.admin_ids:
        # An admin tapping their own link would use it up: it stays valid for the invitee.
        await message.answer(tr("invite-admin"))
        return
    alias = await team.redeem(token, message.chat.id)
    joined = await team.joined(message.chat.id) if alias is not None else None
    moderator_id = await team.pending_id(alias) if alias is not None else None
    if alias is None:
        await message.answer(tr("invite-invalid"))
        return
    if joined is None or moderator_id is None:  # redeemed again by someone already in
        await message.answer(tr("invite-welcome", alias=alias))
        return
    await message.answer(tr("invite-pending", alias=alias))
    label = Tr(tr.translator, notices.lang)("member-confirm", alias=alias)
    confirm = InlineKeyboardMarkup(
        inline_keyboard=[[button(label, ConfirmMemberCb(moderator=moderator_id))]]
    )
    await notices.tell_staff("notice-joined", markup=confirm, alias=alias)
