"""A visit as an iCalendar event (RFC 5545) for the confirmation email and the download.

Times are in the facility's zone with a TZID, and the file carries the VTIMEZONE that
defines it: the offsets in force and every change of offset from the year before the visit
to the year after, so calendars show the right local time whatever their own zone.
"""

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Visit, VisitKind


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a leading space."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}{minutes % 60:02d}"


def _transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """UTC instants in [start, end) at which the zone's offset changes (to the minute)."""
    found = []
    step = timedelta(days=1)
    moment = start
    while moment < end:
        following = moment + step
        if moment.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            low, high = moment, following
            while high - low > timedelta(minutes=1):
                middle = (low + (high - low) / 2).replace(second=0, microsecond=0)
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high)
        moment = following
    return found


def vtimezone(zone_name: str, around: datetime) -> list[str]:
    return list(_vtimezone(zone_name, around.year))


@lru_cache(maxsize=64)
def _vtimezone(zone_name: str, year: int) -> tuple[str, ...]:
    """The VTIMEZONE lines for the years around `year`: the same for every visit of a zone
    and year, and a few milliseconds to work out, so each process keeps them."""
    zone = ZoneInfo(zone_name)
    start = datetime(year - 1, 1, 1, tzinfo=UTC)
    end = datetime(year + 2, 1, 1, tzinfo=UTC)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone_name}"]
    first = start.astimezone(zone)
    observances = [(first, first.utcoffset(), first.utcoffset(), first.dst(), first.tzname())]
    for instant in _transitions(zone, start, end):
        before = (instant - timedelta(minutes=1)).astimezone(zone).utcoffset()
        after = instant.astimezone(zone)
        # DTSTART is the local time of the change on the clock in use before it.
        observances.append(
            (instant + before, before, after.utcoffset(), after.dst(), after.tzname())
        )
    for when, offset_from, offset_to, dst, name in observances:
        block = "DAYLIGHT" if dst else "STANDARD"
        lines += [
            f"BEGIN:{block}",
            f"DTSTART:{when.replace(tzinfo=None):%Y%m%dT%H%M%S}",
            f"TZOFFSETFROM:{_offset(offset_from)}",
            f"TZOFFSETTO:{_offset(offset_to)}",
            f"TZNAME:{name}",
            f"END:{block}",
        ]
    lines.append("END:VTIMEZONE")
    return tuple(lines)


def calendar_uid(visit: Visit, host: str) -> str:
    """The event's UID: the visit's own, or for a visit the family rescheduled the one of
    the visit it replaces, so calendars move the event instead of adding a second one."""
    return f"{visit.calendar_uid or f'visit-{visit.pk}'}@{host}"


def visit_ics(visit: Visit, *, now: datetime | None = None, cancel: bool = False) -> str:
    """The event, in the active language (callers override it with the visitor's). With
    `cancel`, the message that removes it from calendars (RFC 5546 METHOD:CANCEL, the same
    UID and a higher SEQUENCE)."""
    zone_name = visit.facility.time_zone
    zone = ZoneInfo(zone_name)
    host = urlparse(settings.SITE_URL).hostname or "localhost"
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    if visit.kind == VisitKind.REMOTE:
        where = visit.facility.name
        summary = _("Remote video visit with %(person)s") % {"person": visit.inmate.full_name}
    else:
        where = f"{visit.facility.name}, {visit.facility.street_address}, {visit.facility.city}"
        summary = _("On-site video visit with %(person)s") % {"person": visit.inmate.full_name}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Video Visits//Scheduling//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:CANCEL" if cancel else "METHOD:PUBLISH",
        *vtimezone(zone_name, visit.starts_at.astimezone(zone)),
        "BEGIN:VEVENT",
        f"UID:{calendar_uid(visit, host)}",
        f"SEQUENCE:{visit.revision + 1 if cancel else visit.revision}",
        *([f"ORGANIZER:mailto:{settings.DEFAULT_FROM_EMAIL}"] if cancel else []),
        f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
        f"DTSTART;TZID={zone_name}:{visit.starts_at.astimezone(zone):%Y%m%dT%H%M%S}",
        f"DTEND;TZID={zone_name}:{visit.ends_at.astimezone(zone):%Y%m%dT%H%M%S}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(where)}",
        f"URL:{settings.SITE_URL}{reverse('visits:detail', args=[visit.pk])}",
        "STATUS:CANCELLED" if cancel else "STATUS:CONFIRMED",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
