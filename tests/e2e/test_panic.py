"""`helpline-bot panic` through the real CLI under the real running bot: the running process
lets go of its keys by itself (no restart), the stored reports and subscriptions can no longer
be read by anything (no secret is left in any file), guidance answers, and so it stays across a
restart, where /verify and the offline `verify` say the signing key was revoked."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

from bot.crypto.keyring import KEYRING_FILE, TOMBSTONE_FILE
from bot.devserver.server import FakeBotAPI
from bot.services.signatures import sign_alert, visible_text
from tests.e2e.test_cli import run_cli
from tests.support.alerts import (
    ADMIN,
    MOSCOW_RU,
    OUTSIDER,
    REPORTER,
    rows,
    send_report,
    subscribe,
)
from tests.support.chat import User
from tests.support.keys import PASSPHRASE, unlock
from tests.support.process import ProcessStarter


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


async def test_panic_on_the_server_under_a_running_bot_and_after_a_restart(
    api: FakeBotAPI, start_bot: ProcessStarter, keyring_dir: Path, tmp_path: Path
) -> None:
    ring = unlock(keyring_dir)
    secrets = [
        ring._master_secret,
        ring._signing_private.private_bytes_raw(),
        *(key.private_bytes_raw() for key in ring._review_private.values()),
    ]
    genuine = visible_text(
        sign_alert(
            ring,
            "<b>Рейд: Москва</b>\nПроверка документов",
            "0a1b2c3d",
            issued_by="<i>Выпущено ботом @helpline_test_bot</i>",
        )
    )
    del ring
    # What a copy of the keyring would need the passphrase for: it must be gone from the disk.
    sealed = json.loads((keyring_dir / KEYRING_FILE).read_text())["ciphertext"]
    secrets += [sealed.encode(), bytes.fromhex(sealed)[:64]]
    subscriber, reporter = User(api, MOSCOW_RU, "ru"), User(api, REPORTER, "ru")
    env = {"DATA_DIR": str(tmp_path / "data")}
    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE, ADMIN_IDS=str(ADMIN))
    await subscribe(subscriber, "мск")
    await send_report(reporter)
    assert rows(bot, "SELECT count(*) FROM reports") == [(1,)]
    assert rows(bot, "SELECT count(*) FROM subscribers") == [(1,)]
    assert "Настоящее" in (await subscriber.say(f"/verify {genuine}")).visible_text

    no_terminal = run_cli("panic", cwd=tmp_path, **env)
    assert no_terminal.returncode == 2 and "--yes" in no_terminal.stderr
    assert (keyring_dir / KEYRING_FILE).exists()
    done = run_cli("panic", "--yes", cwd=tmp_path, KEY_PASSPHRASE=PASSPHRASE, **env)
    assert done.returncode == 0, done.stderr
    assert "audit log: panic recorded" in done.stderr  # its last entry, while the key existed
    assert "revoked at" in done.stdout and "revoked public key:" in done.stdout
    assert sorted(p.name for p in keyring_dir.iterdir()) == [TOMBSTONE_FILE]

    # The running bot notices by itself (a look at the tombstone every 5 s).
    for _ in range(100):
        if "keyring destroyed while running" in bot.logs():
            break
        await asyncio.sleep(0.2)
    assert "keyring destroyed while running" in bot.logs()
    assert "больше не принимает" in (await reporter.say("/report")).visible_text
    assert "больше не рассылает" in (await subscriber.say("/alerts")).visible_text
    reader = User(api, OUTSIDER, "en")
    assert "stopped or detained" in (await reader.say("/sos")).visible_text
    assert await bot.stop() == 0

    # Unreadable by anything: the stored rows are still there, no secret and no trace of the
    # sealed keyring is in any file, and the tools that would read them refuse in one line.
    data = tmp_path / "data"
    assert rows(bot, "SELECT count(*) FROM reports") == [(1,)]
    for path in files_under(data):
        content = path.read_bytes()
        assert not any(secret in content for secret in secrets), path
    exported = run_cli("reports", "export", cwd=tmp_path, KEY_PASSPHRASE=PASSPHRASE, **env)
    assert exported.returncode == 2 and "destroyed on purpose" in exported.stderr
    assert exported.stdout == "" and exported.stderr.count("\n") == 1

    # Across a restart (a passphrase configured changes nothing): guidance only, and the old
    # signature is answered as made by a key revoked today.
    again = await start_bot(KEY_PASSPHRASE=PASSPHRASE, ADMIN_IDS=str(ADMIN))
    assert "keyring=destroyed" in again.logs()
    assert "больше не принимает" in (await reporter.say("/report")).visible_text
    found = await reporter.say("otsrochka student")
    assert any("Отсрочка для студентов" in label for label in reporter.labels(found))
    today = dt.datetime.now(dt.UTC).date().isoformat()
    revoked = (await subscriber.say(f"/verify {genuine}")).visible_text
    assert "отозванным ключом" in revoked and "Настоящее" not in revoked
    assert await again.stop() == 0
    text_file = tmp_path / "alert.txt"
    text_file.write_text(genuine, encoding="utf-8")
    offline = run_cli("verify", str(text_file), cwd=tmp_path, **env)
    assert offline.returncode == 1 and f"REVOKED on {today}" in offline.stdout, offline.stdout
    status = run_cli("keys", "status", cwd=tmp_path, **env)
    assert status.returncode == 0 and "revoked public key:" in status.stdout
    public = status.stdout.split("revoked public key:")[1].split()[0]
    published = run_cli(
        "verify", "--public-key", public, "--revoked-on", today, str(text_file), cwd=tmp_path
    )
    assert published.returncode == 1 and f"REVOKED on {today}" in published.stdout
    bad = run_cli("verify", "--public-key", public, "--revoked-on", "yesterday", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
