"""Telegram glue: one router per feature, built fresh by `get_routers()`."""

from __future__ import annotations

from aiogram import Router

from bot.config import Settings
from handlers import (
    admin,
    alerts,
    deadlines,
    documents,
    fallback,
    faq,
    feedback,
    flow,
    inline,
    language,
    moderation,
    panic,
    report,
    search,
    situation,
    sos,
    start,
    verify,
)
from handlers.filters import from_private_chat, in_private_chat
from handlers.flow import ChatTurns, FlowMiddleware, FlowRule
from handlers.gates import GatedRouter, install_gates


def flow_rule() -> FlowRule:
    """Every flow that keeps a draft between messages (see handlers.flow for the rule)."""
    return FlowRule(
        [
            report.FLOW,
            situation.FLOW,
            alerts.FLOW,
            moderation.FLOW,
            admin.FLOW,
            verify.FLOW,
            documents.FLOW,
            deadlines.FLOW,
        ]
    )


def get_routers(settings: Settings) -> list[Router]:
    """Every router, in the order they are tried. The fallback router must stay last."""
    private = GatedRouter(name="private")
    # The bot talks in private chats only; elsewhere it stays silent.
    private.message.filter(in_private_chat)
    private.callback_query.filter(from_private_chat)
    rule = flow_rule()
    flows = FlowMiddleware(rule, ChatTurns())  # one instance: messages and buttons share turns
    private.message.outer_middleware(flows)
    private.callback_query.outer_middleware(flows)
    private.include_routers(
        flow.build_router(),
        start.build_router(),
        admin.build_router(settings),
        panic.build_router(settings.admin_ids),
        moderation.build_router(settings),
        language.build_router(),
        faq.build_router(),
        sos.build_router(),
        situation.build_router(),
        alerts.build_router(),
        feedback.build_router(),
        verify.build_router(),
        documents.build_router(),
        deadlines.build_router(),
        # After the command routers, so that /sos or /privacy still work in the middle of a
        # report (the draft is kept); before search, which only sees text outside any form.
        report.build_router(),
        search.build_router(),
        fallback.build_router(),
    )
    # One cheap check at each feature router's door instead of entering it (handlers.gates).
    install_gates(private)
    return [private, alerts.build_membership_router(), inline.build_router()]
