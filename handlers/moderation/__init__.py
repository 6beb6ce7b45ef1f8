"""Moderators: the queue of report groups, reading reports, drafting and approving alerts.

Every command and button checks the role on the server (ModeratorRole, on the router) before
anything else; a forged button from anyone else is refused with a polite toast and logged
without ids (the gate router, tried after the moderators' own).

The modules: `queue` (report groups, reading and rejecting reports, /stats), `drafts` (alert
drafts, approval, sent alerts), `gate` (the refused, locked and expired answers), `roles` (who
gets in), `screens` (texts and keyboards), `callbacks` (the buttons' data), `states`.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter

from bot.config import Settings
from bot.services.alert_text import AlertField
from handlers.admin.callbacks import LegacyAdminCb
from handlers.filters import FromUser, is_question
from handlers.flow import Flow
from handlers.gates import GatedRouter
from handlers.moderation import drafts, gate, members, queue
from handlers.moderation.callbacks import (
    ApproveCb,
    ConfirmMemberCb,
    DraftCardCb,
    DraftCb,
    DropCb,
    EditCb,
    EvidenceCb,
    GroupCb,
    LegacyModCb,
    LegacyReportCb,
    QueueCb,
    ReadCb,
    RejectGroupCb,
    RejectGroupYesCb,
    RejectReportCb,
    ReportAskCb,
    ReportKeepCb,
    SentCardCb,
    UndoWithdrawCb,
    UpdateCb,
    WithdrawCb,
)
from handlers.moderation.roles import (
    ModeratorRole,
    is_locked,
    is_moderation_button,
    is_moderation_message,
    is_pending_member,
    is_staff_button,
)
from handlers.moderation.states import ModForm

FLOW = Flow(name="area", states=ModForm, resume=drafts.resume_area)


def build_router(settings: Settings) -> Router:
    """The moderators' router, then the gate for everyone else, in this order."""
    router = GatedRouter(name="moderation")
    router.include_routers(_moderators_router(), _gate_router(settings))
    return router


def _moderators_router() -> Router:
    router = GatedRouter(name="moderators")
    # The role once for the whole router; the cheap check first keeps other updates cheap.
    role = ModeratorRole()
    router.message.filter(is_moderation_message, role)
    router.callback_query.filter(is_moderation_button, role)

    router.message.register(queue.queue_command, Command("queue"))
    router.message.register(queue.stats_command, Command("stats"))
    router.callback_query.register(queue.queue_button, QueueCb.filter())
    router.callback_query.register(queue.group, GroupCb.filter())
    router.callback_query.register(queue.read, ReadCb.filter())
    router.callback_query.register(queue.report_reasons, ReportAskCb.filter())
    router.callback_query.register(queue.report_reasons, ReportKeepCb.filter())
    router.callback_query.register(queue.reject_report, RejectReportCb.filter())
    router.callback_query.register(queue.reject_group_ask, RejectGroupCb.filter())
    router.callback_query.register(queue.reject_group, RejectGroupYesCb.filter())

    router.callback_query.register(drafts.evidence, EvidenceCb.filter())
    router.callback_query.register(drafts.draft, DraftCb.filter())
    router.callback_query.register(drafts.alert_card, DraftCardCb.filter())
    router.callback_query.register(drafts.area_prompt, EditCb.filter(F.field == AlertField.AREA))
    router.callback_query.register(drafts.edit, EditCb.filter())
    router.message.register(drafts.area_typed, StateFilter(ModForm.area), is_question)
    router.callback_query.register(drafts.approve, ApproveCb.filter())
    router.callback_query.register(drafts.sent_card, SentCardCb.filter())
    router.callback_query.register(drafts.update, UpdateCb.filter())
    router.callback_query.register(drafts.withdraw, WithdrawCb.filter())
    router.callback_query.register(drafts.drop, DropCb.filter())
    router.callback_query.register(drafts.undo_withdrawal, UndoWithdrawCb.filter())
    router.callback_query.register(members.confirm, ConfirmMemberCb.filter())
    return router


def _gate_router(settings: Settings) -> Router:
    router = GatedRouter(name="moderation-gate")
    router.message.register(
        gate.queue_locked_for_admin, Command("queue"), FromUser(settings.admin_ids)
    )
    # Only admins learn that the bot is locked: to anyone else (moderators cannot be told
    # apart while locked) /queue and /stats are unknown commands, like any other.
    router.message.register(
        gate.locked, Command("queue", "stats"), is_locked, FromUser(settings.admin_ids)
    )
    router.message.register(members.pending, Command("queue", "stats"), is_pending_member)
    for legacy in (LegacyModCb, LegacyReportCb, LegacyAdminCb):
        router.callback_query.register(gate.old_button, legacy.filter())
    router.callback_query.register(gate.refused, is_staff_button)
    return router


__all__ = ["FLOW", "ModForm", "build_router"]
