"""The day a console page is about, read from its address: ?day= on the visit board, the
daily list and its CSV file and the move page, ?until= on a terminal's page.

An address is typed, bookmarked and edited by hand, so a value that is not a date, or is a
date no facility can have visits on (before 2000, or more than two years after today
there), is a bad value: the page shows its usual day instead and says so; a file has no
page to say it on, so it is not found. Without the range, 9999-12-31 reached the date
arithmetic of the pages (the next day's link) and ended in a server error.
"""

from datetime import date

from django import forms
from django.contrib import messages
from django.http import Http404
from django.utils.formats import date_format
from django.utils.translation import gettext as _

EARLIEST = date(2000, 1, 1)
YEARS_AHEAD = 2


def latest_day(today: date) -> date:
    """The last day a console page may be about: two years after today."""
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February, two years before a common year
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def day_in_range(day: date, *, today: date) -> bool:
    return EARLIEST <= day <= latest_day(today)


def parse_day(value: str, *, today: date) -> date | None:
    """The date `value` names if a console page may be about it, else None."""
    try:
        day = forms.DateField().clean(value)
    except forms.ValidationError:
        return None
    return day if day_in_range(day, today=today) else None


def requested_day(
    request, *, today: date, default: date | None = None, name: str = "day", page: bool = True
) -> date:
    """The day in the query parameter `name`, else `default` (today unless given). A bad
    value gives the default with a message on a page (`page`), and a 404 for a file."""
    fallback = default or today
    value = request.GET.get(name, "")
    if not value:
        return fallback
    day = parse_day(value, today=today)
    if day is not None:
        return day
    if not page:
        raise Http404
    messages.warning(
        request,
        _("That date cannot be shown. The page shows %(day)s instead.")
        % {"day": date_format(fallback, _("l, F j, Y"))},
    )
    return fallback
