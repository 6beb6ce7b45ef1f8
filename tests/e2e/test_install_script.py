"""deploy/install-debian.sh and deploy/helpline-admin: what can be checked without a Debian
server to install on: the shell parses them (and shellcheck, when installed, finds nothing),
`--dry-run` lists every step and changes nothing, a bad option is one line with exit 2, and
the paths agree with the unit's."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.config import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
SCRIPT = DEPLOY / "install-debian.sh"
ADMIN = DEPLOY / "helpline-admin"
UNIT = DEPLOY / "helpline-bot.service"
# Where a real run would write: a dry run must leave every one of them as it was.
TARGETS = (
    Path("/opt/helpline-bot"),
    Path("/etc/helpline-bot"),
    Path("/var/lib/helpline-bot"),
    Path("/etc/systemd/system/helpline-bot.service"),
    Path("/etc/systemd/system/helpline-bot.service.d"),
    Path("/usr/local/sbin/helpline-admin"),
)


def install(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def steps(output: str) -> list[str]:
    """The commands a dry run prints, one per line (indented under the step's heading)."""
    return [line.strip() for line in output.splitlines() if line.startswith("    ")]


@pytest.mark.parametrize(
    ("script", "shell"), [(SCRIPT, "bash"), (ADMIN, "sh"), (ADMIN, "bash")], ids=str
)
def test_the_scripts_parse(script: Path, shell: str) -> None:
    result = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert script.stat().st_mode & 0o111, f"{script.name} is not executable"


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
@pytest.mark.parametrize("script", [SCRIPT, ADMIN], ids=lambda p: p.name)
def test_shellcheck_finds_nothing(script: Path) -> None:
    result = subprocess.run(["shellcheck", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_a_dry_run_lists_every_step_in_order_and_changes_nothing() -> None:
    before = {path: path.exists() for path in TARGETS}
    result = install("--dry-run", "--unattended", "--admin-id", "123456789")
    assert result.returncode == 0, result.stderr
    assert {path: path.exists() for path in TARGETS} == before
    commands = steps(result.stdout)
    expected = [
        r"apt-get install .*python3 python3-venv",
        r"useradd --system .* helpline-bot$",
        r"install -d -m 0700 -o helpline-bot -g helpline-bot /etc/helpline-bot/credentials "
        r"/var/lib/helpline-bot$",
        r"tar -C \S+ -c pyproject.toml README.md bot handlers content migrations deploy docs",
        r"python3 -m venv /opt/helpline-bot/venv$",
        r"/opt/helpline-bot/venv/bin/pip install .*--editable /opt/helpline-bot/app$",
        r"install -m 0644 /opt/helpline-bot/app/deploy/helpline-bot.service "
        r"/etc/systemd/system/helpline-bot.service$",
        r"install -m 0755 /opt/helpline-bot/app/deploy/helpline-admin /usr/local/sbin/",
        r"install -m 0644 \S+/unattended.conf /etc/systemd/system/helpline-bot.service.d/",
        r"systemctl daemon-reload$",
        r"helpline-admin keys init$",
        r"systemctl enable --quiet helpline-bot$",
        r"systemctl restart helpline-bot$",
    ]
    at = 0
    for pattern in expected:
        found = next((i for i in range(at, len(commands)) if re.search(pattern, commands[i])), None)
        assert found is not None, f"no step /{pattern}/ after {commands[at - 1 : at]}"
        at = found + 1
    headings = [line for line in result.stdout.splitlines() if line.startswith("==>")]
    assert any("ADMIN_IDS=123456789" in line for line in headings)
    assert any("bot token" in line for line in headings)
    assert any("passphrase: generating" in line for line in headings)
    assert any("SIGNING_KEY_FINGERPRINT" in line for line in headings)


def test_a_hardened_dry_run_stores_no_passphrase_and_can_skip_the_start() -> None:
    result = install("--dry-run", "--hardened", "--no-start")
    assert result.returncode == 0, result.stderr
    assert "mode: hardened" in result.stdout
    assert "passphrase" not in result.stdout and "unattended.conf" not in result.stdout
    commands = steps(result.stdout)
    assert "systemctl enable --quiet helpline-bot" in commands
    assert not any(c.startswith("systemctl restart") for c in commands)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dry-run", "--bogus"], "unknown option --bogus"),
        (["--dry-run", "--admin-id", "-1001234567890"], "--admin-id must be a positive"),
        (["--dry-run", "--admin-id"], "--admin-id needs"),
        (["--dry-run", "--token-file", "/nonexistent/token"], "cannot be read"),
    ],
)
def test_a_bad_option_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = install(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not result.stdout


def test_help_shows_the_usage() -> None:
    result = install("--help")
    assert result.returncode == 0
    assert "sudo ./deploy/install-debian.sh" in result.stdout and "--dry-run" in result.stdout


def assigned(path: Path, name: str) -> str:
    match = re.search(rf"^{name}=(\S+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{name} in {path.name}"
    return match.group(1)


def test_the_script_the_unit_and_helpline_admin_agree_on_paths() -> None:
    unit = UNIT.read_text(encoding="utf-8")
    venv = assigned(SCRIPT, "VENV").replace("$PREFIX", assigned(SCRIPT, "PREFIX"))
    assert f"ExecStart={venv}/bin/helpline-bot run" in unit
    assert assigned(ADMIN, "PROGRAM") == f"{venv}/bin/helpline-bot"
    state = assigned(SCRIPT, "STATE")
    assert f"Environment=DATA_DIR={state}" in unit and f"StateDirectory={Path(state).name}" in unit
    assert f"export DATA_DIR={state} " in ADMIN.read_text(encoding="utf-8")
    for script in (SCRIPT, ADMIN):
        assert assigned(script, "USER_NAME") == "helpline-bot"
        assert "User=helpline-bot" in unit
    creds = assigned(SCRIPT, "CREDS").replace("$ETC", assigned(SCRIPT, "ETC"))
    assert f"LoadCredential=bot_token:{creds}/bot_token" in unit
    drop_in = (DEPLOY / "unattended.conf").read_text(encoding="utf-8")
    assert f"LoadCredential=key_passphrase:{creds}/key_passphrase\n" in drop_in
