"""The moderation and admin buttons' data (handlers.moderation.callbacks, handlers.admin.callbacks):
every value of their enums has its label in both catalogues, the longest values fit in
Telegram's 64 bytes, and a button in the format from before the versioned prefixes (md:, mr:,
ad:) answers "expired" to anyone and never acts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from aiogram.filters.callback_data import CallbackData

from bot.config import REPO_ROOT
from bot.devserver.server import FakeBotAPI
from bot.i18n import LANGUAGES
from bot.services.alert_text import Advice, AlertField, Certainty, Closing
from bot.services.report_window import ReportWindow
from bot.services.review import RejectReason
from bot.storage.alerts import EDITABLE
from handlers.admin import callbacks as admin_buttons
from handlers.moderation import callbacks as moderation_buttons
from handlers.moderation.screens import EDIT_LABELS
from tests.support.fuzz import build_test_app, close_app, feed
from tests.support.parsed_content import parsed_translator

MAX_CALLBACK_BYTES = 64
ADMIN, OUTSIDER = 5_000_000_001, 5_300_000_003


def catalogue_keys() -> Iterator[tuple[StrEnum, str]]:
    """Every value of every enum the moderation buttons and alerts use, with its label's key."""
    for reason in RejectReason:
        yield reason, reason.label_key
    for field in AlertField:
        yield field, EDIT_LABELS[field]
    for certainty in Certainty:
        yield certainty, certainty.label_key
    for advice in Advice:
        yield advice, advice.label_key
    for closing in Closing:
        yield closing, closing.label_key


def test_every_enum_value_has_its_label_in_both_languages() -> None:
    translator = parsed_translator(REPO_ROOT / "content" / "locales")
    keys = list(catalogue_keys())
    assert len(keys) == 3 + 5 + 2 + 3 + 3
    for value, key in keys:
        for lang in LANGUAGES:
            assert translator(lang, key).strip(), f"{value!r}: '{key}' is empty in {lang}"


def test_the_edit_buttons_are_the_editable_columns() -> None:
    assert tuple(AlertField) == EDITABLE
    assert set(EDIT_LABELS) == set(AlertField)


# The longest value each field can hold.
LONGEST: dict[str, Any] = {
    "region": "x" * 24,  # regions.toml allows [a-z0-9-]{1,24}
    "window": ReportWindow.parse("2026-11-30T22"),
    "page": 10_000,
    "report": str(uuid.uuid4()),
    "reason": max(RejectReason, key=len),
    "alert": "f" * 8,
    "text_tag": "f" * 16,
    "field": max(AlertField, key=len),
    "confirm": True,
    "moderator": 2**63 - 1,
}
FACTORIES: list[type[CallbackData]] = [*moderation_buttons.FACTORIES, *admin_buttons.FACTORIES]


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__prefix__)
def test_the_longest_values_fit_in_64_bytes_and_round_trip(factory: type[CallbackData]) -> None:
    assert set(factory.model_fields) <= set(LONGEST), "a new field needs its longest value here"
    value = factory(**{name: LONGEST[name] for name in factory.model_fields})
    packed = value.pack()  # aiogram refuses more than 64 bytes with a ValueError
    assert len(packed.encode()) <= MAX_CALLBACK_BYTES, packed
    assert factory.unpack(packed) == value


def test_the_prefixes_are_versioned_and_distinct() -> None:
    prefixes = [f.__prefix__ for f in FACTORIES]
    assert len(set(prefixes)) == len(prefixes)
    assert all(p.startswith(("m1.", "a1.")) for p in prefixes)


OLD_BUTTONS = [
    "md:queue::::",
    "md:group:moscow:2026-11-25T14::",
    "md:reject:moscow:2026-11-25T14::spam",
    "md:approve:::0123abcd:0123456789abcdef",
    "md:withdraw:::0123abcd:",
    f"mr:{uuid.uuid4()}:",
    f"mr:{uuid.uuid4()}:spam",
    "ad:list:0",
    "ad:remove:1",
    "ad:announce:0",
    # The new format with a value its type refuses: no button of ours either.
    "m1.group:moscow:2026-11-25T13",
    "a1.remove:-1",
]


@pytest.mark.parametrize("user", [ADMIN, OUTSIDER], ids=["admin", "outsider"])
async def test_an_old_button_answers_expired_and_never_acts(
    api: FakeBotAPI, tmp_path: Path, user: int
) -> None:
    app = await build_test_app(api, tmp_path / "data", admin_ids=frozenset({ADMIN}))
    try:
        api.add_user(user, language_code="en")
        await feed(app, api.push_message(user, "/start"))
        message = api.last_message(user)
        assert message is not None
        expired = app.translator("en", "button-expired")
        for data in OLD_BUTTONS:
            before = len(api.calls)
            await feed(app, api.push_callback(user, message.message_id, data))
            made = api.calls[before:]
            assert [c.method for c in made] == ["answerCallbackQuery"], (data, made)
            assert made[0].params.get("text") == expired, data
    finally:
        await close_app(app)
