"""Unparseable updates are skipped one by one; library log records carry no text of their own."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from aiogram.methods import GetUpdates, SendMessage
from aiogram.types import Message
from pydantic import ValidationError

from bot.logs import LIBRARY_EVENT, setup_logging
from bot.telegram.updates import SkippedUpdate, TolerantSession, UpdateGate

SECRET = "secret-text-4411"
USER_ID = 5_987_654_321


def message(update_id: int, **extra: Any) -> dict[str, Any]:
    chat = {"id": USER_ID, "type": "private", "first_name": SECRET}
    body = {"message_id": 1, "date": 1, "chat": chat, "text": SECRET, **extra}
    return {"update_id": update_id, "message": body}


HIDDEN_NO_NAME = {"forward_origin": {"type": "hidden_user", "date": 1}}
NEW_ORIGIN = {"forward_origin": {"type": "carrier_pigeon", "date": 1, "pigeon": SECRET}}


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    handler = Keep()
    logger = logging.getLogger("helpline.updates")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)


def test_good_updates_pass_and_bad_ones_become_placeholders(
    records: list[logging.LogRecord],
) -> None:
    gate = UpdateGate()
    batch = [
        message(1),
        message(2, **HIDDEN_NO_NAME),
        message(3),
        message(4, **NEW_ORIGIN),
        {"update_id": 5, "purchased_something_new": {"x": SECRET}},
        {"no_id": True},
        "not even an object",
    ]
    updates = gate.parse_batch(batch)
    assert [u.update_id for u in updates] == [1, 2, 3, 4, 5]
    assert [isinstance(u, SkippedUpdate) for u in updates] == [False, True, False, True, True]
    assert updates[0].message is not None and updates[0].message.text == SECRET
    assert gate.skipped == 5
    # Log records carry their extras untyped.
    fields: list[tuple[Any, Any]] = [
        (r.__dict__.get("update_id"), r.__dict__.get("field")) for r in records
    ]
    assert fields[0] == (2, "message.forward_origin.hidden_user.sender_user_name")
    assert fields[1][0] == 4 and fields[1][1].startswith("message.forward_origin")
    assert fields[2] == (5, "purchased_something_new")
    assert fields[3:] == [(None, "update_id"), (None, "update_id")]
    assert all(r.levelno == logging.WARNING for r in records)
    for record in records:
        rendered = record.getMessage() + " " + " ".join(map(str, record.__dict__.values()))
        assert SECRET not in rendered and str(USER_ID) not in rendered


def test_a_field_path_never_carries_a_value() -> None:
    # A dict key or anything that is not a schema name is logged as "?".
    from bot.telegram.updates import _path

    assert _path(("message", 0, "forward_origin")) == "message.0.forward_origin"
    assert _path(("message", SECRET + " with spaces", "x" * 60)) == "message.?.?"


def test_the_session_answers_a_poisoned_batch_with_every_id() -> None:
    gate = UpdateGate()
    session = TolerantSession(gate)
    content = json.dumps({"ok": True, "result": [message(7), message(8, **HIDDEN_NO_NAME)]})
    response = session.check_response(None, GetUpdates(), 200, content)  # type: ignore[arg-type]
    assert [u.update_id for u in response.result or []] == [7, 8]  # the offset moves past 8
    assert isinstance((response.result or [])[-1], SkippedUpdate)
    # Other methods and error answers are left to aiogram.
    chat = {"id": 1, "type": "private"}
    sent = json.dumps({"ok": True, "result": {"message_id": 1, "date": 1, "chat": chat}})
    method = SendMessage(chat_id=1, text="x")
    assert session.check_response(None, method, 200, sent).ok  # type: ignore[arg-type]
    asyncio.run(session.close())


def test_keyboards_nothing_reads_are_not_validated() -> None:
    """A sent screen's buttons come back in the answer, and a button press carries the keyboard
    of the message it was under; nothing reads either, so both are dropped before validation.
    Everything else of the pressed message (its id, chat, text) is kept."""
    session = TolerantSession(UpdateGate())
    chat = {"id": 1, "type": "private"}
    keyboard = {"inline_keyboard": [[{"text": "a", "callback_data": "x"}] for _ in range(12)]}
    sent = {"message_id": 1, "date": 1, "chat": chat, "text": "t", "reply_markup": keyboard}
    answer = json.dumps({"ok": True, "result": sent})
    method = SendMessage(chat_id=1, text="t")
    result = session.check_response(None, method, 200, answer).result  # type: ignore[arg-type]
    assert result is not None and result.message_id == 1 and result.reply_markup is None
    press = {
        "update_id": 5,
        "callback_query": {
            "id": "q",
            "from": {"id": 1, "is_bot": False, "first_name": "x"},
            "chat_instance": "c",
            "data": "x",
            "message": sent,
        },
    }
    polled = json.dumps({"ok": True, "result": [press]})
    updates = session.check_response(None, GetUpdates(), 200, polled).result  # type: ignore[arg-type]
    query = (updates or [])[0].callback_query
    assert query is not None and query.message is not None
    assert isinstance(query.message, Message)  # not an InaccessibleMessage
    assert query.message.reply_markup is None
    assert (query.message.message_id, query.message.chat.id, query.message.text) == (1, 1, "t")
    assert query.data == "x"
    assert sent["reply_markup"] == keyboard  # the caller's dict is left as it was
    asyncio.run(session.close())


def library_records(level: str = "DEBUG") -> tuple[io.StringIO, Any]:
    stream = io.StringIO()
    setup_logging(level, stream)
    return stream, logging.getLogger()


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.captureWarnings(False)


@pytest.mark.parametrize(
    "name",
    [
        "aiogram.dispatcher",
        "aiohttp.access",
        "aiosqlite",
        "apscheduler.scheduler",
        "pydantic",
        "asyncio",
        "py.warnings",
        "some.other.library",
    ],
)
@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR])
def test_library_records_keep_only_a_constant_event_and_the_error_class(
    restore_logging: None, name: str, level: int
) -> None:
    stream, _ = library_records()
    try:
        raise ValidationError.from_exception_data(SECRET, [])
    except ValidationError as exc:
        error = exc
    logging.getLogger(name).log(
        level,
        "Failed for %s: %s (%d)",
        SECRET,
        error,
        USER_ID,
        exc_info=error,
        extra={"chat": USER_ID, "who": SECRET},
    )
    line = stream.getvalue()
    if level < logging.WARNING and not line:
        return  # some libraries are held above DEBUG or INFO (aiosqlite logs SQL parameters)
    assert line.count("\n") == 1
    assert SECRET not in line and str(USER_ID) not in line
    assert f'event="{LIBRARY_EVENT}"' in line and "error=ValidationError" in line
    assert f"logger={name}" in line


def test_known_library_messages_get_their_own_constant_event(restore_logging: None) -> None:
    stream, _ = library_records()
    logging.getLogger("aiogram.dispatcher").error(
        "Failed to fetch updates - %s: %s", "ClientDecodeError", RuntimeError(SECRET)
    )
    line = stream.getvalue()
    assert 'event="getUpdates failed"' in line and "error=RuntimeError" in line
    assert SECRET not in line


def test_warnings_follow_the_same_rule(restore_logging: None) -> None:
    stream, _ = library_records()
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn(f"Detected unknown update type. Update: {SECRET}", RuntimeWarning, 1)
    line = stream.getvalue()
    assert "logger=py.warnings" in line and SECRET not in line


def test_the_apps_own_records_keep_their_text(restore_logging: None) -> None:
    stream, _ = library_records()
    logging.getLogger("helpline.app").info("bot started", extra={"keyring": "locked"})
    logging.getLogger("bot.telegram.broadcast").info("broadcast paused", extra={"seconds": 3})
    text = stream.getvalue()
    assert 'event="bot started"' in text and "keyring=locked" in text
    assert 'event="broadcast paused"' in text and "seconds=3" in text
