"""The shipped FAQ content, and the validator on deliberately broken copies of it."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.checks import run_checks
from bot.config import REPO_ROOT, Settings
from bot.content.faq import (
    ENTRY_ID,
    PLACEHOLDERS,
    FaqCatalog,
    render_entry,
    render_summary,
    validate,
)
from bot.content.markup import paginate, render_blocks, visible_length
from bot.content.telegram_html import parse_html
from bot.i18n import Tr
from bot.protection import Mode, every_mode
from tests.support.parsed_content import parsed_translator

CONTENT = REPO_ROOT / "content"
TRANSLATOR = parsed_translator(CONTENT / "locales")
MODES = every_mode()


def translate(lang: str) -> Tr:
    return Tr(TRANSLATOR, lang)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    shutil.copytree(CONTENT, tmp_path / "content")
    return tmp_path / "content"


def test_shipped_content_is_valid() -> None:
    assert validate(CONTENT, translate) == []


def test_at_least_30_entries_with_parity() -> None:
    catalog = FaqCatalog.load(CONTENT)
    assert len(catalog.entries["ru"]) >= 30
    assert catalog.entries["ru"].keys() == catalog.entries["en"].keys()
    for entry_id in catalog.ids():
        assert ENTRY_ID.match(entry_id)
        assert len(f"e:{entry_id}:0".encode()) <= 64  # fits callback data


def test_every_entry_cites_sources_and_a_review_date() -> None:
    catalog = FaqCatalog.load(CONTENT)
    for by_id in catalog.entries.values():
        for entry in by_id.values():
            assert entry.sources, entry.path
            assert entry.facts, f"{entry.path}: no legal-facts entry numbers"
            last_page = render_entry(entry, translate(entry.lang), MODES[0])[-1]
            assert entry.reviewed.strftime("%d.%m.%Y") in last_page
            assert entry.sources[0].split()[0] in last_page


def test_no_undesirable_organisation_is_recommended() -> None:
    # Meduza is "undesirable" in Russia (legal-facts 12.8): linking to it endangers readers.
    for path in CONTENT.rglob("*"):
        if path.is_file() and path.suffix in {".md", ".toml", ".ftl"}:
            text = path.read_text(encoding="utf-8").lower()
            assert "meduza.io" not in text and "медуза" not in text, path


def test_rendered_pages_are_valid_telegram_html() -> None:
    catalog = FaqCatalog.load(CONTENT)
    for by_id in catalog.entries.values():
        for entry in by_id.values():
            tr = translate(entry.lang)
            for protection in MODES:
                pages = [
                    *render_entry(entry, tr, protection),
                    render_summary(entry, tr, protection),
                ]
                for page in pages:
                    parse_html(page)
                    assert visible_length(page) <= 4096
                    assert "{" not in page, f"{entry.path}: a placeholder left unfilled"


@pytest.mark.parametrize("name", ["protecton", "Protection", "chat_id", ""])
def test_an_unknown_placeholder_is_a_content_error(content_copy: Path, name: str) -> None:
    """A misspelt placeholder would reach people as a literal "{protecton}"."""
    path = content_copy / "faq" / "ru" / "bot-safety.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{protection}", "{" + name + "}"), encoding="utf-8")
    problems = validate(content_copy, translate)
    assert any(
        "ru/bot-safety.md" in p and f"unknown placeholder '{{{name}}}'" in p for p in problems
    ), problems


async def test_check_fails_on_an_unknown_placeholder(content_copy: Path, tmp_path: Path) -> None:
    """`helpline-bot check` reports it as a problem (exit 1), naming the file."""
    path = content_copy / "faq" / "en" / "bot-safety.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{retention}", "{retentoin}"), encoding="utf-8")
    settings = Settings(_env_file=None, content_dir=content_copy, data_dir=tmp_path / "data")
    report = await run_checks(settings)
    assert any(
        "en/bot-safety.md" in p and "unknown placeholder '{retentoin}'" in p
        for p in report.problems
    ), report.problems


def test_known_placeholders_are_filled_per_mode() -> None:
    """Each mode reads differently where the entry says what is protected."""
    catalog = FaqCatalog.load(CONTENT)
    for lang in ("ru", "en"):
        entry = catalog.entry(lang, "bot-safety")
        assert entry is not None
        assert set(PLACEHOLDERS) <= set(re.findall(r"\{(\w+)\}", entry.body))
        tr = translate(lang)
        texts = {}
        for protection in MODES:
            text = "\n".join(render_entry(entry, tr, protection))
            statement = tr("protection-mode", **protection.args())
            assert statement in text, (lang, protection.mode)
            texts[protection.mode] = text
        assert len(set(texts.values())) == len(Mode)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace('title = "', 'titel = "', 1), "missing field 'title'"),
        (lambda t: re.sub(r"related = \[.*\]", 'related = ["no-such-entry"]', t), "no-such-entry"),
        (lambda t: t.replace("reviewed = ", "reviewed = 2099-01-01\n#", 1), "in the future"),
        (lambda t: t.replace('topic = "', 'topic = "x', 1), "unknown topic"),
        (lambda t: t.replace("+++", "", 1), "+++ front-matter"),
    ],
)
def test_broken_entry_names_the_file(
    content_copy: Path, edit: Callable[[str], str], expected: str
) -> None:
    path = content_copy / "faq" / "en" / "student-deferral.md"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    problems = validate(content_copy, translate)
    assert any("en/student-deferral.md" in p and expected in p for p in problems), problems


def test_missing_english_twin_is_reported(content_copy: Path) -> None:
    (content_copy / "faq" / "en" / "exemptions.md").unlink()
    problems = validate(content_copy, translate)
    assert any("ru/exemptions.md" in p and "no en twin" in p for p in problems), problems


def test_duplicate_id_is_reported(content_copy: Path) -> None:
    source = content_copy / "faq" / "ru" / "exemptions.md"
    (content_copy / "faq" / "ru" / "copy.md").write_text(source.read_text(encoding="utf-8"))
    problems = validate(content_copy, translate)
    assert any("copy.md" in p and "differs from the file name" in p for p in problems)


def test_markup_escapes_and_formats() -> None:
    blocks = render_blocks(
        "## Head <x>\n\n- **bold** & _it_\n1. step [site](https://example.org/a)"
    )
    html_text = "\n\n".join(blocks)
    assert "<b>Head &lt;x&gt;</b>" in html_text
    assert "• <b>bold</b> &amp; <i>it</i>" in html_text
    assert '<a href="https://example.org/a">site</a>' in html_text
    parse_html(html_text)


def test_long_text_is_paged_within_the_limit() -> None:
    blocks = [("слово " * 150).strip() for _ in range(40)]
    pages = paginate("<b>Title</b>", blocks, "<i>footer</i>")
    assert len(pages) > 1
    assert all(visible_length(p) <= 4096 - 32 for p in pages)
    assert pages[-1].endswith("<i>footer</i>") and all(p.startswith("<b>Title</b>") for p in pages)
    assert sum(p.count("слово") for p in pages) == 150 * 40


def test_stale_entries_are_found() -> None:
    import datetime as dt

    catalog = FaqCatalog.load(CONTENT)
    assert catalog.stale(dt.date(2026, 11, 25), 180) == []
    assert len(catalog.stale(dt.date(2028, 1, 1), 180)) == 2 * len(catalog.ids())
