"""/report: the anonymous raid-report form.

Steps: region → place → when → what happened → photo (optional) → location (optional) → review
(Send, Edit a step, Cancel). Every step after the first has Back (the step before, answers
kept); a revisited or edited step shows its answer with "Keep as is"; Cancel asks first once
anything was entered. The draft lives only in the memory-only FSM. However the form ends
(Send, Cancel, an exit such as /start, or the idle sweep) its messages, the user's and the
bot's, leave the chat (handlers.flow), and after Send one neutral "received" stays for a
minute, so a phone seized at a checkpoint does not show what was reported.

The modules: `steps` (the step table and what reads it), `handlers` (what each input does),
`screens` (texts and keyboards), `callbacks` (the buttons' data), `states`.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, StateFilter

from handlers.callbacks import ExactButton
from handlers.filters import has_location, has_photo, has_text
from handlers.flow import Flow
from handlers.gates import GatedRouter
from handlers.menu import Nav
from handlers.report import handlers as form
from handlers.report.callbacks import (
    EditCb,
    FormAction,
    PlaceCb,
    RegionAgainCb,
    RegionCb,
    RegionPageCb,
    ReportActCb,
    WhenCb,
)
from handlers.report.states import ReportForm
from handlers.report.steps import resume

FLOW = Flow(
    name="report",
    states=ReportForm,
    commands=frozenset({"report"}),
    resume=resume,
    deletes_messages=True,
)


def build_router() -> Router:
    """A fresh router with the form's handlers, in the order they are tried."""
    router = GatedRouter(name="report")
    router.message.register(form.start_command, Command("report"))
    router.callback_query.register(form.start_button, ExactButton(Nav(to="report")))

    router.message.register(form.region_text, StateFilter(ReportForm.region), has_text)
    router.message.register(form.region_not_text, StateFilter(ReportForm.region))
    router.callback_query.register(
        form.region_page, StateFilter(ReportForm.region), RegionPageCb.filter()
    )
    router.callback_query.register(
        form.region_pick, StateFilter(ReportForm.region), RegionCb.filter()
    )
    answering = [s for s in ReportForm.__states__ if s != ReportForm.sending]
    router.callback_query.register(
        form.region_again, StateFilter(*answering), RegionAgainCb.filter()
    )

    router.callback_query.register(form.place, StateFilter(ReportForm.place), PlaceCb.filter())
    router.callback_query.register(form.when, StateFilter(ReportForm.when), WhenCb.filter())
    router.message.register(form.choice_typed, StateFilter(ReportForm.place, ReportForm.when))
    router.callback_query.register(
        form.use_kept_text,
        StateFilter(ReportForm.text),
        ExactButton(ReportActCb(action=FormAction.USE_KEPT)),
    )

    router.message.register(form.text, StateFilter(ReportForm.text), has_text)
    router.message.register(form.text_not_text, StateFilter(ReportForm.text))
    router.message.register(form.photo, StateFilter(ReportForm.photo), has_photo)
    router.message.register(form.photo_wrong, StateFilter(ReportForm.photo))
    router.message.register(form.location, StateFilter(ReportForm.location), has_location)
    router.message.register(form.location_wrong, StateFilter(ReportForm.location))
    # The review screen takes buttons; anything typed there is answered, never "not understood".
    router.message.register(form.review_typed, StateFilter(ReportForm.review, ReportForm.sending))

    skip = ExactButton(ReportActCb(action=FormAction.SKIP))
    router.callback_query.register(form.skip_photo, StateFilter(ReportForm.photo), skip)
    router.callback_query.register(form.skip_location, StateFilter(ReportForm.location), skip)
    router.callback_query.register(form.edit, StateFilter(ReportForm.review), EditCb.filter())
    router.callback_query.register(
        form.add_kept_text,
        StateFilter(ReportForm.review),
        ExactButton(ReportActCb(action=FormAction.ADD_KEPT)),
    )
    router.callback_query.register(
        form.send, StateFilter(ReportForm.review), ExactButton(ReportActCb(action=FormAction.SEND))
    )
    answering_steps = [s for s in answering if s != ReportForm.review]
    router.callback_query.register(
        form.back,
        StateFilter(*answering),
        ExactButton(ReportActCb(action=FormAction.BACK)),
    )
    router.callback_query.register(
        form.keep,
        StateFilter(*answering_steps),
        ExactButton(ReportActCb(action=FormAction.KEEP)),
    )
    router.callback_query.register(
        form.send_anyway,
        StateFilter(ReportForm.review),
        ExactButton(ReportActCb(action=FormAction.SEND_ANYWAY)),
    )
    router.callback_query.register(
        form.cancel, StateFilter(ReportForm), ExactButton(ReportActCb(action=FormAction.CANCEL))
    )
    router.callback_query.register(
        form.discard, StateFilter(ReportForm), ExactButton(ReportActCb(action=FormAction.DISCARD))
    )
    router.callback_query.register(
        form.go_on, StateFilter(*answering), ExactButton(ReportActCb(action=FormAction.GO_ON))
    )

    # Any other press of the form's buttons: a screen of a step already left, or a closed form.
    for factory in (ReportActCb, EditCb, RegionCb, RegionAgainCb, RegionPageCb, PlaceCb, WhenCb):
        router.callback_query.register(form.stale, factory.filter())
    return router


__all__ = ["FLOW", "ReportForm", "build_router"]
