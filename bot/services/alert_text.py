"""What an alert says: its template fields and their choices, and the texts rendered from them.

Pure functions of an alert and the catalogue, no I/O: the draft's texts, the validity line that
is signed with them, the notice that replaces a closed alert, and an admin's announcement.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
from dataclasses import replace
from enum import StrEnum

from bot.content.regions import RegionCatalog
from bot.i18n import LANGUAGES, Translator
from bot.services.defang import defang
from bot.services.local_time import local_time, zone_of
from bot.services.report_window import reported_span
from bot.services.reports import PLACE_TYPES, TIME_BUCKETS
from bot.services.signatures import SIGNATURE_SEPARATOR, issuer_of, visible_text
from bot.services.textlang import written_in
from bot.storage.alerts import Alert

AREA_LIMIT = 60
ANNOUNCEMENT_LIMIT = 3000


class AlertField(StrEnum):
    """The template fields a moderator may change while an alert is a draft (the texts follow
    from them); the values are the stored columns (bot.storage.alerts.EDITABLE)."""

    AREA = "area"
    PLACE_TYPE = "place_type"
    TIME_WINDOW = "time_window"
    CERTAINTY = "certainty"
    ADVICE = "advice"


class Certainty(StrEnum):
    """How sure the alert is; labels are `certainty-<value>`."""

    CORROBORATED = "corroborated"
    SINGLE = "single"

    @property
    def label_key(self) -> str:
        return f"certainty-{self.value}"


class Advice(StrEnum):
    """What the alert tells people to do; labels are `advice-<value>`."""

    AVOID = "avoid"
    CALM = "calm"
    WARN = "warn"

    @property
    def label_key(self) -> str:
        return f"advice-{self.value}"


class Closing(StrEnum):
    """How a sent alert stops standing; each has the notice `alert-<value>` its copies get."""

    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    REPLACED = "replaced"

    @property
    def label_key(self) -> str:
        return f"alert-{self.value}"


def clean_area(text: str) -> str | None:
    """One short line: a station or district. None when it is empty, too long or multi-line."""
    area = " ".join(text.split())
    if not area or len(area) > AREA_LIMIT or not area.isprintable():
        return None
    return area


# The choices each cycling field goes through, in order ("area" is typed instead).
CHOICES: dict[AlertField, tuple[str, ...]] = {
    AlertField.PLACE_TYPE: PLACE_TYPES,
    AlertField.TIME_WINDOW: TIME_BUCKETS,
    AlertField.CERTAINTY: tuple(Certainty),
    AlertField.ADVICE: tuple(Advice),
}


def edited_value(alert: Alert, field: AlertField, value: str | None) -> str:
    """A field's new value: `value` if it is allowed, or for a choice field the next choice
    when `value` is None. ValueError when it does not fit."""
    if field is AlertField.AREA:
        area = clean_area(value or "")
        if area is None:
            raise ValueError("area must be one short line")
        return area
    choices = CHOICES[field]
    if value is None:
        current = getattr(alert, field.value)
        index = choices.index(current) if current in choices else -1
        return choices[(index + 1) % len(choices)]
    if value not in choices:
        raise ValueError(f"not a choice for {field}")
    return value


def text_hash(text_ru: str, text_en: str) -> bytes:
    """What approvals are given for: both texts, exactly."""
    return hashlib.sha256(text_ru.encode() + b"\x00" + text_en.encode()).digest()


def hash_tag(digest: bytes) -> str:
    """A text hash's first 8 bytes in hex: what an Approve button carries."""
    return digest[:8].hex()


class AlertText:
    """Renders alerts in every language from the catalogue and the region names."""

    def __init__(
        self, translator: Translator, regions: RegionCatalog, backup_bot: str | None = None
    ) -> None:
        self._tr = translator
        self._regions = regions
        self._backup_bot = backup_bot

    def render(self, alert: Alert, lang: str) -> str:
        """The alert as subscribers in `lang` will read it."""
        tr = self._tr
        region = self._regions.get(alert.region)
        lines = [tr(lang, "alert-title", region=region.name(lang) if region else alert.region)]
        if alert.area:
            lines.append(
                tr(lang, "alert-area", area=defang(alert.area) + self._other(lang, alert.area))
            )
        lines.append(tr(lang, "alert-place", place=tr(lang, f"place-{alert.place_type}")))
        lines.append(tr(lang, "alert-when", when=tr(lang, f"when-{alert.time_window}")))
        if alert.update_of is not None:
            lines.insert(0, tr(lang, "alert-update-of", id=alert.update_of))
        reported = reported_span(
            alert.group_key, alert.reported_first, alert.reported_last, alert.created_at
        )
        if reported is not None:
            when = local_time(self._say(lang), zone_of(self._regions, alert.region), *reported)
            lines.append(tr(lang, "alert-reported", time=when))
        lines.append(tr(lang, f"certainty-{alert.certainty}"))
        lines.append("")
        lines.append(tr(lang, f"advice-{alert.advice}"))
        return "\n".join(lines)

    def with_texts(self, alert: Alert) -> Alert:
        """The alert with its texts (and their hash) rendered from its fields."""
        text_ru, text_en = (self.render(alert, lang) for lang in LANGUAGES)
        return replace(
            alert, text_ru=text_ru, text_en=text_en, text_hash=text_hash(text_ru, text_en)
        )

    def _say(self, lang: str) -> functools.partial[str]:
        return functools.partial(self._tr, lang)

    def valid_until(self, lang: str, alert: Alert, expires: dt.datetime) -> str:
        """The line signed with the approved text: which alert, valid until when (in the time
        of the alert's region); with BACKUP_BOT, a line naming the backup bot before it, inert
        like every name in a signed text but the issuer's (a struck-through closed copy keeps
        it, harmlessly)."""
        where = zone_of(self._regions, alert.region)
        until = local_time(self._say(lang), where, expires, day="%d.%m.%Y")
        line = self._tr(lang, "alert-valid-until", id=alert.id, time=until)
        if self._backup_bot is None:
            return line
        backup = self._tr(lang, "alert-backup-bot", bot=defang(f"@{self._backup_bot}"))
        return f"{backup}\n{line}"

    def issued_by(self, lang: str, username: str) -> str:
        """The signed last line naming the bot that issues the text (verify.ftl)."""
        return self._tr(lang, "alert-issued-by", username=username)

    def closed(self, alert: Alert, lang: str, closing: Closing) -> str:
        """The notice, then the old text struck through. What made it stand goes: the line
        saying until when it is valid, the issuing bot's line and the signature."""
        text = alert.text_ru if lang == "ru" else alert.text_en
        body, signed, _ = text.partition(SIGNATURE_SEPARATOR)
        if signed:
            lines = body.split("\n")
            body = "\n".join(lines[: -2 if issuer_of(visible_text(body)) else -1])
        return self._tr(lang, closing.label_key) + "\n\n<s>" + body + "</s>"

    def announcement(self, lang: str, text: str) -> str:
        """An admin's plain text under the announcement title, escaped and defanged: never
        markup, never a live link; readers of the other language are told which it is in."""
        body = html.escape(defang(text), quote=False)
        label = self._other(lang, text).strip()
        title = self._tr(lang, "announcement-title") + (f"\n<i>{label}</i>" if label else "")
        return title + "\n\n" + body

    def _other(self, lang: str, text: str) -> str:
        """' (in Russian)' when free text is in a language other than the reader's, else ''."""
        language = written_in(text)
        if language is None or language == lang:
            return ""
        return " " + self._tr(lang, "text-language", language=language)
