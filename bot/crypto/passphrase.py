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
