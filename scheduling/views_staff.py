"""The facility staff's visit pages in the console: the visit board, a visit's status,
moving and cancelling it, the daily list per housing unit, and for facility
administrators the scheduling settings, visit windows, closures and lockdowns (which they
may end early) and terminals out of service (each listing the visits it affects, to move or
cancel in one action).

Each view: who may act (console_required and a scoped queryset, so another facility's
object is a 404 like one that does not exist), a form, one service, render or redirect.
"""

import csv
from datetime import date, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.console import console_required
from facilities import services as facility_services
from facilities.models import HousingUnit, Terminal
from facilities.selectors import staff_facilities
from visitation.errors import DomainError
from visitation.formatting import dollars, time_in_zone
from visitation.forms import add_domain_error

from . import rules, selectors, services
from .forms_staff import (
    WEEKDAYS,
    BulkForm,
    CancelForm,
    ConfigForm,
    DayForm,
    LockdownForm,
    MoveForm,
    PeriodForm,
    UntilForm,
    WindowsForm,
    format_windows,
)
from .models import VisitKind
from .rules import staff_actions

# A terminal's page lists its visits this many days ahead unless asked for more.
AFFECTED_DAYS = 7

# Reaching objects: always through a scoped queryset -------------------------------------


def _staff_facility(request, facility_id):
    return get_object_or_404(staff_facilities(user=request.user), pk=facility_id)


def _admin_facility(request, facility_id):
    return get_object_or_404(
        staff_facilities(user=request.user, administrator=True), pk=facility_id
    )


def _is_admin(request, facility) -> bool:
    return staff_facilities(user=request.user, administrator=True).filter(pk=facility.pk).exists()


def _staff_visit(request, pk):
    return get_object_or_404(selectors.visits_for_staff(user=request.user), pk=pk)


def _today(facility) -> date:
    return timezone.localdate(timezone.now(), ZoneInfo(facility.time_zone))


def _day(request, facility, default: date | None = None) -> date:
    """The facility-local date the page is about: ?day=YYYY-MM-DD, else today there."""
    form = DayForm(request.GET)
    if form.is_valid() and form.cleaned_data["day"]:
        return form.cleaned_data["day"]
    return default or _today(facility)


def _local_date(visit) -> date:
    return visit.starts_at.astimezone(ZoneInfo(visit.facility.time_zone)).date()


def _board_url(facility_id: int, day: date) -> str:
    url = reverse("console_visits:board", args=[facility_id])
    return f"{url}?{urlencode({'day': day.isoformat()})}"


def _money_words(money) -> str:
    if money.credit_cents:
        return _("%(credit)s comes back to the visitor as credit.") % {
            "credit": dollars(money.credit_cents)
        }
    if money.kept_cents:
        return _("The visitor is charged %(kept)s.") % {"kept": dollars(money.kept_cents)}
    return _("The visit was free: no money changes hands.")


# Facilities and the visit board ----------------------------------------------------------


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


@console_required("staff")
def board(request, facility_id):
    facility = _staff_facility(request, facility_id)
    day = _day(request, facility)
    now = timezone.now()
    rows = selectors.visit_board(facility=facility, day=day)
    for _terminal, visits in rows:
        for visit in visits:
            visit.staff_actions = staff_actions(visit, now)
    return render(
        request,
        "scheduling/staff/board.html",
        {
            "facility": facility,
            "day": day,
            "today": _today(facility),
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "rows": rows,
            "visit_count": sum(len(visits) for _terminal, visits in rows),
            "is_admin": _is_admin(request, facility),
        },
    )


# One visit --------------------------------------------------------------------------------


@console_required("staff")
def visit_detail(request, pk):
    visit = _staff_visit(request, pk)
    now = timezone.now()
    visit.staff_actions = staff_actions(visit, now)
    return render(
        request,
        "scheduling/staff/visit_detail.html",
        {"visit": visit, "facility": visit.facility, "day": _local_date(visit)},
    )


def _visit_status(request, pk, service, done_message):
    visit = _staff_visit(request, pk)
    try:
        service(actor=request.user, visit=visit)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done_message % {"name": visit.inmate.full_name})
    return redirect(_board_url(visit.facility_id, _local_date(visit)))


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
    visit = _staff_visit(request, pk)
    facility = visit.facility
    now = timezone.now()
    form = MoveForm(
        request.POST or None,
        inmate_terminals=Terminal.objects.filter(
            facility=facility,
            side=Terminal.Side.INMATE,
            housing_unit_id=visit.inmate.housing_unit_id,
            in_service=True,
        ).order_by("name"),
        lobby_terminals=(
            Terminal.objects.filter(facility=facility, side=Terminal.Side.LOBBY, in_service=True)
            if visit.kind == VisitKind.ONSITE
            else Terminal.objects.none()
        ).order_by("name"),
    )
    day = _day(request, facility, default=_local_date(visit))
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
                return redirect(_board_url(facility.pk, _local_date(moved)))
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


def _cancel_by_staff(request, form, cancel, **chosen):
    """Call a staff cancel service for the chosen visit(s) with the form's reason; None when
    it refuses, its message then shown on the form."""
    try:
        return cancel(
            actor=request.user,
            **chosen,
            family=form.family,
            reason=form.cleaned_data["reason"],
            explanation=form.cleaned_data["explanation"],
        )
    except DomainError as error:
        add_domain_error(form, error)
        return None


@console_required("staff")
def visit_cancel(request, pk):
    visit = _staff_visit(request, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cancellation = _cancel_by_staff(request, form, services.visit_cancel_by_staff, visit=visit)
        if cancellation is not None:
            messages.success(
                request,
                _("The visit of %(name)s is cancelled. %(money)s The visitor will get an email.")
                % {"name": visit.inmate.full_name, "money": _money_words(cancellation.money)},
            )
            return redirect(_board_url(visit.facility_id, _local_date(visit)))
    money = {
        refund: _money_words(
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


# The daily list per housing unit ---------------------------------------------------------


def _daily_visits(request, facility):
    day = _day(request, facility)
    units = list(HousingUnit.objects.filter(facility=facility).order_by("name"))
    unit = next((u for u in units if str(u.pk) == request.GET.get("unit", "")), None)
    visits = selectors.daily_list(facility=facility, day=day)
    if unit is not None:
        visits = visits.filter(inmate__housing_unit=unit)
    return day, units, unit, visits


@console_required("staff")
def daily_list(request, facility_id):
    facility = _staff_facility(request, facility_id)
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
            "is_admin": _is_admin(request, facility),
            "today": _today(facility),
        },
    )


def _csv_cell(value) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@console_required("staff")
def daily_list_csv(request, facility_id):
    facility = _staff_facility(request, facility_id)
    day, _units, unit, visits = _daily_visits(request, facility)
    zone = facility.time_zone
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    suffix = f"-{unit.code}" if unit else ""
    response["Content-Disposition"] = (
        f'attachment; filename="visits-{facility.slug}-{day.isoformat()}{suffix}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Housing unit"),
            _("Incarcerated person"),
            _("ID number"),
            _("Starts"),
            _("Ends"),
            _("Minutes"),
            _("Kind"),
            _("Terminal"),
            _("Lobby terminal"),
            _("Visitor"),
            _("Status"),
        ]
    )
    for visit in visits:
        writer.writerow(
            [
                _csv_cell(visit.inmate.housing_unit.name),
                _csv_cell(visit.inmate.full_name),
                _csv_cell(visit.inmate.id_number),
                time_in_zone(visit.starts_at, zone),
                time_in_zone(visit.ends_at, zone),
                visit.duration_minutes,
                visit.get_kind_display(),
                _csv_cell(visit.inmate_terminal.name),
                _csv_cell(visit.lobby_terminal.name if visit.lobby_terminal else ""),
                _csv_cell(visit.visitor.full_name),
                visit.get_status_display(),
            ]
        )
    return response


# Facility administrators: settings and windows --------------------------------------------


def _windows_by_day(windows):
    return [(name, format_windows(windows, weekday)) for weekday, name in enumerate(WEEKDAYS)]


@console_required("staff")
def config_edit(request, facility_id):
    facility = _admin_facility(request, facility_id)
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
    facility = _admin_facility(request, facility_id)
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


# Facility administrators: closures, lockdowns, terminals, and the visits they affect ------


def _affected(request, *, template, context, affected, can_move: bool, default_reason: str):
    """A page listing the visits something affects, with one form to move (to another free
    terminal at the same time) or cancel the chosen ones."""
    now = timezone.now()
    affected = affected.filter(ends_at__gt=now)
    form = BulkForm(
        request.POST or None,
        visits=selectors.visits_for_staff(user=request.user),
        can_move=can_move,
        initial={"reason": default_reason, "visits": affected},
    )
    if request.method == "POST":
        if form.is_valid():
            chosen = list(form.cleaned_data["visits"])
            if form.cleaned_data["action"] == BulkForm.CANCEL:
                cancellations = _cancel_by_staff(
                    request, form, services.visits_cancel_by_staff, visits=chosen
                )
                if cancellations is not None:
                    messages.success(
                        request,
                        _("%(count)s visits cancelled. Each visitor will get an email.")
                        % {"count": len(cancellations)},
                    )
                    return redirect(request.get_full_path())
            else:
                _move_each(request, chosen)
                return redirect(request.get_full_path())
        elif form.tampered():
            raise Http404
    visits = list(affected)
    for visit in visits:
        visit.staff_actions = staff_actions(visit, now)
    return render(request, template, {**context, "form": form, "affected": visits})


def _move_each(request, visits):
    """Move each visit to a free terminal at its own time; say which could not be."""
    moved, stuck = 0, []
    for visit in visits:
        try:
            services.visit_move_by_staff(actor=request.user, visit=visit, starts_at=visit.starts_at)
        except DomainError:
            stuck.append(visit)
        else:
            moved += 1
    if moved:
        messages.success(
            request,
            _("%(count)s visits moved to another terminal. Each visitor will get an email.")
            % {"count": moved},
        )
    if stuck:
        messages.error(
            request,
            _(
                "No free terminal at the same time for: %(names)s. Move them to another time "
                "or cancel them."
            )
            % {"names": ", ".join(v.inmate.full_name for v in stuck)},
        )


@console_required("staff")
def closures(request, facility_id):
    facility = _admin_facility(request, facility_id)
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
    return _affected(
        request,
        template="scheduling/staff/closure_detail.html",
        context={"closure": closure, "facility": closure.facility, **_ending_context(closure)},
        affected=selectors.visits_affected_by_closure(closure=closure),
        can_move=False,
        default_reason="",
    )


@console_required("staff")
def lockdowns(request, facility_id):
    facility = _admin_facility(request, facility_id)
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
@require_POST
def closure_end(request, facility_id, pk):
    facility = _admin_facility(request, facility_id)
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
def lockdown_detail(request, pk):
    lockdown = get_object_or_404(
        selectors.lockdowns_for_admin(user=request.user).select_related("ended_early_by"), pk=pk
    )
    return _affected(
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
    facility = _admin_facility(request, facility_id)
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


@console_required("staff")
def terminals(request, facility_id):
    facility = _admin_facility(request, facility_id)
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
    form = UntilForm(request.GET)
    until = (form.is_valid() and form.cleaned_data["until"]) or _today(facility) + timedelta(
        days=AFFECTED_DAYS
    )
    _start, end = selectors.local_day_bounds(day=until, zone=ZoneInfo(facility.time_zone))
    scheduled = selectors.visits_affected_by_terminal(terminal=terminal)
    return _affected(
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
