"""The report form's states, and the draft keys that are no step's answer (the answers' keys
are in the step table, handlers.report.steps)."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup

KEPT_TEXT_KEY = "kept_text"  # free text typed at a button step, offered at the description step
REVIEWED_KEY = "reviewed"  # the review screen was reached: an answer returns there


class ReportForm(StatesGroup):
    """One state a step (see STEPS), then review, then sending. The stored state names
    ("ReportForm:text") are what the drafts storage and the flow rule see."""

    region = State()
    place = State()
    when = State()
    text = State()
    photo = State()
    location = State()
    review = State()
    sending = State()  # Send was tapped: the draft is being sealed and stored
