"""How alerts arrive, asked whenever a subscription is made or grows (a region added, by
typing or from the list, or all of Russia): silent is marked, one tap confirms it. An alert
that rings at a checkpoint draws attention to whoever carries the phone, so silence is the
default: a new subscriber who never answers is silent too (SubscriberRepository.apply).
Nothing changes until Confirm; the choice is the subscription's one sound setting, the one the
subscription screen's toggle changes later.
"""

from __future__ import annotations

from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.regions import RegionCatalog
from bot.i18n import Tr
from bot.services.subscriptions import SubscriptionService, TooManyChanges
from handlers.alerts import screens
from handlers.alerts.callbacks import AlertsDeliveryCb, AlertsUndoCb
from handlers.regions import button
from handlers.screens import show

ALL_REGIONS = "*"  # the code of "all of Russia" in AlertsDeliveryCb


def question(
    tr: Tr, regions: RegionCatalog, *, code: str, silent: bool = True, locked: bool = False
) -> screens.Screen:
    """What was added, the question, and the choices with `silent` (or sound) marked."""
    lines = [tr("alerts-title")]
    added = tr("alerts-everywhere") if code == ALL_REGIONS else _region_name(tr, regions, code)
    if added is not None:
        lines.append(tr("alerts-locked-saved" if locked else "alerts-added", region=added))
    lines.append(tr("alerts-delivery-question"))
    lines.append(tr("alerts-delivery-chosen-silent" if silent else "alerts-delivery-chosen-sound"))
    rows: list[list[InlineKeyboardButton]] = []
    if regions.get(code) is not None:
        rows.append([button(tr("regions-not-this"), AlertsUndoCb(code=code))])
    for choice in (True, False):
        label = tr("alerts-delivery-silent" if choice else "alerts-delivery-sound")
        mark = "✅ " if choice == silent else ""
        data = AlertsDeliveryCb(silent=choice, confirm=False, code=code)
        rows.append([button(mark + label, data)])
    confirm = "alerts-delivery-confirm-silent" if silent else "alerts-delivery-confirm-sound"
    rows.append([button(tr(confirm), AlertsDeliveryCb(silent=silent, confirm=True, code=code))])
    return "\n\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


async def choose(
    query: CallbackQuery,
    callback_data: AlertsDeliveryCb,
    tr: Tr,
    lang: str,
    subscriptions: SubscriptionService,
    regions: RegionCatalog,
) -> None:
    """A choice marked (the question again), or confirmed: stored, then the subscription."""
    if not callback_data.confirm:
        screen = question(
            tr,
            regions,
            code=callback_data.code,
            silent=callback_data.silent,
            locked=subscriptions.locked,
        )
        await show(query, *screen)
        return
    if not subscriptions.available:
        await query.answer(tr("button-expired"))
        return
    try:
        await subscriptions.change(query.from_user.id, lang, "silent", callback_data.silent)
    except TooManyChanges:
        await query.answer(tr("alerts-too-many"), show_alert=True)
        return
    screen = await screens.subscription(query.from_user.id, tr, subscriptions, regions)
    saved = (
        "alerts-delivery-saved-silent" if callback_data.silent else "alerts-delivery-saved-sound"
    )
    await show(query, *screen, toast=tr(saved))


def _region_name(tr: Tr, regions: RegionCatalog, code: str) -> str | None:
    region = regions.get(code)
    return region.name(tr.lang) if region is not None else None
