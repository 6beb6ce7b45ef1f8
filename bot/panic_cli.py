"""`helpline-bot panic` and `keys destroy`: the panic switch. The keyring is destroyed in
place (the panic audited first while its key still exists); the signing key's public half
stays, revoked, for /verify and for the operator to publish."""

from __future__ import annotations

import argparse
import sys

from bot.cli import EXIT_OK, EXIT_PROBLEMS, audit_operator, command_settings
from bot.config import ConfigError, Settings
from bot.crypto.keyring import UnlockedKeyring


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    panic = commands.add_parser(
        "panic",
        help="the panic switch: destroy the keyring now (cannot be undone)",
        description="Destroy the keyring in place: the review keys, the master secret behind "
        "chat ids and the alert signing key. Stored reports and subscriptions become "
        "unreadable at once; a running bot switches to guidance only within seconds, and so "
        "does every later start. The signing key's public half is kept, marked revoked, so "
        "/verify can say what it signed before. Needs no passphrase. Asks you to type DESTROY "
        "unless --yes is given.",
    )
    panic.add_argument("--yes", action="store_true", help="do not ask: destroy at once")
    panic.set_defaults(handler=cmd_destroy)


def cmd_destroy(args: argparse.Namespace) -> int:
    """`keys destroy` and `panic`: the keyring goes; the signing key's public half stays,
    revoked, and is printed to publish."""
    import datetime as dt

    from bot.crypto.keyring import destroy_keyring, revoked_signing_key

    settings = command_settings()
    if not args.yes:
        if not sys.stdin.isatty():
            raise ConfigError("refusing to destroy the keyring without a terminal; add --yes")
        print(
            f"This destroys the keyring in {settings.keyring_dir} for good: stored reports and "
            "the subscriber list become unreadable, and reports and alerts stop."
        )
        try:
            answer = input("Type DESTROY to go on: ")
        except EOFError:
            answer = ""
        if answer.strip() != "DESTROY":
            print("nothing was destroyed")
            return EXIT_PROBLEMS
    _audit_panic(settings)
    tombstone = destroy_keyring(settings.keyring_dir, dt.datetime.now(dt.UTC))
    print(f"keyring destroyed; {tombstone} records when (it holds no secret key)")
    print(
        "stored reports, subscriptions and moderators' chat ids can no longer be decrypted; "
        "a running bot serves guidance only within seconds, and so does every later start"
    )
    revoked = revoked_signing_key(settings.keyring_dir)
    if revoked is not None:
        print(
            f"alert signing key {revoked.fingerprint()} revoked at {revoked.revoked_at}; "
            "publish this where your audience trusts you: texts it signed before then were "
            "genuine, nothing signed with it after that is"
        )
        print(f"revoked public key: {revoked.public.public_bytes_raw().hex()}")
    return EXIT_OK


def _audit_panic(settings: Settings) -> None:
    """With a passphrase configured, the panic is the last entry of the audit log (written
    while its key still exists). Never in the way: without one, or on any failure, one line
    says it was not recorded and the keyring is destroyed anyway."""
    from bot.crypto.keyring import KEYRING_FILE
    from bot.crypto.passphrase import configured_passphrase

    if not (settings.keyring_dir / KEYRING_FILE).exists():
        return  # nothing to destroy: destroy_keyring says so
    try:
        passphrase = configured_passphrase(settings.key_passphrase, settings.key_passphrase_file)
        if passphrase is None or not settings.database_path.exists():
            print("audit log: not recorded (no passphrase configured)", file=sys.stderr)
            return
        ring = UnlockedKeyring.unlock(settings.keyring_dir, passphrase)
        audit_operator(settings, ring, "panic", "")
    except Exception as exc:  # the panic switch must not depend on the audit log
        print(f"audit log: not recorded ({type(exc).__name__})", file=sys.stderr)
