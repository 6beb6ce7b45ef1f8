"""`helpline-bot keys init|passphrase|destroy|rotate|status|backup-key`: the instance keyring
in KEYS_DIR. `keys destroy` is the panic switch (bot/panic_cli.py), `keys backup-key` the key
backups are sealed to (bot/backup_cli.py); rotating destroys retired keys no stored report
uses any more (crypto-shredding)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot import backup_cli, panic_cli
from bot.cli import EXIT_OK, audit_operator, command_settings
from bot.config import ConfigError, Settings
from bot.crypto.keyring import PublicKeyring, UnlockedKeyring
from bot.crypto.passphrase import PassphraseUnavailable
from bot.reports_cli import with_reports


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser(
        "keys",
        help="create or rotate the instance keyring",
        description="Manage the keyring in KEYS_DIR (default DATA_DIR/keys). The passphrase is "
        "read from KEY_PASSPHRASE or KEY_PASSPHRASE_FILE when set, otherwise asked on the "
        "terminal without echo.",
    )
    keys_commands = keys.add_subparsers(dest="keys_command", metavar="KEYS_COMMAND", required=True)
    keys_init = keys_commands.add_parser(
        "init",
        help="create the keyring (refuses to overwrite one)",
        description="Create the review key pair, the master secret and the alert signing key, "
        "wrapped with Argon2id under the passphrase. On a terminal it offers a generated "
        "passphrase (seven words, about 90 bits). A weak passphrase is refused: fewer than 16 "
        "characters or 8 different ones, one dictionary word, or mostly keyboard runs.",
    )
    keys_init.set_defaults(handler=cmd_keys_init)
    keys_passphrase = keys_commands.add_parser(
        "passphrase",
        help="print a generated passphrase (seven words, about 90 bits)",
        description="Print a passphrase of seven words drawn from the EFF large word list with "
        "a secure random generator, e.g. to put into KEY_PASSPHRASE_FILE (chmod 600).",
    )
    keys_passphrase.set_defaults(handler=cmd_keys_passphrase)
    keys_destroy = keys_commands.add_parser(
        "destroy",
        help="destroy the keyring on purpose (panic switch; cannot be undone)",
        description="Overwrite the keyring file's bytes, fsync and delete it, leaving only a "
        "note of when it was destroyed. Stored reports and the subscriber list become "
        "unreadable for good; the bot then serves guidance only. Needs no passphrase. Asks "
        "for confirmation unless --yes is given.",
    )
    keys_destroy.add_argument(
        "--yes", action="store_true", help="do not ask: destroy at once (for scripts)"
    )
    keys_destroy.set_defaults(handler=panic_cli.cmd_destroy)
    keys_rotate = keys_commands.add_parser(
        "rotate",
        help="add a new review key pair; old reports stay readable",
        description="Add a new review key pair for new reports; the previous one is retired "
        "but kept for reading the reports it protects.",
    )
    keys_rotate.set_defaults(handler=cmd_keys_rotate)
    keys_status = keys_commands.add_parser(
        "status",
        help="show the public part of the keyring (no passphrase needed)",
        description="Show key ids, dates and the alert signing key fingerprint.",
    )
    keys_status.set_defaults(handler=cmd_keys_status)
    backup_cli.add_key_command(keys_commands)


def cmd_keys_init(args: argparse.Namespace) -> int:
    import datetime as dt

    from bot.crypto.keyring import KeyringExists, KeyringMissing, PublicKeyring, init_keyring

    settings = command_settings()
    try:
        PublicKeyring.load(settings.keyring_dir)
    except KeyringMissing:
        pass
    else:
        raise KeyringExists(
            f"a keyring already exists in {settings.keyring_dir}; not overwriting it"
        )
    passphrase = _new_passphrase(settings)
    ring = init_keyring(settings.keyring_dir, passphrase, dt.date.today())
    if settings.database_path.exists():
        # A new keyring for an existing database: forget the old keys' pins, pin the new ones.
        asyncio.run(_pin_keys(settings, ring, reset=True))
    print(f"keyring created in {settings.keyring_dir}")
    print(f"review key: {ring.current_review_key.key_id}")
    print(f"alert signing key fingerprint: {ring.fingerprint()}")
    print(
        "Set SIGNING_KEY_FINGERPRINT to that fingerprint outside DATA_DIR (environment or the "
        "service unit), and publish it."
    )
    print("Keep the passphrase safe: without it nobody, including you, can read the reports.")
    return EXIT_OK


def _new_passphrase(settings: Settings) -> bytes:
    """KEY_PASSPHRASE / KEY_PASSPHRASE_FILE when set, else the terminal (offering a generated
    one); a weak passphrase from any of them is refused with the rule it breaks."""
    from bot.crypto.passphrase import (
        configured_passphrase,
        generate_passphrase,
        obtain_passphrase,
        weakness,
    )

    configured = configured_passphrase(settings.key_passphrase, settings.key_passphrase_file)
    if configured is None and sys.stdin.isatty():
        suggestion = generate_passphrase()
        print(f"Suggested passphrase (seven words, about 90 bits): {suggestion}")
        print("Write it down now; press Enter to use it, or type your own.")
        typed = obtain_passphrase(None, None, prompt="New keyring passphrase: ")
        chosen = typed or suggestion.encode()
        again = obtain_passphrase(None, None, prompt="Type it again to confirm: ")
        if again != chosen:
            raise PassphraseUnavailable("the two passphrases differ; nothing was created")
        configured = chosen
    passphrase = configured or obtain_passphrase(None, None)
    try:
        problem = weakness(passphrase.decode())
    except UnicodeDecodeError:
        problem = "the passphrase is not valid UTF-8"
    if problem is not None:
        raise ConfigError(
            f"{problem}; nothing was created (`helpline-bot keys passphrase` prints a strong one)"
        )
    return passphrase


def cmd_keys_passphrase(args: argparse.Namespace) -> int:
    from bot.crypto.passphrase import generate_passphrase

    print(generate_passphrase())
    return EXIT_OK


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    import datetime as dt

    from bot.crypto.keyring import destroy_retired_keys, rotate_review_key
    from bot.crypto.passphrase import obtain_passphrase

    settings = command_settings()
    passphrase = obtain_passphrase(settings.key_passphrase, settings.key_passphrase_file)
    # A running bot may still seal to the key that is current now: it is kept until the next
    # rotation, so that nothing sealed in the meantime becomes unreadable.
    previous = PublicKeyring.load(settings.keyring_dir).current_review_key.key_id
    key = rotate_review_key(settings.keyring_dir, passphrase, dt.date.today())
    print(f"new review key {key.key_id}; earlier keys are retired and still read old reports")
    if settings.database_path.exists():
        ring = UnlockedKeyring.unlock(settings.keyring_dir, passphrase)
        asyncio.run(_pin_keys(settings, ring, reset=False))
    in_use = asyncio.run(_key_ids_in_use(settings)) if settings.database_path.exists() else set()
    keep = in_use | {key.key_id, previous}
    destroyed = destroy_retired_keys(settings.keyring_dir, passphrase, keep=keep)
    if destroyed:
        print(
            f"destroyed retired key(s) {', '.join(destroyed)}: no stored report used them "
            "(crypto-shredding: copies of old reports anywhere are now unreadable)"
        )
    if settings.database_path.exists():
        gone = f" destroyed={','.join(destroyed)}" if destroyed else ""
        audit_operator(settings, ring, "keys.rotate", f"new={key.key_id}{gone}")
    return EXIT_OK


async def _pin_keys(settings: Settings, ring: PublicKeyring, *, reset: bool) -> None:
    from bot.services.keypins import check_and_pin, forget_pins
    from bot.storage import migrations
    from bot.storage.audit import AuditRepository
    from bot.storage.db import Database
    from bot.storage.instance import InstanceRepository

    db = await Database.open(settings.database_path)
    try:
        await migrations.apply(db)
        repo = InstanceRepository(db)
        if reset:
            await forget_pins(repo)
            await AuditRepository(db).mark_rekeyed()  # the old chain cannot verify any more
        await check_and_pin(repo, ring, authenticated=True)
    finally:
        await db.close()


async def _key_ids_in_use(settings: Settings) -> set[str]:
    return await with_reports(settings, lambda repo: repo.key_ids_in_use())


def cmd_keys_status(args: argparse.Namespace) -> int:
    from bot.crypto.keyring import KeyringDestroyed, PublicKeyring, revoked_signing_key

    settings = command_settings()
    try:
        ring = PublicKeyring.load(settings.keyring_dir)
    except KeyringDestroyed as exc:
        print(f"keyring: {settings.keyring_dir} destroyed on purpose at {exc.destroyed_at}")
        revoked = revoked_signing_key(settings.keyring_dir)
        if revoked is not None:
            print(
                f"alert signing key {revoked.fingerprint()}: revoked at {revoked.revoked_at} "
                "(texts it signed before then were genuine; nothing signed after it is)"
            )
            print(f"revoked public key: {revoked.public.public_bytes_raw().hex()}")
        return EXIT_OK
    print(f"keyring: {settings.keyring_dir} (created {ring.created.isoformat()})")
    for key in ring.review_keys.values():
        state = "destroyed" if key.destroyed else ("retired" if key.retired else "current")
        print(f"review key {key.key_id}: {state}, created {key.created.isoformat()}")
    print(f"alert signing key fingerprint: {ring.fingerprint()}")
    print(f"alert signing public key: {ring.signing_public.public_bytes_raw().hex()}")
    backup = ring.backup_key
    if backup is None:
        print("backup key: none (`helpline-bot keys backup-key` makes it)")
    else:
        print(f"backup key {backup.key_id}: created {backup.created.isoformat()}")
    if ring.signature_state() == "signed":
        print("review keys: each signed by the alert signing key")
    else:
        print("review keys: not signed yet (the next start with the passphrase signs them)")
    return EXIT_OK
