"""The visit board and the daily list per housing unit (a page and a CSV file)."""

import csv
from datetime import timedelta
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.console import console_required
from facilities.models import HousingUnit
from facilities.selectors import staff_facilities

from .. import reports, selectors
from ..forms_staff import BoardFilterForm
from ..rules import staff_actions, visit_display
from ._common import day_asked, is_admin, staff_facility, today_at


@console_required("staff")
def facilities(request):
    """The staff member's facilities, with the pages of each; straight to the board when
    there is only one."""
    facility_list = list(staff_facilities(user=request.user).order_by("name"))
    administered = set(
        staff_facilities(user=request.user, administrator=True).values_list("pk", flat=True)
    )
    if len(facility_list) == 1 and not administered:
        return redirect("console_visits:board", facility_id=facility_list[0].pk)
    return render(
        request,
        "scheduling/staff/facilities.html",
        {"facility_list": facility_list, "administered": administered},
    )


def _filter_query(**filters) -> str:
    """The board's filters to keep on the day navigation's links: "&unit=3&status=..."."""
    chosen = {name: value for name, value in filters.items() if value}
    return f"&{urlencode(chosen)}" if chosen else ""


@console_required("staff")
def board(request, facility_id):
    facility = staff_facility(request, facility_id)
    day = day_asked(request, facility)
    now = timezone.now()
    filters = BoardFilterForm(request.GET, units=facility.housing_units.order_by("name"))
    unit, status = filters.chosen()
    grid = selectors.visit_board(
        facility=facility, day=day, now=now, unit_id=unit and unit.pk, status=status
    )
    for visit in grid.visits:
        visit.staff_actions = staff_actions(visit, now)
        visit.shown = visit_display(visit, staff=True)
    return render(
        request,
        "scheduling/staff/board.html",
        {
            "facility": facility,
            "day": day,
            "today": today_at(facility),
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "grid": grid,
            "filters": filters,
            "unit": unit,
            "status": status,
            "filter_query": _filter_query(unit=unit and unit.pk, status=status),
            "is_admin": is_admin(request, facility),
        },
    )


def _daily_visits(request, facility, page=True):
    day = day_asked(request, facility, page=page)
    units = list(HousingUnit.objects.filter(facility=facility).order_by("name"))
    unit = next((u for u in units if str(u.pk) == request.GET.get("unit", "")), None)
    visits = selectors.daily_list(facility=facility, day=day)
    if unit is not None:
        visits = visits.filter(inmate__housing_unit=unit)
    return day, units, unit, visits


@console_required("staff")
def daily_list(request, facility_id):
    facility = staff_facility(request, facility_id)
    day, units, unit, visits = _daily_visits(request, facility)
    query = {"day": day.isoformat(), **({"unit": unit.pk} if unit else {})}
    return render(
        request,
        "scheduling/staff/daily_list.html",
        {
            "facility": facility,
            "day": day,
            "units": units,
            "unit": unit,
            "visits": list(visits),
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "csv_query": urlencode(query),
            "extra": f"&unit={unit.pk}" if unit else "",
            "is_admin": is_admin(request, facility),
            "today": today_at(facility),
        },
    )


@console_required("staff")
def daily_list_csv(request, facility_id):
    facility = staff_facility(request, facility_id)
    day, _units, unit, visits = _daily_visits(request, facility, page=False)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    suffix = f"-{unit.code}" if unit else ""
    response["Content-Disposition"] = (
        f'attachment; filename="visits-{facility.slug}-{day.isoformat()}{suffix}.csv"'
    )
    csv.writer(response).writerows(reports.daily_list_rows(visits=visits, zone=facility.time_zone))
    return response
