"""/start (with deep links), /help, /cancel and the Home screen.

Deep links (`t.me/<bot>?start=<payload>`): an FAQ entry id opens that answer, `go_<screen>`
opens a screen (DEEP_LINKS), `inv_<token>` redeems a moderator invite. `_` is outside an entry
id's characters, so no FAQ entry can ever collide with the others.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.config import Settings
from bot.content.faq import ENTRY_ID
from bot.content.regions import RegionCatalog
from bot.content.store import ContentStore
from bot.i18n import Tr
from bot.protection import Protection
from bot.services.reports import ReportService
from bot.services.subscriptions import SubscriptionService
from bot.services.team import INVITE_PREFIX, ModeratorTeam
from bot.telegram.commands import ADMIN_COMMANDS, MODERATOR_COMMANDS
from bot.telegram.notices import ModeratorNotices
from handlers.alerts.handlers import alerts_command
from handlers.callbacks import ExactButton
from handlers.deadlines import intro_keyboard as deadlines_keyboard
from handlers.faq import entry_screen
from handlers.gates import GatedRouter
from handlers.inline import INLINE_HELP_PAYLOAD
from handlers.menu import Nav, home_only, main_menu
from handlers.moderation.callbacks import ConfirmMemberCb
from handlers.regions import button
from handlers.report.handlers import start_command as report_command
from handlers.screens import show
from handlers.situation import intro_screen
from handlers.sos import sos

# `t.me/<bot>?start=go_<screen>`: the screens a rights group may link to (README, Deep links).
SCREEN_PREFIX = "go_"
DEEP_LINKS = ("sos", "check", "alerts", "report", "deadlines")


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
    subscriptions: SubscriptionService,
    regions: RegionCatalog,
    settings: Settings,
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
    if payload.startswith(SCREEN_PREFIX) and payload.removeprefix(SCREEN_PREFIX) in DEEP_LINKS:
        links = _Links(
            message, tr, state, content, report_service, subscriptions, regions, settings
        )
        await _open_screen(payload.removeprefix(SCREEN_PREFIX), links)
        return
    if ENTRY_ID.match(payload):
        entry = content.current.faq.entry(tr.lang, payload)
        if entry is not None:
            text, markup = entry_screen(entry, 0, tr, content, protection)
            await message.answer(text, reply_markup=markup)
            return
    menu = main_menu(tr, reports=report_service.enabled)
    await message.answer(tr("start-welcome"), reply_markup=menu)


@dataclass(frozen=True)
class _Links:
    """What the screens a deep link opens need."""

    message: Message
    tr: Tr
    state: FSMContext
    content: ContentStore
    report_service: ReportService
    subscriptions: SubscriptionService
    regions: RegionCatalog
    settings: Settings


async def _open_screen(screen: str, links: _Links) -> None:
    """The same screen the command (or the menu button) shows; the report form opens as /report
    does (and is cleaned up with its messages, this /start too)."""
    message, tr = links.message, links.tr
    if screen == "sos":
        await sos(message, tr, links.content, links.settings)
    elif screen == "check":
        text, markup = intro_screen(tr)
        await message.answer(text, reply_markup=markup)
    elif screen == "alerts":
        await alerts_command(message, tr, links.subscriptions, links.regions)
    elif screen == "deadlines":
        await message.answer(tr("dl-intro"), reply_markup=deadlines_keyboard(tr))
    else:
        await report_command(message, tr, links.state, links.report_service, links.settings)


async def help_command(message: Message, tr: Tr, team: ModeratorTeam) -> None:
    text = tr("help-text") + await _staff_help(tr, message.chat.id, team)
    await message.answer(text, reply_markup=home_only(tr))


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


async def help_screen(query: CallbackQuery, tr: Tr, team: ModeratorTeam) -> None:
    text = tr("help-text") + await _staff_help(tr, query.from_user.id, team)
    await show(query, text, home_only(tr))


async def _staff_help(tr: Tr, user_id: int, team: ModeratorTeam) -> str:
    """An admin's help also lists the admin's and moderators' commands, a moderator's the
    moderators' (the same lines as their command menus); nobody else's says more."""
    admin = user_id in team.admin_ids  # known without the keyring: /reload works locked too
    if not admin and await team.identify(user_id) is None:
        return ""
    groups: list[tuple[str, tuple[tuple[str, str], ...]]] = [
        ("help-staff-moderator", MODERATOR_COMMANDS)
    ]
    if admin:
        groups.append(("help-staff-admin", ADMIN_COMMANDS))
    parts = []
    for heading, commands in groups:
        lines = [f"/{command} — {html.escape(tr(key))}" for command, key in commands]
        parts.append("\n".join([f"<b>{html.escape(tr(heading))}</b>", *lines]))
    return "\n\n" + "\n\n".join(parts)


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
    if alias is None:
        await message.answer(tr("invite-invalid"))
        return
    joined = await team.joined(message.chat.id)
    if joined is None:  # redeemed again by someone already in
        await message.answer(tr("invite-welcome", alias=alias))
        return
    await message.answer(tr("invite-pending", alias=alias))
    label = Tr(tr.translator, notices.lang)("member-confirm", alias=alias)
    confirm = InlineKeyboardMarkup(
        inline_keyboard=[[button(label, ConfirmMemberCb(moderator=joined.id))]]
    )
    await notices.tell_staff("notice-joined", markup=confirm, alias=alias)
