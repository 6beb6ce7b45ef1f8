"""The /alerts screens: the caller's own subscription with its buttons, and choosing a region.
Nothing here changes a subscription."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.regions import RegionCatalog, RegionMatch
from bot.i18n import Tr
from bot.services.subscriptions import Subscription, SubscriptionService
from handlers.alerts.callbacks import (
    AlertsAction,
    AlertsDropCb,
    AlertSetting,
    AlertsMenuCb,
    AlertsPageCb,
    AlertsPickCb,
    AlertsToggleCb,
)
from handlers.menu import home_row
from handlers.regions import button, candidates_screen, region_list

Screen = tuple[str, InlineKeyboardMarkup]


def menu_button(tr: Tr, action: AlertsAction) -> InlineKeyboardButton:
    return button(tr(action.label_key), AlertsMenuCb(action=action))


def toggle_button(tr: Tr, setting: AlertSetting, *, turn_on: bool) -> InlineKeyboardButton:
    label = tr(setting.label_key(turn_on=turn_on))
    return button(label, AlertsToggleCb(setting=setting, on=turn_on))


async def subscription(
    chat_id: int,
    tr: Tr,
    subscriptions: SubscriptionService,
    regions: RegionCatalog,
    *,
    added: str | None = None,
) -> Screen:
    """What this chat gets and the buttons to change it; `added` names a region that was
    already subscribed (a new one is asked about first: handlers.alerts.delivery, which has
    its "Not this region")."""
    return await _subscription(chat_id, tr, subscriptions, regions, added)


async def _subscription(
    chat_id: int,
    tr: Tr,
    subscriptions: SubscriptionService,
    regions: RegionCatalog,
    added: str | None,
) -> Screen:
    if not subscriptions.available:
        key = "keys-destroyed-alerts" if subscriptions.keys_destroyed else "alerts-unavailable"
        text = "\n\n".join([tr(key), *_privacy_note(tr, subscriptions, "protection-mode")])
        return text, InlineKeyboardMarkup(inline_keyboard=[home_row(tr)])
    current = await subscriptions.current(chat_id)
    lines = [tr("alerts-title")]
    if added is not None:
        lines.append(tr("alerts-locked-saved" if current is None else "alerts-added", region=added))
    if current is None:
        lines.append(tr("alerts-locked"))
        lines.extend(_privacy_note(tr, subscriptions))
        return "\n\n".join(lines), _locked_keyboard(tr)
    if current.active:
        names = [tr("alerts-everywhere")] if current.all_regions else []
        names += sorted(
            (r.name(tr.lang) for code in current.regions if (r := regions.get(code))),
        )
        lines.append(tr("alerts-list", regions=", ".join(names)))
        lines.append(tr("alerts-silent-state" if current.silent else "alerts-sound-state"))
    else:
        lines.append(tr("alerts-none"))
    lines.extend(_privacy_note(tr, subscriptions))
    return "\n\n".join(lines), _keyboard(tr, current, regions)


def _privacy_note(
    tr: Tr, subscriptions: SubscriptionService, key: str = "alerts-privacy"
) -> list[str]:
    """What is stored and what this instance's mode protects (with alerts off, only what the
    mode means for subscriptions stored before); nothing rather than a guess."""
    if subscriptions.protection is None:
        return []
    return [tr(key, **subscriptions.protection.args())]


def _keyboard(tr: Tr, current: Subscription, regions: RegionCatalog) -> InlineKeyboardMarkup:
    rows = [[menu_button(tr, AlertsAction.ADD)]]
    for code in sorted(current.regions):
        region = regions.get(code)
        if region is not None:
            label = tr("alerts-remove", region=region.name(tr.lang))
            rows.append([button(label, AlertsDropCb(code=code))])
    rows.append([toggle_button(tr, AlertSetting.ALL_REGIONS, turn_on=not current.all_regions)])
    if current.active:
        rows.append([toggle_button(tr, AlertSetting.SILENT, turn_on=not current.silent)])
        rows.append([menu_button(tr, AlertsAction.STOP)])
    rows.append(home_row(tr))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _locked_keyboard(tr: Tr) -> InlineKeyboardMarkup:
    """While the bot is locked the current subscription cannot be read: changes are kept."""
    rows: list[list[InlineKeyboardButton]] = [
        [menu_button(tr, AlertsAction.ADD)],
        [toggle_button(tr, AlertSetting.ALL_REGIONS, turn_on=True)],
        [menu_button(tr, AlertsAction.STOP)],
        home_row(tr),
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def region_help(tr: Tr) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(tr("report-region-list"), AlertsPageCb(page=0))],
            [menu_button(tr, AlertsAction.SHOW)],
        ]
    )


def all_of_russia_hint(tr: Tr) -> Screen:
    """ "вся Россия" typed where a region is asked for: all of Russia is a button of its own,
    which asks how alerts arrive like any region."""
    rows = [
        [toggle_button(tr, AlertSetting.ALL_REGIONS, turn_on=True)],
        *region_help(tr).inline_keyboard,
    ]
    return tr("newuser-alerts-all-typed"), InlineKeyboardMarkup(inline_keyboard=rows)


def region_prompt(tr: Tr) -> Screen:
    return tr("alerts-region-prompt"), region_help(tr)


def region_candidates(tr: Tr, matches: list[RegionMatch]) -> Screen:
    return candidates_screen(
        tr, matches, lambda code: AlertsPickCb(code=code), region_help(tr).inline_keyboard
    )


def region_page(tr: Tr, regions: RegionCatalog, page: int) -> Screen:
    markup = region_list(
        tr,
        regions,
        page,
        lambda code: AlertsPickCb(code=code),
        lambda page: AlertsPageCb(page=page),
        [[menu_button(tr, AlertsAction.SHOW)]],
    )
    return tr("report-region-pick"), markup
