"""The moderation screens: the queue, a group, an alert card, a sent alert, /stats, and the
buttons under a shown report. Each returns the text and keyboard; handlers show them."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Callable

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.regions import RegionCatalog
from bot.i18n import Tr
from bot.services.alert_desk import AlertDesk
from bot.services.alert_text import AlertField, hash_tag
from bot.services.local_time import from_hour, from_minute, local_time, zone_of
from bot.services.report_window import WINDOW_HOURS, ReportWindow
from bot.services.reports import PLACE_TYPES, TIME_BUCKETS
from bot.services.review import Group, OpenedReport, RejectReason, ReportPage, ReviewQueue, Stats
from bot.services.signatures import SIGNATURE_SEPARATOR
from bot.storage.alerts import Alert
from handlers.menu import home_row
from handlers.moderation.callbacks import (
    ApproveCb,
    DraftCardCb,
    DraftCb,
    DropCb,
    EditCb,
    EvidenceCb,
    GroupCb,
    QueueCb,
    ReadCb,
    RejectGroupCb,
    RejectGroupYesCb,
    RejectReportCb,
    ReportAskCb,
    ReportKeepCb,
    SentCardCb,
    UpdateCb,
    WithdrawCb,
)
from handlers.regions import button

Screen = tuple[str, InlineKeyboardMarkup | None]

QUEUE_GROUPS = 20  # rows of each kind on the queue screen
QUEUE_OPEN_ALERTS = 10
QUEUE_DRAFTS = 20
STATS_ROWS = 10
# The edit buttons of a draft's card, by the field they change.
EDIT_LABELS = {
    AlertField.AREA: "mod-edit-area",
    AlertField.PLACE_TYPE: "mod-edit-place",
    AlertField.TIME_WINDOW: "mod-edit-when",
    AlertField.CERTAINTY: "mod-edit-certainty",
    AlertField.ADVICE: "mod-edit-advice",
}


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def page_nav(
    tr: Tr, page: ReportPage, data: Callable[[int], CallbackData]
) -> tuple[str, list[InlineKeyboardButton]]:
    """'Reports 11–20 of 57' and the Previous/Next buttons (none on a single page)."""
    text = tr("mod-page", first=page.first, last=page.last, total=page.total)
    nav = []
    if page.page > 0:
        nav.append(button(tr("mod-page-prev"), data(page.page - 1)))
    if page.page < page.pages - 1:
        nav.append(button(tr("mod-page-next"), data(page.page + 1)))
    return text, nav


def report_markup(tr: Tr, report_id: str, *, reasons: bool) -> InlineKeyboardMarkup:
    """Under a shown report: "Reject this report", or, after one tap, the reasons."""
    if not reasons:
        return InlineKeyboardMarkup(
            inline_keyboard=[[button(tr("mod-report-reject"), ReportAskCb(report=report_id))]]
        )
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(tr(reason.label_key), RejectReportCb(report=report_id, reason=reason))
                for reason in RejectReason
            ],
            [button(tr("mod-report-keep"), ReportKeepCb(report=report_id))],
        ]
    )


def report_header(
    tr: Tr, report: OpenedReport, number: int, total: int, where: zoneinfo.ZoneInfo
) -> str:
    """'Report 3 of 12 · Metro · Right now · sent around 17:00 Moscow time, UTC+3' (no HTML,
    by design), in the zone of the group's region; above it a warning when the stored region,
    place or time were changed after the report was sent."""
    header = tr(
        "mod-report-header",
        number=number,
        total=total,
        place=_label(tr, "place", report.place_type, PLACE_TYPES),
        when=_label(tr, "when", report.time_bucket, TIME_BUCKETS),
        hour=_hour(tr, where, report.created_hour),
    )
    sent = report.moved_from
    if sent is None:
        return header
    moved = tr(
        "mod-report-moved",
        region=sent.get("region") or "?",
        place=_label(tr, "place", sent.get("place_type", ""), PLACE_TYPES),
        when=_label(tr, "when", sent.get("time_bucket", ""), TIME_BUCKETS),
        hour=_hour(tr, where, sent.get("created_hour")),
    )
    return moved + "\n" + header


def _hour(tr: Tr, where: zoneinfo.ZoneInfo, stored: str | None) -> str:
    """A report's stored hour as its region reads it; '?' for one no report can have."""
    hour = from_hour(stored)
    return "?" if hour is None else local_time(tr, where, hour, day=None)


def approved_at(tr: Tr, regions: RegionCatalog, alert: Alert) -> str:
    """When an alert was approved, in its region's time ('' while it is not)."""
    moment = from_minute(alert.approved_at)
    return "" if moment is None else local_time(tr, zone_of(regions, alert.region), moment)


def window_text(tr: Tr, regions: RegionCatalog, region: str, window: ReportWindow) -> str:
    """A group's two hours in its region's time: '06.12, 20:00–22:00 Moscow time, UTC+3'."""
    end = window.start + dt.timedelta(hours=WINDOW_HOURS)
    return local_time(tr, zone_of(regions, region), window.start, end)


def _label(tr: Tr, prefix: str, value: str, known: tuple[str, ...]) -> str:
    """A place's or time's label; '?' for a value no report can have (an edited row's)."""
    return tr(f"{prefix}-{value}") if value in known else "?"


def _region_name(tr: Tr, regions: RegionCatalog, code: str) -> str:
    region = regions.get(code)
    return region.name(tr.lang) if region else code


def _group_values(tr: Tr, regions: RegionCatalog, group: Group) -> dict[str, object]:
    values: dict[str, object] = {
        "region": _region_name(tr, regions, group.region),
        "window": window_text(tr, regions, group.region, group.window),
        "reports": group.reports,
    }
    if group.reporters is not None:
        values["reporters"] = group.reporters
    return values


def _counted(key: str, group: Group) -> str:
    """A group text's catalogue key: its `-unknown` form says why the reporters are not known."""
    return key if group.reporters is not None else f"{key}-unknown"


async def queue_screen(
    tr: Tr, review: ReviewQueue, alert_desk: AlertDesk, regions: RegionCatalog
) -> Screen:
    """New report groups, sent alerts still standing, and drafts waiting for approval."""
    groups, drafts = await review.groups(), await alert_desk.drafts()
    rows = []
    for group in groups[:QUEUE_GROUPS]:
        label = tr(_counted("mod-group-button", group), **_group_values(tr, regions, group))
        rows.append([button(label, GroupCb(region=group.region, window=group.window))])
    for sent in (await alert_desk.open_alerts())[:QUEUE_OPEN_ALERTS]:
        region = _region_name(tr, regions, sent.region)
        label = tr("mod-open-button", region=region, at=approved_at(tr, regions, sent))
        rows.append([button(label, SentCardCb(alert=sent.id))])
    for alert, approvals in drafts[:QUEUE_DRAFTS]:
        label = tr(
            "mod-draft-button" if alert.kind == "alert" else "mod-announcement-button",
            region=_region_name(tr, regions, alert.region),
            approvals=approvals,
            needed=alert_desk.approvals_needed,
        )
        rows.append([button(label, DraftCardCb(alert=alert.id))])
    if not rows:
        return tr("mod-queue-empty"), markup([home_row(tr)])
    return tr("mod-queue", groups=len(groups), drafts=len(drafts)), markup([*rows, home_row(tr)])


def stats_text(tr: Tr, stats: Stats, regions: RegionCatalog) -> str:
    """Counts per region (the busiest STATS_ROWS), subscribers, and recent broadcasts."""

    def name(code: str) -> str:
        return tr("alerts-everywhere") if code == "*" else _region_name(tr, regions, code)

    def by_region(day: dict[str, int], week: dict[str, int]) -> list[str]:
        ranked = sorted(week, key=lambda code: (-week[code], name(code)))[:STATS_ROWS]
        return [f"  {name(code)}: {day.get(code, 0)} / {week[code]}" for code in ranked]

    lines = [tr("stats-title"), ""]
    day, week = sum(stats.reports_day.values()), sum(stats.reports_week.values())
    lines.append(tr("stats-reports", day=day, week=week))
    lines += by_region(stats.reports_day, stats.reports_week)
    day, week = sum(stats.alerts_day.values()), sum(stats.alerts_week.values())
    lines.append(tr("stats-alerts", day=day, week=week))
    lines += by_region(stats.alerts_day, stats.alerts_week)
    lines.append(tr("stats-subscribers", total=stats.subscribers_total))
    ranked = sorted(stats.subscribers, key=lambda code: (-stats.subscribers[code], name(code)))
    lines += [f"  {name(code)}: {stats.subscribers[code]}" for code in ranked[:STATS_ROWS]]
    if stats.broadcasts:
        lines.append(tr("stats-broadcasts"))
    for b in stats.broadcasts:
        line = tr(
            "stats-broadcast",
            id=b.alert_id,
            region=name(b.region),
            at=_broadcast_at(tr, regions, b.region, b.approved_at),
            sent=b.sent,
            failed=b.failed,
            dropped=b.dropped,
            pending=b.pending,
        )
        if b.kind == "alert":
            line += "; " + tr("stats-feedback", still=b.still, gone=b.gone)
        lines.append(line)
    return "\n".join(lines)


def _broadcast_at(tr: Tr, regions: RegionCatalog, region: str, stored: str) -> str:
    moment = from_minute(stored)
    return stored if moment is None else local_time(tr, zone_of(regions, region), moment)


async def group_screen(
    tr: Tr,
    review: ReviewQueue,
    regions: RegionCatalog,
    region: str,
    window: ReportWindow,
    page: ReportPage | None = None,
) -> Screen:
    """A group's counts and decisions; after a page was read, which page and the way on."""
    group = await review.group(region, window)
    back = [button(tr("mod-back-queue"), QueueCb()), *home_row(tr)]
    if group is None:
        return tr("mod-gone"), markup([back])
    summary, places = group
    text = _group_text(tr, regions, summary, places)
    read = [button(tr("mod-read"), ReadCb(region=region, window=window))]
    if page is not None:
        indicator, nav = page_nav(tr, page, lambda n: ReadCb(region=region, window=window, page=n))
        text += "\n\n" + indicator
        read = nav or read
    rows = [
        read,
        [button(tr("mod-draft"), DraftCb(region=region, window=window))],
        [
            button(tr(reason.label_key), RejectGroupCb(region=region, window=window, reason=reason))
            for reason in RejectReason
        ],
        back,
    ]
    return text, markup(rows)


def _group_text(tr: Tr, regions: RegionCatalog, summary: Group, places: list[str]) -> str:
    place_text = ", ".join(
        f"{tr(f'place-{place}')} ×{count}" for place, count in Counter(places).most_common()
    )
    return tr(
        _counted("mod-group", summary), places=place_text, **_group_values(tr, regions, summary)
    )


async def reject_group_screen(
    tr: Tr,
    review: ReviewQueue,
    regions: RegionCatalog,
    region: str,
    window: ReportWindow,
    reason: RejectReason,
) -> Screen:
    """A reason tapped under a group: the group, and whether to reject all of it. "No" is the
    group again, untouched."""
    group = await review.group(region, window)
    if group is None:
        return tr("mod-gone"), markup([[button(tr("mod-back-queue"), QueueCb()), *home_row(tr)]])
    summary, places = group
    ask = tr("mod-group-reject-ask", reports=summary.reports, reason=tr(reason.label_key))
    yes = RejectGroupYesCb(region=region, window=window, reason=reason)
    rows = [
        [button(tr("mod-group-reject-yes"), yes)],
        [
            button(
                tr("mod-group-reject-no", reports=summary.reports),
                GroupCb(region=region, window=window),
            )
        ],
        [button(tr("mod-back-queue"), QueueCb()), *home_row(tr)],
    ]
    return _group_text(tr, regions, summary, places) + "\n\n" + ask, markup(rows)


async def alert_screen(
    tr: Tr, alert_desk: AlertDesk, alert: Alert, page: ReportPage | None = None
) -> Screen:
    """A draft: both texts, its approvals, the edit buttons, Approve and Reject."""
    approvals = len(await alert_desk.approvers(alert.id))
    if alert.kind == "announcement":
        return announcement_screen(tr, alert, approvals, alert_desk.approvals_needed)
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
    evidence = [button(tr("mod-evidence"), EvidenceCb(alert=alert.id))]
    if page is not None:
        indicator, nav = page_nav(tr, page, lambda n: EvidenceCb(alert=alert.id, page=n))
        text += "\n\n" + indicator
        evidence = nav or evidence

    def edit(field: AlertField) -> InlineKeyboardButton:
        return button(tr(EDIT_LABELS[field]), EditCb(alert=alert.id, field=field))

    approve = ApproveCb(alert=alert.id, text_tag=hash_tag(alert.text_hash))
    rows = [
        [edit(AlertField.AREA), edit(AlertField.PLACE_TYPE), edit(AlertField.TIME_WINDOW)],
        [edit(AlertField.CERTAINTY), edit(AlertField.ADVICE)],
        evidence,
        [button(tr("mod-approve"), approve)],
        [
            button(tr("mod-drop"), DropCb(alert=alert.id)),
            button(tr("mod-back-queue"), QueueCb()),
        ],
        home_row(tr),
    ]
    return text, markup(rows)


def announcement_screen(tr: Tr, alert: Alert, approvals: int, needed: int) -> Screen:
    """An announcement draft: its one text (as every subscriber will read it), Approve and
    Reject. Nothing to edit: a changed text is a new announcement."""
    text = "\n\n".join(
        (
            tr("mod-announcement", id=alert.id, approvals=approvals, needed=needed),
            alert.text_ru,
            tr("mod-announcement-rules", needed=needed),
        )
    )
    approve = ApproveCb(alert=alert.id, text_tag=hash_tag(alert.text_hash))
    rows = [
        [button(tr("mod-approve"), approve)],
        [
            button(tr("mod-drop"), DropCb(alert=alert.id)),
            button(tr("mod-back-queue"), QueueCb()),
        ],
        home_row(tr),
    ]
    return text, markup(rows)


def sent_screen(tr: Tr, alert: Alert, regions: RegionCatalog, *, confirm: bool) -> Screen:
    """A sent alert: Withdraw (asked twice), Update, and the way back."""
    withdraw = (
        button(tr("mod-withdraw-yes"), WithdrawCb(alert=alert.id))
        if confirm
        else button(tr("mod-withdraw"), SentCardCb(alert=alert.id, confirm=True))
    )
    rows = [
        [withdraw],
        [button(tr("mod-update"), UpdateCb(alert=alert.id))],
        [button(tr("mod-back-queue"), QueueCb()), *home_row(tr)],
    ]
    text = tr("mod-sent-alert", id=alert.id, at=approved_at(tr, regions, alert)) + "\n\n"
    text += alert.text_ru.split(SIGNATURE_SEPARATOR, 1)[0]
    if confirm:
        text += "\n\n" + tr("mod-withdraw-confirm")
    return text, markup(rows)


def area_prompt(tr: Tr, alert_id: str) -> Screen:
    """Asks for a draft's area, with the way back to its card."""
    back = DraftCardCb(alert=alert_id)
    return tr("mod-area-prompt"), markup([[button(tr("button-back"), back)]])
