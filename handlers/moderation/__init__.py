"""Moderators: the queue of report groups, reading reports, drafting and approving alerts.

Every command and button checks the role on the server (ModeratorRole, on the router) before
anything else; a forged button from anyone else is refused with a polite toast and logged
without ids (the gate router, tried after the moderators' own).

The modules: `queue` (report groups, reading and rejecting reports, /stats), `drafts` (alert
drafts, approval, sent alerts), `gate` (the refused and locked answers), `roles` (who gets
in), `screens` (texts and keyboards), `callbacks` (the buttons' data), `states`.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter

from bot.config import Settings
from handlers.filters import FromUser, is_question
from handlers.flow import Flow
from handlers.moderation import drafts, gate, queue
from handlers.moderation.callbacks import ModCb, ReportCb
from handlers.moderation.roles import (
    ModeratorRole,
    is_locked,
    is_moderation_button,
    is_moderation_message,
    is_staff_button,
)
from handlers.moderation.states import ModForm

FLOW = Flow(name="area", states=ModForm, resume=drafts.resume_area)


def build_router(settings: Settings) -> Router:
    """The moderators' router, then the gate for everyone else, in this order."""
    router = Router(name="moderation")
    router.include_routers(_moderators_router(), _gate_router(settings))
    return router


def _moderators_router() -> Router:
    router = Router(name="moderators")
    # The role once for the whole router; the cheap check first keeps other updates cheap.
    role = ModeratorRole()
    router.message.filter(is_moderation_message, role)
    router.callback_query.filter(is_moderation_button, role)

    router.message.register(queue.queue_command, Command("queue"))
    router.message.register(queue.stats_command, Command("stats"))
    router.callback_query.register(queue.queue_button, ModCb.filter(F.action == "queue"))
    router.callback_query.register(queue.group, ModCb.filter(F.action == "group"))
    router.callback_query.register(queue.read, ModCb.filter(F.action == "read"))
    router.callback_query.register(queue.report_button, ReportCb.filter())
    router.callback_query.register(queue.reject_group, ModCb.filter(F.action == "reject"))

    router.callback_query.register(drafts.evidence, ModCb.filter(F.action == "evidence"))
    router.callback_query.register(drafts.draft, ModCb.filter(F.action == "draft"))
    router.callback_query.register(drafts.alert_card, ModCb.filter(F.action == "alert"))
    router.callback_query.register(drafts.edit, ModCb.filter(F.action == "edit"))
    router.callback_query.register(drafts.area_prompt, ModCb.filter(F.action == "area"))
    router.message.register(drafts.area_typed, StateFilter(ModForm.area), is_question)
    router.callback_query.register(drafts.approve, ModCb.filter(F.action == "approve"))
    router.callback_query.register(drafts.sent_card, ModCb.filter(F.action == "sent"))
    router.callback_query.register(drafts.update, ModCb.filter(F.action == "update"))
    router.callback_query.register(drafts.withdraw, ModCb.filter(F.action == "withdraw"))
    router.callback_query.register(drafts.drop, ModCb.filter(F.action == "drop"))
    return router


def _gate_router(settings: Settings) -> Router:
    router = Router(name="moderation-gate")
    router.message.register(
        gate.queue_locked_for_admin, Command("queue"), FromUser(settings.admin_ids)
    )
    router.message.register(gate.locked, Command("queue", "stats"), is_locked)
    router.callback_query.register(gate.refused, is_staff_button)
    return router


__all__ = ["FLOW", "ModCb", "ModForm", "ReportCb", "build_router"]
