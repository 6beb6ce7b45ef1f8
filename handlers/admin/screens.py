"""The admin screens: the moderator list, a removal's confirmation, an announcement's preview."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot.i18n import Tr
from bot.services.alert_desk import AlertDesk
from bot.services.defang import defang
from bot.services.team import ModeratorTeam
from handlers.admin.callbacks import (
    AnnounceCancelCb,
    AnnounceSendCb,
    ModeratorsCb,
    RemoveAskCb,
    RemoveCb,
)
from handlers.moderation.callbacks import ConfirmMemberCb
from handlers.regions import button

Screen = tuple[str, InlineKeyboardMarkup | None]


async def moderators_screen(tr: Tr, team: ModeratorTeam, alert_desk: AlertDesk) -> Screen:
    """Every moderator with a Remove button, those waiting for confirmation with a Confirm
    button too, and how many approvals an alert needs."""
    if team.locked:
        return tr("mod-locked-short"), None
    members = await team.members()
    active = [m for m in members if m.active]
    text = tr(
        "admin-moderators",
        count=len(active),
        needed=alert_desk.approvals_needed,
        admins=len(team.admin_ids),
    )
    rows = []
    for member in members:
        row = [button(tr("admin-remove", alias=member.alias), RemoveAskCb(moderator=member.id))]
        if not member.active:
            confirm = ConfirmMemberCb(moderator=member.id)
            row.insert(0, button(tr("member-confirm", alias=member.alias), confirm))
        rows.append(row)
    if len(active) < len(members):
        text += "\n\n" + tr("admin-moderators-pending", count=len(members) - len(active))
    return text, InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def remove_confirm(tr: Tr, alias: str, moderator_id: int) -> Screen:
    """Remove this moderator? Yes, or back to the list."""
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [button(tr("admin-remove-yes"), RemoveCb(moderator=moderator_id))],
            [button(tr("button-back"), ModeratorsCb())],
        ]
    )
    return tr("admin-remove-confirm", alias=alias), markup


def announce_preview(tr: Tr, text: str, needed: int) -> Screen:
    """The announcement as it will go out (links made inert), with Approve and Cancel."""
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [button(tr("announce-send"), AnnounceSendCb())],
            [button(tr("report-cancel"), AnnounceCancelCb())],
        ]
    )
    return tr("announce-preview", text=defang(text), needed=needed), markup
