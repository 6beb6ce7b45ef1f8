"""The report form's and the /alerts screen's typed buttons: every enum value has its label in
both languages, the values are what the domain stores and accepts, every button fits in
Telegram's 64 bytes, old /alerts buttons still in chats keep their meaning, and the step table
covers every step."""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from pathlib import Path

import pytest
from aiogram.filters.callback_data import CallbackData

from bot.config import REPO_ROOT, Settings
from bot.devserver.server import FakeBotAPI
from bot.i18n import LANGUAGES, Tr
from bot.services.reports import (
    PLACE_TYPES,
    TIME_BUCKETS,
    PlaceType,
    RateLimited,
    ReportDraft,
    TimeBucket,
)
from bot.services.subscriptions import OPERATIONS
from handlers.alerts.callbacks import (
    AlertsAction,
    AlertsDropCb,
    AlertSetting,
    AlertsMenuCb,
    AlertsPageCb,
    AlertsPickCb,
    AlertsToggleCb,
    AlertsV1Cb,
    upgrade,
)
from handlers.report.callbacks import (
    EditCb,
    FormAction,
    FormStep,
    PlaceCb,
    RegionCb,
    RegionPageCb,
    ReportActCb,
    WhenCb,
)
from handlers.report.screens import place_prompt, refusal, with_region_picked
from handlers.report.states import ReportForm
from handlers.report.steps import STEPS
from tests.support.fuzz import build_test_app, close_app, feed
from tests.support.parsed_content import parsed_regions, parsed_translator

CONTENT = REPO_ROOT / "content"
TRANSLATOR = parsed_translator(CONTENT / "locales")
REGIONS = parsed_regions(CONTENT / "regions.toml")
MAX_CALLBACK_BYTES = 64
LONGEST_CODE = "x" * 24  # regions.toml allows codes of [a-z0-9-]{1,24}

# What stored reports and alerts hold: these strings must never change.
STORED_PLACES = (
    "metro",
    "street",
    "hostel",
    "club",
    "workplace",
    "university",
    "hospital",
    "commissariat",
    "other",
)
STORED_TIMES = ("now", "hour", "today", "earlier")


def label_keys() -> list[str]:
    """The catalogue key of every value of every enum the buttons use."""
    keys: list[str] = []
    enums: list[type[PlaceType | TimeBucket | FormAction | FormStep | AlertsAction]] = [
        PlaceType,
        TimeBucket,
        FormAction,
        FormStep,
        AlertsAction,
    ]
    for enum in enums:
        keys += [member.label_key for member in enum]
    keys += [setting.label_key(turn_on=on) for setting in AlertSetting for on in (True, False)]
    return keys


@pytest.mark.parametrize("key", label_keys())
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_enum_value_has_its_label_in_both_languages(lang: str, key: str) -> None:
    assert TRANSLATOR(lang, key).strip()  # raises KeyError when the key is missing


def test_labels_are_distinct_within_each_enum() -> None:
    for enum in (PlaceType, TimeBucket, FormAction, FormStep, AlertsAction):
        keys = [member.label_key for member in enum]
        assert len(set(keys)) == len(keys), enum
        for lang in LANGUAGES:
            texts = [TRANSLATOR(lang, key) for key in keys]
            assert len(set(texts)) == len(texts), (enum, lang)


def test_place_and_time_values_are_what_reports_store() -> None:
    assert tuple(p.value for p in PlaceType) == STORED_PLACES
    assert tuple(t.value for t in TimeBucket) == STORED_TIMES
    assert PLACE_TYPES == STORED_PLACES and TIME_BUCKETS == STORED_TIMES
    # A value read back from the database is a plain string; it still compares and parses.
    assert all(PlaceType(value) == value for value in STORED_PLACES)
    assert all(TimeBucket(value) == value for value in STORED_TIMES)
    assert str(PlaceType.COMMISSARIAT) == "commissariat"


def test_a_draft_from_the_form_stores_plain_strings() -> None:
    data = {"region": "spb", "place_type": PlaceType.METRO.value, "time_bucket": "now"}
    draft = ReportDraft.from_data({**data, "text": "x"})
    assert draft.is_complete()
    assert type(draft.place_type) is str and type(draft.time_bucket) is str
    assert not ReportDraft.from_data({**data, "place_type": "nowhere", "text": "x"}).is_complete()


def test_alert_settings_are_subscription_operations() -> None:
    assert {setting.value for setting in AlertSetting} <= OPERATIONS


def test_the_step_table_covers_every_step_once() -> None:
    assert [step.name for step in STEPS] == list(FormStep)
    states = [step.state for step in STEPS]
    assert len(set(states)) == len(states)
    assert set(states) <= set(ReportForm.__all_states__)
    draft_fields = {f.name for f in dataclasses.fields(ReportDraft)}
    assert {step.key for step in STEPS} == draft_fields  # every answer reaches the report


def test_an_optional_step_is_answered_by_a_skip_and_asked_again_after_edit() -> None:
    photo = next(step for step in STEPS if step.name is FormStep.PHOTO)
    assert photo.answer(None) == {"photo_file_id": None, "photo_done": True}
    assert photo.answered(photo.answer(None))
    assert photo.cleared() == {"photo_file_id": None, "photo_done": None}
    assert not photo.answered(photo.cleared())
    region = STEPS[0]
    assert region.answer("spb") == {"region": "spb"} and region.answered({"region": "spb"})
    assert not region.answered(region.cleared())


def test_the_keyboard_under_a_picked_region_is_made_once() -> None:
    """The region step's hot path: the same keyboard object for every region picked, so the
    session prepares its JSON once; "Not this region" takes Back's place, Cancel stays."""
    tr = Tr(TRANSLATOR, "ru")
    spb, msk = REGIONS.get("spb"), REGIONS.get("moscow")
    assert spb is not None and msk is not None
    text, first = with_region_picked(tr, spb, "step", place_prompt(tr, {})[1])
    _, second = with_region_picked(tr, msk, "step", place_prompt(tr, {})[1])
    assert first is second
    assert text == "Регион: Санкт-Петербург.\n\nstep"
    assert [b.text for b in first.inline_keyboard[-1]] == ["Не тот регион", "✖ Отменить"]


def every_button() -> list[CallbackData]:
    """Every button the two features can make, with the longest values."""
    codes = [LONGEST_CODE, max((r.code for r in REGIONS.all()), key=len)]
    buttons: list[CallbackData] = [
        *(PlaceCb(place=place) for place in PlaceType),
        *(WhenCb(when=when) for when in TimeBucket),
        *(ReportActCb(action=action) for action in FormAction),
        *(EditCb(step=step) for step in FormStep),
        RegionPageCb(page=10_000),
        *(AlertsMenuCb(action=action) for action in AlertsAction),
        *(AlertsToggleCb(setting=s, on=on) for s in AlertSetting for on in (True, False)),
        AlertsPageCb(page=10_000),
    ]
    for code in codes:
        buttons += [RegionCb(code=code), AlertsPickCb(code=code), AlertsDropCb(code=code)]
    return buttons


@pytest.mark.parametrize("button", every_button(), ids=lambda b: b.pack())
def test_every_button_fits_and_round_trips(button: CallbackData) -> None:
    packed = button.pack()
    assert len(packed.encode()) <= MAX_CALLBACK_BYTES
    assert type(button).unpack(packed) == button


@pytest.mark.parametrize(
    ("old", "current"),
    [
        ("al:show:", AlertsMenuCb(action=AlertsAction.SHOW)),
        ("al:add:", AlertsMenuCb(action=AlertsAction.ADD)),
        ("al:stop:", AlertsMenuCb(action=AlertsAction.STOP)),
        ("al:pick:spb", AlertsPickCb(code="spb")),
        ("al:drop:moscow", AlertsDropCb(code="moscow")),
        ("al:list:3", AlertsPageCb(page=3)),
        ("al:list:²", AlertsPageCb(page=0)),  # not an ASCII number: the first page
        ("al:list:99999", AlertsPageCb(page=0)),
        ("al:all:1", AlertsToggleCb(setting=AlertSetting.ALL_REGIONS, on=True)),
        ("al:all:0", AlertsToggleCb(setting=AlertSetting.ALL_REGIONS, on=False)),
        ("al:silent:1", AlertsToggleCb(setting=AlertSetting.SILENT, on=True)),
        ("al:silent:0", AlertsToggleCb(setting=AlertSetting.SILENT, on=False)),
        ("al:bogus:1", None),  # no button ever said this: "expired"
    ],
)
def test_an_old_alerts_button_does_what_it_said(old: str, current: CallbackData | None) -> None:
    assert upgrade(AlertsV1Cb.unpack(old)) == current


def test_old_and_new_alerts_buttons_never_share_a_prefix() -> None:
    new: list[type[CallbackData]] = [
        AlertsMenuCb,
        AlertsPickCb,
        AlertsDropCb,
        AlertsPageCb,
        AlertsToggleCb,
    ]
    assert AlertsV1Cb.__prefix__ == "al"  # what screens already in chats carry
    assert AlertsV1Cb.__prefix__ not in {factory.__prefix__ for factory in new}


def test_enums_are_str_enums() -> None:
    for enum in (PlaceType, TimeBucket, FormAction, FormStep, AlertsAction, AlertSetting):
        assert issubclass(enum, StrEnum)


async def test_an_old_alerts_screen_in_a_chat_still_works(api: FakeBotAPI, tmp_path: Path) -> None:
    """Buttons sent before the typed format, pressed through the real dispatcher."""
    person = 5_934_567_890
    app = await build_test_app(api, tmp_path / "data")
    try:
        api.add_user(person, first_name="Old", language_code="en")
        await feed(app, api.push_message(person, "/alerts"))
        screen = api.messages(person)[-1].message_id

        async def press(data: str) -> str:
            await feed(app, api.push_callback(person, screen, data))
            return api.messages(person)[-1].visible_text

        assert "Added: St Petersburg" in await press("al:pick:spb")
        assert "all of Russia" in await press("al:all:1")
        assert "silently" in await press("al:silent:1")
        shown = await press("al:drop:spb")
        assert "St Petersburg" not in shown and "all of Russia" in shown
        assert "Type the region" in await press("al:add:")
        assert "Choose the region" in await press("al:list:²")
        assert "unsubscribed" in await press("al:stop:")
        await press("al:bogus:1")
        answer = api.calls_for("answerCallbackQuery")[-1].params
        assert "expired" in str(answer.get("text"))
    finally:
        await close_app(app)


def test_a_refusal_never_promises_a_draft_the_idle_sweep_deletes() -> None:
    """The rate-limit refusal says the draft is kept only when it outlives the wait."""
    tr = Tr(TRANSLATOR, "en")
    settings = Settings(_env_file=None, draft_idle_minutes=30)
    long_wait = refusal(tr, RateLimited(wait_minutes=60), settings)
    assert "60 min" in long_wait and "not kept that long" in long_wait and "30 min" in long_wait
    short_wait = refusal(tr, RateLimited(wait_minutes=20), settings)
    assert "kept as long as" in short_wait and "not kept" not in short_wait
