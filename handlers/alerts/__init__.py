"""/alerts: choose the regions whose raid alerts you get, all of Russia, silent delivery.

The screen shows only the caller's own subscription (nothing reveals anyone else's). Blocking
the bot unsubscribes and deletes the chat's data (the my_chat_member update).

The modules: `handlers` (what each input does), `screens` (texts and keyboards), `callbacks`
(the buttons' data, and the old format still in chats).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, StateFilter

from handlers.alerts import delivery
from handlers.alerts import handlers as alerts
from handlers.alerts.callbacks import (
    AlertsAction,
    AlertsDeliveryCb,
    AlertsDropCb,
    AlertsMenuCb,
    AlertsPageCb,
    AlertsPickCb,
    AlertsToggleCb,
    AlertsUndoCb,
    AlertsV1Cb,
)
from handlers.alerts.handlers import AlertsForm
from handlers.callbacks import ExactButton
from handlers.filters import is_question
from handlers.flow import Flow
from handlers.gates import GatedRouter
from handlers.menu import Nav

FLOW = Flow(name="alerts", states=AlertsForm, commands=frozenset({"alerts"}), resume=alerts.resume)


def build_router() -> Router:
    """A fresh router with the /alerts handlers."""
    router = GatedRouter(name="alerts")
    router.message.register(alerts.alerts_command, Command("alerts"))
    router.callback_query.register(alerts.open_screen, ExactButton(Nav(to="alerts")))
    router.callback_query.register(
        alerts.open_screen, ExactButton(AlertsMenuCb(action=AlertsAction.SHOW))
    )
    router.callback_query.register(
        alerts.ask_region, ExactButton(AlertsMenuCb(action=AlertsAction.ADD))
    )
    router.message.register(alerts.region_typed, StateFilter(AlertsForm.region), is_question)
    router.message.register(alerts.region_not_text, StateFilter(AlertsForm.region))
    router.callback_query.register(alerts.region_page, AlertsPageCb.filter())
    router.callback_query.register(alerts.pick_region, AlertsPickCb.filter())
    router.callback_query.register(alerts.drop_region, AlertsDropCb.filter())
    router.callback_query.register(alerts.undo_region, AlertsUndoCb.filter())
    router.callback_query.register(alerts.toggle, AlertsToggleCb.filter())
    router.callback_query.register(delivery.choose, AlertsDeliveryCb.filter())
    router.callback_query.register(alerts.stop, ExactButton(AlertsMenuCb(action=AlertsAction.STOP)))
    router.callback_query.register(alerts.old_button, AlertsV1Cb.filter())
    return router


def build_membership_router() -> Router:
    """A person who blocks the bot is unsubscribed and their data deleted at once."""
    router = GatedRouter(name="membership")
    router.my_chat_member.register(alerts.membership, alerts.in_private_chat)
    return router


__all__ = ["FLOW", "AlertsForm", "build_membership_router", "build_router"]
