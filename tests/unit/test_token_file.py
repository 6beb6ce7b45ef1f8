"""BOT_TOKEN_FILE: the token from a file (a systemd credential under $CREDENTIALS_DIRECTORY, a
container secret under /run/secrets), so that it need not sit in the environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.checks import CheckReport, _check_secret_files
from bot.config import ConfigError, load_settings

TOKEN = "123456789:AAHfakefakefakefakefakefakefakefake1"


@pytest.fixture(autouse=True)
def _no_token_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.delenv("BOT_TOKEN_FILE", raising=False)


def test_the_token_is_read_from_the_file_without_its_newline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "bot_token").write_text(TOKEN + "\n")
    monkeypatch.setenv("BOT_TOKEN_FILE", str(credentials / "bot_token"))
    settings = load_settings(_env_file=None)
    assert settings.bot_token is not None
    assert settings.bot_token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings)


def test_bot_token_wins_over_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bot_token").write_text("999:other\n")
    monkeypatch.setenv("BOT_TOKEN_FILE", str(tmp_path / "bot_token"))
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    settings = load_settings(_env_file=None)
    assert settings.bot_token is not None
    assert settings.bot_token.get_secret_value() == TOKEN


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "cannot be read (No such file or directory)"), ("\n  \n", "is empty")],
)
def test_a_missing_or_empty_file_is_one_line_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, expected: str
) -> None:
    path = tmp_path / "bot_token"
    if content is not None:
        path.write_text(content)
    monkeypatch.setenv("BOT_TOKEN_FILE", str(path))
    with pytest.raises(ConfigError) as info:
        load_settings(_env_file=None)
    message = str(info.value)
    assert message == f"BOT_TOKEN_FILE {path} {expected}" + (
        ": put the token from @BotFather in it" if content else ""
    )
    assert "\n" not in message and "Value error" not in message


def test_check_warns_when_others_can_read_the_token_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    path = tmp_path / "bot_token"
    path.write_text(TOKEN)
    settings = load_settings(_env_file=None, bot_token_file=path)
    for mode, expected in ((0o600, 0), (0o400, 0), (0o640, 1), (0o604, 1)):
        os.chmod(path, mode)
        report = CheckReport()
        _check_secret_files(settings, report)
        assert len(report.warnings) == expected, (oct(mode), report.warnings)
    assert "BOT_TOKEN_FILE" in report.warnings[0] and f"chmod 600 {path}" in report.warnings[0]


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_bot_token_is_unset_and_the_file_applies(
    blank: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_TOKEN", blank)
    assert load_settings(_env_file=None).bot_token is None  # `run`: "BOT_TOKEN is not set"
    (tmp_path / "bot_token").write_text(TOKEN + "\n")
    monkeypatch.setenv("BOT_TOKEN_FILE", str(tmp_path / "bot_token"))
    settings = load_settings(_env_file=None)
    assert settings.bot_token is not None and settings.bot_token.get_secret_value() == TOKEN
