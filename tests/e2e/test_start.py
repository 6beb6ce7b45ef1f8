"""What only the real `python -m bot run` process shows: SIGTERM while a handler runs, and the
exit status and one-line error of a start-up the Bot API refuses."""

from __future__ import annotations

import asyncio
import signal

from bot.devserver.server import FakeBotAPI
from tests.support.chat import USER_IDS, sent_to
from tests.support.process import ProcessStarter


async def test_sigterm_waits_for_a_running_handler(
    api: FakeBotAPI, start_bot: ProcessStarter
) -> None:
    user = USER_IDS[0]
    api.add_user(user, language_code="ru")
    bot = await start_bot()
    api.set_latency(1.5, method="sendMessage")
    api.push_message(user, "/help")
    # The update has been fetched and its handler is now waiting on a slow sendMessage.
    await api.wait_for(
        lambda c: c.method == "getUpdates" and bool(c.response.get("result")), timeout=10
    )
    await asyncio.sleep(0.3)
    assert await bot.stop(signal.SIGTERM) == 0
    assert sent_to(api, user), "the reply in flight at SIGTERM was lost"
    assert "bot stopped" in bot.logs()


async def test_rejected_token_exits_2_with_one_line(
    api: FakeBotAPI, start_bot: ProcessStarter
) -> None:
    bot = await start_bot(wait_ready=False, BOT_TOKEN="999999:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert await asyncio.wait_for(bot.process.wait(), 30) == 2
    lines = [line for line in bot.logs().splitlines() if "configuration error" in line]
    assert len(lines) == 1 and "BOT_TOKEN was rejected by the Bot API" in lines[0]
    assert "Traceback" not in bot.logs()
