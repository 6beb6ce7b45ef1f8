"""The moderation buttons' data: one CallbackData factory per purpose, with typed fields.

A field's type says what it holds and refuses anything else before a handler sees it: a forged
region, window, id or reason does not match the filter and gets the "expired" answer. The enums
come from the services (RejectReason, AlertField); each value's button label is in both
catalogues (tests/unit/test_moderation_callbacks checks).

The prefixes are versioned ("m1."): these buttons stay in moderators' chats, and the buttons
made before them (`md:` and `mr:`, LegacyModCb and LegacyReportCb) only ever answer "expired".
Telegram allows 64 bytes of data: the longest, a group's confirmed Reject with a 24-character
region code and "duplicate", is 61 (the test packs the longest values).
"""

from __future__ import annotations

from typing import Annotated, Any

from aiogram.filters.callback_data import CallbackData
from pydantic import Field, PlainSerializer, PlainValidator

from bot.services.alert_text import AlertField
from bot.services.report_window import ReportWindow
from bot.services.review import RejectReason
from handlers.callbacks import PageNumber, RowId

RegionCode = Annotated[str, Field(pattern=r"^[a-z0-9-]{1,24}$")]  # what regions.toml allows
AlertId = Annotated[str, Field(pattern=r"^[0-9a-f]{8}$")]  # secrets.token_hex(4)
ReportId = Annotated[
    str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]  # str(uuid.uuid4())
HashTag = Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]  # bot.services.alert_text.hash_tag


def _window(value: Any) -> ReportWindow:
    return value if isinstance(value, ReportWindow) else ReportWindow.parse(value)


# A report window travels as its first hour, "2026-11-25T14".
Window = Annotated[ReportWindow, PlainValidator(_window), PlainSerializer(str)]


# --- the queue and its report groups -----------------------------------------------------------


class QueueCb(CallbackData, prefix="m1.queue"):
    """Back to the queue."""


class GroupCb(CallbackData, prefix="m1.group"):
    """A report group's screen."""

    region: RegionCode
    window: Window


class ReadCb(CallbackData, prefix="m1.read"):
    """One page of a group's reports (0-based)."""

    region: RegionCode
    window: Window
    page: PageNumber = 0


class DraftCb(CallbackData, prefix="m1.draft"):
    """Draft an alert from a group."""

    region: RegionCode
    window: Window


class RejectGroupCb(CallbackData, prefix="m1.reject"):
    """A reason under a group: asks whether to reject every new report of it (one tap never
    rejects; a button of this prefix made before the question was added only asks too)."""

    region: RegionCode
    window: Window
    reason: RejectReason


class RejectGroupYesCb(CallbackData, prefix="m1.reject-ok"):
    """The answer to that question: reject every new report of the group."""

    region: RegionCode
    window: Window
    reason: RejectReason


# --- one report shown by "Read" ----------------------------------------------------------------


class ReportAskCb(CallbackData, prefix="m1.report"):
    """Under a shown report: show the reasons to reject it."""

    report: ReportId


class ReportKeepCb(CallbackData, prefix="m1.keep"):
    """Take the reasons back: the report stays."""

    report: ReportId


class RejectReportCb(CallbackData, prefix="m1.reject-one"):
    """Reject this one report (the rest of its group stays in the queue)."""

    report: ReportId
    reason: RejectReason


# --- alert drafts ------------------------------------------------------------------------------


class DraftCardCb(CallbackData, prefix="m1.card"):
    """A draft's card."""

    alert: AlertId


class EditCb(CallbackData, prefix="m1.edit"):
    """Change a draft's field: a choice moves to the next one; the area is typed."""

    alert: AlertId
    field: AlertField


class EvidenceCb(CallbackData, prefix="m1.evidence"):
    """One page of the reports a draft was made from (0-based)."""

    alert: AlertId
    page: PageNumber = 0


class ApproveCb(CallbackData, prefix="m1.approve"):
    """Approve the draft's text as shown: `text_tag` is that text's hash tag."""

    alert: AlertId
    text_tag: HashTag


class DropCb(CallbackData, prefix="m1.drop"):
    """Reject a draft: its reports go back to the queue."""

    alert: AlertId


# --- sent alerts -------------------------------------------------------------------------------


class SentCardCb(CallbackData, prefix="m1.sent"):
    """A sent alert's card; `confirm` asks whether to withdraw it."""

    alert: AlertId
    confirm: bool = False


class WithdrawCb(CallbackData, prefix="m1.withdraw"):
    """Withdraw a sent alert (after the confirmation)."""

    alert: AlertId


class UpdateCb(CallbackData, prefix="m1.update"):
    """Draft an update that replaces a sent alert."""

    alert: AlertId


class UndoWithdrawCb(CallbackData, prefix="m1.undo"):
    """Undo another moderator's withdrawal of this alert (within WITHDRAW_UNDO_MINUTES)."""

    alert: AlertId


# --- the team ----------------------------------------------------------------------------------


class ConfirmMemberCb(CallbackData, prefix="m1.confirm"):
    """Confirm a pending moderator (their row id): the second person of the two-person rule."""

    moderator: RowId


# --- buttons from before the versioned prefixes ------------------------------------------------


class LegacyModCb(CallbackData, prefix="md"):
    """The old format of every moderation button: answered "expired", never acted on."""

    action: str
    region: str = ""
    window: str = ""
    alert: str = ""
    arg: str = ""


class LegacyReportCb(CallbackData, prefix="mr"):
    """The old format of a shown report's buttons: answered "expired", never acted on."""

    report: str
    arg: str = ""


FACTORIES: tuple[type[CallbackData], ...] = (
    QueueCb,
    GroupCb,
    ReadCb,
    DraftCb,
    RejectGroupCb,
    RejectGroupYesCb,
    ReportAskCb,
    ReportKeepCb,
    RejectReportCb,
    DraftCardCb,
    EditCb,
    EvidenceCb,
    ApproveCb,
    DropCb,
    SentCardCb,
    WithdrawCb,
    UpdateCb,
    UndoWithdrawCb,
    ConfirmMemberCb,
)
PREFIXES = frozenset(factory.__prefix__ for factory in FACTORIES)
