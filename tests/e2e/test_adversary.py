"""Attacks on the real `helpline-bot run` process: poison updates, bursts and floods."""

from __future__ import annotations

import re
from typing import Any

from bot.devserver.server import FakeBotAPI
from tests.conftest import USER_IDS, StartBot
from tests.support.chat import User
from tests.support.leaks import needles, scan_bytes

INNOCENT = ("Innocent-Firstname", "innocent_username_31")
ATTACKER = ("Attacker-Firstname", "attacker_username_52")
SECRET = "секретныйтекст9c1e"


def poison_hidden_forward(api: FakeBotAPI, user_id: int) -> dict[str, Any]:
    """A forward from a hidden user without `sender_user_name` (aiogram issue #1840)."""
    update = api.push_message(user_id, f"{SECRET} forwarded", forward_from="Hidden Sender")
    del update["message"]["forward_origin"]["sender_user_name"]
    return update


def poison_new_origin(api: FakeBotAPI, user_id: int) -> dict[str, Any]:
    """A message origin type a newer Bot API might add: not in aiogram's union."""
    update = api.push_message(user_id, f"{SECRET} from the future", forward_from="x")
    update["message"]["forward_origin"] = {"type": "future_origin", "date": 1, "who": SECRET}
    return update


def fetched_ids(api: FakeBotAPI) -> list[int]:
    """Every update id the bot received, once per getUpdates answer that carried it."""
    return [u["update_id"] for call in api.calls_for("getUpdates") for u in call.result or []]


async def test_unparseable_updates_are_skipped_acknowledged_and_never_logged(
    api: FakeBotAPI, start_bot: StartBot
) -> None:
    bot = await start_bot()
    innocent = User(api, USER_IDS[0], "ru", first_name=INNOCENT[0], username=INNOCENT[1])
    User(api, USER_IDS[1], "ru", first_name=ATTACKER[0], username=ATTACKER[1])

    # One batch: an innocent question between two poison updates, the last one last in the
    # batch (pushed without an await in between, so that one getUpdates answer carries all).
    first = poison_hidden_forward(api, USER_IDS[1])
    api.push_message(innocent.id, f"/start {SECRET}")
    last = poison_new_origin(api, USER_IDS[1])
    await api.wait_idle()

    assert innocent.last().buttons  # the person got the main menu
    # Then idle: later polls move past the last poison update and never fetch either again.
    polls = len(api.calls_for("getUpdates"))
    await api.wait_for(lambda c: c.method == "getUpdates", since=api.calls[-1].index + 1)
    later = api.calls_for("getUpdates")[polls:]
    assert later and all(int(c.params["offset"]) > last["update_id"] for c in later)
    ids = fetched_ids(api)
    assert ids.count(first["update_id"]) == 1
    assert ids.count(last["update_id"]) == 1
    assert api.pending_updates == 0

    logs = bot.logs()
    skipped = [line for line in logs.splitlines() if "update skipped" in line]
    assert len(skipped) == 2, logs
    assert f"update_id={first['update_id']}" in skipped[0]
    assert "field=message.forward_origin.hidden_user.sender_user_name" in skipped[0]
    assert f"update_id={last['update_id']}" in skipped[1]
    assert all("level=warning" in line for line in skipped)
    assert "level=error" not in logs
    leaks = needles(texts=[SECRET, *INNOCENT, *ATTACKER, "Hidden Sender"], ids=USER_IDS[:2])
    assert scan_bytes(logs.encode(), leaks) == []
    assert re.search(r"Traceback", logs) is None
