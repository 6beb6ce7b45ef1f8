"""The one rule for input inside a flow (handlers.flow): which kind each input is."""

from __future__ import annotations

import datetime as dt

import pytest
from aiogram.types import CallbackQuery, Chat, Message, User

from handlers import flow_rule
from handlers.flow import DETOUR, EXIT, STEP
from handlers.report import FLOW as REPORT
from handlers.situation import FLOW as SITUATION

PERSON = User(id=5_123_456_789, is_bot=False, first_name="x")
CHAT = Chat(id=PERSON.id, type="private")
EPOCH = dt.datetime.fromtimestamp(0, dt.UTC)  # what a Message built with date=0 holds


def text(value: str) -> Message:
    return Message(message_id=1, date=EPOCH, chat=CHAT, from_user=PERSON, text=value)


def button(data: str) -> CallbackQuery:
    return CallbackQuery(
        id="1", from_user=PERSON, chat_instance="1", data=data, message=text("screen")
    )


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        (text("/start"), EXIT),
        (text("/start faq-entry"), EXIT),
        (text("/cancel"), EXIT),
        (text("/report"), EXIT),  # /report again
        (text("/alerts"), EXIT),  # another flow
        (text("/announce"), EXIT),
        (text("/REPORT@helpline_bot"), EXIT),
        (text("/sos"), DETOUR),
        (text("/privacy"), DETOUR),
        (text("/help"), DETOUR),
        (text("/language"), DETOUR),
        (text("/verify"), DETOUR),
        (text("/queue"), DETOUR),  # a command that opens no flow
        (text("/nonsense"), DETOUR),
        (text("метро Выхино"), STEP),  # in the report form, typed text is step input
        (text("/"), STEP),  # not a command: Telegram marks only "/name" as one
        (text("/ hello"), STEP),
        (text("/\n\n🔏 sig:A.1.x"), STEP),  # a pasted alert that happens to start with "/"
        (button("nav:home"), EXIT),
        (button("nav:report"), EXIT),
        (button("nav:check-go"), EXIT),
        (button("nav:sos"), DETOUR),
        (button("nav:topics"), DETOUR),
        (button("rpl:metro"), STEP),
        (button("fl:resume"), STEP),
    ],
)
def test_inputs_in_the_report_form(event: Message | CallbackQuery, kind: str) -> None:
    assert flow_rule().classify(event, REPORT) == kind


def test_free_text_in_the_questionnaire_is_a_question() -> None:
    rule = flow_rule()
    assert rule.classify(text("как получить отсрочку"), SITUATION) == DETOUR
    assert rule.classify(button("q:age:a30"), SITUATION) == STEP


def test_every_flow_state_is_known() -> None:
    rule = flow_rule()
    assert rule.of_state("ReportForm:review") is REPORT
    assert rule.of_state("Situation:answering") is SITUATION
    assert rule.of_state(None) is None and rule.of_state("Unknown:x") is None
    names = [f.name for f in rule.flows]
    assert len(names) == len(set(names)) == 8


def test_a_button_under_an_old_message_still_belongs_to_its_chat() -> None:
    from aiogram.types import InaccessibleMessage

    from handlers.flow import _chat_id

    old = CallbackQuery(
        id="1",
        from_user=PERSON,
        chat_instance="1",
        data="nav:home",
        message=InaccessibleMessage(chat=CHAT, message_id=5),
    )
    assert _chat_id(old) == PERSON.id
    group = Message(message_id=1, date=EPOCH, chat=Chat(id=-100, type="group"), text="/start")
    assert _chat_id(group) is None
