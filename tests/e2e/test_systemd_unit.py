"""deploy/helpline-bot.service: systemd accepts it (`systemd-analyze verify`, with ExecStart=
pointing at this venv's helpline-bot, since verify refuses a program that does not exist), it
keeps its hardening and takes its secrets as credentials, and the bot really runs under its
seccomp rules (MemoryDenyWriteExecute=, SystemCallFilter=, SystemCallArchitectures=) and with
nothing but DATA_DIR writable (ProtectSystem=strict; a container's read-only root)."""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from bot.devserver.server import FakeBotAPI
from tests.support import sandbox
from tests.support.chat import USER_IDS, sent_to
from tests.support.keys import PASSPHRASE, make_keyring
from tests.support.process import bot_env

DEPLOY = REPO_ROOT / "deploy"
UNIT = DEPLOY / "helpline-bot.service"
DROP_IN = DEPLOY / "unattended.conf"
INSTALLED_PROGRAM = "/opt/helpline-bot/venv/bin/helpline-bot"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_systemd_analyze = pytest.mark.skipif(
    SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed"
)


def directives(path: Path) -> list[tuple[str, str]]:
    """(key, value) of every assignment, in order (a key may repeat, as systemd allows)."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            pairs.append((key.strip(), value.strip()))
    return pairs


def render(directory: Path, program: str, *, drop_in: bool = False) -> Path:
    """The unit as installed, with ExecStart= naming `program`, in `directory`."""
    text = UNIT.read_text(encoding="utf-8")
    assert text.count(INSTALLED_PROGRAM) == 1
    unit = directory / UNIT.name
    unit.write_text(text.replace(INSTALLED_PROGRAM, program), encoding="utf-8")
    if drop_in:
        (directory / f"{UNIT.name}.d").mkdir()
        shutil.copy(DROP_IN, directory / f"{UNIT.name}.d" / DROP_IN.name)
    return unit


def verify(unit: Path) -> subprocess.CompletedProcess[str]:
    assert SYSTEMD_ANALYZE is not None
    return subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def venv_program() -> str:
    program = Path(sys.executable).parent / "helpline-bot"
    if not program.exists():
        pytest.skip(f"{program} is not installed (pip install -e .)")
    return str(program)


@needs_systemd_analyze
@pytest.mark.parametrize("drop_in", [False, True], ids=["hardened", "unattended"])
def test_the_unit_verifies_without_a_warning(tmp_path: Path, drop_in: bool) -> None:
    unit = render(tmp_path, venv_program(), drop_in=drop_in)
    result = verify(unit)
    # verify exits 0 on an unknown or misspelt directive and only prints it: none is allowed.
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result


@needs_systemd_analyze
def test_verify_can_fail(tmp_path: Path) -> None:
    """The control: a program that does not exist, or a misspelt directive, is caught."""
    missing = verify(render(tmp_path, str(tmp_path / "no-such-helpline-bot")))
    assert missing.returncode != 0 and "no-such-helpline-bot" in missing.stderr
    typo = tmp_path / "typo"
    typo.mkdir()
    unit = render(typo, venv_program())
    unit.write_text(unit.read_text().replace("UMask=", "UMsk="))
    assert "Unknown key 'UMsk'" in verify(unit).stderr


@needs_systemd_analyze
def test_security_exposure_is_printed(tmp_path: Path) -> None:
    """`systemd-analyze security --offline` scores the unit; shown, never asserted."""
    assert SYSTEMD_ANALYZE is not None
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "security", "--offline=yes", str(render(tmp_path, venv_program()))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    score = re.search(r"Overall exposure level for \S+: .*", result.stdout)
    print(score.group(0) if score else f"systemd-analyze security: {result.stderr.strip()}")


def test_the_unit_keeps_its_hardening() -> None:
    pairs = directives(UNIT)
    values = dict(pairs)  # the last of a repeated key, as for these single-valued ones
    expected = {
        "User": "helpline-bot",
        "ExecStart": f"{INSTALLED_PROGRAM} run",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "NoNewPrivileges": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "MemoryDenyWriteExecute": "yes",
        "StateDirectory": "helpline-bot",
        "StateDirectoryMode": "0700",
        "UMask": "0077",
        "Restart": "on-failure",
        "RestartPreventExitStatus": "2",
        "LogLevelMax": "info",
        "MemorySwapMax": "0",
        "LimitCORE": "0",
        "CapabilityBoundingSet": "",
        "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    }
    assert {k: values.get(k) for k in expected} == expected
    assert ("SystemCallFilter", "@system-service") in pairs
    assert ("Environment", "DATA_DIR=/var/lib/helpline-bot") in pairs


def test_secrets_come_as_credentials_never_as_values() -> None:
    unit, drop_in = directives(UNIT), directives(DROP_IN)
    assert ("LoadCredential", "bot_token:/etc/helpline-bot/credentials/bot_token") in unit
    assert ("Environment", "BOT_TOKEN_FILE=%d/bot_token") in unit
    assert ("InaccessiblePaths", "-/etc/helpline-bot/credentials") in unit
    # Hardened as shipped: no passphrase unless the unattended drop-in is installed.
    assert not any("PASSPHRASE" in value for _, value in unit)
    assert drop_in == [
        ("LoadCredential", "key_passphrase:/etc/helpline-bot/credentials/key_passphrase"),
        ("Environment", "KEY_PASSPHRASE_FILE=%d/key_passphrase"),
    ]
    for key, value in unit + drop_in:
        if key == "Environment":
            assert not re.search(r"(^|\s)(BOT_TOKEN|KEY_PASSPHRASE)=", value), value


def sandbox_args() -> list[str]:
    """`python -m tests.support.sandbox` with the unit's SystemCallFilter= groups."""
    args = [sys.executable, "-m", "tests.support.sandbox"]
    for key, value in directives(UNIT):
        if key == "SystemCallFilter":
            flag, groups = ("--deny", value[1:]) if value.startswith("~") else ("--allow", value)
            for group in groups.split():
                args += [flag, group]
    assert "--allow" in args and "--deny" in args
    return [*args, "--"]


needs_sandbox = pytest.mark.skipif(
    not sandbox.syscall_lists_supported(),
    reason="needs x86-64 Linux, systemd-analyze and the kernel headers' unistd_64.h",
)


@needs_sandbox
def test_the_sandbox_refuses_what_the_unit_refuses() -> None:
    """The control for the next test: under the filter, writable executable memory, memory
    made executable, and a system call of a denied group (setpriority, @resources) fail."""
    probe = (
        "import ctypes, mmap, os\n"
        "try:\n"
        "    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
        "    print('wx allowed')\n"
        "except PermissionError:\n"
        "    print('wx refused')\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "page = mmap.mmap(-1, 4096)\n"
        "addr = ctypes.addressof(ctypes.c_char.from_buffer(page))\n"
        "print('exec refused' if libc.mprotect(ctypes.c_void_p(addr), 4096, 5) else 'exec ok')\n"
        "try:\n"
        "    os.setpriority(os.PRIO_PROCESS, 0, os.getpriority(os.PRIO_PROCESS, 0))\n"
        "    print('setpriority ok')\n"
        "except PermissionError:\n"
        "    print('setpriority refused')\n"
    )
    probe_cmd = [sys.executable, "-c", probe]
    run = [*sandbox_args(), *probe_cmd]
    out = subprocess.run(run, capture_output=True, text=True, cwd=REPO_ROOT, check=True).stdout
    assert out.split()[:6] == ["wx", "refused", "exec", "refused", "setpriority", "refused"]
    bare = subprocess.run(probe_cmd, capture_output=True, text=True, check=True).stdout
    assert bare.split()[:6] == ["wx", "allowed", "exec", "ok", "setpriority", "ok"]


@needs_sandbox
async def test_the_bot_runs_under_the_units_seccomp_rules(api: FakeBotAPI, tmp_path: Path) -> None:
    """Unlock (Argon2id), SQLite, the HTTP client, Fluent and the stemmer, all under the unit's
    MemoryDenyWriteExecute=, SystemCallFilter= and SystemCallArchitectures=."""
    data = tmp_path / "data"
    make_keyring(data / "keys")
    user = USER_IDS[0]
    api.add_user(user, language_code="ru")
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *sandbox_args(),
            sys.executable,
            "-m",
            "bot",
            "run",
            env=bot_env(api, data, KEY_PASSPHRASE=PASSPHRASE),
            cwd=tmp_path,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    try:
        await api.wait_polling(0, timeout=60)
        api.push_message(user, "/start")
        api.push_message(user, "отсрочка учёба")
        await api.wait_for(lambda _: len(sent_to(api, user)) >= 2, timeout=30)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 30)
    logs = log_path.read_text(encoding="utf-8", errors="replace")
    assert code == 0, logs
    assert "keyring=unlocked" in logs and "Traceback" not in logs


READ_ONLY_ROOT = REPO_ROOT / "tests" / "support" / "read_only_root.sh"


def read_only_root_works(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        [str(READ_ONLY_ROOT), str(tmp_path), "true"], capture_output=True, check=False
    )
    return probe.returncode == 0


def test_read_only_root_allows_writes_to_data_dir_only(tmp_path: Path) -> None:
    """The control for the next test: outside the writable directory nothing can be written."""
    data = tmp_path / "data"
    data.mkdir()
    if not read_only_root_works(data):
        pytest.skip("needs root (or CAP_SYS_ADMIN) and unshare for a private mount namespace")
    script = f"touch {data}/inside && (touch {tmp_path}/outside 2>/dev/null || echo refused)"
    result = subprocess.run(
        [str(READ_ONLY_ROOT), str(data), "sh", "-c", script], capture_output=True, text=True
    )
    assert result.stdout.split() == ["refused"], result
    assert (data / "inside").exists() and not (tmp_path / "outside").exists()


async def test_the_bot_writes_nothing_outside_data_dir(api: FakeBotAPI, tmp_path: Path) -> None:
    """ProtectSystem=strict with StateDirectory= (and a container's read_only: true): the bot
    unlocks, migrates, takes a report and stops with only DATA_DIR writable."""
    data = tmp_path / "data"
    make_keyring(data / "keys")
    if not read_only_root_works(data):
        pytest.skip("needs root (or CAP_SYS_ADMIN) and unshare for a private mount namespace")
    user = USER_IDS[0]
    api.add_user(user, language_code="en")
    process = await asyncio.create_subprocess_exec(
        str(READ_ONLY_ROOT),
        str(data),
        sys.executable,
        "-m",
        "bot",
        "run",
        env=bot_env(api, data, KEY_PASSPHRASE=PASSPHRASE),
        cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = asyncio.ensure_future(process.communicate())
    try:
        await api.wait_polling(0, timeout=60)
        api.push_message(user, "/start")
        api.push_message(user, "deferment for students")
        await api.wait_for(lambda _: len(sent_to(api, user)) >= 2, timeout=30)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        stdout, _ = await asyncio.wait_for(output, 30)
    logs = stdout.decode("utf-8", "replace")
    assert process.returncode == 0, logs
    assert "keyring=unlocked" in logs and "Traceback" not in logs
    assert (data / "helpline.sqlite3").exists()
