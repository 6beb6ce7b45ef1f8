"""The emergency card (`content/emergency.toml`) and its contacts (`content/contacts.toml`, then
the operator's own `content/local/contacts.toml` when it exists).

Each contact carries its legal status in Russia, because a "foreign agent" or "undesirable"
label changes the risk of contacting it: undesirable organisations are never listed, and a
contact whose status nobody checked cannot ship (a person stopped right now cannot check it).
The card also holds the message a person sends to someone they trust and the phrases to say to
officers; the bot asks nothing about the person and keeps nothing of them.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from bot.content.faq import ContentError, Translate
from bot.content.markup import render_blocks
from bot.content.toml_file import read_toml
from bot.i18n import LANGUAGES

CONTACT_STATUSES = ("foreign-agent", "none-known")
LOCAL_CONTACTS = Path("local") / "contacts.toml"  # the operator's own, under the content dir
_CONTACT = re.compile(r"^(@[A-Za-z0-9_]{5,32}|[a-z0-9.-]+\.[a-z]{2,}(/[^\s]*)?)$")
_ID = re.compile(r"[a-z0-9-]{1,40}")
CONTACT_KEYS = frozenset(
    {"id", "status", "contact", "verified", "source"}
    | {f"{name}_{lang}" for name in ("name", "status", "what") for lang in LANGUAGES}
)
_REFUSED_STATUSES = {
    "unknown": "an unchecked status cannot ship: check the registers and write foreign-agent "
    "or none-known, or leave the contact out",
    "undesirable": "undesirable organisations are never listed: taking part in their "
    "activities is an offence in Russia",
}
SHARE_BLANK = "___"  # the place the person writes in himself; the bot never asks where he is
COPY_TEXT_LIMIT = 256  # Bot API CopyTextButton.text: 1-256 characters
# Telegram documents no length limit for a button URL; this bound is our own, kept well under
# what browsers and clients are known to open, so the share button never fails to send.
SHARE_LINK_LIMIT = 2048
BUTTON_LABEL_LIMIT = 40
# The inline query the /sos card's "through the bot" button types: answered with the prepared
# message alone (handlers/inline.py), never with a search.
SOS_INLINE_QUERY = "sos"


@dataclass(frozen=True)
class Contact:
    id: str
    names: dict[str, str]
    status: str
    status_text: dict[str, str]
    what: dict[str, str]
    contact: str  # a bare domain or an @handle, as the source records it
    verified: dt.date
    source: str
    local: bool = False  # from the operator's own file

    @property
    def on_telegram(self) -> bool:
        return self.contact.startswith("@")


@dataclass(frozen=True)
class Phrase:
    """A phrase to say to officers, copied by a button: in Russian in every language (it is
    said to Russian officers), with its gist and the law it rests on in the reader's language
    for the card."""

    id: str
    labels: dict[str, str]
    say: str
    meaning: dict[str, str]
    law: dict[str, str]


@dataclass(frozen=True)
class Emergency:
    text: dict[str, str]
    sources: dict[str, tuple[str, ...]]
    entries: tuple[str, ...]
    reviewed: dt.date
    share: dict[str, str]
    phrases: tuple[Phrase, ...]


def share_link(message: str) -> str:
    """A t.me share link that puts `message` in the input field of a chat the person picks.

    The message is sent from the person's own account, so it carries no "via @bot". Telegram's
    share link takes a `url` and an optional `text` and enters them as "url, newline, text": the
    first line goes in `url`, the rest in `text`, so the chat receives the message as written.
    Percent-encoded (spaces as %20, never "+", which some clients show as is)."""
    first, _, rest = message.partition("\n")
    query = {"url": first}
    if rest:
        query["text"] = rest
    return "https://t.me/share/url?" + urlencode(query, quote_via=quote)


def _per_language(
    item: dict[str, Any], name: str, problems: list[str], where: str
) -> dict[str, str]:
    values = {}
    for lang in LANGUAGES:
        value = item.get(f"{name}_{lang}")
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: needs a non-empty {name}_{lang}")
        else:
            values[lang] = value.strip()
    return values


def _status(item: dict[str, Any], where: str, problems: list[str]) -> str:
    status = item.get("status")
    if status is None:
        problems.append(f"{where}: status is missing (one of {', '.join(CONTACT_STATUSES)})")
    elif not isinstance(status, str):  # a list or a number: one line, not a traceback
        problems.append(f"{where}: status must be one of {', '.join(CONTACT_STATUSES)}")
    elif status in _REFUSED_STATUSES:
        problems.append(f"{where}: status '{status}': {_REFUSED_STATUSES[status]}")
    elif status not in CONTACT_STATUSES:
        problems.append(f"{where}: status {status!r} must be one of {', '.join(CONTACT_STATUSES)}")
    return str(status)


def _verified(item: dict[str, Any], where: str, today: dt.date, problems: list[str]) -> dt.date:
    verified = item.get("verified")
    if isinstance(verified, dt.datetime) or not isinstance(verified, dt.date):
        problems.append(f"{where}: verified must be the date the status and contact were checked")
        return dt.date.min
    if verified > today:
        problems.append(f"{where}: verified {verified.isoformat()} is in the future")
    return verified


def _address(item: dict[str, Any], where: str, problems: list[str]) -> str:
    contact = item.get("contact")
    if not isinstance(contact, str) or not contact.strip():
        problems.append(
            f"{where}: contact is missing: list only contacts a person can reach "
            "(a site or an @handle, as your source records it)"
        )
        return ""
    if not _CONTACT.match(contact):
        problems.append(f"{where}: contact {contact!r} must be a bare domain or an @handle")
    return contact


def _source(item: dict[str, Any], where: str, problems: list[str]) -> str:
    source = item.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append(f"{where}: source is missing: name where the status and contact were read")
        return ""
    return source.strip()


def _contact(
    item: object, path: Path, today: dt.date, local: bool, problems: list[str]
) -> Contact | None:
    if not isinstance(item, dict):
        problems.append(f"{path}: every [[contact]] must be a table")
        return None
    cid = item.get("id")
    if not isinstance(cid, str) or not _ID.fullmatch(cid):
        problems.append(f"{path}: contact id {cid!r} must match [a-z0-9-]{{1,40}}")
        return None
    where = f"{path}: contact '{cid}'"
    unknown = sorted(set(item) - CONTACT_KEYS)
    if unknown:  # a misspelt or invented field would silently not be shown
        problems.append(
            f"{where}: unknown field(s) {', '.join(unknown)}; "
            f"a contact has {', '.join(sorted(CONTACT_KEYS))}"
        )
    return Contact(
        id=cid,
        names=_per_language(item, "name", problems, where),
        status=_status(item, where, problems),
        status_text=_per_language(item, "status", problems, where),
        what=_per_language(item, "what", problems, where),
        contact=_address(item, where, problems),
        verified=_verified(item, where, today, problems),
        source=_source(item, where, problems),
        local=local,
    )


def load_contacts(path: Path, *, local: bool = False) -> list[Contact]:
    """The contacts of one file, or ContentError with one line per problem (file, contact,
    what is wrong). A file may list none: the card then gives only its steps."""
    data = read_toml(path)
    items = data.get("contact", [])
    if not isinstance(items, list):
        raise ContentError([f"{path}: contacts must be [[contact]] tables"])
    problems: list[str] = []
    contacts = []
    seen: set[str] = set()
    today = dt.date.today()
    for item in items:
        contact = _contact(item, path, today, local, problems)
        if contact is None:
            continue
        if contact.id in seen:
            problems.append(f"{path}: contact '{contact.id}': the id is used twice")
        seen.add(contact.id)
        contacts.append(contact)
    if problems:
        raise ContentError(problems)
    return contacts


def load_all_contacts(content_dir: Path) -> tuple[Contact, ...]:
    """The shipped contacts, then the operator's own (`content/local/contacts.toml`, if any),
    validated alike; problems of both files are reported together."""
    problems: list[str] = []
    contacts: list[Contact] = []
    local_path = content_dir / LOCAL_CONTACTS
    files = [(content_dir / "contacts.toml", False)]
    if local_path.exists():
        files.append((local_path, True))
    for path, local in files:
        try:
            found = load_contacts(path, local=local)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        known = {c.id for c in contacts}
        for contact in found:
            if contact.id in known:
                problems.append(
                    f"{path}: contact '{contact.id}': the id is already used in contacts.toml"
                )
        contacts.extend(found)
    if problems:
        raise ContentError(problems)
    return tuple(contacts)


def _phrase(item: object, path: Path, problems: list[str]) -> Phrase | None:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        problems.append(f"{path}: every [[phrase]] needs an id")
        return None
    where = f"{path}: phrase '{item['id']}'"
    say = item.get("say")
    if not isinstance(say, str) or not say.strip():
        problems.append(f"{where}: needs a non-empty say (the Russian words a button copies)")
        say = ""
    elif len(say.strip()) > COPY_TEXT_LIMIT:
        problems.append(
            f"{where}: say is {len(say.strip())} characters; a copy button holds "
            f"at most {COPY_TEXT_LIMIT}"
        )
    labels = _per_language(item, "label", problems, where)
    for lang, label in labels.items():
        if len(label) > BUTTON_LABEL_LIMIT:
            problems.append(f"{where}: label_{lang} is longer than {BUTTON_LABEL_LIMIT} characters")
    return Phrase(
        id=item["id"],
        labels=labels,
        say=say.strip(),
        meaning=_per_language(item, "meaning", problems, where),
        law=_per_language(item, "law", problems, where),
    )


def _share(data: dict[str, Any], path: Path, problems: list[str]) -> dict[str, str]:
    share = _per_language(data, "share", problems, str(path))
    for lang, text in share.items():
        if SHARE_BLANK not in text:
            problems.append(
                f"{path}: share_{lang} needs the blank {SHARE_BLANK} where the person writes "
                "the place himself"
            )
        if len(share_link(text)) > SHARE_LINK_LIMIT:
            problems.append(
                f"{path}: share_{lang} makes a share link of {len(share_link(text))} characters; "
                f"keep it within {SHARE_LINK_LIMIT} (shorten the message)"
            )
    return share


def load_emergency(path: Path, known_entries: set[str]) -> Emergency:
    data = read_toml(path)
    problems: list[str] = []
    text = _per_language(data, "text", problems, str(path))
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
        if not isinstance(entry_id, str):  # a table or a number: one line, not a traceback
            problems.append(f"{path}: entries must be a list of FAQ ids, not {entry_id!r}")
        elif entry_id not in known_entries:
            problems.append(f"{path}: entry '{entry_id}' does not exist in content/faq")
    reviewed = data.get("reviewed")
    if not isinstance(reviewed, dt.date):
        problems.append(f"{path}: reviewed must be a date (YYYY-MM-DD)")
        reviewed = dt.date.min
    share = _share(data, path, problems)
    raw_phrases = data.get("phrase", [])
    if not isinstance(raw_phrases, list) or not raw_phrases:
        problems.append(f"{path}: needs at least one [[phrase]] (what to say to officers)")
        raw_phrases = []
    phrases = [p for p in (_phrase(item, path, problems) for item in raw_phrases) if p]
    if problems:
        raise ContentError(problems)
    return Emergency(text, sources, tuple(entries), reviewed, share, tuple(phrases))


def _contact_line(contact: Contact, tr: Translate, lang: str) -> str:
    """One contact. Its "site: …" part is plain catalogue text: unescaped here because the
    line escapes it again (a site's «&» would otherwise show as «&amp;»)."""
    reach = "sos-reach-telegram" if contact.on_telegram else "sos-reach-site"
    return tr(
        "sos-contact-line",
        name=contact.names[lang],
        contact=f" ({html.unescape(tr(reach, address=contact.contact))})",
        what=contact.what[lang],
        status=contact.status_text[lang],
    )


def render_card(card: Emergency, contacts: tuple[Contact, ...], tr: Translate, lang: str) -> str:
    """The /sos screen: what to do, the phrases and the law behind each, the contacts with their
    legal status (or, with none, where help comes from anyway), sources and date."""
    phrases = "\n".join(
        tr(
            "sos-phrase-line",
            say=phrase.meaning[lang],
            law=phrase.law[lang],
        )
        for phrase in card.phrases
    )
    if contacts:
        reach_out = "\n".join(
            [tr("sos-contacts-later")] + [_contact_line(c, tr, lang) for c in contacts]
        )
    else:
        reach_out = tr("sos-no-contacts")
    lines = [
        tr("sos-title"),
        *render_blocks(card.text[lang]),
        tr("sos-phrases-title") + "\n" + phrases,
        tr("sos-contacts-title") + "\n" + reach_out,
        tr(
            "sos-footer",
            sources="; ".join(card.sources[lang]),
            reviewed=card.reviewed.strftime("%d.%m.%Y"),
        ),
    ]
    return "\n\n".join(lines)
