"""One visit in the console: its page, check-in, completed, no-show, moving it to another
time or terminal, and cancelling it with a reason."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.console import console_required
from visitation.errors import DomainError
from visitation.forms import add_domain_error

from .. import rules, selectors, services
from ..forms_staff import CancelForm, MoveForm
from ..rules import staff_actions
from ._common import board_url, cancel_by_staff, day_asked, local_date, money_words, staff_visit


@console_required("staff")
def visit_detail(request, pk):
    visit = staff_visit(request, pk)
    now = timezone.now()
    visit.staff_actions = staff_actions(visit, now)
    return render(
        request,
        "scheduling/staff/visit_detail.html",
        {"visit": visit, "facility": visit.facility, "day": local_date(visit)},
    )


def _visit_status(request, pk, service, done_message):
    visit = staff_visit(request, pk)
    try:
        service(actor=request.user, visit=visit)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done_message % {"name": visit.inmate.full_name})
    return redirect(board_url(visit.facility_id, local_date(visit)))


@console_required("staff")
@require_POST
def visit_check_in(request, pk):
    return _visit_status(request, pk, services.visit_check_in, _("%(name)s is checked in."))


@console_required("staff")
@require_POST
def visit_complete(request, pk):
    return _visit_status(
        request, pk, services.visit_complete, _("The visit of %(name)s is marked completed.")
    )


@console_required("staff")
@require_POST
def visit_no_show(request, pk):
    return _visit_status(
        request, pk, services.visit_no_show, _("The visit of %(name)s is marked as a no-show.")
    )


@console_required("staff")
def visit_move(request, pk):
    visit = staff_visit(request, pk)
    facility = visit.facility
    now = timezone.now()
    inmate_terminals, lobby_terminals = selectors.terminals_for_move(visit=visit)
    form = MoveForm(
        request.POST or None, inmate_terminals=inmate_terminals, lobby_terminals=lobby_terminals
    )
    day = day_asked(request, facility, default=local_date(visit))
    if request.method == "POST":
        if form.is_valid():
            try:
                moved = services.visit_move_by_staff(
                    actor=request.user,
                    visit=visit,
                    starts_at=form.cleaned_data["starts_at"],
                    inmate_terminal=form.cleaned_data["inmate_terminal"],
                    lobby_terminal=form.cleaned_data["lobby_terminal"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _("The visit of %(name)s is moved. The visitor will get an email.")
                    % {"name": visit.inmate.full_name},
                )
                return redirect(board_url(facility.pk, local_date(moved)))
        elif form.tampered():
            raise Http404
        if form.cleaned_data.get("starts_at"):
            day = form.cleaned_data["starts_at"].astimezone(ZoneInfo(facility.time_zone)).date()
    movable = rules.staff_may_move(visit, now)
    return render(
        request,
        "scheduling/staff/visit_move.html",
        {
            "visit": visit,
            "facility": facility,
            "form": form,
            "day": day,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "movable": movable,
            "slots": selectors.staff_move_slots(visit=visit, day=day, now=now) if movable else [],
            "chosen": request.POST.get("starts_at", ""),
        },
    )


@console_required("staff")
def visit_cancel(request, pk):
    visit = staff_visit(request, pk)
    lockdown_charges = selectors.config_for(facility=visit.facility).lockdown_charges
    form = CancelForm(request.POST or None, lockdown_charges=lockdown_charges)
    if request.method == "POST" and form.is_valid():
        cancellation = cancel_by_staff(request, form, services.visit_cancel_by_staff, visit=visit)
        if cancellation is not None:
            messages.success(
                request,
                _("The visit of %(name)s is cancelled. %(money)s The visitor will get an email.")
                % {"name": visit.inmate.full_name, "money": money_words(cancellation.money)},
            )
            return redirect(board_url(visit.facility_id, local_date(visit)))
    money = {
        refund: money_words(
            rules.cancellation_outcome(
                credit_applied_cents=visit.credit_applied_cents,
                card_cents=visit.card_cents,
                card_state=visit.card_state,
                refund=refund,
            )
        )
        for refund in (False, True)
    }
    return render(
        request,
        "scheduling/staff/visit_cancel.html",
        {
            "visit": visit,
            "facility": visit.facility,
            "form": form,
            "cancellable": "cancel" in staff_actions(visit, timezone.now()),
            "if_behavioural": money[False],
            "if_non_behavioural": money[True],
        },
    )
