"""The team's side of the two-person rule for membership: confirming someone who joined.

Whoever opens an invite joins as pending, and every admin and moderator is told, with a button
to confirm them. Any of them but the admin who invited them may confirm (bot.services.team
decides); then the new moderator gets their commands, and the team is told who confirmed.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import CallbackQuery, Message

from bot.i18n import Tr
from bot.services.team import CannotConfirm, Moderator, ModeratorTeam
from bot.telegram.commands import show_moderator_menu
from bot.telegram.notices import ModeratorNotices
from handlers.moderation.callbacks import ConfirmMemberCb
from handlers.screens import show


async def confirm(
    query: CallbackQuery,
    callback_data: ConfirmMemberCb,
    tr: Tr,
    bot: Bot,
    moderator: Moderator,
    team: ModeratorTeam,
    notices: ModeratorNotices,
) -> None:
    members = {member.id: member.alias for member in await team.members()}
    alias = members.get(callback_data.moderator, "")
    try:
        confirmed = await team.confirm(moderator, callback_data.moderator)
    except CannotConfirm as refused:
        key = "member-confirm-inviter" if refused.reason == "inviter" else "member-confirm-gone"
        await query.answer(tr(key, alias=alias), show_alert=True)
        return
    if confirmed.chat_id is not None:
        await show_moderator_menu(bot, confirmed.chat_id, tr.translator)
        welcome = tr.translator(notices.lang, "member-confirmed", alias=confirmed.alias)
        await bot.send_message(confirmed.chat_id, welcome)
    done = tr("member-confirmed-notice", alias=confirmed.alias, by=moderator.alias)
    await show(query, done, None)
    await notices.tell_staff(
        "member-confirmed-notice",
        besides=(moderator.ref, confirmed.ref),
        alias=confirmed.alias,
        by=moderator.alias,
    )


async def pending(message: Message, tr: Tr) -> None:
    """/queue or /stats from someone who joined but is not confirmed yet."""
    await message.answer(tr("mod-pending"))
