"""Signed alerts: every alert ends with a line carrying an Ed25519 signature of its text.

Impostor bots and channels copy alerts (and make up their own). The signature covers the text
as people see and copy it in Telegram — markup removed, whitespace normalised — so a pasted or
forwarded alert can be checked by `/verify`, and offline by `helpline-bot verify` with nothing
but the instance's public key, which an organisation publishes with its fingerprint.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import unicodedata
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bot.crypto.keyring import UnlockedKeyring, verify_signature

DOMAIN = b"helpline-alert/v1\n"
MARK = "🔏 sig:"
SIGNATURE_SEPARATOR = "\n\n<code>" + MARK  # where the signature line starts in a sent alert
_SIGNATURE_LINE = re.compile(r"^\s*🔏\s*sig:\s*([A-Za-z0-9_-]{86})\s*$", re.M)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Verdict:
    """`found`: the text has a signature line; `genuine`: it verifies under the key."""

    found: bool
    genuine: bool


def visible_text(markup: str) -> str:
    """Telegram HTML as the reader sees (and copies) it: tags gone, entities decoded."""
    return html.unescape(_TAG.sub("", markup))


def canonical(text: str) -> bytes:
    """What is signed: NFC, each line's whitespace collapsed, blank lines dropped.

    Copying from a phone may add or lose spaces and blank lines, never change words; a changed
    word, number or place must break the signature.
    """
    normal = unicodedata.normalize("NFC", text)
    lines = (" ".join(line.split()) for line in normal.splitlines())
    return DOMAIN + "\n".join(line for line in lines if line).encode("utf-8")


def sign_alert(ring: UnlockedKeyring, markup: str) -> str:
    """The alert (Telegram HTML) with its signature line appended."""
    signature = ring.sign(canonical(visible_text(markup)))
    encoded = base64.urlsafe_b64encode(signature).decode("ascii").rstrip("=")
    return f"{markup}{SIGNATURE_SEPARATOR}{encoded}</code>"


def verify_alert(public: Ed25519PublicKey, text: str) -> Verdict:
    """Check a pasted or forwarded alert (plain text, or the HTML the bot sent)."""
    text = visible_text(text) if "<code>" in text else text
    matches = list(_SIGNATURE_LINE.finditer(text))
    if len(matches) != 1:
        return Verdict(found=False, genuine=False)
    match = matches[0]
    try:
        signature = base64.urlsafe_b64decode(match.group(1) + "==")
    except (binascii.Error, ValueError):
        return Verdict(found=True, genuine=False)
    body = text[: match.start()] + text[match.end() :]
    return Verdict(found=True, genuine=verify_signature(public, canonical(body), signature))
