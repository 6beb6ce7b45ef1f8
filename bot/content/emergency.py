"""The emergency card (`content/emergency.toml`) and its contacts (`content/contacts.toml`).

Contacts are edited by the operator. Each carries its legal status in Russia, because a
"foreign agent" or "undesirable" label changes the risk of contacting it; undesirable
organisations are not listed at all.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from bot.content.faq import ContentError, Translate
from bot.content.markup import render_blocks
from bot.i18n import LANGUAGES

CONTACT_STATUSES = ("foreign-agent", "none-known", "unknown")
_CONTACT = re.compile(r"^(@[A-Za-z0-9_]{5,32}|[a-z0-9.-]+\.[a-z]{2,}(/[^\s]*)?|)$")


@dataclass(frozen=True)
class Contact:
    id: str
    names: dict[str, str]
    status: str
    status_text: dict[str, str]
    what: dict[str, str]
    contact: str


@dataclass(frozen=True)
class Emergency:
    text: dict[str, str]
    sources: dict[str, tuple[str, ...]]
    entries: tuple[str, ...]
    reviewed: dt.date


def _read(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContentError([f"{path}: cannot read: {exc.strerror}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ContentError([f"{path}: not valid TOML: {exc}"]) from None


def _per_language(
    item: dict[str, object], name: str, path: Path, problems: list[str]
) -> dict[str, str]:
    values = {}
    for lang in LANGUAGES:
        value = item.get(f"{name}_{lang}")
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{path}: '{item.get('id', '?')}' needs a non-empty {name}_{lang}")
        else:
            values[lang] = value.strip()
    return values


def load_contacts(path: Path) -> list[Contact]:
    data = _read(path)
    problems: list[str] = []
    contacts = []
    seen: set[str] = set()
    items = data.get("contact", [])
    if not isinstance(items, list) or not items:
        raise ContentError([f"{path}: no [[contact]] entries"])
    for item in items:
        cid = item.get("id")
        if not isinstance(cid, str) or not re.fullmatch(r"[a-z0-9-]{1,40}", cid):
            problems.append(f"{path}: contact id {cid!r} must match [a-z0-9-]{{1,40}}")
            continue
        if cid in seen:
            problems.append(f"{path}: contact id '{cid}' is used twice")
        seen.add(cid)
        status = item.get("status")
        if status not in CONTACT_STATUSES:
            problems.append(
                f"{path}: '{cid}' status must be one of {', '.join(CONTACT_STATUSES)} "
                "(undesirable organisations must not be listed)"
            )
        contact = item.get("contact", "")
        if not isinstance(contact, str) or not _CONTACT.match(contact):
            problems.append(f"{path}: '{cid}' contact must be a bare domain, an @handle or empty")
            contact = ""
        contacts.append(
            Contact(
                id=cid,
                names=_per_language(item, "name", path, problems),
                status=str(status),
                status_text=_per_language(item, "status", path, problems),
                what=_per_language(item, "what", path, problems),
                contact=contact,
            )
        )
    if problems:
        raise ContentError(problems)
    return contacts


def load_emergency(path: Path, known_entries: set[str]) -> Emergency:
    data = _read(path)
    problems: list[str] = []
    text = _per_language(data, "text", path, problems)
    sources: dict[str, tuple[str, ...]] = {}
    for lang in LANGUAGES:
        value = data.get(f"sources_{lang}")
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            problems.append(f"{path}: sources_{lang} must be a non-empty list of strings")
        else:
            sources[lang] = tuple(value)
    entries = data.get("entries", [])
    if not isinstance(entries, list):
        entries = []
        problems.append(f"{path}: entries must be a list of FAQ ids")
    for entry_id in entries:
        if entry_id not in known_entries:
            problems.append(f"{path}: entry '{entry_id}' does not exist in content/faq")
    reviewed = data.get("reviewed")
    if not isinstance(reviewed, dt.date):
        problems.append(f"{path}: reviewed must be a date (YYYY-MM-DD)")
        reviewed = dt.date.min
    if problems:
        raise ContentError(problems)
    return Emergency(text, sources, tuple(entries), reviewed)


def render_card(card: Emergency, contacts: tuple[Contact, ...], tr: Translate, lang: str) -> str:
    """The /sos screen: what to do, the contacts with their legal status, sources and date."""
    lines = [
        tr("sos-title"),
        *render_blocks(card.text[lang]),
        tr("sos-contacts-title"),
        "\n".join(
            tr(
                "sos-contact-line",
                name=contact.names[lang],
                contact=f" ({contact.contact})" if contact.contact else "",
                what=contact.what[lang],
                status=contact.status_text[lang],
            )
            for contact in contacts
        ),
        tr(
            "sos-footer",
            sources="; ".join(card.sources[lang]),
            reviewed=card.reviewed.strftime("%d.%m.%Y"),
        ),
    ]
    return "\n\n".join(lines)
