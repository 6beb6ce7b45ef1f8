"""The moderation screens: the queue, a group, an alert card, a sent alert, /stats, and the
buttons under a shown report. Each returns the text and keyboard; handlers show them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.regions import RegionCatalog
from bot.i18n import Tr
from bot.services.alert_desk import AlertDesk
from bot.services.alert_text import hash_tag
from bot.services.report_window import ReportWindow
from bot.services.review import Group, OpenedReport, RejectReason, ReportPage, ReviewQueue, Stats
from bot.services.signatures import SIGNATURE_SEPARATOR
from bot.storage.alerts import Alert
from handlers.moderation.callbacks import ModCb, ReportCb
from handlers.regions import button

Screen = tuple[str, InlineKeyboardMarkup | None]

QUEUE_GROUPS = 20  # rows of each kind on the queue screen
QUEUE_OPEN_ALERTS = 10
QUEUE_DRAFTS = 20
STATS_ROWS = 10


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def window_arg(arg: str) -> ReportWindow | None:
    """The report window a button names; None when it is not one."""
    try:
        return ReportWindow.parse(arg)
    except ValueError:
        return None


def page_arg(arg: str) -> int:
    """The page a button asks for (0-based); anything else is the first page."""
    return int(arg) if arg.isdecimal() and len(arg) <= 6 else 0


def page_nav(
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


def report_markup(tr: Tr, report_id: str, *, reasons: bool) -> InlineKeyboardMarkup:
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


def report_header(tr: Tr, report: OpenedReport, number: int, total: int) -> str:
    """'Report 3 of 12 · Metro · Right now · sent around 14:00 UTC' (no HTML, by design)."""
    return tr(
        "mod-report-header",
        number=number,
        total=total,
        place=tr(f"place-{report.place_type}"),
        when=tr(f"when-{report.time_bucket}"),
        hour=report.created_hour[11:13] + ":00 UTC",
    )


def _region_name(tr: Tr, regions: RegionCatalog, code: str) -> str:
    region = regions.get(code)
    return region.name(tr.lang) if region else code


def _group_values(tr: Tr, regions: RegionCatalog, group: Group) -> dict[str, object]:
    return {
        "region": _region_name(tr, regions, group.region),
        "window": group.window.label(),
        "reports": group.reports,
        "reporters": group.reporters,
    }


async def queue_screen(
    tr: Tr, review: ReviewQueue, alert_desk: AlertDesk, regions: RegionCatalog
) -> Screen:
    """New report groups, sent alerts still standing, and drafts waiting for approval."""
    groups, drafts = await review.groups(), await alert_desk.drafts()
    rows = []
    for group in groups[:QUEUE_GROUPS]:
        label = tr("mod-group-button", **_group_values(tr, regions, group))
        data = ModCb(action="group", region=group.region, window=str(group.window))
        rows.append([button(label, data)])
    for sent in (await alert_desk.open_alerts())[:QUEUE_OPEN_ALERTS]:
        region = _region_name(tr, regions, sent.region)
        label = tr("mod-open-button", region=region, at=sent.approved_at or "")
        rows.append([button(label, ModCb(action="sent", alert=sent.id))])
    for alert, approvals in drafts[:QUEUE_DRAFTS]:
        label = tr(
            "mod-draft-button",
            region=_region_name(tr, regions, alert.region),
            approvals=approvals,
            needed=alert_desk.approvals_needed,
        )
        rows.append([button(label, ModCb(action="alert", alert=alert.id))])
    if not rows:
        return tr("mod-queue-empty"), markup([])
    return tr("mod-queue", groups=len(groups), drafts=len(drafts)), markup(rows)


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
            at=b.approved_at,
            sent=b.sent,
            failed=b.failed,
            dropped=b.dropped,
            pending=b.pending,
        )
        if b.kind == "alert":
            line += "; " + tr("stats-feedback", still=b.still, gone=b.gone)
        lines.append(line)
    return "\n".join(lines)


async def group_screen(
    tr: Tr,
    review: ReviewQueue,
    regions: RegionCatalog,
    data: ModCb,
    page: ReportPage | None = None,
) -> Screen:
    """A group's counts and decisions; after a page was read, which page and the way on."""
    window = window_arg(data.window)
    group = await review.group(data.region, window) if window else None
    back = [button(tr("mod-back-queue"), ModCb(action="queue"))]
    if group is None:
        return tr("mod-gone"), markup([back])
    summary, places = group
    place_text = ", ".join(
        f"{tr(f'place-{place}')} ×{count}" for place, count in Counter(places).most_common()
    )
    text = tr("mod-group", places=place_text, **_group_values(tr, regions, summary))
    key = {"region": data.region, "window": data.window}
    read = [button(tr("mod-read"), ModCb(action="read", **key))]
    if page is not None:
        indicator, nav = page_nav(tr, page, lambda n: ModCb(action="read", arg=str(n), **key))
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
    return text, markup(rows)


async def alert_screen(
    tr: Tr, alert_desk: AlertDesk, alert: Alert, page: ReportPage | None = None
) -> Screen:
    """A draft: both texts, its approvals, the edit buttons, Approve and Reject."""
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
        indicator, nav = page_nav(
            tr, page, lambda n: ModCb(action="evidence", alert=alert.id, arg=str(n))
        )
        text += "\n\n" + indicator
        evidence = nav or evidence

    def edit(field: str, label: str) -> InlineKeyboardButton:
        return button(tr(label), ModCb(action="edit", alert=alert.id, arg=field))

    approve = ModCb(action="approve", alert=alert.id, arg=hash_tag(alert.text_hash))
    rows = [
        [
            button(tr("mod-edit-area"), ModCb(action="area", alert=alert.id)),
            edit("place_type", "mod-edit-place"),
            edit("time_window", "mod-edit-when"),
        ],
        [edit("certainty", "mod-edit-certainty"), edit("advice", "mod-edit-advice")],
        evidence,
        [button(tr("mod-approve"), approve)],
        [
            button(tr("mod-drop"), ModCb(action="drop", alert=alert.id)),
            button(tr("mod-back-queue"), ModCb(action="queue")),
        ],
    ]
    return text, markup(rows)


def sent_screen(tr: Tr, alert: Alert, *, confirm: bool) -> Screen:
    """A sent alert: Withdraw (asked twice), Update, and the way back."""
    action = ModCb(
        action="withdraw" if confirm else "sent", alert=alert.id, arg="" if confirm else "confirm"
    )
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
    return text, markup(rows)


def area_prompt(tr: Tr, alert_id: str) -> Screen:
    """Asks for a draft's area, with the way back to its card."""
    back = ModCb(action="alert", alert=alert_id)
    return tr("mod-area-prompt"), markup([[button(tr("button-back"), back)]])
