"""Money and times as a person reads them, one way everywhere: pages (through the `visits`
template filters), emails, ledger descriptions, CSV files and form labels."""

from zoneinfo import ZoneInfo

from django.utils.formats import date_format
from django.utils.translation import get_language, gettext


def in_zone(value, zone_name) -> str:
    """An instant on a named clock, with the zone's abbreviation: "Tuesday, March 2, 2027,
    2 p.m. CST". Every time shown to a person says whose clock it is."""
    if not value or not zone_name:
        return ""
    local = value.astimezone(ZoneInfo(zone_name))
    # The format is translated: Spanish puts the day before the month.
    when = date_format(local, gettext("l, F j, Y, P"))
    if get_language().startswith("es"):
        # Spanish writes weekday and month names in lower case, as they appear mid-sentence
        # ("antes del domingo 6 de diciembre"); Django's catalogue capitalises the weekdays.
        for name in (date_format(local, "l"), date_format(local, "F")):
            when = when.replace(name, name.lower())
    return f"{when} {local.tzname()}"


def time_in_zone(value, zone_name) -> str:
    """Only the time of day, with the zone's abbreviation: "2:20 p.m. CST"."""
    if not value or not zone_name:
        return ""
    local = value.astimezone(ZoneInfo(zone_name))
    return f"{date_format(local, 'P')} {local.tzname()}"


def dollars(cents) -> str:
    """Integer cents as dollars: 1250 -> "$12.50", -500 -> "-$5.00"."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    cents = abs(int(cents))
    return f"{sign}${cents // 100:,}.{cents % 100:02d}"
