"""Structured, identity-free logging.

Log lines are `logfmt`: `ts=... level=... logger=... event="..." key=value`. Code logs constant
event names plus counts, durations and error classes — never a chat id, user id, name or message
text. As a second line of defence a filter redacts anything shaped like a bot token and escapes
control characters so one record is always one line.

The rule for everything the app does not write itself (aiogram, aiohttp, aiosqlite, APScheduler,
pydantic, asyncio, Python warnings, any other library):

    A library's record keeps its logger name and level, the class of any exception it carries,
    and an event name chosen here from a fixed table (`LIBRARY_EVENTS`) — nothing else. Its
    message text, arguments, extra fields, traceback and exception text are dropped, at every
    level.

Library messages interpolate whatever they were handed: aiogram's "Failed to fetch updates"
prints a pydantic error that quotes a whole getUpdates batch, its "unknown update type" warning
dumps the update, asyncio's "exception was never retrieved" quotes the exception. Only the app's
own records (loggers under `helpline`, `bot` and `handlers`) keep their text, and those are
written to carry constants and counts only. `LibraryRecordFilter` enforces the rule on the one
handler every record reaches.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from typing import Any, TextIO

_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u202e]")
_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def _quote(value: object) -> str:
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))
    text = _TOKEN.sub("<redacted-token>", text)
    if not text or any(c in text for c in ' "='):
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


class LogfmtFormatter(logging.Formatter):
    """One line per record; extra fields passed with `extra={...}` become key=value pairs."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [
            f"ts={time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(record.created))}Z",
            f"level={record.levelname.lower()}",
            f"logger={record.name}",
            f"event={_quote(record.getMessage())}",
        ]
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                parts.append(f"{key}={_quote(value)}")
        if record.exc_info and record.exc_info[0] is not None:
            # The class only: exception texts can carry request data; tracebacks stay out.
            parts.append(f"error={record.exc_info[0].__name__}")
        return " ".join(parts)


APP_LOGGERS = ("helpline", "bot", "handlers")
# Libraries whose INFO lines say nothing an operator acts on: shown only with LOG_LEVEL=DEBUG.
QUIET_LIBRARIES = ("aiogram.event", "apscheduler")

# (logger prefix, the library's own message template) -> the constant event logged instead.
LIBRARY_EVENTS: dict[tuple[str, str], str] = {
    ("aiogram.dispatcher", "Start polling"): "polling starting",
    ("aiogram.dispatcher", "Run polling for bot @%s id=%d - %r"): "polling started",
    ("aiogram.dispatcher", "Polling stopped"): "polling stopped",
    ("aiogram.dispatcher", "Polling stopped for bot @%s id=%d - %r"): "polling stopped",
    ("aiogram.dispatcher", "Failed to fetch updates - %s: %s"): "getUpdates failed",
    (
        "aiogram.dispatcher",
        "Sleep for %f seconds and try again... (tryings = %d, bot id = %d)",
    ): "getUpdates retry after a pause",
    (
        "aiogram.dispatcher",
        "Connection established (tryings = %d, bot id = %d)",
    ): "getUpdates works again",
    ("aiogram.event", "Update id=%s is %s. Duration %d ms by bot id=%d"): "update done",
    ("aiogram.event", "Failed to make answer: %s: %s"): "webhook answer failed",
    ("aiogram.dispatcher", "Received %s signal"): "signal received",
    (
        "aiogram.event",
        "Cause exception while process update id=%d by bot id=%d\n%s: %s",
    ): "update failed in the library",
    ("apscheduler", "Scheduler started"): "scheduler started",
    ("apscheduler", "Scheduler has been shut down"): "scheduler stopped",
}
LIBRARY_EVENT = "library message"


def is_app_logger(name: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in APP_LOGGERS)


def library_event(name: str, template: object) -> str:
    for (prefix, known), event in LIBRARY_EVENTS.items():
        if template == known and (name == prefix or name.startswith(prefix + ".")):
            return event
    return LIBRARY_EVENT


class LibraryRecordFilter(logging.Filter):
    """Applies the rule above to every record from a logger that is not the app's own."""

    def filter(self, record: logging.LogRecord) -> bool:
        if is_app_logger(record.name):
            return True
        error = None
        if record.exc_info and record.exc_info[0] is not None:
            error = record.exc_info[0].__name__
        elif isinstance(record.args, tuple):
            error = next(
                (type(a).__name__ for a in record.args if isinstance(a, BaseException)), None
            )
        elif isinstance(record.msg, BaseException):
            error = type(record.msg).__name__
        event = library_event(record.name, record.msg)
        for key in [k for k in record.__dict__ if k not in _STANDARD_ATTRS]:
            del record.__dict__[key]
        record.msg, record.args = event, None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        if error is not None:
            record.error = error
        return True


class RedactTokenFilter(logging.Filter):
    """Defence in depth: rewrite a record whose arguments would render a bot token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            try:
                rendered = record.getMessage()
            except Exception:
                return True
            if _TOKEN.search(rendered):
                record.msg, record.args = _TOKEN.sub("<redacted-token>", rendered), None
        return True


def setup_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Configure the root logger once for the process."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(LogfmtFormatter())
    handler.addFilter(LibraryRecordFilter())
    handler.addFilter(RedactTokenFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Warnings (aiogram's "unknown update type" one dumps a whole update) become records, so
    # that the library rule above applies to them too.
    logging.captureWarnings(True)
    # Library chatter (aiogram's per-update line; APScheduler's "Added job" and "Scheduler
    # started" lines, ten at every start) is for DEBUG runs only; their warnings always show.
    quiet = max(logging.getLevelName(level), logging.WARNING)
    chatter = logging.DEBUG if level == "DEBUG" else quiet
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(chatter)
    # aiosqlite logs every statement with its parameters at DEBUG: alert texts, blind indexes
    # and ciphertexts would reach the log. Never below INFO, whatever LOG_LEVEL says.
    logging.getLogger("aiosqlite").setLevel(max(logging.getLevelName(level), logging.INFO))


def fields(**values: Any) -> dict[str, Any]:
    """Readable spelling for `extra=`: `log.info("started", extra=fields(port=1))`."""
    return values
