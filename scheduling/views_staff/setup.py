"""Facility administrators' settings: how the facility takes bookings, its visit
windows, and its terminals (out of service, with the visits still on them to move or
cancel)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.console import console_required
from facilities import services as facility_services
from visitation.errors import DomainError
from visitation.forms import add_domain_error

from .. import selectors, services
from ..forms_staff import WEEKDAYS, ConfigForm, WindowsForm, format_windows
from ..models import VisitKind
from ._common import admin_facility, affected_page, day_asked, today_at

# A terminal's page lists its visits this many days ahead unless asked for more.
AFFECTED_DAYS = 7


def _windows_by_day(windows):
    return [(name, format_windows(windows, weekday)) for weekday, name in enumerate(WEEKDAYS)]


@console_required("staff")
def config_edit(request, facility_id):
    facility = admin_facility(request, facility_id)
    config = selectors.config_for(facility=facility)
    form = ConfigForm(request.POST or None, config=config)
    if request.method == "POST" and form.is_valid():
        try:
            services.scheduling_config_save(
                actor=request.user, facility=facility, **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("The visit settings of %(facility)s are saved.") % {"facility": facility.name},
            )
            return redirect("console_visits:config", facility_id=facility.pk)
    return render(
        request,
        "scheduling/staff/config.html",
        {
            "facility": facility,
            "config": config,
            "uses_defaults": config._state.adding,
            "form": form,
            "kinds": [
                (kind, label, _windows_by_day(selectors.windows_for(facility=facility, kind=kind)))
                for kind, label in VisitKind.choices
            ],
        },
    )


@console_required("staff")
def windows_edit(request, facility_id, kind):
    facility = admin_facility(request, facility_id)
    if kind not in VisitKind.values:
        raise Http404
    form = WindowsForm(
        request.POST or None, windows=selectors.windows_for(facility=facility, kind=kind)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_windows_set(
                actor=request.user,
                facility=facility,
                kind=kind,
                windows=form.cleaned_data["windows"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("The %(kind)s visit windows are saved. Visits already booked are kept.")
                % {"kind": VisitKind(kind).label.lower()},
            )
            return redirect("console_visits:config", facility_id=facility.pk)
    return render(
        request,
        "scheduling/staff/windows.html",
        {"facility": facility, "kind": VisitKind(kind), "form": form},
    )


@console_required("staff")
def terminals(request, facility_id):
    facility = admin_facility(request, facility_id)
    listed = (
        selectors.terminals_for_admin(user=request.user)
        .filter(facility=facility)
        .order_by("side", "housing_unit__name", "name")
    )
    return render(
        request, "scheduling/staff/terminals.html", {"facility": facility, "terminals": listed}
    )


@console_required("staff")
def terminal_detail(request, pk):
    """The terminal's scheduled visits up to a date (a week ahead unless ?until=), to move
    to other terminals or cancel once it is out of service."""
    terminal = get_object_or_404(selectors.terminals_for_admin(user=request.user), pk=pk)
    facility = terminal.facility
    until = day_asked(
        request, facility, today_at(facility) + timedelta(days=AFFECTED_DAYS), name="until"
    )
    _start, end = selectors.local_day_bounds(day=until, zone=ZoneInfo(facility.time_zone))
    scheduled = selectors.visits_affected_by_terminal(terminal=terminal)
    return affected_page(
        request,
        template="scheduling/staff/terminal_detail.html",
        context={
            "terminal": terminal,
            "facility": facility,
            "until": until,
            "later": scheduled.filter(starts_at__gte=end).count(),
        },
        affected=scheduled.filter(starts_at__lt=end),
        can_move=not terminal.in_service,
        default_reason="terminal_inoperable",
    )


@console_required("staff")
@require_POST
def terminal_service(request, pk):
    terminal = get_object_or_404(selectors.terminals_for_admin(user=request.user), pk=pk)
    in_service = request.POST.get("in_service") == "1"
    try:
        facility_services.terminal_service_set(
            actor=request.user, terminal=terminal, in_service=in_service
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        done = (
            _("%(terminal)s is back in service.")
            if in_service
            else _(
                "%(terminal)s is out of service: no visit is offered on it. Move or cancel "
                "the visits still on it below."
            )
        )
        messages.success(request, done % {"terminal": terminal.name})
    return redirect("console_visits:terminal", pk=terminal.pk)
