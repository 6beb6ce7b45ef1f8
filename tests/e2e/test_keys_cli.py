"""The keys commands as an operator uses them: choosing a passphrase at `keys init` (offered on
a terminal, refused when weak from any source), `keys destroy`'s confirmation, and what `check`
says about the signing key fingerprint and the secret files."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import sys
import time
from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from bot.crypto.keyring import KEYRING_FILE, TOMBSTONE_FILE, UnlockedKeyring
from bot.crypto.passphrase import weakness, wordlist
from tests.e2e.test_cli import run_cli
from tests.support.keys import PASSPHRASE, make_keyring


class Terminal:
    """`python -m bot ARGS` on a pseudo-terminal, driven line by line like an operator would."""

    def __init__(self, cwd: Path, *args: str, **env: str) -> None:
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
        full_env = {**keep, "PYTHONPATH": str(REPO_ROOT), **env}
        argv = [sys.executable, "-m", "bot", *args]
        pid, fd = pty.fork()
        if pid == 0:  # the child: nothing but exec
            try:
                os.chdir(cwd)
                os.execve(sys.executable, argv, full_env)
            finally:
                os._exit(127)
        self.pid, self.fd, self.output = pid, fd, ""

    def expect(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} not shown:\n{self.output}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"{text!r} not shown before exit:\n{self.output}")
                self.output += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        return self.output

    def type(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\n")

    def wait(self, timeout: float = 60.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with_output, _, _ = select.select([self.fd], [], [], 0.1)
            if with_output:
                with contextlib.suppress(OSError):
                    self.output += os.read(self.fd, 65536).decode("utf-8", "replace")
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
        raise AssertionError(f"still running:\n{self.output}")


@pytest.mark.parametrize("weak", ["short-pass", "password-2024-2025", "qwertyuiop12345678"])
def test_keys_init_refuses_a_weak_configured_passphrase(tmp_path: Path, weak: str) -> None:
    data = tmp_path / "data"
    result = run_cli("keys", "init", cwd=tmp_path, DATA_DIR=str(data), KEY_PASSPHRASE=weak)
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0
    assert "nothing was created" in result.stderr and "keys passphrase" in result.stderr
    assert weak not in result.stderr + result.stdout
    assert not (data / "keys" / KEYRING_FILE).exists()
    passfile = tmp_path / "passphrase"
    passfile.write_text(weak + "\n")
    passfile.chmod(0o600)
    from_file = run_cli(
        "keys", "init", cwd=tmp_path, DATA_DIR=str(data), KEY_PASSPHRASE_FILE=str(passfile)
    )
    assert from_file.returncode == 2 and "nothing was created" in from_file.stderr


def test_keys_passphrase_prints_seven_words(tmp_path: Path) -> None:
    result = run_cli("keys", "passphrase", cwd=tmp_path)
    assert result.returncode == 0
    phrase = result.stdout.strip()
    assert len(phrase.split("-")) == 7 and set(phrase.split("-")) <= set(wordlist())
    assert weakness(phrase) is None


@pytest.mark.parametrize("command", ["destroy", "passphrase", "status"])
def test_help_on_the_new_keys_commands(tmp_path: Path, command: str) -> None:
    result = run_cli("keys", command, "--help", cwd=tmp_path)
    assert result.returncode == 0 and "usage: helpline-bot keys" in result.stdout


def test_keys_init_on_a_terminal_offers_a_generated_passphrase(tmp_path: Path) -> None:
    data = tmp_path / "data"
    term = Terminal(tmp_path, "keys", "init", DATA_DIR=str(data))
    shown = term.expect("New keyring passphrase: ")
    suggestion = shown.split("about 90 bits): ", 1)[1].split("\n", 1)[0].strip()
    assert len(suggestion.split("-")) == 7
    term.type("")  # Enter: take the suggestion
    term.expect("Type it again to confirm: ")
    term.type(suggestion)
    assert term.wait() == 0, term.output
    assert "keyring created" in term.output
    assert UnlockedKeyring.unlock(data / "keys", suggestion.encode()).review_private("r1")


def test_keys_init_on_a_terminal_refuses_a_weak_typed_passphrase(tmp_path: Path) -> None:
    data = tmp_path / "data"
    term = Terminal(tmp_path, "keys", "init", DATA_DIR=str(data))
    term.expect("New keyring passphrase: ")
    term.type("letmein")
    term.expect("Type it again to confirm: ")
    term.type("letmein")
    assert term.wait() == 2
    assert "too short" in term.output and "letmein" not in term.output
    assert not (data / "keys" / KEYRING_FILE).exists()


def test_keys_destroy_on_a_terminal_needs_the_word(tmp_path: Path) -> None:
    data = tmp_path / "data"
    make_keyring(data / "keys")
    declined = Terminal(tmp_path, "keys", "destroy", DATA_DIR=str(data))
    declined.expect("Type DESTROY to go on: ")
    declined.type("yes")
    assert declined.wait() == 1 and "nothing was destroyed" in declined.output
    assert (data / "keys" / KEYRING_FILE).exists()
    confirmed = Terminal(tmp_path, "keys", "destroy", DATA_DIR=str(data))
    confirmed.expect("Type DESTROY to go on: ")
    confirmed.type("DESTROY")
    assert confirmed.wait() == 0, confirmed.output
    assert sorted(p.name for p in (data / "keys").iterdir()) == [TOMBSTONE_FILE]


def test_check_on_the_signing_key_fingerprint(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ring = make_keyring(data / "keys")
    env = {"DATA_DIR": str(data), "KEY_PASSPHRASE": PASSPHRASE}
    unset = run_cli("check", cwd=tmp_path, **env)
    assert unset.returncode == 0
    assert "warning: SIGNING_KEY_FINGERPRINT is not set" in unset.stdout
    good = run_cli("check", cwd=tmp_path, SIGNING_KEY_FINGERPRINT=ring.fingerprint(), **env)
    assert good.returncode == 0 and "matches SIGNING_KEY_FINGERPRINT" in good.stdout
    other = make_keyring(tmp_path / "other")
    bad = run_cli("check", cwd=tmp_path, SIGNING_KEY_FINGERPRINT=other.fingerprint(), **env)
    assert bad.returncode == 1
    problems = [line for line in bad.stdout.splitlines() if line.startswith("problem:")]
    assert len(problems) == 1 and "SIGNING_KEY_FINGERPRINT" in problems[0]
    typo = run_cli("check", cwd=tmp_path, SIGNING_KEY_FINGERPRINT="12ab", **env)
    assert typo.returncode == 2 and "SIGNING_KEY_FINGERPRINT" in typo.stderr


def test_check_warns_about_a_dotenv_others_can_read(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"DATA_DIR={tmp_path / 'data'}\n")
    dotenv.chmod(0o644)
    loose = run_cli("check", cwd=tmp_path)
    assert f"chmod 600 {dotenv}" in loose.stdout
    dotenv.chmod(0o600)
    assert "chmod 600" not in run_cli("check", cwd=tmp_path).stdout
