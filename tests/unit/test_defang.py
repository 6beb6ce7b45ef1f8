"""Defanged text: nothing Telegram would link survives, and ordinary text is left alone."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.devserver.formatting import parse_text
from bot.services.defang import defang, has_live_link

LINKED = [
    "https://evil.example/login",
    "see http://x.co now",
    "t.me/fake_helpline_bot",
    "write to @fake_helpline",
    "mail help@evil.org",
    "госуслуги.рф",
    "tg://resolve?domain=fakebot",
    "HTTPS://EVIL.EXAMPLE",
    "evil.com/path?a=1",
    "sub.domain.evil.io:8080/x",
]

PLAIN = [
    "м. Тверская",
    "м.Тверская",
    "у входа в 12.30, т.е. сразу",
    "ст. 59 п. 1",
    "Курский вокзал, выход 3",
    "e.g. the north exit",
    "версия 1.2.3",
    "email me",  # no address
    "@ab",  # too short for a username
]


def _links(text: str) -> list[str]:
    parsed = parse_text(text, None)
    return [e["type"] for e in parsed.entities]


@pytest.mark.parametrize("text", LINKED)
def test_what_telegram_links_is_made_inert(text: str) -> None:
    assert _links(text), "the stand-in must see a link here, or this test proves nothing"
    assert has_live_link(text)
    safe = defang(text)
    assert _links(safe) == []
    assert not has_live_link(safe)


@pytest.mark.parametrize("text", PLAIN)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert defang(text) == text


def test_defanged_text_stays_readable() -> None:
    assert defang("go to https://evil.example/x") == "go to hxxps[:]//evil[.]example/x"
    assert defang("ask @fake_helpline") == "ask [@]fake_helpline"
    assert defang("help@evil.org") == "help@evil[.]org"


_LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8)
_TLD = st.sampled_from(["com", "ru", "org", "io", "рф", "москва", "info", "me"])
_HOST = st.builds(
    lambda labels, tld: ".".join([*labels, tld]), st.lists(_LABEL, min_size=1, max_size=3), _TLD
)
_LINK = st.one_of(
    _HOST,
    st.builds(lambda h, p: f"https://{h}/{p}", _HOST, _LABEL),
    st.builds(lambda n: f"@{n}", st.from_regex(r"[A-Za-z][A-Za-z0-9_]{4,20}", fullmatch=True)),
    st.builds(lambda u, h: f"{u}@{h}", _LABEL, _HOST),
)
_WORDS = st.text(alphabet="абв где xyz .,:;!?()@/-_", max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_WORDS, _LINK), min_size=1, max_size=4), _WORDS)
@example([("", "0.com")], "x://:")  # a one-letter scheme (found by this test)
@example([("", "a.io")], "averyveryverylongschemename://x")
@example([("x.xx-", "0.com")], "")  # a host that ends where a dash begins (found by this test)
def test_no_link_survives_in_any_surrounding(parts: list[tuple[str, str]], tail: str) -> None:
    text = "".join(f"{before} {link} " for before, link in parts) + tail
    assert _links(defang(text)) == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_defang_is_idempotent_and_never_links(text: str) -> None:
    once = defang(text)
    assert defang(once) == once
    assert _links(once) == []
