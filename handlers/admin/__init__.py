"""Admin commands. Non-admins get the same answer as for any unknown command.

/invite makes a single-use moderator link; /moderators lists moderators and removes one (which
voids their pending approvals and hides the moderator commands from their menu); /announce
sends a signed announcement to every subscriber; /reload reloads the content.

The modules: `handlers` (what each command and button does), `screens` (texts and keyboards),
`callbacks` (the buttons' data), `states`.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, StateFilter

from bot.config import Settings
from handlers.admin import handlers as admin
from handlers.admin.callbacks import (
    AnnounceCancelCb,
    AnnounceSendCb,
    LegacyAdminCb,
    ModeratorsCb,
    RemoveAskCb,
    RemoveCb,
)
from handlers.admin.states import AnnounceForm
from handlers.filters import FromUser, is_question
from handlers.flow import Flow
from handlers.gates import GatedRouter

FLOW = Flow(name="announce", states=AnnounceForm, commands=frozenset({"announce"}))


def build_router(settings: Settings) -> Router:
    router = GatedRouter(name="admin")
    # Checked on the server for every update: the command menu only hides, it does not protect.
    admins = FromUser(settings.admin_ids)
    router.message.filter(admins)
    router.callback_query.filter(admins)

    router.message.register(admin.reload, Command("reload"))
    router.message.register(admin.invite, Command("invite"))
    router.message.register(admin.announce, Command("announce"))
    # A text typed at the preview replaces the previewed one (it used to be "not understood").
    router.message.register(
        admin.announce_text, StateFilter(AnnounceForm.text, AnnounceForm.confirm), is_question
    )
    router.callback_query.register(
        admin.announce_send, StateFilter(AnnounceForm.confirm), AnnounceSendCb.filter()
    )
    router.callback_query.register(admin.announce_cancel, AnnounceCancelCb.filter())
    router.message.register(admin.moderators, Command("moderators"))
    router.callback_query.register(admin.moderators_again, ModeratorsCb.filter())
    router.callback_query.register(admin.confirm_removal, RemoveAskCb.filter())
    router.callback_query.register(admin.remove, RemoveCb.filter())
    return router


# The old format's factory is here too (answered "expired" by the moderation gate), so that
# every factory of the package is found in one place.
__all__ = ["FLOW", "AnnounceForm", "LegacyAdminCb", "build_router"]
