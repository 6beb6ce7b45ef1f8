"""The /alerts screen's buttons: one CallbackData factory per purpose, with typed fields.

The screen stays in the chat, so its buttons can be pressed long after they were sent. Those
sent before these factories carry the old format (`al:<action>:<value>`, AlertsV1Cb), which
`upgrade` turns into the current button: an old screen keeps working. Each enum value has its
label in the catalogues (tests/unit/test_report_callbacks checks both languages).
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from handlers.callbacks import PageNumber


class AlertsAction(StrEnum):
    SHOW = "show"  # the subscription screen (Back)
    ADD = "add"  # type or choose a region to add
    STOP = "stop"  # unsubscribe from everything

    @property
    def label_key(self) -> str:
        return _ACTION_LABELS[self]


_ACTION_LABELS = {
    AlertsAction.SHOW: "button-back",
    AlertsAction.ADD: "alerts-add",
    AlertsAction.STOP: "alerts-stop",
}


class AlertSetting(StrEnum):
    """A subscription's on/off settings; the values are SubscriptionService's operations."""

    ALL_REGIONS = "all"
    SILENT = "silent"

    def label_key(self, *, turn_on: bool) -> str:
        """The label of the button that turns the setting on (or off)."""
        return _SETTING_LABELS[self, turn_on]


_SETTING_LABELS = {
    (AlertSetting.ALL_REGIONS, True): "alerts-all-on",
    (AlertSetting.ALL_REGIONS, False): "alerts-all-off",
    (AlertSetting.SILENT, True): "alerts-silent-on",
    (AlertSetting.SILENT, False): "alerts-sound-on",
}


class AlertsMenuCb(CallbackData, prefix="alm"):
    action: AlertsAction


class AlertsPickCb(CallbackData, prefix="alr"):
    """Subscribe to a region chosen from the candidates or the list."""

    code: str


class AlertsDropCb(CallbackData, prefix="ald"):
    """Unsubscribe from one region."""

    code: str


class AlertsUndoCb(CallbackData, prefix="alu"):
    """The "Not this region" button under a region just added: drop it and ask again."""

    code: str


class AlertsPageCb(CallbackData, prefix="alp"):
    """A page of the list of every region."""

    page: PageNumber


class AlertsToggleCb(CallbackData, prefix="alt"):
    """Turn a setting on or off (the button says which: pressing it twice does not flip back)."""

    setting: AlertSetting
    on: bool


class AlertsV1Cb(CallbackData, prefix="al"):
    """The old format, still in chats: `action` was add, list, pick, drop, all, silent, stop or
    show; `value` a region code, a page or a "0"/"1" flag. Never made any more."""

    action: str
    value: str = ""


AlertsButton = AlertsMenuCb | AlertsPickCb | AlertsDropCb | AlertsPageCb | AlertsToggleCb


def upgrade(old: AlertsV1Cb) -> AlertsButton | None:
    """The current button for an old one; None for data no button ever carried."""
    action, value = old.action, old.value
    if action in tuple(AlertsAction):
        return AlertsMenuCb(action=AlertsAction(action))
    if action in tuple(AlertSetting):
        return AlertsToggleCb(setting=AlertSetting(action), on=value == "1")
    if action == "pick":
        return AlertsPickCb(code=value)
    if action == "drop":
        return AlertsDropCb(code=value)
    if action == "list":
        # Client-supplied: only a short run of ASCII digits is a page ("²" is a digit too).
        page = int(value) if value.isascii() and value.isdecimal() and len(value) <= 4 else 0
        return AlertsPageCb(page=page)
    return None


class AlertsDeliveryCb(CallbackData, prefix="alq"):
    """The question after subscribing (handlers.alerts.delivery): how alerts arrive. `confirm`
    False marks a choice, True stores it; `code` is what was just added (a region code, "*"
    for all of Russia), for the screen's "Added:" line and its "Not this region"."""

    silent: bool
    confirm: bool
    code: str = ""
