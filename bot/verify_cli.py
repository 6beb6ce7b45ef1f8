"""`helpline-bot verify [FILE]`: is an alert's text genuine, checked offline against the
published signing key or the keyring's public part (after a panic: the revoked key its note
keeps). No passphrase, no network."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli import EXIT_OK, command_settings
from bot.config import ConfigError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify = commands.add_parser(
        "verify",
        help="check offline whether an alert text was issued by this instance",
        description="Read an alert's text (from FILE, or standard input) and check its "
        "signature line. The public key comes from --public-key (the hex an organisation "
        "publishes) or from the keyring's public part in KEYS_DIR (after a panic: the revoked "
        "key the destroyed keyring's note keeps); no passphrase, no network. Exit 0: genuine; "
        "1: changed, forged, unsigned, or signed by a revoked key (a signature does not show "
        "when it was made).",
    )
    verify.add_argument("file", nargs="?", help="a file with the alert text (default: stdin)")
    verify.add_argument(
        "--public-key", metavar="HEX", help="the instance's alert signing key, 64 hex digits"
    )
    verify.add_argument(
        "--revoked-on",
        metavar="YYYY-MM-DD",
        help="the day that key was revoked (published with it after a panic)",
    )
    verify.set_defaults(handler=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    from bot.services.signatures import verify_alert

    public, fingerprint, revoked_on = _verify_key(args)
    try:
        text = Path(args.file).read_text(encoding="utf-8") if args.file else sys.stdin.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the alert text: {exc}") from None
    verdict = verify_alert(public, text)
    if not verdict.found:
        print("unsigned: no signature line (🔏 sig:...) in this text; treat it as unconfirmed")
        return 1
    if not verdict.genuine:
        print("NOT genuine: the signature does not match this text (changed, or not ours)")
        return 1
    if revoked_on is not None:
        print(
            f"signed {verdict.kind} {verdict.alert_id}, by the alert key with fingerprint "
            f"{fingerprint}, which was REVOKED on {revoked_on}: a copy you had before that day "
            "was genuine; a signature does not show when it was made, and nothing signed with "
            "this key after that day is genuine, so do not trust a copy first seen later"
        )
        return 1
    print(
        f"genuine {verdict.kind} {verdict.alert_id}: signed by the alert key with fingerprint "
        f"{fingerprint} (whether it was withdrawn since, only the bot's /verify knows)"
    )
    if verdict.issuer is None:
        print("issued by: not named (signed before alerts named their bot)")
    else:  # the key vouches for the text; whether that bot is the helpline's, its channels say
        print(f"issued by @{verdict.issuer} (as the signed text says)")
    return EXIT_OK


def _verify_key(args: argparse.Namespace) -> tuple[Ed25519PublicKey, str, str | None]:
    """The key to check with, its fingerprint, and the day it was revoked (None: it was not):
    --public-key (and --revoked-on), else the keyring's public part, else a destroyed
    keyring's tombstone."""
    import datetime as dt

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from bot.crypto.keyring import KeyringDestroyed, PublicKeyring, revoked_signing_key

    if args.revoked_on is not None:
        try:
            dt.date.fromisoformat(args.revoked_on)
        except ValueError:
            raise ConfigError("--revoked-on must be a day as YYYY-MM-DD") from None
        if not args.public_key:
            raise ConfigError("--revoked-on goes with --public-key (the key it revokes)")
    if args.public_key:
        try:
            public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(args.public_key))
        except ValueError:
            raise ConfigError("--public-key must be 64 hex digits (32 bytes)") from None
        return public, PublicKeyring.fingerprint_of(public), args.revoked_on
    keys_dir = command_settings().keyring_dir
    try:
        ring = PublicKeyring.load(keys_dir)
    except KeyringDestroyed as exc:
        revoked = revoked_signing_key(keys_dir)
        if revoked is None:
            raise ConfigError(
                f"the keyring was destroyed at {exc.destroyed_at} and its note keeps no public "
                "key: pass --public-key HEX and --revoked-on YYYY-MM-DD as published"
            ) from None
        return revoked.public, revoked.fingerprint(), revoked.revoked_on
    return ring.signing_public, ring.fingerprint(), None
