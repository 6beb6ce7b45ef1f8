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
from handlers.regions import button

Screen = tuple[str, InlineKeyboardMarkup | None]


async def moderators_screen(tr: Tr, team: ModeratorTeam, alert_desk: AlertDesk) -> Screen:
    """Every moderator with a Remove button, and how many approvals an alert needs."""
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
        [button(tr("admin-remove", alias=alias), RemoveAskCb(moderator=moderator_id))]
        for moderator_id, alias in listed
    ]
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
