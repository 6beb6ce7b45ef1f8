"""Reading a content TOML file, with the one-line errors `check` and start-up print."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from bot.content.faq import ContentError


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed file; a missing, unreadable or malformed one is a `ContentError` naming it."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContentError([f"{path}: cannot read: {exc.strerror}"]) from None
    except UnicodeDecodeError:
        raise ContentError([f"{path}: not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ContentError([f"{path}: not valid TOML: {exc}"]) from None
