"""Where the keyring passphrase comes from: the environment, a file, or the operator's terminal.

Unattended mode reads KEY_PASSPHRASE or KEY_PASSPHRASE_FILE (a systemd credential or a container
secret). Otherwise the passphrase is asked on a terminal without echo; with no terminal there is
none, and the caller decides what that means (commands fail, `run` starts locked). It never
travels through Telegram.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from pydantic import SecretStr


class PassphraseUnavailable(Exception):
    """No passphrase configured and no terminal to ask on; the message says what to set."""


def configured_passphrase(value: SecretStr | None, file: Path | None) -> bytes | None:
    """The passphrase from KEY_PASSPHRASE or KEY_PASSPHRASE_FILE, if either is set."""
    if value is not None:
        return value.get_secret_value().encode()
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise PassphraseUnavailable(
                f"KEY_PASSPHRASE_FILE {file} cannot be read: {exc.strerror}"
            ) from None
        return text.rstrip("\r\n").encode()
    return None


def obtain_passphrase(
    value: SecretStr | None,
    file: Path | None,
    *,
    confirm: bool = False,
    prompt: str = "Keyring passphrase: ",
) -> bytes:
    """Configured passphrase, else ask on the terminal (twice when `confirm`), else fail."""
    configured = configured_passphrase(value, file)
    if configured is not None:
        return configured
    if not sys.stdin.isatty():
        raise PassphraseUnavailable(
            "no passphrase: set KEY_PASSPHRASE or KEY_PASSPHRASE_FILE, or run on a terminal"
        )
    try:
        first = getpass.getpass(prompt)
        if confirm and getpass.getpass("Repeat the passphrase: ") != first:
            raise PassphraseUnavailable("the two passphrases differ; nothing was changed")
    except EOFError:
        # Ctrl-D at the prompt: an answer, not a crash.
        raise PassphraseUnavailable("no passphrase was entered") from None
    return first.encode()


# --- choosing a new passphrase ----------------------------------------------------------------

# The EFF large wordlist (7,776 words, 2016), copied verbatim with its dice numbers from the
# `diceware` 1.0.1 package on PyPI (wordlists/wordlist_en_eff.txt); EFF publishes it under
# CC BY 3.0 US. Each word is log2(7776) = 12.9 bits; seven words are 90 bits.
WORDLIST_FILE = Path(__file__).with_name("eff_large_wordlist.txt")
GENERATED_WORDS = 7
MIN_CHARS = 16
MIN_DISTINCT = 8
RUN_LENGTH = 4
# Keyboard rows (Latin and Russian ЙЦУКЕН), the alphabets and digits, each read both ways.
_SEQUENCES = (
    "1234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "abcdefghijklmnopqrstuvwxyz",
    "йцукенгшщзхъ",
    "фывапролджэ",
    "ячсмитьбю",
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
)
_COMMON = frozenset(
    {"password", "passphrase", "passwort", "letmein", "welcome", "helpline", "secret", "admin"}
    | {"пароль", "секрет", "привет", "qwerty", "йцукен"}
)


def wordlist() -> list[str]:
    """The shipped word list, words only (each line is `dice-number<TAB>word`)."""
    lines = WORDLIST_FILE.read_text(encoding="ascii").splitlines()
    return [line.split("\t", 1)[1] for line in lines if "\t" in line]


def generate_passphrase(words: int = GENERATED_WORDS) -> str:
    """Words from the list chosen with `secrets` and joined by dashes (90 bits with seven)."""
    import secrets

    # The four words with a dash of their own ("t-shirt") would blur where words part.
    pool = [word for word in wordlist() if "-" not in word]
    return "-".join(secrets.choice(pool) for _ in range(words))


def _in_runs(text: str) -> int:
    """How many characters of `text` sit in runs of RUN_LENGTH or more along a sequence."""
    covered = [False] * len(text)
    for seq in _SEQUENCES:
        for line in (seq, seq[::-1]):
            for i in range(len(text) - RUN_LENGTH + 1):
                if text[i : i + RUN_LENGTH] in line:
                    covered[i : i + RUN_LENGTH] = [True] * RUN_LENGTH
    return sum(covered)


def weakness(passphrase: str) -> str | None:
    """Why `keys init` refuses a passphrase, or None. The rule (README, Keys): at least 16
    characters and 8 different ones; not one dictionary or common word (digits and punctuation
    around it do not count); not mostly keyboard, alphabet or digit runs of 4 or more."""
    if len(passphrase) < MIN_CHARS:
        return f"the passphrase is too short (at least {MIN_CHARS} characters)"
    if len(set(passphrase)) < MIN_DISTINCT:
        return f"the passphrase has too few different characters (at least {MIN_DISTINCT})"
    letters = "".join(c for c in passphrase.lower() if c.isalpha())
    if letters in _COMMON or letters in set(wordlist()):
        return "the passphrase is one dictionary word"
    compact = "".join(c for c in passphrase.lower() if not c.isspace())
    if _in_runs(compact) * 2 > len(compact):
        return "the passphrase is mostly a keyboard, alphabet or digit run"
    return None
