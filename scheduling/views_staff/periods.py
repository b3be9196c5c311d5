"""Facility administrators' closures and lockdowns: create one, see the visits it
affects (to cancel them in one action), end it early or remove it before it starts."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.console import console_required
from facilities.models import HousingUnit
from visitation.errors import DomainError
from visitation.formatting import time_in_zone
from visitation.forms import add_domain_error

from .. import selectors, services
from ..forms_staff import LockdownForm, PeriodForm
from ._common import admin_facility, affected_page


@console_required("staff")
def closures(request, facility_id):
    facility = admin_facility(request, facility_id)
    zone = ZoneInfo(facility.time_zone)
    form = PeriodForm(request.POST or None, zone=zone)
    if request.method == "POST" and form.is_valid():
        try:
            closure = services.closure_create(
                actor=request.user,
                facility=facility,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("The closure is saved. Visits booked then are listed below.")
            )
            return redirect("console_visits:closure", pk=closure.pk)
    listed = selectors.closures_for_admin(user=request.user).filter(
        facility=facility, ends_at__gt=timezone.now()
    )
    return render(
        request,
        "scheduling/staff/closures.html",
        {"facility": facility, "form": form, "closures": listed},
    )


def _ending_context(period) -> dict:
    """Whether the page offers to end the period now or to remove it (not started), and
    the time now on the facility's clock for the wording."""
    now = timezone.now()
    ending = services.period_ending(starts_at=period.starts_at, ends_at=period.ends_at, now=now)
    return {"ending": ending.value, "now": now}


def _period_end(request, facility, period, *, end, pages, words, names=None):
    """End a closure or lockdown now, or remove it when it has not started: `end()` calls
    the service. `pages` are its list and detail pages; `words` the messages, filled with
    `names` and the time it ended. A second submit gets the service's "already over"."""
    listed = reverse(pages[0], args=[facility.pk])
    if period is None:
        messages.error(request, words["gone"])
        return redirect(listed)
    try:
        ended = end()
    except DomainError as error:
        messages.error(request, error.message)
        still_there = type(period).objects.filter(pk=period.pk).exists()
        return redirect(pages[1], pk=period.pk) if still_there else redirect(listed)
    if ended is None:
        messages.success(request, words["removed"] % (names or {}))
        return redirect(listed)
    time = time_in_zone(ended.ends_at, facility.time_zone)
    messages.success(request, words["ended"] % {**(names or {}), "time": time})
    return redirect(pages[1], pk=ended.pk)


@console_required("staff")
def closure_detail(request, pk):
    closure = get_object_or_404(
        selectors.closures_for_admin(user=request.user).select_related("ended_early_by"), pk=pk
    )
    return affected_page(
        request,
        template="scheduling/staff/closure_detail.html",
        context={"closure": closure, "facility": closure.facility, **_ending_context(closure)},
        affected=selectors.visits_affected_by_closure(closure=closure),
        can_move=False,
        default_reason="",
    )


@console_required("staff")
@require_POST
def closure_end(request, facility_id, pk):
    facility = admin_facility(request, facility_id)
    return _period_end(
        request,
        facility,
        selectors.closures_for_admin(user=request.user).filter(facility=facility, pk=pk).first(),
        end=lambda: services.closure_end(actor=request.user, closure_id=pk),
        pages=("console_visits:closures", "console_visits:closure"),
        words={
            "gone": _("This closure is no longer there: it was removed."),
            "removed": _(
                "The closure is removed: it had not started. Its times stay open to bookings."
            ),
            "ended": _("The closure ended at %(time)s. Visits can be booked from then on."),
        },
    )


@console_required("staff")
def lockdowns(request, facility_id):
    facility = admin_facility(request, facility_id)
    form = LockdownForm(
        request.POST or None,
        zone=ZoneInfo(facility.time_zone),
        housing_units=HousingUnit.objects.filter(facility=facility).order_by("name"),
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                lockdown = services.lockdown_create(
                    actor=request.user,
                    housing_unit=form.cleaned_data["housing_unit"],
                    starts_at=form.cleaned_data["starts_at"],
                    ends_at=form.cleaned_data["ends_at"],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request, _("The lockdown is saved. Visits booked then are listed below.")
                )
                return redirect("console_visits:lockdown", pk=lockdown.pk)
        elif form.tampered():
            raise Http404
    listed = selectors.lockdowns_for_admin(user=request.user).filter(
        housing_unit__facility=facility, ends_at__gt=timezone.now()
    )
    return render(
        request,
        "scheduling/staff/lockdowns.html",
        {"facility": facility, "form": form, "lockdowns": listed},
    )


@console_required("staff")
def lockdown_detail(request, pk):
    lockdown = get_object_or_404(
        selectors.lockdowns_for_admin(user=request.user).select_related("ended_early_by"), pk=pk
    )
    return affected_page(
        request,
        template="scheduling/staff/lockdown_detail.html",
        context={
            "lockdown": lockdown,
            "facility": lockdown.housing_unit.facility,
            **_ending_context(lockdown),
        },
        affected=selectors.visits_affected_by_lockdown(lockdown=lockdown),
        can_move=False,
        default_reason="lockdown",
    )


@console_required("staff")
@require_POST
def lockdown_end(request, facility_id, pk):
    facility = admin_facility(request, facility_id)
    lockdown = (
        selectors.lockdowns_for_admin(user=request.user)
        .filter(housing_unit__facility=facility, pk=pk)
        .first()
    )
    return _period_end(
        request,
        facility,
        lockdown,
        end=lambda: services.lockdown_end(actor=request.user, lockdown_id=pk),
        pages=("console_visits:lockdowns", "console_visits:lockdown"),
        words={
            "gone": _("This lockdown is no longer there: it was removed."),
            "removed": _(
                "The lockdown of %(unit)s is removed: it had not started. Its times stay open "
                "to bookings."
            ),
            "ended": _(
                "The lockdown of %(unit)s ended at %(time)s. Its people can be booked for "
                "visits from then on."
            ),
        },
        names={"unit": lockdown.housing_unit.name} if lockdown else None,
    )
