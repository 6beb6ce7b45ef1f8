"""The report form's buttons: one CallbackData factory per purpose, with typed fields.

They live only in the form's own messages, which leave the chat when the form ends (and a
restart forgets every draft), so a prefix or a field here may change between releases. Each
enum value has its button label in the catalogues (`label_key`); tests/unit/test_report_callbacks
checks both languages.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from bot.services.reports import PlaceType, TimeBucket
from handlers.callbacks import PageNumber


class FormAction(StrEnum):
    """What a button does to the form as a whole, not to one step's answer."""

    SEND = "send"
    CANCEL = "cancel"
    SKIP = "skip"  # an optional step
    USE_KEPT = "use-kept"  # what was typed at a button step becomes the description
    ADD_KEPT = "add-kept"  # words typed after the description are added to it (review screen)
    SEND_ANYWAY = "send-anyway"  # past the personal-data warning (handlers.report.personal_data)
    BACK = "back"  # the step before, its answer kept
    KEEP = "keep"  # a revisited step's answer stays: on to the next step (or the review)
    DISCARD = "discard"  # Cancel confirmed: the draft is dropped
    GO_ON = "go-on"  # Cancel taken back: the step again, the draft untouched

    @property
    def label_key(self) -> str:
        return _ACTION_LABELS[self]


_ACTION_LABELS = {
    FormAction.SEND: "report-send",
    FormAction.CANCEL: "report-cancel",
    FormAction.SKIP: "report-skip",
    FormAction.USE_KEPT: "report-text-use-kept",
    FormAction.ADD_KEPT: "report-add-kept",
    FormAction.SEND_ANYWAY: "report-pd-send-anyway",
    FormAction.BACK: "button-back",
    FormAction.KEEP: "report-keep-as-is",
    FormAction.DISCARD: "report-discard-yes",
    FormAction.GO_ON: "report-discard-no",
}


class FormStep(StrEnum):
    """A step of the form (a row of handlers.report.steps.STEPS), as its Edit button on the
    review screen names it."""

    REGION = "region"
    PLACE = "place"
    WHEN = "when"
    TEXT = "text"
    PHOTO = "photo"
    LOCATION = "location"

    @property
    def label_key(self) -> str:
        return f"report-edit-{self.value}"


class RegionCb(CallbackData, prefix="rr"):
    """A region chosen from the candidates or the list."""

    code: str


class RegionAgainCb(CallbackData, prefix="rra"):
    """The "Not this region" button under the region the form took: the question again."""


class RegionPageCb(CallbackData, prefix="rp"):
    """A page of the list of every region."""

    page: PageNumber


class PlaceCb(CallbackData, prefix="rpl"):
    place: PlaceType


class WhenCb(CallbackData, prefix="rwh"):
    when: TimeBucket


class ReportActCb(CallbackData, prefix="ra"):
    action: FormAction


class EditCb(CallbackData, prefix="red"):
    """Edit one step from the review screen: the step asked again, its answer shown and kept
    until replaced ("Keep as is" returns to the review unchanged)."""

    step: FormStep
