"""The moderation buttons' data."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


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
