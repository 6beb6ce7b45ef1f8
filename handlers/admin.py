"""Admin commands. Non-admins get the same answer as for any unknown command.

/invite makes a single-use moderator link; /moderators lists moderators and removes one (which
voids their pending approvals and hides the moderator commands from their menu).
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.config import Settings
from bot.content.store import ContentStore
from bot.i18n import Tr
from bot.services.alert_desk import AlertDesk
from bot.services.alert_text import ANNOUNCEMENT_LIMIT
from bot.services.commands import delete_messages, hide_moderator_menu
from bot.services.team import INVITE_HOURS, INVITE_PREFIX, ModeratorTeam, clean_alias
from handlers.callbacks import RowId
from handlers.filters import FromUser, is_question
from handlers.flow import Flow
from handlers.regions import button
from handlers.screens import show


class AnnounceForm(StatesGroup):
    text = State()
    confirm = State()


FLOW = Flow(name="announce", states=AnnounceForm, commands=frozenset({"announce"}))


class AdminCb(CallbackData, prefix="ad"):
    """action: ask (confirm removal), remove, list, announce, announce-cancel."""

    action: str
    moderator: RowId = 0


def build_router(settings: Settings) -> Router:
    router = Router(name="admin")
    # Checked on the server for every update: the command menu only hides, it does not protect.
    admins = FromUser(settings.admin_ids)
    router.message.filter(admins)
    router.callback_query.filter(admins)

    @router.message(Command("reload"))
    async def reload(message: Message, tr: Tr, content: ContentStore) -> None:
        problems = content.reload()
        if problems:
            await message.answer(tr("reload-failed", count=len(problems), first=problems[0]))
        else:
            await message.answer(tr("reload-ok", entries=len(content.current.faq.ids())))

    @router.message(Command("invite"))
    async def invite(
        message: Message, command: CommandObject, tr: Tr, bot: Bot, team: ModeratorTeam
    ) -> None:
        admin = await team.identify(message.chat.id)
        if admin is None:
            await message.answer(tr("mod-locked-short"))
            return
        alias = clean_alias(command.args or "") if command.args else None
        if command.args and alias is None:
            await message.answer(tr("admin-invite-alias"))
            return
        if alias is None:
            alias = f"mod-{len(await team.moderators()) + 1}"
        token = await team.invite(admin, alias)
        me = await bot.me()
        link = f"https://t.me/{me.username}?start={INVITE_PREFIX}{token}"
        # Not protected: the admin has to pass the link on (through a private channel).
        await message.answer(tr("admin-invite", link=link, alias=alias, hours=INVITE_HOURS))

    @router.message(Command("announce"))
    async def announce(message: Message, tr: Tr, state: FSMContext,
                       team: ModeratorTeam) -> None:  # fmt: skip
        if team.locked:
            await message.answer(tr("mod-locked-short"))
            return
        await state.clear()
        await state.set_state(AnnounceForm.text)
        await message.answer(tr("announce-prompt", limit=ANNOUNCEMENT_LIMIT))

    @router.message(AnnounceForm.text, is_question)
    async def announce_text(message: Message, tr: Tr, state: FSMContext) -> None:
        text = (message.text or "").strip()
        if len(text) > ANNOUNCEMENT_LIMIT:
            await message.answer(
                tr("announce-too-long", length=len(text), limit=ANNOUNCEMENT_LIMIT)
            )
            return
        # Kept in the memory-only FSM until sent or cancelled, like every draft.
        await state.set_state(AnnounceForm.confirm)
        await state.set_data({"text": text})
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [button(tr("announce-send"), AdminCb(action="announce"))],
                [button(tr("report-cancel"), AdminCb(action="announce-cancel"))],
            ]
        )
        await message.answer(tr("announce-preview", text=text), reply_markup=markup)

    @router.callback_query(AnnounceForm.confirm, AdminCb.filter(F.action == "announce"))
    async def announce_send(query: CallbackQuery, tr: Tr, lang: str, state: FSMContext,
                            team: ModeratorTeam, alert_desk: AlertDesk) -> None:  # fmt: skip
        text = str((await state.get_data()).get("text", ""))
        await state.clear()
        admin = await team.identify(query.from_user.id)
        if admin is None or not text:
            await query.answer(tr("mod-gone"), show_alert=True)
            return
        message_id = query.message.message_id if query.message else None
        try:
            recipients = await alert_desk.announce(admin, text, message_id, lang)
        except ValueError:  # checked when typed; only a changed limit could get here
            await show(query, tr("announce-too-long", length=len(text),
                                 limit=ANNOUNCEMENT_LIMIT), None)  # fmt: skip
            return
        await show(query, tr("mod-sending", recipients=recipients), None)

    @router.callback_query(AdminCb.filter(F.action == "announce-cancel"))
    async def announce_cancel(query: CallbackQuery, tr: Tr, state: FSMContext) -> None:
        await state.clear()
        await show(query, tr("announce-cancelled"), None)

    @router.message(Command("moderators"))
    async def moderators(
        message: Message, tr: Tr, team: ModeratorTeam, alert_desk: AlertDesk
    ) -> None:
        text, markup = await _moderators_screen(tr, team, alert_desk)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(AdminCb.filter(F.action == "list"))
    async def moderators_again(
        query: CallbackQuery, tr: Tr, team: ModeratorTeam, alert_desk: AlertDesk
    ) -> None:
        await show(query, *await _moderators_screen(tr, team, alert_desk))

    @router.callback_query(AdminCb.filter(F.action == "ask"))
    async def confirm(
        query: CallbackQuery, callback_data: AdminCb, tr: Tr, team: ModeratorTeam
    ) -> None:
        alias = dict(await team.moderators()).get(callback_data.moderator)
        if alias is None:
            await query.answer(tr("mod-gone"))
            return
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [button(tr("admin-remove-yes"), AdminCb(action="remove",
                                                        moderator=callback_data.moderator))],
                [button(tr("button-back"), AdminCb(action="list"))],
            ]
        )  # fmt: skip
        await show(query, tr("admin-remove-confirm", alias=alias), markup)

    @router.callback_query(AdminCb.filter(F.action == "remove"))
    async def remove(
        query: CallbackQuery,
        callback_data: AdminCb,
        tr: Tr,
        bot: Bot,
        team: ModeratorTeam,
        alert_desk: AlertDesk,
    ) -> None:
        admin = await team.identify(query.from_user.id)
        removed = await team.remove(admin, callback_data.moderator) if admin else None
        if removed is None:
            await query.answer(tr("mod-gone"))
            return
        if removed.chat_id is not None:
            await hide_moderator_menu(bot, removed.chat_id)
            await delete_messages(bot, removed.chat_id, removed.copies)
        toast = tr("admin-removed", alias=removed.alias)
        await show(query, *await _moderators_screen(tr, team, alert_desk), toast=toast)

    return router


async def _moderators_screen(
    tr: Tr, team: ModeratorTeam, alert_desk: AlertDesk
) -> tuple[str, InlineKeyboardMarkup | None]:
    if team.locked:
        return tr("mod-locked-short"), None
    listed = await team.moderators()
    text = tr(
        "admin-moderators",
        count=len(listed),
        needed=alert_desk.approvals_needed,
        admins=len(team.admin_ids),
    )
    rows = [
        [button(tr("admin-remove", alias=alias), AdminCb(action="ask", moderator=moderator_id))]
        for moderator_id, alias in listed
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
