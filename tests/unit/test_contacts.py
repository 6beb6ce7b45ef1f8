"""Contacts and the emergency card's data: an unchecked or unreachable contact never ships, the
operator's own file is validated like the shipped one, and each problem is one line naming the
file, the contact and what is wrong."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.checks import run_checks
from bot.config import REPO_ROOT, Settings
from bot.content.emergency import (
    COPY_TEXT_LIMIT,
    LOCAL_CONTACTS,
    SHARE_BLANK,
    SHARE_LINK_LIMIT,
    load_all_contacts,
    load_contacts,
    load_emergency,
    share_link,
)
from bot.content.faq import ContentError, FaqCatalog
from bot.content.store import ContentStore, load_content
from bot.i18n import Tr, Translator

CONTENT = REPO_ROOT / "content"
TRANSLATOR = Translator.load(CONTENT / "locales")

GOOD = """
[[contact]]
id = "local-lawyers"
name_ru = "Юристы нашего города"
name_en = "Our city's lawyers"
status = "none-known"
status_ru = "в реестрах Минюста не значится (проверено 01.12.2026)"
status_en = "not on the Justice Ministry's registers (checked 1 December 2026)"
what_ru = "консультации призывникам"
what_en = "advice for conscripts"
contact = "@local_lawyers_bot"
verified = 2026-12-01
source = "реестры Минюста, 01.12.2026; бот назвали сами юристы"
"""


def translate(lang: str) -> Tr:
    return Tr(TRANSLATOR, lang)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    shutil.copytree(CONTENT, tmp_path / "content")
    return tmp_path / "content"


def _write_local(content_dir: Path, text: str) -> Path:
    path = content_dir / LOCAL_CONTACTS
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path: Path, **kwargs: bool) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_contacts(path, **kwargs)
    return caught.value.problems


def test_shipped_contacts_are_reachable_and_checked() -> None:
    contacts = load_all_contacts(CONTENT)
    assert contacts, "the card should list at least one organisation"
    for contact in contacts:
        assert contact.status in ("foreign-agent", "none-known")
        assert contact.contact and contact.source and not contact.local
        assert contact.verified <= dt.date.today()
        assert "не провер" not in contact.status_text["ru"]
        assert "not verified" not in contact.status_text["en"]
    ids = {c.id for c in contacts}
    assert "soldiers-mothers-spb" not in ids  # stopped work with conscripts in 2021 (12.9)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('status = "none-known"', 'status = "unknown"'), "status 'unknown': an unchecked status"),
        (('status = "none-known"', 'status = "undesirable"'), "undesirable organisations are"),
        (('status = "none-known"', 'status = "maybe"'), "status 'maybe' must be one of"),
        (('status = "none-known"\n', ""), "status is missing"),
        (("verified = 2026-12-01\n", ""), "verified must be the date"),
        (
            ("verified = 2026-12-01", "verified = 2999-01-01"),
            "verified 2999-01-01 is in the future",
        ),
        (('contact = "@local_lawyers_bot"\n', ""), "contact is missing"),
        (('contact = "@local_lawyers_bot"', 'contact = "call +7 999"'), "must be a bare domain"),
        (("source = ", "# source = "), "source is missing"),
        (('what_en = "advice for conscripts"\n', ""), "needs a non-empty what_en"),
    ],
)
def test_a_bad_contact_is_one_line_naming_file_contact_and_fault(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    path = tmp_path / "contacts.toml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    problems = _problems(path)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}: contact 'local-lawyers': "), problems
    assert expected in problems[0], problems
    assert "\n" not in problems[0]


def test_a_file_without_contacts_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "contacts.toml"
    path.write_text("# none yet\n", encoding="utf-8")
    assert load_contacts(path) == []


def test_operator_contacts_come_after_the_shipped_ones(content_copy: Path) -> None:
    _write_local(content_copy, GOOD)
    contacts = load_all_contacts(content_copy)
    assert [c.id for c in contacts][-1] == "local-lawyers"
    assert contacts[-1].local and not contacts[0].local
    content = load_content(content_copy, translate)
    assert content.contacts == contacts


def test_an_operator_file_with_errors_stops_the_content_with_one_line_each(
    content_copy: Path,
) -> None:
    bad = GOOD.replace('status = "none-known"', 'status = "unknown"') + GOOD.replace(
        'id = "local-lawyers"', 'id = "second"'
    ).replace('contact = "@local_lawyers_bot"\n', "")
    path = _write_local(content_copy, bad)
    with pytest.raises(ContentError) as caught:
        load_content(content_copy, translate)  # nothing of it is shown: the content is refused
    problems = caught.value.problems
    assert problems == [
        f"{path}: contact 'local-lawyers': status 'unknown': an unchecked status cannot ship: "
        "check the registers and write foreign-agent or none-known, or leave the contact out",
        f"{path}: contact 'second': contact is missing: list only contacts a person can reach "
        "(a site or an @handle, as your source records it)",
    ]


def test_an_operator_contact_cannot_reuse_a_shipped_id(content_copy: Path) -> None:
    shipped = load_all_contacts(CONTENT)[0].id
    path = _write_local(content_copy, GOOD.replace('id = "local-lawyers"', f'id = "{shipped}"'))
    with pytest.raises(ContentError) as caught:
        load_all_contacts(content_copy)
    assert caught.value.problems == [
        f"{path}: contact '{shipped}': the id is already used in contacts.toml"
    ]


def test_an_operator_file_that_is_not_toml_is_one_line(content_copy: Path) -> None:
    path = _write_local(content_copy, "[[contact]\nid = ")
    with pytest.raises(ContentError) as caught:
        load_all_contacts(content_copy)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"{path}: not valid TOML")


async def test_check_names_the_operator_file_and_warns_on_old_contacts(
    content_copy: Path, tmp_path: Path
) -> None:
    path = _write_local(content_copy, GOOD.replace('status = "none-known"', 'status = "unknown"'))
    settings = Settings(_env_file=None, content_dir=content_copy, data_dir=tmp_path / "data")
    report = await run_checks(settings)
    assert [p for p in report.problems if "contact" in p] == [
        f"{path}: contact 'local-lawyers': status 'unknown': an unchecked status cannot ship: "
        "check the registers and write foreign-agent or none-known, or leave the contact out"
    ]
    _write_local(content_copy, GOOD.replace("verified = 2026-12-01", "verified = 2020-01-01"))
    report = await run_checks(settings)
    assert not [p for p in report.problems if "contact" in p], report.problems
    assert any(
        str(path) in w and "'local-lawyers' verified" in w and "re-check" in w
        for w in report.warnings
    ), report.warnings
    assert any("(1 from local/contacts.toml)" in n for n in report.notes), report.notes


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_share_link_decodes_to_the_prepared_message(lang: str) -> None:
    known = set(FaqCatalog.load(CONTENT).ids())
    card = load_emergency(CONTENT / "emergency.toml", known)
    message = card.share[lang]
    assert SHARE_BLANK in message
    link = share_link(message)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "t.me", "/share/url")
    assert "+" not in parts.query and " " not in link
    query = parse_qs(parts.query, strict_parsing=True)
    assert query["url"][0] + "\n" + query["text"][0] == message
    assert len(link) <= SHARE_LINK_LIMIT


def test_share_link_of_one_line_and_of_reserved_characters() -> None:
    for message in ("Где: ___", "a+b & c=d?\n#1 100%"):
        query = parse_qs(urlsplit(share_link(message)).query)
        assert "\n".join(query["url"] + query.get("text", [])) == message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("Где: ___", "Где: "), "share_ru needs the blank ___"),
        (('say = "Я не буду', 'say = "' + "о" * 300 + " Я не буду"), "holds at most 256"),
        (("Где: ___", "Где: ___\n" + "Очень длинное сообщение. " * 30), "keep it within 2048"),
    ],
)
def test_card_problems_are_one_line_each(
    content_copy: Path, change: tuple[str, str], expected: str
) -> None:
    path = content_copy / "emergency.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(*change, 1), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_emergency(path, set(FaqCatalog.load(CONTENT).ids()))
    assert len(caught.value.problems) == 1, caught.value.problems
    assert expected in caught.value.problems[0] and str(path) in caught.value.problems[0]


def test_phrases_cite_their_law_and_fit_a_copy_button() -> None:
    card = load_emergency(CONTENT / "emergency.toml", set(FaqCatalog.load(CONTENT).ids()))
    assert {p.id for p in card.phrases} >= {"lawyer", "silence"}
    for phrase in card.phrases:
        assert 1 <= len(phrase.say) <= COPY_TEXT_LIMIT
        assert "стать" in phrase.say  # the law is in what is copied
        assert phrase.law["ru"] and phrase.law["en"]


@pytest.mark.parametrize("inline_mode", [True, False])
def test_the_inline_button_only_when_inline_mode_is_on(inline_mode: bool) -> None:
    """A bot without inline mode in BotFather gets no button that would open it."""
    from handlers.sos import sos_screen

    store = ContentStore(CONTENT, translate)
    _, markup = sos_screen(translate("ru"), store, None, inline_mode)
    buttons = [b for row in markup.inline_keyboard for b in row]
    inline = [b for b in buttons if b.switch_inline_query_chosen_chat is not None]
    assert len(inline) == (1 if inline_mode else 0)
    assert sum(1 for b in buttons if b.url and "/share/url" in b.url) == 1
    copies = [b for b in buttons if b.copy_text is not None]
    assert len(copies) == len(store.current.emergency.phrases)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_odd_characters_in_an_operator_contact_show_as_written(
    content_copy: Path, lang: str
) -> None:
    """Names and addresses are escaped once: the site's «&» used to reach the card as «&amp;»."""
    from bot.content.telegram_html import parse_html
    from handlers.sos import sos_screen

    odd = (
        GOOD.replace("Юристы нашего города", "Юристы <b>«Правда» & Co</b> {name} ]]>")
        .replace("Our city's lawyers", "Lawyers <b> & Co {name}")
        .replace('contact = "@local_lawyers_bot"', 'contact = "example.org/join?a=1&b=<2>"')
    )
    _write_local(content_copy, odd)
    text, _ = sos_screen(translate(lang), ContentStore(content_copy, translate))
    visible = parse_html(text).text  # what Telegram shows; raises where Telegram would refuse
    assert "example.org/join?a=1&b=<2>" in visible
    name = "Юристы <b>«Правда» & Co</b> {name} ]]>" if lang == "ru" else "Lawyers <b> & Co {name}"
    assert name in visible
    assert "&amp;" not in visible and "&lt;" not in visible


def test_a_list_status_or_an_unknown_field_is_one_line_not_a_crash(tmp_path: Path) -> None:
    """A status written as a list crashed the loader (and `check`) with a traceback; a field
    the card never shows (a misspelling, a phone) was silently dropped."""
    path = tmp_path / "contacts.toml"
    path.write_text(
        GOOD.replace('status = "none-known"', 'status = ["none-known"]')
        + GOOD.replace('id = "local-lawyers"', 'id = "second"').replace(
            'source = "', 'phone = "+7 000"\nwhat_ru2 = "x"\nsource = "'
        ),
        encoding="utf-8",
    )
    assert _problems(path) == [
        f"{path}: contact 'local-lawyers': status must be one of foreign-agent, none-known",
        f"{path}: contact 'second': unknown field(s) phone, what_ru2; a contact has contact, id, "
        "name_en, name_ru, source, status, status_en, status_ru, verified, what_en, what_ru",
    ]


def test_an_entry_that_is_not_an_id_is_one_line(content_copy: Path) -> None:
    """`entries = [{...}]` crashed the loader with "unhashable type"."""
    path = content_copy / "emergency.toml"
    text = path.read_text(encoding="utf-8")
    assert "\nentries = [" in text
    path.write_text(text.replace("\nentries = [", "\nentries = [{a = 1}, ", 1), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_emergency(path, set(FaqCatalog.load(CONTENT).ids()))
    assert caught.value.problems == [f"{path}: entries must be a list of FAQ ids, not {{'a': 1}}"]
