"""Signed alerts: every alert ends with a line carrying an Ed25519 signature of its text.

Impostor bots and channels copy alerts (and make up their own). The signature covers the text
as people see and copy it in Telegram — markup removed, whitespace normalised — plus what it is
(an alert or an announcement) and its id, so a pasted or forwarded alert can be checked by
`/verify`, and offline by `helpline-bot verify` with nothing but the instance's public key,
which an organisation publishes with its fingerprint.

What is checked is always the plain text as given: nothing in it is ever removed or
interpreted first (markup stripping would let a forger hide words from the check).

The last line before the signature names the bot that issued the text ("Issued by @name"), so a
copy another bot passes off as its own visibly is not; being signed, the name cannot be edited.
Texts signed before that line existed have none, and still verify.
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
# The signature, wherever it stands: web copies and some clients join it onto the last line.
# It is cut out and the rest is checked as given, so where it stood changes nothing else.
_SIGNATURE = re.compile(r"🔏[ \t]*sig:[ \t]*([AN])\.([0-9a-f]{8})\.([A-Za-z0-9_-]{86})(?![\w-])")
_TAG = re.compile(r"<[^>]+>")
# The issuing bot's username at the end of a signed text's last line. Everything else a signed
# text says is defanged (bot.services.defang), so no other line can end in a live @mention.
_ISSUER = re.compile(r"(?:^|\s)@([A-Za-z0-9_]{5,32})\Z")
USERNAME = re.compile(r"[A-Za-z0-9_]{5,32}")


class InstanceUnnamed(Exception):
    """This bot's own username is not known yet: nothing is signed (it would name no bot)."""


@dataclass(frozen=True)
class Verdict:
    """`found`: the text has one signature (on its own line or joined onto the last one);
    `genuine`: it verifies under the key; then
    `kind` ('alert' or 'announcement') and `alert_id` say what was signed, and `issuer` the
    username (without '@') of the bot the signed text names: None in texts signed before alerts
    named their bot."""

    found: bool
    genuine: bool
    kind: str | None = None
    alert_id: str | None = None
    issuer: str | None = None


def visible_text(markup: str) -> str:
    """Our own Telegram HTML as the reader sees (and copies) it: tags gone, entities decoded.
    Only ever applied to what the bot itself renders, never to text someone pastes."""
    return html.unescape(_TAG.sub("", markup))


def canonical(kind: str, alert_id: str, text: str) -> bytes:
    """What is signed: what it is, its id, and the text in NFC with each line's whitespace
    collapsed and blank lines dropped. Copying from a phone may add or lose spaces and blank
    lines, never change words; a changed word, number or place must break the signature."""
    body = "\n".join(_lines(text))
    return DOMAIN + f"{KINDS[kind]}.{alert_id}\n".encode("ascii") + body.encode("utf-8")


def _lines(text: str) -> list[str]:
    normal = unicodedata.normalize("NFC", text)
    lines = (" ".join(line.split()) for line in normal.splitlines())
    return [line for line in lines if line]


def issuer_of(text: str) -> str | None:
    """The bot a signed text names (its last line's trailing @username), or None."""
    lines = _lines(text)
    match = _ISSUER.search(lines[-1]) if lines else None
    return match.group(1) if match else None


def sign_alert(
    ring: UnlockedKeyring, markup: str, alert_id: str, kind: str = "alert", *, issued_by: str
) -> str:
    """The text (Telegram HTML), then `issued_by` (one line naming this bot: it is signed with
    the text), then the signature line."""
    if kind not in KINDS or not re.fullmatch(r"[0-9a-f]{8}", alert_id):
        raise ValueError("unknown kind or malformed id")
    if "\n" in issued_by or issuer_of(visible_text(issued_by)) is None:
        raise ValueError("the issued-by line must be one line ending in the bot's @username")
    markup = f"{markup}\n{issued_by}"
    signature = ring.sign(canonical(kind, alert_id, visible_text(markup)))
    encoded = base64.urlsafe_b64encode(signature).decode("ascii").rstrip("=")
    return f"{markup}{SIGNATURE_SEPARATOR}{KINDS[kind]}.{alert_id}.{encoded}</code>"


def alert_signer(
    ring: UnlockedKeyring,
    alert_id: str,
    valid_until: Callable[[str], str],
    issued_by: Callable[[str], str],
) -> Callable[[str, str], tuple[str, str]]:
    """What an approved alert's texts (ru, en) become: each with `valid_until(lang)` (which
    alert, valid until when), `issued_by(lang)` and the signature of all of it."""

    def sign(text_ru: str, text_en: str) -> tuple[str, str]:
        return (
            sign_alert(
                ring, text_ru + "\n" + valid_until("ru"), alert_id, issued_by=issued_by("ru")
            ),
            sign_alert(
                ring, text_en + "\n" + valid_until("en"), alert_id, issued_by=issued_by("en")
            ),
        )

    return sign


def announcement_signer(
    ring: UnlockedKeyring, alert_id: str, issued_by: Callable[[str], str]
) -> Callable[[str, str], tuple[str, str]]:
    """What an approved announcement's texts (ru, en) become: each signed as an announcement,
    after a blank line and `issued_by(lang)`."""

    def sign(text_ru: str, text_en: str) -> tuple[str, str]:
        return (
            sign_alert(ring, text_ru + "\n", alert_id, "announcement", issued_by=issued_by("ru")),
            sign_alert(ring, text_en + "\n", alert_id, "announcement", issued_by=issued_by("en")),
        )

    return sign


def without_signatures(text: str) -> str:
    """The text with every signature token taken out (its base64 can look like a host name to
    a link detector: `A.09f0bb40.ZILJD-…`)."""
    return _SIGNATURE.sub(" ", text)


def verify_alert(public: Ed25519PublicKey, text: str) -> Verdict:
    """Check a pasted or forwarded text, exactly as given: the one signature is cut out
    wherever it stands (its own line, or joined onto the last one) and the rest must match."""
    matches = list(_SIGNATURE.finditer(text))
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
    return Verdict(found=True, genuine=True, kind=kind, alert_id=alert_id, issuer=issuer_of(body))
