"""What each admin command and button does. The admin router lets only ADMIN_IDS in."""

from __future__ import annotations

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.content.store import ContentStore
from bot.i18n import Tr
from bot.services.alert_desk import AlertDesk
from bot.services.alert_text import ANNOUNCEMENT_LIMIT
from bot.services.team import INVITE_HOURS, INVITE_PREFIX, ModeratorTeam, clean_alias
from bot.telegram.commands import delete_messages, hide_moderator_menu
from bot.telegram.notices import ModeratorNotices
from handlers.admin import screens
from handlers.admin.callbacks import RemoveAskCb, RemoveCb
from handlers.admin.states import AnnounceForm
from handlers.moderation import screens as moderation_screens
from handlers.screens import show

PREVIEW_KEY = "preview"  # the announcement preview on screen, replaced by a corrected text


async def reload(message: Message, tr: Tr, content: ContentStore) -> None:
    """Reload the FAQ and guidance content from disk, or say what is wrong with it."""
    problems = content.reload()
    if problems:
        await message.answer(tr("reload-failed", count=len(problems), first=problems[0]))
    else:
        await message.answer(tr("reload-ok", entries=len(content.current.faq.ids())))


async def invite(
    message: Message, command: CommandObject, tr: Tr, bot: Bot, team: ModeratorTeam
) -> None:
    """A single-use moderator link, under the alias given (or the next free "mod-N")."""
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


async def announce(
    message: Message, tr: Tr, state: FSMContext, team: ModeratorTeam, alert_desk: AlertDesk
) -> None:
    if team.locked:
        await message.answer(tr("mod-locked-short"))
        return
    await state.clear()
    await state.set_state(AnnounceForm.text)
    needed = alert_desk.approvals_needed
    await message.answer(tr("announce-prompt", limit=ANNOUNCEMENT_LIMIT, needed=needed))


async def announce_text(message: Message, tr: Tr, state: FSMContext, alert_desk: AlertDesk) -> None:
    text = (message.text or "").strip()
    if len(text) > ANNOUNCEMENT_LIMIT:
        await message.answer(tr("announce-too-long", length=len(text), limit=ANNOUNCEMENT_LIMIT))
        return
    # A text typed at the preview replaces it: the old preview goes, so that its Approve button
    # cannot approve a text other than the one it shows.
    previous = (await state.get_data()).get(PREVIEW_KEY)
    if previous and message.bot is not None:
        await delete_messages(message.bot, message.chat.id, [int(previous)])
    # Kept in the memory-only FSM until sent or cancelled, like every draft.
    await state.set_state(AnnounceForm.confirm)
    preview, markup = screens.announce_preview(tr, text, alert_desk.approvals_needed)
    sent = await message.answer(preview, reply_markup=markup)
    await state.set_data({"text": text, PREVIEW_KEY: sent.message_id})


async def announce_send(
    query: CallbackQuery,
    tr: Tr,
    lang: str,
    state: FSMContext,
    team: ModeratorTeam,
    alert_desk: AlertDesk,
    notices: ModeratorNotices,
) -> None:
    """The previewed announcement becomes a draft with this admin's approval; it goes out when
    ALERT_APPROVALS people have approved it (the service wakes the broadcaster then)."""
    text = str((await state.get_data()).get("text", ""))
    await state.clear()
    admin = await team.identify(query.from_user.id)
    if admin is None or not text:
        await query.answer(tr("mod-gone"), show_alert=True)
        return
    try:
        draft = await alert_desk.draft_announcement(admin, text)
    except ValueError:  # checked when typed; only a changed limit could get here
        too_long = tr("announce-too-long", length=len(text), limit=ANNOUNCEMENT_LIMIT)
        await show(query, too_long, None)
        return

    async def sending(recipients: int) -> None:
        await show(query, tr("mod-sending", recipients=recipients), None)

    message_id = query.message.message_id if query.message else None
    result = await alert_desk.approve(
        admin, draft.id, draft.text_hash, message_id, lang, before_sending=sending
    )
    if result.outcome == "sending":
        return
    await notices.announcement_wanted(admin.ref)
    await show(query, *await moderation_screens.alert_screen(tr, alert_desk, draft))


async def announce_cancel(query: CallbackQuery, tr: Tr, state: FSMContext) -> None:
    await state.clear()
    await show(query, tr("announce-cancelled"), None)


async def moderators(message: Message, tr: Tr, team: ModeratorTeam, alert_desk: AlertDesk) -> None:
    text, markup = await screens.moderators_screen(tr, team, alert_desk)
    await message.answer(text, reply_markup=markup)


async def moderators_again(
    query: CallbackQuery, tr: Tr, team: ModeratorTeam, alert_desk: AlertDesk
) -> None:
    await show(query, *await screens.moderators_screen(tr, team, alert_desk))


async def confirm_removal(
    query: CallbackQuery, callback_data: RemoveAskCb, tr: Tr, team: ModeratorTeam
) -> None:
    alias = dict(await team.moderators()).get(callback_data.moderator)
    if alias is None:
        await query.answer(tr("mod-gone"))
        return
    await show(query, *screens.remove_confirm(tr, alias, callback_data.moderator))


async def remove(
    query: CallbackQuery,
    callback_data: RemoveCb,
    tr: Tr,
    bot: Bot,
    team: ModeratorTeam,
    alert_desk: AlertDesk,
    notices: ModeratorNotices,
) -> None:
    """Remove a moderator: their menu loses the moderator commands, the reports they were
    shown leave their chat now, and the rest of the team is told."""
    admin = await team.identify(query.from_user.id)
    removed = await team.remove(admin, callback_data.moderator) if admin else None
    if admin is None or removed is None:
        await query.answer(tr("mod-gone"))
        return
    if removed.chat_id is not None:
        await hide_moderator_menu(bot, removed.chat_id)
        await delete_messages(bot, removed.chat_id, removed.copies)
    await notices.tell_staff(
        "notice-removed", besides=admin.ref, alias=removed.alias, by=admin.alias
    )
    toast = tr("admin-removed", alias=removed.alias)
    await show(query, *await screens.moderators_screen(tr, team, alert_desk), toast=toast)
