"""Alert drafts and sent alerts: drafting from a group, the evidence behind a draft, editing
(the area is typed), the two-person approval, and withdrawing or updating a sent alert.

The services do the work and wake the broadcaster; these handlers only show the outcome.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.content.regions import RegionCatalog
from bot.i18n import Tr
from bot.services.alert_desk import AlertDesk
from bot.services.alert_text import AlertField
from bot.services.local_time import zone_of
from bot.services.review import ReviewQueue
from bot.services.team import Moderator, ModeratorTeam
from bot.storage.alerts import Alert
from bot.telegram.notices import ModeratorNotices
from handlers.moderation import screens
from handlers.moderation.callbacks import (
    ApproveCb,
    DraftCardCb,
    DraftCb,
    DropCb,
    EditCb,
    EvidenceCb,
    SentCardCb,
    UndoWithdrawCb,
    UpdateCb,
    WithdrawCb,
)
from handlers.moderation.queue import show_reports
from handlers.moderation.screens import markup
from handlers.moderation.states import ModForm
from handlers.regions import button
from handlers.screens import show


async def _draft(alert_desk: AlertDesk, alert_id: str) -> Alert | None:
    """The draft a button names, if it is still a draft."""
    alert = await alert_desk.alert(alert_id)
    return alert if alert is not None and alert.state == "draft" else None


async def evidence(
    query: CallbackQuery,
    callback_data: EvidenceCb,
    tr: Tr,
    bot: Bot,
    moderator: Moderator,
    review: ReviewQueue,
    team: ModeratorTeam,
    alert_desk: AlertDesk,
    regions: RegionCatalog,
) -> None:
    """The reports a draft was made from, a page at a time, then its card again."""
    alert = await _draft(alert_desk, callback_data.alert)
    if alert is None:
        await query.answer(tr("mod-gone"), show_alert=True)
        return
    page = await review.open_alert_reports(moderator, alert.id, callback_data.page)
    await query.answer(None if page.stored else tr("mod-no-reports"), show_alert=not page.stored)
    # The reports behind a draft were drafted from ('reviewed'): nothing to reject one by one.
    where = zone_of(regions, alert.region)
    await show_reports(bot, tr, moderator, team, page, where, rejectable=False)
    # The card again below the reports, so that Approve (and the next page) is at hand.
    shown = page if page.stored else None
    text, markup = await screens.alert_screen(tr, alert_desk, alert, shown)
    await bot.send_message(moderator.chat_id, text, reply_markup=markup)


async def draft(
    query: CallbackQuery,
    callback_data: DraftCb,
    tr: Tr,
    moderator: Moderator,
    alert_desk: AlertDesk,
) -> None:
    region, window = callback_data.region, callback_data.window
    try:
        alert = await alert_desk.draft_from_group(moderator, region, window)
    except LookupError:
        await query.answer(tr("mod-gone"), show_alert=True)
        return
    await show(query, *await screens.alert_screen(tr, alert_desk, alert))


async def alert_card(
    query: CallbackQuery, callback_data: DraftCardCb, tr: Tr, alert_desk: AlertDesk
) -> None:
    alert = await _draft(alert_desk, callback_data.alert)
    if alert is None:
        await query.answer(tr("mod-gone"), show_alert=True)
        return
    await show(query, *await screens.alert_screen(tr, alert_desk, alert))


async def edit(
    query: CallbackQuery,
    callback_data: EditCb,
    tr: Tr,
    moderator: Moderator,
    alert_desk: AlertDesk,
) -> None:
    """A choice field moves on to its next choice (the area has its own prompt)."""
    try:
        alert = await alert_desk.edit(moderator, callback_data.alert, callback_data.field)
    except ValueError:
        alert = None
    if alert is None:
        await query.answer(tr("mod-gone"), show_alert=True)
        return
    await show(query, *await screens.alert_screen(tr, alert_desk, alert))


async def area_prompt(
    query: CallbackQuery, callback_data: EditCb, tr: Tr, state: FSMContext
) -> None:
    """The area is typed: the next message in this chat is the draft's area."""
    await state.clear()
    await state.set_state(ModForm.area)
    await state.set_data({"alert": callback_data.alert})
    await show(query, *screens.area_prompt(tr, callback_data.alert))


async def resume_area(query: CallbackQuery, data: dict[str, Any]) -> None:
    """Continue after a detour: the area prompt again (handlers.flow)."""
    tr: Tr = data["tr"]
    alert_id = str((await data["state"].get_data()).get("alert", ""))
    await show(query, *screens.area_prompt(tr, alert_id))


async def area_typed(
    message: Message, tr: Tr, state: FSMContext, moderator: Moderator, alert_desk: AlertDesk
) -> None:
    alert_id = str((await state.get_data()).get("alert", ""))
    try:
        alert = await alert_desk.edit(moderator, alert_id, AlertField.AREA, message.text or "")
    except ValueError:
        await message.answer(tr("mod-area-invalid"))
        return
    await state.clear()
    if alert is None:
        await message.answer(tr("mod-gone"))
        return
    text, markup = await screens.alert_screen(tr, alert_desk, alert)
    await message.answer(text, reply_markup=markup)


async def approve(
    query: CallbackQuery,
    callback_data: ApproveCb,
    tr: Tr,
    lang: str,
    moderator: Moderator,
    alert_desk: AlertDesk,
    notices: ModeratorNotices,
    regions: RegionCatalog,
) -> None:
    """One approval of the text on the card; the service checks that text and sends."""
    message_id = query.message.message_id if query.message else None
    seen = bytes.fromhex(callback_data.text_tag)

    async def sending(recipients: int) -> None:
        await show(query, tr("mod-sending", recipients=recipients), None)

    result = await alert_desk.approve(
        moderator, callback_data.alert, seen, message_id, lang, before_sending=sending
    )
    if result.outcome == "sending":
        return
    if result.outcome == "refused":
        await query.answer(tr("mod-refused"), show_alert=True)
        return
    if result.outcome == "duplicate":
        await query.answer(tr("mod-already-approved"), show_alert=True)
        return
    # "stale" or "recorded": the card again; "gone" (or gone since): nothing left to approve.
    alert = None
    if result.outcome in ("stale", "recorded"):
        alert = await _draft(alert_desk, callback_data.alert)
    if alert is None:
        await query.answer(tr("mod-gone"), show_alert=True)
        return
    if result.outcome == "stale":
        await query.answer(tr("mod-stale"), show_alert=True)
    else:  # "recorded": the other moderators are asked for theirs
        region = regions.get(alert.region)
        region_name = region.name(notices.lang) if region else alert.region
        await notices.approval_wanted(region_name, moderator.ref)
    await show(query, *await screens.alert_screen(tr, alert_desk, alert))


async def sent_card(
    query: CallbackQuery,
    callback_data: SentCardCb,
    tr: Tr,
    alert_desk: AlertDesk,
    regions: RegionCatalog,
) -> None:
    alert = await alert_desk.alert(callback_data.alert)
    if alert is None or alert.state not in ("sending", "sent"):
        await query.answer(tr("mod-gone"), show_alert=True)
        return
    await show(query, *screens.sent_screen(tr, alert, regions, confirm=callback_data.confirm))


async def update(
    query: CallbackQuery,
    callback_data: UpdateCb,
    tr: Tr,
    moderator: Moderator,
    alert_desk: AlertDesk,
) -> None:
    try:
        alert = await alert_desk.draft_update(moderator, callback_data.alert)
    except LookupError:
        await query.answer(tr("mod-gone"), show_alert=True)
        return
    await show(query, *await screens.alert_screen(tr, alert_desk, alert))


async def withdraw(
    query: CallbackQuery,
    callback_data: WithdrawCb,
    tr: Tr,
    moderator: Moderator,
    review: ReviewQueue,
    alert_desk: AlertDesk,
    regions: RegionCatalog,
    notices: ModeratorNotices,
) -> None:
    """Withdraw a sent alert; the rest of the team is told at once, with Undo."""
    edits = await alert_desk.withdraw(moderator, callback_data.alert)
    if edits is None:
        await query.answer(tr("mod-gone"), show_alert=True)
        return
    toast = tr("mod-withdrawn", copies=edits)
    await show(query, *await screens.queue_screen(tr, review, alert_desk, regions), toast=toast)
    alert = await alert_desk.alert(callback_data.alert)
    region = regions.get(alert.region) if alert else None
    minutes = alert_desk.undo_minutes
    label = Tr(tr.translator, notices.lang)("mod-undo-withdraw")
    undo = markup([[button(label, UndoWithdrawCb(alert=callback_data.alert))]])
    await notices.tell_staff(
        "notice-withdrawn",
        besides=moderator.ref,
        markup=undo,
        alias=moderator.alias,
        id=callback_data.alert,
        region=region.name(notices.lang) if region else (alert.region if alert else ""),
        minutes=f"{minutes:g}",
    )


async def undo_withdrawal(
    query: CallbackQuery,
    callback_data: UndoWithdrawCb,
    tr: Tr,
    moderator: Moderator,
    alert_desk: AlertDesk,
    notices: ModeratorNotices,
) -> None:
    """Another moderator's withdrawal undone: the copies are edited back."""
    reopened = await alert_desk.undo_withdrawal(moderator, callback_data.alert)
    if reopened.outcome != "undone":
        key = {"self": "mod-undo-self", "late": "mod-undo-late"}.get(reopened.outcome, "mod-gone")
        await query.answer(tr(key, minutes=f"{alert_desk.undo_minutes:g}"), show_alert=True)
        return
    done = tr("mod-undone", id=callback_data.alert, copies=reopened.copies)
    await show(query, done, None)
    await notices.tell_staff(
        "notice-undone", besides=moderator.ref, alias=moderator.alias, id=callback_data.alert
    )


async def drop(
    query: CallbackQuery,
    callback_data: DropCb,
    tr: Tr,
    moderator: Moderator,
    review: ReviewQueue,
    alert_desk: AlertDesk,
    regions: RegionCatalog,
) -> None:
    """Reject a draft: its reports go back to the queue."""
    if not await alert_desk.reject_alert(moderator, callback_data.alert):
        await query.answer(tr("mod-gone"), show_alert=True)
        return
    screen = await screens.queue_screen(tr, review, alert_desk, regions)
    await show(query, *screen, toast=tr("mod-dropped"))
