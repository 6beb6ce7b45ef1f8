"""The queue of new report groups: /queue, /stats, a group, reading it page by page, and
rejecting one report or a whole group (a group only after a second tap: "Yes, reject").

Decrypted reports go only to a moderator's private chat, protected from forwarding, without
formatting, and are deleted from the chat after REPORT_VIEW_MINUTES.
"""

from __future__ import annotations

import zoneinfo
from contextlib import suppress

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.content.regions import RegionCatalog
from bot.i18n import Tr
from bot.services.alert_desk import AlertDesk
from bot.services.audit_trail import AuditChain
from bot.services.defang import defang
from bot.services.local_time import zone_of
from bot.services.review import OpenedReport, ReportPage, ReviewQueue
from bot.services.team import Moderator, ModeratorTeam
from bot.telegram.audit_notices import head_text
from bot.telegram.notices import ModeratorNotices
from handlers.moderation import screens
from handlers.moderation.callbacks import (
    GroupCb,
    ReadCb,
    RejectGroupCb,
    RejectGroupYesCb,
    RejectReportCb,
    ReportAskCb,
    ReportKeepCb,
)
from handlers.screens import show


async def queue_command(
    message: Message, tr: Tr, review: ReviewQueue, alert_desk: AlertDesk, regions: RegionCatalog
) -> None:
    text, markup = await screens.queue_screen(tr, review, alert_desk, regions)
    await message.answer(text, reply_markup=markup)


async def stats_command(
    message: Message,
    tr: Tr,
    review: ReviewQueue,
    regions: RegionCatalog,
    moderator: Moderator,
    audit_chain: AuditChain,
) -> None:
    """Counts for every moderator; the audit log's head for admins only (they write it down)."""
    text = screens.stats_text(tr, await review.stats(), regions)
    if moderator.is_admin:
        text += "\n\n" + head_text(tr, await audit_chain.head())
    await message.answer(text)


async def queue_button(
    query: CallbackQuery,
    tr: Tr,
    review: ReviewQueue,
    alert_desk: AlertDesk,
    regions: RegionCatalog,
) -> None:
    await show(query, *await screens.queue_screen(tr, review, alert_desk, regions))


async def group(
    query: CallbackQuery,
    callback_data: GroupCb,
    tr: Tr,
    review: ReviewQueue,
    regions: RegionCatalog,
) -> None:
    region, window = callback_data.region, callback_data.window
    await show(query, *await screens.group_screen(tr, review, regions, region, window))


async def read(
    query: CallbackQuery,
    callback_data: ReadCb,
    tr: Tr,
    bot: Bot,
    moderator: Moderator,
    review: ReviewQueue,
    team: ModeratorTeam,
    regions: RegionCatalog,
) -> None:
    """One page of a group's reports, each its own message, and the group again below them."""
    region, window = callback_data.region, callback_data.window
    page = await review.open_group(moderator, region, window, callback_data.page)
    if not page.stored:
        await query.answer(tr("mod-gone"), show_alert=True)
        return
    await query.answer()
    await show_reports(bot, tr, moderator, team, page, zone_of(regions, region), rejectable=True)
    # The group again below the page: where it is, the next page, and the group's decisions.
    text, markup = await screens.group_screen(tr, review, regions, region, window, page)
    sent = await bot.send_message(moderator.chat_id, text, reply_markup=markup)
    await team.remember_copy(moderator, sent.message_id)


async def report_reasons(
    query: CallbackQuery, callback_data: ReportAskCb | ReportKeepCb, tr: Tr
) -> None:
    """Under one shown report: a tap shows the reasons to reject it, "Keep it" takes them
    back (as for a whole group)."""
    reasons = isinstance(callback_data, ReportAskCb)
    markup = screens.report_markup(tr, callback_data.report, reasons=reasons)
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=markup)
    await query.answer()


async def reject_report(
    query: CallbackQuery,
    callback_data: RejectReportCb,
    tr: Tr,
    moderator: Moderator,
    review: ReviewQueue,
) -> None:
    """Reject one shown report; the rest of its group stays in the queue."""
    message = query.message if isinstance(query.message, Message) else None
    reason = callback_data.reason
    rejected = await review.reject_report(moderator, callback_data.report, reason)
    if message is not None:
        with suppress(TelegramBadRequest):
            if rejected:
                # The decrypted text leaves the chat now; the edited copy is still deleted
                # with the others.
                text = tr("mod-report-rejected", reason=reason.value)
                await message.edit_text(text, reply_markup=None)
            else:
                await message.edit_reply_markup(reply_markup=None)
    if rejected:
        await query.answer(tr("mod-rejected", count=1))
    else:
        await query.answer(tr("mod-gone"), show_alert=True)


async def reject_group_ask(
    query: CallbackQuery,
    callback_data: RejectGroupCb,
    tr: Tr,
    review: ReviewQueue,
    regions: RegionCatalog,
) -> None:
    """A reason under a group: asked first, nothing rejected yet."""
    region, window, reason = callback_data.region, callback_data.window, callback_data.reason
    await show(
        query, *await screens.reject_group_screen(tr, review, regions, region, window, reason)
    )


async def reject_group(
    query: CallbackQuery,
    callback_data: RejectGroupYesCb,
    tr: Tr,
    moderator: Moderator,
    review: ReviewQueue,
    alert_desk: AlertDesk,
    regions: RegionCatalog,
    notices: ModeratorNotices,
) -> None:
    """Reject a whole group; the rest of the team is told (a rejection is silent otherwise,
    and one account must not bury reports unseen)."""
    region, window, reason = callback_data.region, callback_data.window, callback_data.reason
    count = await review.reject_group(moderator, region, window, reason)
    toast = tr("mod-rejected", count=count) if count else tr("mod-gone")
    await show(query, *await screens.queue_screen(tr, review, alert_desk, regions), toast=toast)
    if count:
        known = regions.get(region)
        await notices.tell_staff(
            "notice-group-rejected",
            besides=moderator.ref,
            alias=moderator.alias,
            count=count,
            region=known.name(notices.lang) if known else region,
            window=screens.window_text(Tr(tr.translator, notices.lang), regions, region, window),
            reason=Tr(tr.translator, notices.lang)(reason.label_key),
        )


async def show_reports(
    bot: Bot,
    tr: Tr,
    moderator: Moderator,
    team: ModeratorTeam,
    page: ReportPage,
    where: zoneinfo.ZoneInfo,
    *,
    rejectable: bool,
) -> None:
    """Send a page of decrypted reports to the moderator, each remembered for deletion; their
    hours in `where`, the zone of their region."""
    for number, report in enumerate(page.reports, page.first):
        markup = screens.report_markup(tr, report.id, reasons=False) if rejectable else None
        header = screens.report_header(tr, report, number, page.total, where)
        sent = await _send_report(bot, moderator.chat_id, header, report, markup)
        for message_id in sent:
            await team.remember_copy(moderator, message_id)


async def _send_report(
    bot: Bot,
    chat_id: int,
    header: str,
    report: OpenedReport,
    markup: InlineKeyboardMarkup | None = None,
) -> list[int]:
    """Show one decrypted report: plain text (no markup parsing), protected from forwarding,
    and with no live link: a reporter must not be able to put a tap to a phishing page or an
    impostor bot in front of a moderator (web addresses and @mentions are shown inert)."""
    # The catalogue's header is HTML-free by design; the report text is sent as typed, defanged.
    message = await bot.send_message(
        chat_id,
        f"{header}\n\n{defang(report.text)}",
        parse_mode=None,
        protect_content=True,
        reply_markup=markup,
    )
    sent = [message.message_id]
    if report.photo_file_id:
        photo = await bot.send_photo(
            chat_id, report.photo_file_id, caption=header, parse_mode=None, protect_content=True
        )
        sent.append(photo.message_id)
    if report.location is not None:
        point = await bot.send_location(
            chat_id, report.location[0], report.location[1], protect_content=True
        )
        sent.append(point.message_id)
    return sent
