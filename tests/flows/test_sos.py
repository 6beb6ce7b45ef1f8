"""/sos through the real app in-process: the card says what to do even with no contacts, its
share button carries the prepared message (in the person's language, with a blank for the
place) and its copy buttons hold the phrases for officers with their law; the operator's own
contacts follow the shipped ones."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.config import REPO_ROOT
from bot.content.emergency import LOCAL_CONTACTS, SOS_INLINE_QUERY, load_emergency
from bot.content.faq import FaqCatalog
from bot.devserver.chats import ChatMessage
from bot.devserver.server import FakeBotAPI
from tests.support.chat import USER_IDS, User
from tests.support.leaks import needles, scan_bytes, scan_dir
from tests.support.process import StartBot

CONTENT = REPO_ROOT / "content"
CARD = load_emergency(CONTENT / "emergency.toml", set(FaqCatalog.load(CONTENT).ids()))
LOCAL = """
[[contact]]
id = "city-lawyers"
name_ru = "Юристы нашего города"
name_en = "Our city's lawyers"
status = "none-known"
status_ru = "в реестрах Минюста не значится"
status_en = "not on the Justice Ministry's registers"
what_ru = "консультации призывникам"
what_en = "advice for conscripts"
contact = "@city_lawyers_help"
verified = 2026-12-01
source = "реестры Минюста, 01.12.2026"
"""


def no_errors(api: FakeBotAPI) -> None:
    failed = [
        f"{c.method}: {c.description}" for c in api.calls if not c.ok and c.method != "getUpdates"
    ]
    assert not failed, failed


def shared_message(card: ChatMessage) -> str:
    """What the share button puts in the chat the person picks: url, newline, text."""
    links = [b.url for row in card.buttons for b in row if b.url and "/share/url" in b.url]
    assert len(links) == 1, card.buttons
    query = parse_qs(urlsplit(links[0]).query, strict_parsing=True)
    return "\n".join(query["url"] + query.get("text", []))


def copied(card: ChatMessage) -> dict[str, str]:
    return {b.text: b.copy_text or "" for row in card.buttons for b in row if b.kind == "copy_text"}


@pytest.mark.parametrize(
    ("lang", "where", "lawyer", "label"),
    [
        ("ru", "Где: ___", "право на адвоката", "📋 Прошу адвоката"),
        ("en", "Where: ___", "right to a lawyer", "📋 I ask for a lawyer"),
    ],
)
async def test_card_share_message_and_copy_buttons(
    api: FakeBotAPI, start_bot: StartBot, lang: str, where: str, lawyer: str, label: str
) -> None:
    user = User(api, USER_IDS[0], lang)
    await start_bot()
    card = await user.say("/sos")
    assert lawyer in card.visible_text
    message = shared_message(card)
    assert message == CARD.share[lang] and where in message
    phrases = copied(card)
    assert phrases[label].startswith("Я прошу адвоката")  # said in Russian in both languages
    assert "статья 48 Конституции" in phrases[label]
    assert set(phrases.values()) == {p.say for p in CARD.phrases}
    for text in phrases.values():
        assert 1 <= len(text) <= 256 and "стать" in text  # each names its law
    inline = [b for row in card.buttons for b in row if b.kind == "switch_inline_query_chosen_chat"]
    assert len(inline) == 1
    raw = card.reply_markup or {}
    chosen = [
        b["switch_inline_query_chosen_chat"]
        for row in raw["inline_keyboard"]
        for b in row
        if "switch_inline_query_chosen_chat" in b
    ]
    assert chosen[0]["query"] == SOS_INLINE_QUERY
    # the same card from the menu, edited in place
    menu = await user.say("/start")
    screen = await user.press("🆘")
    assert screen.message_id == menu.message_id and shared_message(screen) == message
    assert copied(screen) == phrases
    no_errors(api)


async def test_inline_sos_query_offers_the_prepared_message(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    User(api, USER_IDS[0], "en")
    await start_bot()
    api.push_inline_query(USER_IDS[0], SOS_INLINE_QUERY)
    call = await api.wait_for(lambda c: c.method == "answerInlineQuery")
    assert call.ok, call.description
    (result,) = call.params["results"]
    assert result["input_message_content"]["message_text"] == CARD.share["en"]


async def test_card_without_contacts_still_says_what_to_do(
    api: FakeBotAPI, start_bot: StartBot, tmp_path: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    (content / "contacts.toml").write_text("# none\n", encoding="utf-8")
    user = User(api, USER_IDS[0], "ru")
    await start_bot(CONTENT_DIR=str(content))
    card = await user.say("/sos")
    text = card.visible_text
    assert "stoparmy.org" not in text
    assert "Контактов организаций в этом боте сейчас нет" in text
    assert "ст. 48 Конституции" in text  # the right to a lawyer
    assert "близк" in text and "трёх часов" in text  # a trusted person; the call within 3 hours
    assert "не останавливает" in text  # a complaint does not stop dispatch
    assert shared_message(card) == CARD.share["ru"] and copied(card)
    no_errors(api)


async def test_operator_contacts_follow_the_shipped_ones(
    api: FakeBotAPI, start_bot: StartBot, tmp_path: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    (content / LOCAL_CONTACTS).parent.mkdir()
    (content / LOCAL_CONTACTS).write_text(LOCAL, encoding="utf-8")
    user = User(api, USER_IDS[0], "en")
    await start_bot(CONTENT_DIR=str(content))
    text = (await user.say("/sos")).visible_text
    assert "Telegram: @city_lawyers_help" in text and "website: stoparmy.org" in text
    assert text.index("stoparmy.org") < text.index("@city_lawyers_help")
    assert "not on the Justice Ministry's registers" in text
    no_errors(api)


async def test_sos_and_its_inline_message_leave_no_trace(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    """The card, its menu route and the inline message at DEBUG: no id or name on disk or in
    the logs (the card never asks where the person is, so there is no place to leak)."""
    user = User(api, USER_IDS[0], "ru", first_name="Sos-Marker-Name", username="sos_marker_77")
    bot = await start_bot(LOG_LEVEL="DEBUG")
    await user.say("/sos")
    await user.say("/start")
    await user.press("🆘")
    api.push_inline_query(user.id, SOS_INLINE_QUERY)
    await api.wait_for(lambda c: c.method == "answerInlineQuery")
    await api.wait_idle()
    markers = needles(texts=["Sos-Marker-Name", "sos_marker_77"], ids=[user.id])
    assert scan_dir(bot.data_dir, markers) == []
    logs = bot.logs()
    assert "level=debug" in logs
    assert scan_bytes(logs.encode(), markers) == []
