"""Structured, identity-free logging.

Log lines are `logfmt`: `ts=... level=... logger=... event="..." key=value`. Code logs constant
event names plus counts, durations and error classes — never a chat id, user id, name or message
text. As a second line of defence a filter redacts anything shaped like a bot token and escapes
control characters so one record is always one line.
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
    handler.addFilter(RedactTokenFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiogram's per-update INFO line is noise at scale; keep it at DEBUG runs only.
    if level != "DEBUG":
        logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(max(logging.getLevelName(level), logging.INFO))
    # aiosqlite logs every statement with its parameters at DEBUG: alert texts, blind indexes
    # and ciphertexts would reach the log. Never below INFO, whatever LOG_LEVEL says.
    logging.getLogger("aiosqlite").setLevel(max(logging.getLevelName(level), logging.INFO))


def fields(**values: Any) -> dict[str, Any]:
    """Readable spelling for `extra=`: `log.info("started", extra=fields(port=1))`."""
    return values
