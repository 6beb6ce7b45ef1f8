"""Keys under a seized server, through the real `python -m bot run` and CLI processes: a keyring
swapped together with edited pins, a review key planted in the keyring file, an old keyring's
upgrade, and the keyring destroyed on purpose with `keys destroy`."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from bot.crypto.keyring import KEYRING_FILE, TOMBSTONE_FILE, PublicKeyring
from bot.devserver.server import FakeBotAPI
from tests.e2e.test_cli import run_cli
from tests.e2e.test_unlock import PROMPT, TerminalBot
from tests.support.keys import PASSPHRASE, make_keyring, make_unsigned_keyring
from tests.support.process import BotProcess, ProcessStarter, bot_env


def edit_pins(database: Path, ring: PublicKeyring) -> None:
    """Rewrite the pin rows to `ring`'s keys, as someone who can write DATA_DIR would."""
    pins = {"pin:signing": ring.signing_public.public_bytes_raw().hex()}
    for key in ring.review_keys.values():
        pins[f"pin:review:{key.key_id}"] = key.public.public_bytes_raw().hex()
    with sqlite3.connect(database) as conn:
        for name, value in pins.items():
            conn.execute("UPDATE instance SET value = ? WHERE key = ?", (value, name))
    conn.close()


async def refused(bot: BotProcess, api: FakeBotAPI, *phrases: str) -> None:
    """The start ended with exit 2 and one keyring-error line saying `phrases`, before polling."""
    assert await asyncio.wait_for(bot.process.wait(), 60) == 2, bot.logs()
    lines = [line for line in bot.logs().splitlines() if "keyring error" in line]
    assert len(lines) == 1, bot.logs()
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    assert "Traceback" not in bot.logs()


async def test_a_swapped_keyring_with_edited_pins_is_refused_when_the_fingerprint_is_set(
    api: FakeBotAPI, start_bot: ProcessStarter, keyring_dir: Path, tmp_path: Path
) -> None:
    fingerprint = PublicKeyring.load(keyring_dir).fingerprint()
    first = await start_bot(SIGNING_KEY_FINGERPRINT=fingerprint)  # locked; pins the keys
    assert "keyring=locked" in first.logs()
    assert "SIGNING_KEY_FINGERPRINT is not set" not in first.logs()
    assert await first.stop() == 0

    theirs = tmp_path / "theirs"
    seized = make_keyring(theirs)
    shutil.copy2(theirs / KEYRING_FILE, keyring_dir / KEYRING_FILE)
    edit_pins(first.data_dir / "helpline.sqlite3", seized)

    bot = await start_bot(wait_ready=False, SIGNING_KEY_FINGERPRINT=fingerprint)
    await refused(bot, api, "SIGNING_KEY_FINGERPRINT", seized.fingerprint())
    # The control: without the setting the edited pins are all there is, and the swap passes
    # (with a warning saying exactly that).
    accepted = await start_bot()
    assert "keyring=locked" in accepted.logs()
    assert "SIGNING_KEY_FINGERPRINT is not set" in accepted.logs()


async def test_a_review_key_planted_in_the_keyring_file_is_refused(
    api: FakeBotAPI, start_bot: ProcessStarter, keyring_dir: Path
) -> None:
    path = keyring_dir / KEYRING_FILE
    doc = json.loads(path.read_text())
    planted = X25519PrivateKey.generate().public_key()
    doc["public"]["review_keys"][0]["public"] = planted.public_bytes_raw().hex()
    path.write_text(json.dumps(doc, indent=2))
    # A first start: no database, no pins yet; only the signature stands in the way.
    bot = await start_bot(wait_ready=False)
    await refused(bot, api, "r1", "not signed by this keyring's signing key")
    assert not (bot.data_dir / "helpline.sqlite3").exists() or not _pins(bot.data_dir)


def _pins(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / "helpline.sqlite3") as conn:
        rows = conn.execute("SELECT key FROM instance WHERE key LIKE 'pin:%'").fetchall()
    conn.close()
    return [str(r[0]) for r in rows]


async def test_an_old_keyring_is_signed_at_the_first_unlocked_start(
    api: FakeBotAPI, start_bot: ProcessStarter, tmp_path: Path
) -> None:
    keys = tmp_path / "data" / "keys"
    make_unsigned_keyring(keys)
    locked = await start_bot()
    assert "keyring not yet upgraded" in locked.logs() and "keyring=locked" in locked.logs()
    assert await locked.stop() == 0
    assert PublicKeyring.load(keys).signature_state() == "unsigned"

    unlocked = await start_bot(KEY_PASSPHRASE=PASSPHRASE)
    assert "keyring upgraded" in unlocked.logs() and "keyring=unlocked" in unlocked.logs()
    assert PublicKeyring.load(keys).signature_state() == "signed"
    assert sorted(p.name for p in keys.iterdir()) == [KEYRING_FILE]
    assert await unlocked.stop() == 0
    # From now on a locked start with the fingerprint configured is fine.
    fingerprint = PublicKeyring.load(keys).fingerprint()
    again = await start_bot(SIGNING_KEY_FINGERPRINT=fingerprint)
    assert "keyring=locked" in again.logs() and "not yet upgraded" not in again.logs()


async def test_keys_destroy_asks_then_the_bot_starts_with_guidance_only(
    api: FakeBotAPI, start_bot: ProcessStarter, keyring_dir: Path, tmp_path: Path
) -> None:
    env = {"DATA_DIR": str(tmp_path / "data")}
    no_terminal = run_cli("keys", "destroy", cwd=tmp_path, **env)
    assert no_terminal.returncode == 2 and "--yes" in no_terminal.stderr
    assert (keyring_dir / KEYRING_FILE).exists()

    done = run_cli("keys", "destroy", "--yes", cwd=tmp_path, **env)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in keyring_dir.iterdir()) == [TOMBSTONE_FILE]

    check = run_cli("check", cwd=tmp_path, **env)
    assert check.returncode == 0, check.stdout + check.stderr
    lines = [line for line in check.stdout.splitlines() if "destroyed on purpose" in line]
    assert len(lines) == 1 and lines[0].startswith("ok: keyring")
    status = run_cli("keys", "status", cwd=tmp_path, **env)
    assert status.returncode == 0 and "destroyed on purpose at" in status.stdout
    again = run_cli("keys", "destroy", "--yes", cwd=tmp_path, **env)
    assert again.returncode == 2 and "destroyed on purpose" in again.stderr

    bot = await start_bot(KEY_PASSPHRASE=PASSPHRASE)
    assert "keyring=destroyed" in bot.logs()
    assert await bot.stop() == 0


async def test_on_a_terminal_a_replaced_keyring_is_refused_before_the_passphrase_is_asked(
    api: FakeBotAPI, keyring_dir: Path, tmp_path: Path
) -> None:
    expected = PublicKeyring.load(keyring_dir).fingerprint()
    theirs = tmp_path / "theirs"
    make_keyring(theirs)
    shutil.copy2(theirs / KEYRING_FILE, keyring_dir / KEYRING_FILE)
    env = bot_env(api, tmp_path / "data", SIGNING_KEY_FINGERPRINT=expected, LOG_LEVEL="WARNING")
    bot = TerminalBot(env, tmp_path)
    try:
        assert await bot.wait(60) == 2
    finally:
        await bot.stop()
    assert PROMPT not in bot.output  # nobody types the passphrase into a planted keyring's bot
    lines = [line for line in bot.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "SIGNING_KEY_FINGERPRINT" in lines[0], bot.output
