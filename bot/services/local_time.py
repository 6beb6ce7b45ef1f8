"""Times as people read them: in the zone of the region they concern, with a label ("12:30 по
Якутску, UTC+9"). Every time a person sees goes through `local_time`; the database, button data
and the logs stay in UTC.

A region's zone is its capital's (content/regions.toml); an announcement, which has no region,
and a region code no longer in the catalogue use Moscow time, the country's reference.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable

from bot.content.regions import RegionCatalog

MOSCOW = "Europe/Moscow"

# A catalogue bound to one language: say(key, **args) -> text; KeyError for a missing key.
Say = Callable[..., str]


@functools.cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone database's entry (cached: one per zone in use)."""
    return zoneinfo.ZoneInfo(name)


def zone_of(regions: RegionCatalog, code: str) -> zoneinfo.ZoneInfo:
    """The zone times about this region are shown in."""
    region = regions.get(code)
    return zone(region.zone if region else MOSCOW)


def zone_key(where: zoneinfo.ZoneInfo) -> str:
    """The catalogue key naming a zone: 'Asia/Yakutsk' -> 'zone-asia-yakutsk'."""
    return "zone-" + where.key.lower().replace("/", "-").replace("_", "-")


def offset_text(moment: dt.datetime) -> str:
    """The UTC offset at that moment, as people write it: '+9', '+5:30', '-1'."""
    offset = moment.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    hours, rest = divmod(minutes, 60)
    return f"{sign}{hours}" + (f":{rest:02d}" if rest else "")


def local_time(
    say: Say,
    where: zoneinfo.ZoneInfo,
    start: dt.datetime,
    end: dt.datetime | None = None,
    *,
    day: str | None = "%d.%m",
) -> str:
    """'06.12, 21:00–21:45 по Москве, UTC+3': a moment (or a span) in a zone, labelled; `day`
    is the date's format, None for the time alone. A zone without a name in the catalogue
    still gets its offset."""
    local = start.astimezone(where)
    text = f"{local:%H:%M}" + (f"–{end.astimezone(where):%H:%M}" if end is not None else "")
    if day:
        text = f"{local.strftime(day)}, {text}"
    offset = offset_text(local)
    try:
        name = say(zone_key(where))
    except KeyError:
        return say("time-at-offset", time=text, offset=offset)
    return say("time-in-zone", time=text, zone=name, offset=offset)


def from_minute(text: str | None) -> dt.datetime | None:
    """A stored minute ('2026-12-06T07:30Z', bot.services.audit_trail.minute) as a UTC time."""
    return _parse(text, "%Y-%m-%dT%H:%MZ")


def from_hour(text: str | None) -> dt.datetime | None:
    """A stored hour ('2026-12-06T07', a report's created_hour) as a UTC time."""
    return _parse(text, "%Y-%m-%dT%H")


def _parse(text: str | None, form: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, form).replace(tzinfo=dt.UTC)
    except ValueError:
        return None
