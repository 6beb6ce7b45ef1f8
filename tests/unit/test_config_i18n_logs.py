"""Settings parsing, catalogue parity and the log formatter."""

from __future__ import annotations

import io
import logging
import shutil
from pathlib import Path

import pytest

from bot.config import REPO_ROOT, ConfigError, load_settings
from bot.i18n import Translator, check_catalogs, pick_language
from bot.logs import LogfmtFormatter, RedactTokenFilter

LOCALES = REPO_ROOT / "content" / "locales"


def test_admin_ids_from_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "123, 456")
    assert load_settings().admin_ids == frozenset({123, 456})


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("ADMIN_IDS", "alice", "ADMIN_IDS"),
        ("BOT_API_URL", "ftp://x", "BOT_API_URL"),
        ("BROADCAST_RATE", "100", "BROADCAST_RATE"),
        ("DEFAULT_LANGUAGE", "de", "DEFAULT_LANGUAGE"),
    ],
)
def test_bad_settings_give_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, fragment: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_shipped_catalogues_have_parity() -> None:
    assert check_catalogs(LOCALES) == []


def test_missing_key_is_reported_with_file(tmp_path: Path) -> None:
    shutil.copytree(LOCALES, tmp_path / "locales")
    en = tmp_path / "locales" / "en" / "core.ftl"
    en.write_text(
        "\n".join(line for line in en.read_text().splitlines() if not line.startswith("help-text"))
    )
    problems = check_catalogs(tmp_path / "locales")
    assert any("'help-text' missing" in p and "/en" in p for p in problems)


def test_syntax_error_is_reported(tmp_path: Path) -> None:
    shutil.copytree(LOCALES, tmp_path / "locales")
    (tmp_path / "locales" / "ru" / "broken.ftl").write_text("this is = { not fluent\n")
    assert any("syntax error" in p for p in check_catalogs(tmp_path / "locales"))


def test_arguments_are_html_escaped(tmp_path: Path) -> None:
    for lang in ("ru", "en"):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "x.ftl").write_text("hello = <b>{ $name }</b>\n")
    translator = Translator.load(tmp_path)
    assert translator("en", "hello", name="<i>&") == "<b>&lt;i&gt;&amp;</b>"


def test_a_bare_ampersand_in_html_is_reported(tmp_path: Path) -> None:
    shutil.copytree(LOCALES, tmp_path / "locales")
    (tmp_path / "locales" / "en" / "x.ftl").write_text(
        "bad = <b>Questions & rights</b>\ngood = <b>Q &amp; R</b>\nlabel = Q & R\n"
    )
    problems = check_catalogs(tmp_path / "locales")
    assert any("'bad' is HTML and has a bare '&'" in p for p in problems)
    assert [p for p in problems if "is HTML" in p and "'bad'" not in p] == []


def test_long_arguments_pass_fluents_placeable_limit(tmp_path: Path) -> None:
    for lang in ("ru", "en"):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "x.ftl").write_text("quote = Text: { $text } ({ $n })\n")
    translator = Translator.load(tmp_path)
    text = "&" * 1000  # escaped: 5,000 characters, twice what Fluent allows in a placeable
    assert translator("en", "quote", text=text, n=3) == f"Text: {'&amp;' * 1000} (3)"


@pytest.mark.parametrize(
    ("code", "expected"), [("ru", "ru"), ("en-US", "en"), ("uk", "ru"), (None, "ru"), ("EN", "en")]
)
def test_pick_language(code: str | None, expected: str) -> None:
    assert pick_language(code, "ru") == expected


def _format(msg: str, *args: object, **extra: object) -> str:
    record = logging.LogRecord("helpline", logging.INFO, __file__, 1, msg, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    RedactTokenFilter().filter(record)
    return LogfmtFormatter().format(record)


def test_log_line_is_one_line_and_escaped() -> None:
    line = _format("event", region="a\nb\x1b[31m")
    assert "\n" not in line and "\x1b" not in line and "region=" in line


def test_token_is_redacted() -> None:
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    line = _format("url %s", f"http://x/bot{token}/getMe", detail=token)
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in line


def test_exception_class_only() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(LogfmtFormatter())
    log = logging.getLogger("helpline.test.exc")
    log.addHandler(handler)
    try:
        raise ValueError("secret user text")
    except ValueError:
        log.exception("failed")
    assert "secret user text" not in stream.getvalue()
    assert "error=ValueError" in stream.getvalue()
