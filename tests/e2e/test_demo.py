"""`helpline-bot demo` as a newcomer runs it: no token, no network, a report becomes an alert."""

from __future__ import annotations

import asyncio
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


async def test_demo_walks_from_report_to_alert(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "demo",
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(
        process.communicate(("\n".join(SCRIPT) + "\n").encode()), timeout=120
    )
    text = out.decode()
    assert process.returncode == 0, text
    assert "Добавлено: Москва" in text
    assert "Готово, спасибо" in text  # the report was sent
    assert "Черновик предупреждения" in text
    assert "одобрений 1 из 2" in text
    before, after = text.split("you are now anna", 1)
    assert "Разослано" not in before  # one person's approval sent nothing
    assert "ждёт одобрения другого модератора" in after
    assert "Разослано: доставлено 1" in after
    alert = text.rsplit("── bot ──", 1)[-1]
    assert "Рейд: Москва" in alert and "не подтверждено" in alert
    assert "Traceback" not in text
