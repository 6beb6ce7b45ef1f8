"""`helpline-bot run`, `webhook-secret` and `migrate`: starting the bot (the run lock, the
keyring unlocked at start) and preparing its database."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from bot.cli import EXIT_OK, command_settings
from bot.config import ConfigError, Settings, require_data_dir
from bot.crypto.keyring import UnlockedKeyring


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser(
        "run",
        help="start the bot (long polling, or a webhook)",
        description="Start the bot with long polling, or with --webhook as a webhook listener "
        "on LISTEN_HOST:LISTEN_PORT that Telegram posts to at WEBHOOK_URL.",
    )
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates through a webhook (needs WEBHOOK_URL and WEBHOOK_SECRET)",
    )
    run.set_defaults(handler=cmd_run)

    webhook_secret = commands.add_parser(
        "webhook-secret",
        help="print a random WEBHOOK_SECRET",
        description="Print 43 random characters Telegram accepts as a webhook secret token.",
    )
    webhook_secret.set_defaults(handler=cmd_webhook_secret)

    migrate = commands.add_parser(
        "migrate",
        help="create or upgrade the database and exit",
        description="Create the database in DATA_DIR or apply pending migrations, then exit.",
    )
    migrate.set_defaults(handler=cmd_migrate)


def cmd_run(args: argparse.Namespace) -> int:
    settings = command_settings()
    if settings.bot_token is None:
        raise ConfigError("BOT_TOKEN is not set: get a token from @BotFather and set BOT_TOKEN")
    from bot.checks import token_problem

    problem = token_problem(settings)
    if problem is not None:
        raise ConfigError(problem)
    require_data_dir(settings)
    if args.webhook:
        from bot.config import port_problem, webhook_problem

        # Before the passphrase is asked for or anything is opened: nothing started, nothing lost.
        problem = webhook_problem(settings) or port_problem(
            settings.listen_host, settings.listen_port
        )
        if problem is not None:
            raise ConfigError(problem)
    lock = _take_run_lock(settings)
    try:
        unlocked = unlock_at_start(settings)
        asyncio.run(_run(settings, unlocked, webhook=args.webhook))
    finally:
        os.close(lock)
    return EXIT_OK


def cmd_webhook_secret(args: argparse.Namespace) -> int:
    import secrets

    print(secrets.token_urlsafe(32))  # A-Z, a-z, 0-9, _ and -: what Telegram accepts
    return EXIT_OK


def _take_run_lock(settings: Settings) -> int:
    """Held while the bot runs, so that `restore` and `import` never replace its database
    under it (and a second `run` on the same DATA_DIR does not poll beside it)."""
    from bot.storage import runlock
    from bot.storage.db import ensure_private_dir

    ensure_private_dir(settings.data_dir)
    try:
        return runlock.take(settings.data_dir)
    except runlock.DataDirBusy as exc:
        raise ConfigError(str(exc)) from None


def unlock_at_start(settings: Settings) -> UnlockedKeyring | None:
    """Unattended: the configured passphrase. Hardened: ask on the terminal. Else: locked."""
    from bot.crypto.keyring import KeyringDestroyed, KeyringMissing, PublicKeyring
    from bot.crypto.passphrase import configured_passphrase, obtain_passphrase
    from bot.services.keytrust import check_fingerprint

    try:
        public = PublicKeyring.load(settings.keyring_dir)
    except (KeyringMissing, KeyringDestroyed):
        return None
    # Before asking anything: a replaced keyring must not even get the passphrase typed.
    check_fingerprint(public, settings.signing_key_fingerprint)
    passphrase = configured_passphrase(settings.key_passphrase, settings.key_passphrase_file)
    if passphrase is None:
        if not sys.stdin.isatty():
            logging.getLogger("helpline.keys").warning(
                "keyring locked: no passphrase configured and no terminal; reports are accepted, "
                "reading them waits for a start with the passphrase"
            )
            return None
        passphrase = obtain_passphrase(None, None, prompt="Keyring passphrase (hardened mode): ")
    return _upgraded(settings, UnlockedKeyring.unlock(settings.keyring_dir, passphrase), passphrase)


def _upgraded(settings: Settings, ring: UnlockedKeyring, passphrase: bytes) -> UnlockedKeyring:
    """A keyring from before review-key signatures is signed at its first unlocked start."""
    from bot.crypto.keyring import sign_review_keys
    from bot.logs import fields

    if ring.signature_state() != "unsigned":
        return ring
    signed = sign_review_keys(settings.keyring_dir, passphrase)
    logging.getLogger("helpline.keys").info(
        "keyring upgraded: review keys signed by the signing key",
        extra=fields(keys=",".join(signed)),
    )
    return UnlockedKeyring.unlock(settings.keyring_dir, passphrase)


async def _run(settings: Settings, unlocked: UnlockedKeyring | None, *, webhook: bool) -> None:
    from bot.app import build_app, run_polling, run_webhook

    app = await build_app(settings, unlocked=unlocked)
    try:
        await (run_webhook(app) if webhook else run_polling(app))
    finally:
        # Normally the shutdown hook has done this; not when start-up itself failed.
        await app.db.close()
        await app.bot.session.close()


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = command_settings()
    require_data_dir(settings)
    applied, version = asyncio.run(_migrate(settings))
    if applied:
        print(
            f"database {settings.database_path}: applied {applied} migration(s), now at {version}"
        )
    else:
        print(f"database {settings.database_path}: up to date at version {version}")
    return EXIT_OK


async def _migrate(settings: Settings) -> tuple[int, int]:
    from bot.storage import migrations
    from bot.storage.db import Database

    db = await Database.open(settings.database_path)
    try:
        applied = await migrations.apply(db)
        return len(applied), await migrations.current_version(db)
    finally:
        await db.close()
