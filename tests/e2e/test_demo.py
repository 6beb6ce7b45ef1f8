"""`helpline-bot demo` as a newcomer runs it: no token, no network, a report becomes an alert,
buttons are numbered per message, several lines go as one message, and `make demo` takes a
language."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

from bot.config import REPO_ROOT

# Typed into the demo: subscribe to Moscow, report a raid there, then, as the demo's admin, open
# the queue, draft the alert and approve it; one approval is not enough (the two-person rule),
# so the demo moderator anna gives the second one, and the alert reaches the subscriber.
SCRIPT = [
    *["/alerts", "1", "мск"],
    *["/report", "мск", "1", "1", "Две машины у выхода 3", "1", "1", "1"],
    *["/queue", "1", "2", "7"],
    *["/as anna", "/queue", "1", "7"],
    "/as me",
]
SIGNATURE = re.compile(r"^🔏 sig:\S+$", re.M)


async def start_demo(tmp_path: Path, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "demo",
        *args,
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def read_until(process: asyncio.subprocess.Process, pattern: re.Pattern[str]) -> str:
    """What the demo printed up to the first line after which `pattern` is found."""
    assert process.stdout is not None
    text = ""
    while not pattern.search(text):
        line = await asyncio.wait_for(process.stdout.readline(), timeout=120)
        assert line, text  # the demo ended first
        text += line.decode()
    return text


async def test_demo_walks_from_report_to_alert(tmp_path: Path) -> None:
    process = await start_demo(tmp_path)
    assert process.stdin is not None
    process.stdin.write(("\n".join(SCRIPT) + "\n").encode())
    before_alert = await read_until(process, SIGNATURE)
    # The alert as the terminal shows it, pasted back between two lines of """ for /verify.
    alert = before_alert.rsplit("── bot [", 1)[1].split("\n", 1)[1]
    assert alert.startswith("⚠️ Рейд: Москва") and len(alert.splitlines()) > 3, alert
    pasted = ["/verify", "1", '"""', *alert.splitlines(), '"""']
    out, _ = await asyncio.wait_for(
        process.communicate(("\n".join(pasted) + "\n").encode()), timeout=120
    )
    text = before_alert + out.decode()
    assert process.returncode == 0, text
    assert "Добавлено: Москва" in text
    assert "Готово, спасибо" in text  # the report was sent
    assert "Черновик предупреждения" in text
    assert "одобрений 1 из 2" in text
    before, after = text.split("you are now anna", 1)
    assert "Разослано" not in before  # one person's approval sent nothing
    assert "ждёт одобрения другого модератора" in after
    assert "Разослано: доставлено 1" in after
    assert "не подтверждено" in alert
    # «1» after /verify is not the old alert's feedback button: the prompt has no buttons.
    verify = text.split("you> /verify", 1)[1]
    assert "you> 1\n  (the last message has no buttons" in verify
    # The pasted lines went as one message, and the bot found the alert genuine.
    assert verify.count("── bot [") == 2 and "Настоящее" in verify and "ещё действует" in verify
    assert "Traceback" not in text


async def test_demo_numbers_buttons_per_message(tmp_path: Path) -> None:
    process = await start_demo(tmp_path, "--lang", "en")
    script = ["/report", "2.2", "2.1", "1.99", "99.1", "1.x"]
    out, _ = await asyncio.wait_for(
        process.communicate(("\n".join(script) + "\n").encode()), timeout=120
    )
    text = out.decode()
    assert process.returncode == 0, text
    assert re.search(r"── bot \[1\] ──\n.*anonymous helpline", text)  # English from the start
    form = text.split("you> /report", 1)[1].split("you> 2.2", 1)[0]
    assert "── bot [2] ──" in form and "  [2.1] Choose from the list" in form
    assert "  [2.2] ✖ Cancel" in form
    assert "Cancelled. Nothing was sent or saved." in text
    # Stale numbers get one line each, never a traceback.
    assert "you> 2.1\n  (message [2] is gone)" in text
    assert re.search(r"you> 1\.99\n  \(message \[1\] has no button 99 now; it has \d+\)", text)
    assert "you> 99.1\n  (message [99] is not in this chat)" in text
    assert "Traceback" not in text


def test_make_demo_takes_the_language() -> None:
    # `make -n` only prints what `make demo` would run; LANG (the shell's locale) is not used.
    for args, lang in (([], "ru"), (["DEMO_LANGUAGE=en"], "en")):
        printed = subprocess.run(
            ["make", "-n", "demo", *args],
            cwd=REPO_ROOT,
            env={"PATH": "/usr/bin:/bin", "LANG": "en_US.UTF-8"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert f"helpline-bot demo --lang {lang}\n" in printed, printed
