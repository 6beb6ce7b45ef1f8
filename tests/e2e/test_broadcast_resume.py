"""A broadcast survives SIGKILL: the real process is killed in the middle of a 2,000-recipient
alert and started again on the same data directory. Every recipient gets the alert, nobody
outside the region gets anything, and only requests in flight at the kill are repeated.

"In flight at the kill" is measured, not assumed, as the broadcaster's sends whose outcome it
had not recorded: the sendMessage requests the stand-in had received but not yet answered at
that instant, plus those it had answered (delivered) whose outbox row is still 'pending' in the
database the killed process left. Both kinds hold one of the broadcaster's 8 slots, so the sum
is also checked against that concurrency. A request still open at the kill is normally not
delivered (the stand-in cancels a request whose connection is gone); one delivered anyway after
the kill counts as uncertain too. Every duplicate must be one of these uncertain recipients.

The kill comes right after the stand-in delivered a message, so that a send is almost always
caught between its delivery and its record: the duplicate path is exercised, not only hoped for.
Delivery is counted from the stand-in's chats (what people would see), never from the bot's
bookkeeping; the database is read only to check the bookkeeping itself.

It takes about 75 s: BROADCAST_RATE is at most 30 a second, so 2,000 messages need 67 s
whenever the kill comes, plus two start-ups of the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import secrets
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bot.crypto.keyring import UnlockedKeyring
from bot.devserver.server import FakeBotAPI
from bot.services.people import subscriber_cipher
from bot.storage import migrations
from bot.storage.alerts import Alert, AlertRepository
from bot.storage.db import Database
from bot.storage.subscribers import SubscriberRepository
from tests.support.keys import PASSPHRASE, make_keyring, unlock
from tests.support.process import BotProcess, ProcessStarter

RECIPIENTS = 2_000
FIRST_CHAT = 7_100_000_000  # above 2**24, like every chat id in these tests
OUTSIDERS = [7_900_000_001 + i for i in range(5)]
REGION, OTHER_REGION = "moscow", "spb"
RATE = 30  # BROADCAST_RATE's maximum: 2,000 messages take at least 67 s
LATENCY = 0.2  # seconds per sendMessage: at 30/s about 6 requests are open at any moment
CONCURRENCY = 8  # the broadcaster's bound on unrecorded sends (Broadcaster(concurrency=8))
KILL_AFTER = 300  # recipients with the alert before the kill
MARKER = f"resume-{secrets.token_hex(4)}"
TEXT_RU = f"Проверка документов у метро. Метка {MARKER}"
TEXT_EN = f"Document checks at the metro. Tag {MARKER}"


def minute(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%MZ")


def lang_of(chat_id: int) -> str:
    return "en" if chat_id % 3 == 0 else "ru"


async def seed(
    data_dir: Path, ring: UnlockedKeyring, api: FakeBotAPI
) -> tuple[str, dict[bytes, int]]:
    """2,000 subscribers of REGION and a few of OTHER_REGION, and an approved alert for REGION
    (so one pending outbox row per recipient). Returns the alert id and ref -> chat id."""
    cipher = subscriber_cipher(ring)
    db = await Database.open(data_dir / "helpline.sqlite3")
    try:
        await migrations.apply(db)
        subscribers = SubscriberRepository(db)
        refs: dict[bytes, int] = {}
        day = dt.date.today().isoformat()
        for chat_id, region in [
            *((FIRST_CHAT + i, REGION) for i in range(RECIPIENTS)),
            *((chat_id, OTHER_REGION) for chat_id in OUTSIDERS),
        ]:
            ref = cipher.ref(chat_id)
            refs[ref] = chat_id
            await subscribers.save(
                ref=ref,
                chat_ct=cipher.encrypt(chat_id, ref),
                lang=lang_of(chat_id),
                silent=chat_id % 5 == 0,
                all_regions=False,
                regions=[region],
                day=day,
            )
            api.add_user(chat_id, first_name="Subscriber", language_code=lang_of(chat_id))
        alerts = AlertRepository(db)
        now = dt.datetime.now(dt.UTC)
        text_hash = secrets.token_bytes(32)
        alert_id = secrets.token_hex(4)
        await alerts.create(
            Alert(
                id=alert_id,
                kind="alert",
                region=REGION,
                area="",
                place_type="metro",
                time_window="now",
                certainty="single",
                advice="avoid",
                text_ru=TEXT_RU,
                text_en=TEXT_EN,
                text_hash=text_hash,
                state="draft",
                group_key=None,
                created_at=minute(now),
            )
        )
        approver = secrets.token_bytes(32)  # an admin's ref; no progress message to edit
        approval = await alerts.approve(
            alert_id,
            approver,
            text_hash,
            needed=1,
            now=minute(now),
            expires_at=minute(now + dt.timedelta(hours=6)),
            progress_message_id=None,
            admin_refs=frozenset({approver}),
        )
        assert (approval.outcome, approval.recipients) == ("sending", RECIPIENTS)
    finally:
        await db.close()
    return alert_id, refs


def query(data_dir: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(data_dir / "helpline.sqlite3")) as db:
        return list(db.execute(sql, params))


def sent_chats(data_dir: Path, refs: dict[bytes, int]) -> set[int]:
    """Recipients whose outbox row the bot marked 'sent'."""
    rows = query(
        data_dir,
        "SELECT s.ref FROM outbox AS o JOIN subscribers AS s ON s.id = o.subscriber_id"
        " WHERE o.state = 'sent'",
    )
    return {refs[bytes(r[0])] for r in rows}


def copies(api: FakeBotAPI, chats: Iterable[int]) -> Counter[int]:
    """How many copies of the alert each chat received (the stand-in's record, deletions too)."""
    return Counter(
        {chat: sum(1 for m in api.delivered(chat) if m.text and MARKER in m.text) for chat in chats}
    )


async def wait_until(
    bot: BotProcess, what: str, done: Callable[[], bool], timeout: float, *, alive: bool = True
) -> None:
    """Poll `done()` every 0.1 s; fail with the bot's log on timeout, or if the process exits
    while it should be `alive`."""
    deadline = time.monotonic() + timeout
    while not done():
        if alive and bot.process.returncode is not None:
            raise AssertionError(
                f"bot exited ({bot.process.returncode}) before {what}:\n{bot.logs()}"
            )
        if time.monotonic() > deadline:
            raise AssertionError(f"not {what} within {timeout:g}s:\n{bot.logs()[-4000:]}")
        await asyncio.sleep(0.1)


async def test_sigkill_mid_broadcast_then_restart_delivers_to_everyone(
    api: FakeBotAPI, start_bot: ProcessStarter, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    make_keyring(data_dir / "keys")
    ring = unlock(data_dir / "keys")
    alert_id, refs = await seed(data_dir, ring, api)
    recipients = [FIRST_CHAT + i for i in range(RECIPIENTS)]
    api.set_latency(LATENCY, method="sendMessage")

    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE, BROADCAST_RATE=str(RATE))
    await wait_until(
        bot,
        f"{KILL_AFTER} recipients served",
        lambda: sum(1 for n in copies(api, recipients).values() if n) >= KILL_AFTER,
        timeout=60,
    )
    # Kill right after the stand-in delivered a message: its outcome cannot be recorded yet.
    await api.wait_for(
        lambda c: c.method == "sendMessage" and c.ok, timeout=10, since=len(api.calls)
    )
    bot.process.kill()
    # Nothing else runs on this loop until the next await: this is the stand-in at the kill.
    open_at_kill = api._in_flight  # received, not yet answered (only sends are running now)
    at_kill = copies(api, recipients)
    assert await bot.stop(signal.SIGKILL) == -signal.SIGKILL
    # The killed connections' requests end (cancelled, or in the worst case delivered late).
    await wait_until(
        bot, "open requests ended", lambda: api._in_flight == 0, timeout=10, alive=False
    )
    after_kill = copies(api, recipients)

    delivered = {chat for chat, n in at_kill.items() if n}
    recorded = sent_chats(data_dir, refs)
    assert recorded <= delivered, "an outbox row was marked sent without a delivery"
    assert all(n <= 1 for n in after_kill.values()), "a duplicate before any restart"
    unrecorded = delivered - recorded  # answered by the stand-in, not recorded by the bot
    late = {chat for chat, n in after_kill.items() if n} - delivered
    in_flight = open_at_kill + len(unrecorded)
    assert in_flight <= CONCURRENCY, (open_at_kill, sorted(unrecorded))
    assert len(delivered) < RECIPIENTS, "the kill came too late to be mid-broadcast"

    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE, BROADCAST_RATE=str(RATE))
    await wait_until(
        bot,
        "every recipient served",
        lambda: min(copies(api, recipients).values()) >= 1,
        timeout=120,
    )
    await wait_until(
        bot,
        "the alert finished",
        lambda: (
            query(data_dir, "SELECT state FROM alerts WHERE id = ?", (alert_id,)) == [("sent",)]
        ),
        timeout=20,
    )
    assert await bot.stop() == 0

    final = copies(api, recipients)
    assert min(final.values()) >= 1
    duplicates = {chat for chat, n in final.items() if n > 1}
    assert max(final.values()) <= 2
    assert len(duplicates) <= in_flight, (len(duplicates), open_at_kill, len(unrecorded))
    assert duplicates <= unrecorded | late, "a recipient whose delivery was recorded got it again"
    for chat in recipients:  # each in their own language, silent where they asked for it
        message = next(m for m in api.delivered(chat) if m.text and MARKER in m.text)
        assert message.text == (TEXT_EN if lang_of(chat) == "en" else TEXT_RU)
        assert message.disable_notification == (chat % 5 == 0)
    assert all(not api.delivered(chat) for chat in OUTSIDERS)
    assert query(data_dir, "SELECT state, count(*) FROM outbox GROUP BY state") == [
        ("sent", RECIPIENTS)
    ]
    assert query(data_dir, "SELECT state FROM alerts") == [("sent",)]
    print(  # shown with -s: what this run measured
        f"\nkilled after {len(delivered)} delivered ({len(recorded)} recorded);"
        f" in flight at kill: {open_at_kill} open + {len(unrecorded)} unrecorded;"
        f" late deliveries: {len(late)}; duplicates: {len(duplicates)}"
    )
