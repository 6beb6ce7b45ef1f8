"""Signed alerts: every alert ends with a line carrying an Ed25519 signature of its text.

Impostor bots and channels copy alerts (and make up their own). The signature covers the text
as people see and copy it in Telegram — markup removed, whitespace normalised — plus what it is
(an alert or an announcement) and its id, so a pasted or forwarded alert can be checked by
`/verify`, and offline by `helpline-bot verify` with nothing but the instance's public key,
which an organisation publishes with its fingerprint.

What is checked is always the plain text as given: nothing in it is ever removed or
interpreted first (markup stripping would let a forger hide words from the check).
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bot.crypto.keyring import UnlockedKeyring, verify_signature

DOMAIN = b"helpline-signed/v1\n"
KINDS = {"alert": "A", "announcement": "N"}
MARK = "🔏 sig:"
SIGNATURE_SEPARATOR = "\n\n<code>" + MARK  # where the signature line starts in a sent text
_SIGNATURE_LINE = re.compile(
    r"^[ \t]*🔏[ \t]*sig:[ \t]*([AN])\.([0-9a-f]{8})\.([A-Za-z0-9_-]{86})[ \t]*$", re.M
)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Verdict:
    """`found`: the text has one signature line; `genuine`: it verifies under the key; then
    `kind` ('alert' or 'announcement') and `alert_id` say what was signed."""

    found: bool
    genuine: bool
    kind: str | None = None
    alert_id: str | None = None


def visible_text(markup: str) -> str:
    """Our own Telegram HTML as the reader sees (and copies) it: tags gone, entities decoded.
    Only ever applied to what the bot itself renders, never to text someone pastes."""
    return html.unescape(_TAG.sub("", markup))


def canonical(kind: str, alert_id: str, text: str) -> bytes:
    """What is signed: what it is, its id, and the text in NFC with each line's whitespace
    collapsed and blank lines dropped. Copying from a phone may add or lose spaces and blank
    lines, never change words; a changed word, number or place must break the signature."""
    normal = unicodedata.normalize("NFC", text)
    lines = (" ".join(line.split()) for line in normal.splitlines())
    body = "\n".join(line for line in lines if line)
    return DOMAIN + f"{KINDS[kind]}.{alert_id}\n".encode("ascii") + body.encode("utf-8")


def sign_alert(ring: UnlockedKeyring, markup: str, alert_id: str, kind: str = "alert") -> str:
    """The text (Telegram HTML) with its signature line appended."""
    if kind not in KINDS or not re.fullmatch(r"[0-9a-f]{8}", alert_id):
        raise ValueError("unknown kind or malformed id")
    signature = ring.sign(canonical(kind, alert_id, visible_text(markup)))
    encoded = base64.urlsafe_b64encode(signature).decode("ascii").rstrip("=")
    return f"{markup}{SIGNATURE_SEPARATOR}{KINDS[kind]}.{alert_id}.{encoded}</code>"


def announcement_signer(
    ring: UnlockedKeyring, alert_id: str
) -> Callable[[str, str], tuple[str, str]]:
    """What an approved announcement's texts (ru, en) become: each signed as an announcement."""

    def sign(text_ru: str, text_en: str) -> tuple[str, str]:
        return (
            sign_alert(ring, text_ru, alert_id, kind="announcement"),
            sign_alert(ring, text_en, alert_id, kind="announcement"),
        )

    return sign


def verify_alert(public: Ed25519PublicKey, text: str) -> Verdict:
    """Check a pasted or forwarded text, exactly as given."""
    matches = list(_SIGNATURE_LINE.finditer(text))
    if len(matches) != 1:
        return Verdict(found=False, genuine=False)
    match = matches[0]
    kind = next(k for k, letter in KINDS.items() if letter == match.group(1))
    alert_id = match.group(2)
    try:
        signature = base64.urlsafe_b64decode(match.group(3) + "==")
    except (binascii.Error, ValueError):
        return Verdict(found=True, genuine=False)
    # One spelling only: the last character's unused bits must be zero, as the signer wrote them.
    if base64.urlsafe_b64encode(signature).decode("ascii").rstrip("=") != match.group(3):
        return Verdict(found=True, genuine=False)
    body = text[: match.start()] + text[match.end() :]
    genuine = verify_signature(public, canonical(kind, alert_id, body), signature)
    if not genuine:
        return Verdict(found=True, genuine=False)
    return Verdict(found=True, genuine=True, kind=kind, alert_id=alert_id)
