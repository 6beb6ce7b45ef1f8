"""Choosing a keyring passphrase: the generated one and the documented rule for refusing weak
ones; and `check`'s warning about secret files others can read or change."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from bot.checks import CheckReport, _check_secret_files
from bot.config import load_settings
from bot.crypto.passphrase import (
    GENERATED_WORDS,
    MIN_CHARS,
    generate_passphrase,
    weakness,
    wordlist,
)
from tests.support.keys import PASSPHRASE


def test_the_shipped_wordlist_is_the_eff_large_list() -> None:
    words = wordlist()
    assert len(words) == len(set(words)) == 7776 == 6**5
    assert words[0] == "abacus" and words[-1] == "zoom"


def test_a_generated_passphrase_has_about_90_bits_and_passes_the_rule() -> None:
    words = set(wordlist())
    seen = set()
    for _ in range(50):
        phrase = generate_passphrase()
        parts = phrase.split("-")
        assert len(parts) == GENERATED_WORDS and set(parts) <= words
        assert weakness(phrase) is None
        seen.add(phrase)
    assert len(seen) == 50
    assert GENERATED_WORDS * math.log2(len(words)) >= 80


@pytest.mark.parametrize(
    ("passphrase", "reason"),
    [
        ("short-one", "too short"),
        ("a" * 15, "too short"),
        ("abababababababababab", "too few different"),
        ("password2024!!!!!#", "one dictionary word"),
        ("ПАРОЛЬ-2024-2025-+", "one dictionary word"),
        ("12!!abdominal!!345", "one dictionary word"),
        ("qwertyuiop1234567", "keyboard"),
        ("zyxwvutsrqponmlk", "keyboard"),
        ("йцукенгшщзфывапр", "keyboard"),
    ],
)
def test_weak_passphrases_are_refused_with_the_rule_they_break(
    passphrase: str, reason: str
) -> None:
    problem = weakness(passphrase)
    assert problem is not None and reason in problem


@pytest.mark.parametrize(
    "passphrase",
    [PASSPHRASE, "Tr0ub4dor&3 and more", "лес поле река гора дом", "7Gk!p2Lm#Qz9Wv4R"],
)
def test_reasonable_passphrases_pass(passphrase: str) -> None:
    assert len(passphrase) >= MIN_CHARS
    assert weakness(passphrase) is None


def test_check_warns_about_secret_files_others_can_read_or_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env, secret = tmp_path / ".env", tmp_path / "passphrase"
    env.write_text("BOT_TOKEN=1:x\n")
    secret.write_text(PASSPHRASE)
    settings = load_settings(_env_file=None, key_passphrase_file=secret)
    for mode, expected in ((0o600, 0), (0o640, 2), (0o602, 2), (0o620, 2)):
        os.chmod(env, mode)
        os.chmod(secret, mode)
        report = CheckReport()
        _check_secret_files(settings, report)
        assert len(report.warnings) == expected, (oct(mode), report.warnings)
    assert f"chmod 600 {env}" in report.warnings[0] and ".env" in report.warnings[0]
    assert (
        "KEY_PASSPHRASE_FILE" in report.warnings[1] and f"chmod 600 {secret}" in report.warnings[1]
    )
