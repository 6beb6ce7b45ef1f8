"""Moderators: the queue of report groups, reading reports, drafting and approving alerts.

Every command and button checks the role on the server (ModeratorRole) before anything else;
a forged button from anyone else is refused with a polite toast and logged without ids.
Decrypted reports go only to a moderator's private chat, protected from forwarding, without
formatting, and are deleted from the chat after REPORT_VIEW_MINUTES.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.config import Settings
from bot.content.regions import RegionCatalog
from bot.i18n import Tr
from bot.logs import fields
from bot.services.alert_desk import AlertDesk
from bot.services.alert_text import AlertField, hash_tag
from bot.services.notices import ModeratorNotices
from bot.services.report_window import ReportWindow
from bot.services.review import Group, OpenedReport, RejectReason, ReportPage, ReviewQueue, Stats
from bot.services.signatures import SIGNATURE_SEPARATOR
from bot.services.team import Moderator, ModeratorTeam
from bot.storage.alerts import Alert
from handlers.admin import AdminCb
from handlers.filters import FromUser, is_question
from handlers.flow import Flow
from handlers.regions import button
from handlers.screens import show

log = logging.getLogger("helpline.handlers.moderation")


class ModCb(CallbackData, prefix="md"):
    """action: queue, group, read, draft, reject, alert, edit, area, approve, drop."""

    action: str
    region: str = ""
    window: str = ""
    alert: str = ""
    arg: str = ""


class ReportCb(CallbackData, prefix="mr"):
    """One report shown by "Read": arg "" asks for a reason, "keep" takes that back, and a reason
    rejects the report. A report id is a uuid4 (36 characters): "mr:<id>:duplicate" is 49 bytes,
    within Telegram's 64."""

    report: str
    arg: str = ""


class ModForm(StatesGroup):
    area = State()


async def _resume_area(query: CallbackQuery, data: dict[str, Any]) -> None:
    tr: Tr = data["tr"]
    alert_id = str((await data["state"].get_data()).get("alert", ""))
    back = ModCb(action="alert", alert=alert_id)
    await show(query, tr("mod-area-prompt"), _markup([[button(tr("button-back"), back)]]))


FLOW = Flow(name="area", states=ModForm, resume=_resume_area)


class ModeratorRole(Filter):
    """Passes only for a current moderator or admin, and hands the handler `moderator`."""

    async def __call__(
        self, event: Message | CallbackQuery, team: ModeratorTeam
    ) -> bool | dict[str, Any]:
        if event.from_user is None:
            return False
        moderator = await team.identify(event.from_user.id)
        return {"moderator": moderator} if moderator is not None else False


def build_router(settings: Settings) -> Router:
    router = Router(name="moderation")
    role = ModeratorRole()

    @router.message(Command("queue"), role)
    async def queue_command(message: Message, tr: Tr, review: ReviewQueue, alert_desk: AlertDesk,
                            regions: RegionCatalog) -> None:  # fmt: skip
        text, markup = await _queue_screen(tr, review, alert_desk, regions)
        await message.answer(text, reply_markup=markup)

    @router.message(Command("queue"), FromUser(settings.admin_ids))
    async def queue_locked(message: Message, tr: Tr, review: ReviewQueue) -> None:
        # Only reached while locked: an admin is recognised from the configuration alone.
        await message.answer(tr("mod-locked", reports=await review.waiting_reports()))

    @router.message(Command("queue"), is_locked)
    async def queue_locked_moderator(message: Message, tr: Tr) -> None:
        # While locked nobody can be recognised as a moderator (that needs the keys); whoever
        # has /queue in their menu is told why it does not open, and nothing more.
        await message.answer(tr("mod-locked-short"))

    @router.message(Command("stats"), role)
    async def stats(message: Message, tr: Tr, review: ReviewQueue,
                    regions: RegionCatalog) -> None:  # fmt: skip
        await message.answer(_stats_text(tr, await review.stats(), regions))

    @router.message(Command("stats"), is_locked)
    async def stats_locked(message: Message, tr: Tr) -> None:
        await message.answer(tr("mod-locked-short"))

    @router.callback_query(ModCb.filter(F.action == "queue"), role)
    async def queue_button(query: CallbackQuery, tr: Tr, review: ReviewQueue,
                           alert_desk: AlertDesk, regions: RegionCatalog) -> None:  # fmt: skip
        await show(query, *await _queue_screen(tr, review, alert_desk, regions))

    @router.callback_query(ModCb.filter(F.action == "group"), role)
    async def group(query: CallbackQuery, callback_data: ModCb, tr: Tr,
                    review: ReviewQueue, regions: RegionCatalog) -> None:  # fmt: skip
        await show(query, *await _group_screen(tr, review, regions, callback_data))

    @router.callback_query(ModCb.filter(F.action == "read"), role)
    async def read(query: CallbackQuery, callback_data: ModCb, tr: Tr, bot: Bot,
                   moderator: Moderator, review: ReviewQueue, team: ModeratorTeam,
                   regions: RegionCatalog) -> None:  # fmt: skip
        window = _window_arg(callback_data.window)
        page = await review.open_group(
            moderator, callback_data.region, window, _page_arg(callback_data.arg)
        ) if window else None  # fmt: skip
        if page is None or not page.stored:
            await query.answer(tr("mod-gone"), show_alert=True)
            return
        await query.answer()
        await _show_reports(bot, tr, moderator, team, page, rejectable=True)
        # The group again below the page: where it is, the next page, and the group's decisions.
        text, markup = await _group_screen(tr, review, regions, callback_data, page)
        sent = await bot.send_message(moderator.chat_id, text, reply_markup=markup)
        await team.remember_copy(moderator, sent.message_id)

    @router.callback_query(ReportCb.filter(), role)
    async def reject_report(query: CallbackQuery, callback_data: ReportCb, tr: Tr,
                            moderator: Moderator, review: ReviewQueue) -> None:  # fmt: skip
        message = query.message if isinstance(query.message, Message) else None
        report_id, arg = callback_data.report, callback_data.arg
        if arg in ("", "keep"):
            # One tap shows the reasons (as for a whole group); "keep" takes them back.
            markup = _report_markup(tr, report_id, reasons=arg == "")
            if message is not None:
                with suppress(TelegramBadRequest):
                    await message.edit_reply_markup(reply_markup=markup)
            await query.answer()
            return
        if arg not in tuple(RejectReason):
            await query.answer(tr("button-expired"))
            return
        rejected = await review.reject_report(moderator, report_id, RejectReason(arg))
        if message is not None:
            with suppress(TelegramBadRequest):
                if rejected:
                    # The decrypted text leaves the chat now; the edited copy is still deleted
                    # with the others.
                    await message.edit_text(
                        tr("mod-report-rejected", reason=arg), reply_markup=None
                    )
                else:
                    await message.edit_reply_markup(reply_markup=None)
        if rejected:
            await query.answer(tr("mod-rejected", count=1))
        else:
            await query.answer(tr("mod-gone"), show_alert=True)

    @router.callback_query(ModCb.filter(F.action == "evidence"), role)
    async def evidence(query: CallbackQuery, callback_data: ModCb, tr: Tr, bot: Bot,
                       moderator: Moderator, review: ReviewQueue, team: ModeratorTeam,
                       alert_desk: AlertDesk) -> None:  # fmt: skip
        alert = await alert_desk.alert(callback_data.alert)
        if alert is None or alert.state != "draft":
            await query.answer(tr("mod-gone"), show_alert=True)
            return
        page = await review.open_alert_reports(moderator, alert.id, _page_arg(callback_data.arg))
        await query.answer(None if page.stored else tr("mod-no-reports"),
                           show_alert=not page.stored)  # fmt: skip
        # The reports behind a draft were drafted from ('reviewed'): nothing to reject one by one.
        await _show_reports(bot, tr, moderator, team, page, rejectable=False)
        # The card again below the reports, so that Approve (and the next page) is at hand.
        text, markup = await _alert_screen(tr, alert_desk, alert, page if page.stored else None)
        await bot.send_message(moderator.chat_id, text, reply_markup=markup)

    @router.callback_query(ModCb.filter(F.action == "draft"), role)
    async def draft(query: CallbackQuery, callback_data: ModCb, tr: Tr, moderator: Moderator,
                    alert_desk: AlertDesk) -> None:  # fmt: skip
        window = _window_arg(callback_data.window)
        try:
            if window is None:
                raise LookupError("not a window")
            alert = await alert_desk.draft_from_group(moderator, callback_data.region, window)
        except LookupError:
            await query.answer(tr("mod-gone"), show_alert=True)
            return
        await show(query, *await _alert_screen(tr, alert_desk, alert))

    @router.callback_query(ModCb.filter(F.action == "reject"), role)
    async def reject(query: CallbackQuery, callback_data: ModCb, tr: Tr, moderator: Moderator,
                     review: ReviewQueue, alert_desk: AlertDesk,
                     regions: RegionCatalog) -> None:  # fmt: skip
        if callback_data.arg not in tuple(RejectReason):
            await query.answer(tr("button-expired"))
            return
        window = _window_arg(callback_data.window)
        count = await review.reject_group(
            moderator, callback_data.region, window, RejectReason(callback_data.arg)
        ) if window else 0  # fmt: skip
        toast = tr("mod-rejected", count=count) if count else tr("mod-gone")
        await show(query, *await _queue_screen(tr, review, alert_desk, regions), toast=toast)

    @router.callback_query(ModCb.filter(F.action == "alert"), role)
    async def alert_card(query: CallbackQuery, callback_data: ModCb, tr: Tr,
                         alert_desk: AlertDesk) -> None:  # fmt: skip
        alert = await alert_desk.alert(callback_data.alert)
        if alert is None or alert.state != "draft":
            await query.answer(tr("mod-gone"), show_alert=True)
            return
        await show(query, *await _alert_screen(tr, alert_desk, alert))

    @router.callback_query(ModCb.filter(F.action == "edit"), role)
    async def edit(query: CallbackQuery, callback_data: ModCb, tr: Tr, moderator: Moderator,
                   alert_desk: AlertDesk) -> None:  # fmt: skip
        try:
            alert = await alert_desk.edit(
                moderator, callback_data.alert, AlertField(callback_data.arg)
            )
        except ValueError:
            alert = None
        if alert is None:
            await query.answer(tr("mod-gone"), show_alert=True)
            return
        await show(query, *await _alert_screen(tr, alert_desk, alert))

    @router.callback_query(ModCb.filter(F.action == "area"), role)
    async def area_prompt(query: CallbackQuery, callback_data: ModCb, tr: Tr,
                          state: FSMContext) -> None:  # fmt: skip
        await state.clear()
        await state.set_state(ModForm.area)
        await state.set_data({"alert": callback_data.alert})
        back = ModCb(action="alert", alert=callback_data.alert)
        await show(query, tr("mod-area-prompt"), _markup([[button(tr("button-back"), back)]]))

    @router.message(ModForm.area, is_question, role)
    async def area_typed(message: Message, tr: Tr, state: FSMContext, moderator: Moderator,
                         alert_desk: AlertDesk) -> None:  # fmt: skip
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
        text, markup = await _alert_screen(tr, alert_desk, alert)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(ModCb.filter(F.action == "approve"), role)
    async def approve(query: CallbackQuery, callback_data: ModCb, tr: Tr, lang: str,
                      moderator: Moderator, alert_desk: AlertDesk,
                      notices: ModeratorNotices, regions: RegionCatalog) -> None:  # fmt: skip
        message_id = query.message.message_id if query.message else None
        seen = bytes.fromhex(callback_data.arg) if _HASH_TAG.fullmatch(callback_data.arg) else b""
        result = await alert_desk.approve(moderator, callback_data.alert, seen, message_id, lang)
        alert = await alert_desk.alert(callback_data.alert)
        if result.outcome == "sending":
            await show(query, tr("mod-sending", recipients=result.recipients), None)
            return
        if result.outcome == "stale" and alert is not None:
            await query.answer(tr("mod-stale"), show_alert=True)
            await show(query, *await _alert_screen(tr, alert_desk, alert))
            return
        if result.outcome == "refused":
            await query.answer(tr("mod-refused"), show_alert=True)
            return
        if result.outcome == "duplicate":
            await query.answer(tr("mod-already-approved"), show_alert=True)
            return
        if result.outcome == "recorded" and alert is not None:
            region = regions.get(alert.region)
            await notices.approval_wanted(region.name(notices.lang) if region else alert.region)
            await show(query, *await _alert_screen(tr, alert_desk, alert))
            return
        await query.answer(tr("mod-gone"), show_alert=True)

    @router.callback_query(ModCb.filter(F.action == "sent"), role)
    async def sent_card(query: CallbackQuery, callback_data: ModCb, tr: Tr,
                        alert_desk: AlertDesk) -> None:  # fmt: skip
        alert = await alert_desk.alert(callback_data.alert)
        if alert is None or alert.state not in ("sending", "sent"):
            await query.answer(tr("mod-gone"), show_alert=True)
            return
        confirm = callback_data.arg == "confirm"
        action = ModCb(action="withdraw" if confirm else "sent", alert=alert.id,
                       arg="" if confirm else "confirm")  # fmt: skip
        label = tr("mod-withdraw-yes" if confirm else "mod-withdraw")
        rows = [
            [button(label, action)],
            [button(tr("mod-update"), ModCb(action="update", alert=alert.id))],
            [button(tr("mod-back-queue"), ModCb(action="queue"))],
        ]
        text = tr("mod-sent-alert", id=alert.id, at=alert.approved_at or "") + "\n\n"
        text += alert.text_ru.split(SIGNATURE_SEPARATOR, 1)[0]
        if confirm:
            text += "\n\n" + tr("mod-withdraw-confirm")
        await show(query, text, _markup(rows))

    @router.callback_query(ModCb.filter(F.action == "update"), role)
    async def update(query: CallbackQuery, callback_data: ModCb, tr: Tr, moderator: Moderator,
                     alert_desk: AlertDesk) -> None:  # fmt: skip
        try:
            alert = await alert_desk.draft_update(moderator, callback_data.alert)
        except LookupError:
            await query.answer(tr("mod-gone"), show_alert=True)
            return
        await show(query, *await _alert_screen(tr, alert_desk, alert))

    @router.callback_query(ModCb.filter(F.action == "withdraw"), role)
    async def withdraw(query: CallbackQuery, callback_data: ModCb, tr: Tr,
                       moderator: Moderator, review: ReviewQueue, alert_desk: AlertDesk,
                       regions: RegionCatalog) -> None:  # fmt: skip
        edits = await alert_desk.withdraw(moderator, callback_data.alert)
        if edits is None:
            await query.answer(tr("mod-gone"), show_alert=True)
            return
        toast = tr("mod-withdrawn", copies=edits)
        await show(query, *await _queue_screen(tr, review, alert_desk, regions), toast=toast)

    @router.callback_query(ModCb.filter(F.action == "drop"), role)
    async def drop(query: CallbackQuery, callback_data: ModCb, tr: Tr, moderator: Moderator,
                   review: ReviewQueue, alert_desk: AlertDesk,
                   regions: RegionCatalog) -> None:  # fmt: skip
        if not await alert_desk.reject_alert(moderator, callback_data.alert):
            await query.answer(tr("mod-gone"), show_alert=True)
            return
        screen = await _queue_screen(tr, review, alert_desk, regions)
        await show(query, *screen, toast=tr("mod-dropped"))

    @router.callback_query(ModCb.filter())
    @router.callback_query(ReportCb.filter())
    @router.callback_query(AdminCb.filter())
    async def refused(query: CallbackQuery, tr: Tr, team: ModeratorTeam) -> None:
        # Not a moderator or admin (or no longer one): nothing is done, and the log says so
        # without saying who. While locked nobody can be recognised: say why instead.
        if team.locked:
            await query.answer(tr("mod-locked-short"), show_alert=True)
            return
        log.warning("moderation button refused", extra=fields(reason="role"))
        await query.answer(tr("mod-refused"), show_alert=True)

    return router


async def is_locked(message: Message, team: ModeratorTeam) -> bool:
    return team.locked


def _markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


_HASH_TAG = re.compile(r"[0-9a-f]{16}")


def _window_arg(arg: str) -> ReportWindow | None:
    """The report window a button names; None when it is not one."""
    try:
        return ReportWindow.parse(arg)
    except ValueError:
        return None


def _page_arg(arg: str) -> int:
    """The page a button asks for (0-based); anything else is the first page."""
    return int(arg) if arg.isdecimal() and len(arg) <= 6 else 0


def _page_nav(
    tr: Tr, page: ReportPage, data: Callable[[int], ModCb]
) -> tuple[str, list[InlineKeyboardButton]]:
    """'Reports 11–20 of 57' and the Previous/Next buttons (none on a single page)."""
    text = tr("mod-page", first=page.first, last=page.last, total=page.total)
    nav = []
    if page.page > 0:
        nav.append(button(tr("mod-page-prev"), data(page.page - 1)))
    if page.page < page.pages - 1:
        nav.append(button(tr("mod-page-next"), data(page.page + 1)))
    return text, nav


def _report_markup(tr: Tr, report_id: str, *, reasons: bool) -> InlineKeyboardMarkup:
    """Under a shown report: "Reject this report", or, after one tap, the reasons."""
    if not reasons:
        return InlineKeyboardMarkup(
            inline_keyboard=[[button(tr("mod-report-reject"), ReportCb(report=report_id))]]
        )
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(tr(reason.label_key), ReportCb(report=report_id, arg=reason))
                for reason in RejectReason
            ],
            [button(tr("mod-report-keep"), ReportCb(report=report_id, arg="keep"))],
        ]
    )


def _group_values(tr: Tr, regions: RegionCatalog, group: Group) -> dict[str, object]:
    region = regions.get(group.region)
    return {
        "region": region.name(tr.lang) if region else group.region,
        "window": group.window.label(),
        "reports": group.reports,
        "reporters": group.reporters,
    }


async def _queue_screen(
    tr: Tr, review: ReviewQueue, alert_desk: AlertDesk, regions: RegionCatalog
) -> tuple[str, InlineKeyboardMarkup | None]:
    groups, drafts = await review.groups(), await alert_desk.drafts()
    rows = []
    for group in groups[:20]:
        label = tr("mod-group-button", **_group_values(tr, regions, group))
        data = ModCb(action="group", region=group.region, window=str(group.window))
        rows.append([button(label, data)])
    for sent in (await alert_desk.open_alerts())[:10]:
        region = regions.get(sent.region)
        label = tr("mod-open-button", region=region.name(tr.lang) if region else sent.region,
                   at=sent.approved_at or "")  # fmt: skip
        rows.append([button(label, ModCb(action="sent", alert=sent.id))])
    for alert, approvals in drafts[:20]:
        region = regions.get(alert.region)
        label = tr(
            "mod-draft-button",
            region=region.name(tr.lang) if region else alert.region,
            approvals=approvals,
            needed=alert_desk.approvals_needed,
        )
        rows.append([button(label, ModCb(action="alert", alert=alert.id))])
    if not rows:
        return tr("mod-queue-empty"), _markup([])
    text = tr("mod-queue", groups=len(groups), drafts=len(drafts))
    return text, _markup(rows)


STATS_ROWS = 10


def _stats_text(tr: Tr, stats: Stats, regions: RegionCatalog) -> str:
    def name(code: str) -> str:
        if code == "*":
            return tr("alerts-everywhere")
        region = regions.get(code)
        return region.name(tr.lang) if region else code

    def by_region(day: dict[str, int], week: dict[str, int]) -> list[str]:
        ranked = sorted(week, key=lambda code: (-week[code], name(code)))[:STATS_ROWS]
        return [f"  {name(code)}: {day.get(code, 0)} / {week[code]}" for code in ranked]

    lines = [tr("stats-title"), ""]
    lines.append(tr("stats-reports", day=sum(stats.reports_day.values()),
                    week=sum(stats.reports_week.values())))  # fmt: skip
    lines += by_region(stats.reports_day, stats.reports_week)
    lines.append(tr("stats-alerts", day=sum(stats.alerts_day.values()),
                    week=sum(stats.alerts_week.values())))  # fmt: skip
    lines += by_region(stats.alerts_day, stats.alerts_week)
    lines.append(tr("stats-subscribers", total=stats.subscribers_total))
    ranked = sorted(stats.subscribers, key=lambda code: (-stats.subscribers[code], name(code)))
    lines += [f"  {name(code)}: {stats.subscribers[code]}" for code in ranked[:STATS_ROWS]]
    if stats.broadcasts:
        lines.append(tr("stats-broadcasts"))
    for b in stats.broadcasts:
        line = tr("stats-broadcast", id=b.alert_id, region=name(b.region), at=b.approved_at,
                  sent=b.sent, failed=b.failed, dropped=b.dropped, pending=b.pending)  # fmt: skip
        if b.kind == "alert":
            line += "; " + tr("stats-feedback", still=b.still, gone=b.gone)
        lines.append(line)
    return "\n".join(lines)


async def _group_screen(
    tr: Tr,
    review: ReviewQueue,
    regions: RegionCatalog,
    data: ModCb,
    page: ReportPage | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A group's counts and decisions; after a page was read, which page and the way on."""
    window = _window_arg(data.window)
    group = await review.group(data.region, window) if window else None
    back = [button(tr("mod-back-queue"), ModCb(action="queue"))]
    if group is None:
        return tr("mod-gone"), _markup([back])
    summary, places = group
    place_text = ", ".join(
        f"{tr(f'place-{place}')} ×{count}" for place, count in Counter(places).most_common()
    )
    text = tr("mod-group", places=place_text, **_group_values(tr, regions, summary))
    key = {"region": data.region, "window": data.window}
    read = [button(tr("mod-read"), ModCb(action="read", **key))]
    if page is not None:
        indicator, nav = _page_nav(tr, page, lambda n: ModCb(action="read", arg=str(n), **key))
        text += "\n\n" + indicator
        read = nav or read
    rows = [
        read,
        [button(tr("mod-draft"), ModCb(action="draft", **key))],
        [
            button(tr(reason.label_key), ModCb(action="reject", arg=reason, **key))
            for reason in RejectReason
        ],
        back,
    ]
    return text, _markup(rows)


async def _alert_screen(
    tr: Tr, alert_desk: AlertDesk, alert: Alert, page: ReportPage | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    approvals = len(await alert_desk.approvers(alert.id))
    # The alert texts are already HTML (rendered from the catalogue with escaped values), so
    # they are joined here rather than passed through the catalogue, which would escape them.
    text = "\n\n".join(
        (
            tr("mod-alert", id=alert.id, approvals=approvals, needed=alert_desk.approvals_needed),
            tr("mod-alert-ru") + "\n" + alert.text_ru,
            tr("mod-alert-en") + "\n" + alert.text_en,
            tr("mod-alert-rules"),
        )
    )
    evidence = [button(tr("mod-evidence"), ModCb(action="evidence", alert=alert.id))]
    if page is not None:
        indicator, nav = _page_nav(
            tr, page, lambda n: ModCb(action="evidence", alert=alert.id, arg=str(n))
        )
        text += "\n\n" + indicator
        evidence = nav or evidence

    def edit(field: str, label: str) -> InlineKeyboardButton:
        return button(tr(label), ModCb(action="edit", alert=alert.id, arg=field))

    rows = [
        [button(tr("mod-edit-area"), ModCb(action="area", alert=alert.id)),
         edit("place_type", "mod-edit-place"), edit("time_window", "mod-edit-when")],
        [edit("certainty", "mod-edit-certainty"), edit("advice", "mod-edit-advice")],
        evidence,
        [button(tr("mod-approve"), ModCb(action="approve", alert=alert.id,
                                         arg=hash_tag(alert.text_hash)))],
        [button(tr("mod-drop"), ModCb(action="drop", alert=alert.id)),
         button(tr("mod-back-queue"), ModCb(action="queue"))],
    ]  # fmt: skip
    return text, _markup(rows)


async def _show_reports(
    bot: Bot, tr: Tr, moderator: Moderator, team: ModeratorTeam,
    page: ReportPage, *, rejectable: bool,
) -> None:  # fmt: skip
    for number, report in enumerate(page.reports, page.first):
        markup = _report_markup(tr, report.id, reasons=False) if rejectable else None
        for message_id in await _send_report(bot, moderator.chat_id, tr, report, number,
                                             page.total, markup):  # fmt: skip
            await team.remember_copy(moderator, message_id)


async def _send_report(
    bot: Bot, chat_id: int, tr: Tr, report: OpenedReport, number: int, total: int,
    markup: InlineKeyboardMarkup | None = None,
) -> list[int]:  # fmt: skip
    """Show one decrypted report: plain text (no markup parsing), protected from forwarding."""
    header = tr(
        "mod-report-header",
        number=number,
        total=total,
        place=tr(f"place-{report.place_type}"),
        when=tr(f"when-{report.time_bucket}"),
        hour=report.created_hour[11:13] + ":00 UTC",
    )
    # The catalogue's header is HTML-free by design; the report text is sent verbatim.
    message = await bot.send_message(
        chat_id,
        f"{header}\n\n{report.text}",
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
