"""The home user's visit pages: book (facility, kind, person, length, date, time, then
hold, terms, payment and confirm), my visits, a visit, cancel, reschedule, the calendar
file, and the money statement.

The booking's choices travel in the URL and the held visit, never in the session, so the
back button and a refresh always show the right page.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import identity_is_approved, identity_status_for
from facilities import privacy
from facilities.models import Facility, Inmate
from facilities.selectors import person_asked_for
from visitation.errors import DomainError
from visitation.forms import add_domain_error
from visitation.paging import page_of

from . import rules, selectors, services
from .forms import (
    DurationForm,
    FacilityForm,
    KindForm,
    PaymentForm,
    PersonSearchForm,
    RescheduleTimeForm,
    StartField,
    TimeForm,
    slot_value,
)
from .ics import visit_ics
from .models import SchedulingConfig, Visit, VisitKind
from .rules import CREDIT_CUTOFF, cancellation_credit_preview, visit_price


def _new_key() -> str:
    return uuid.uuid4().hex


def _kinds(facility: Facility) -> list[str]:
    return [
        kind
        for kind, offered in (
            (VisitKind.REMOTE, facility.offers_remote),
            (VisitKind.ONSITE, facility.offers_onsite),
        )
        if offered
    ]


def _local_date(moment: datetime, facility: Facility) -> date:
    return moment.astimezone(ZoneInfo(facility.time_zone)).date()


@dataclass
class Booking:
    """What the visitor has chosen so far, read from the URL."""

    facility: Facility
    kind: str
    config: SchedulingConfig
    inmate: Inmate | None = None
    duration: int | None = None

    @property
    def kind_label(self):
        return VisitKind(self.kind).label

    @property
    def price_per_minute_cents(self):
        return self.config.price_per_minute_cents(self.kind)

    @property
    def price_cents(self):
        return visit_price(
            duration_minutes=self.duration, price_per_minute_cents=self.price_per_minute_cents
        )

    @property
    def single_kind(self):
        return len(_kinds(self.facility)) == 1

    def args(self, *more):
        args = [self.facility.slug, self.kind]
        if self.inmate is not None:
            args.append(self.inmate.pk)
        if self.duration is not None:
            args.append(self.duration)
        return [*args, *more]


def _booking(request, slug, kind, inmate_id=None, duration=None) -> Booking:
    """The choices in the URL, each one checked: a facility the user may book at, a kind
    it offers, an active person of it, a length it offers. Anything else is a 404."""
    facility = get_object_or_404(
        selectors.facilities_bookable(user=request.user).select_related("scheduling_config"),
        slug=slug,
    )
    if kind not in _kinds(facility):
        raise Http404
    booking = Booking(
        facility=facility, kind=kind, config=selectors.config_loaded(facility=facility)
    )
    if inmate_id is not None:
        booking.inmate = get_object_or_404(
            selectors.inmates_visitable(facility=facility), pk=inmate_id
        )
    if duration is not None:
        if duration not in booking.config.durations:
            raise Http404
        booking.duration = duration
    return booking


def _posted(request):
    """The submitted data of a POST (even an empty one), None for a GET."""
    return request.POST if request.method == "POST" else None


def _zones(request, facility: Facility) -> dict:
    return {"facility_zone": facility.time_zone, "user_zone": request.user.time_zone}


# Booking.


@login_required
def book(request):
    facilities = selectors.facilities_bookable(user=request.user)
    choices = list(facilities)
    initial = {"facility": choices[0].slug} if len(choices) == 1 else None
    form = FacilityForm(request.GET or None, facilities=facilities, initial=initial)
    if form.is_valid():
        return redirect("visits:book_kind", form.cleaned_data["facility"].slug)
    approved = identity_is_approved(user=request.user)
    return render(
        request,
        "scheduling/book_facility.html",
        {
            "form": form,
            "facilities": choices,
            "identity_approved": approved,
            "identity_status": "approved" if approved else identity_status_for(user=request.user),
        },
    )


@login_required
def book_kind(request, slug):
    facility = get_object_or_404(selectors.facilities_bookable(user=request.user), slug=slug)
    kinds = _kinds(facility)
    if len(kinds) == 1:
        return redirect("visits:book_person", facility.slug, kinds[0])
    form = KindForm(request.GET or None, kinds=kinds)
    if form.is_valid():
        return redirect("visits:book_person", facility.slug, form.cleaned_data["kind"])
    return render(request, "scheduling/book_kind.html", {"form": form, "facility": facility})


@login_required
def book_person(request, slug, kind):
    booking = _booking(request, slug, kind)
    form = PersonSearchForm(request.GET or None)
    people = None
    name_too_short = False
    if form.is_valid():
        query = form.cleaned_data["q"]
        people = list(selectors.inmates_bookable(facility=booking.facility, query=query))
        name_too_short = not privacy.roster_name_query_allowed(query)
    return render(
        request,
        "scheduling/book_person.html",
        {
            "booking": booking,
            "form": form,
            "people": people,
            "asked_for": person_asked_for(user=request.user, facility=booking.facility),
            "name_too_short": name_too_short,
            "results_max": privacy.ROSTER_RESULTS_MAX,
        },
    )


@login_required
def book_duration(request, slug, kind, inmate_id):
    booking = _booking(request, slug, kind, inmate_id)
    form = DurationForm(
        request.GET or None,
        durations=booking.config.durations,
        price_per_minute_cents=booking.price_per_minute_cents,
    )
    if form.is_valid():
        return redirect("visits:book_date", *booking.args(form.cleaned_data["duration"]))
    return render(request, "scheduling/book_duration.html", {"booking": booking, "form": form})


@login_required
def book_date(request, slug, kind, inmate_id, duration):
    booking = _booking(request, slug, kind, inmate_id, duration)
    now = timezone.now()
    dates = selectors.booking_dates(facility=booking.facility, config=booking.config, now=now)
    days = selectors.availability_for(
        facility=booking.facility,
        inmate=booking.inmate,
        visitor=request.user,
        kind=booking.kind,
        duration=booking.duration,
        start_date=dates[0],
        days=len(dates),
        now=now,
        config=booking.config,
    )
    return render(
        request,
        "scheduling/book_date.html",
        {
            "booking": booking,
            "days": [
                (day, reverse("visits:book_time", args=booking.args(day.date))) for day in days
            ],
            **_zones(request, booking.facility),
        },
    )


def _day_or_none(value: str, allowed: list[date]) -> date | None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if day in allowed else None


@login_required
def book_time(request, slug, kind, inmate_id, duration, day):
    booking = _booking(request, slug, kind, inmate_id, duration)
    now = timezone.now()
    dates = selectors.booking_dates(facility=booking.facility, config=booking.config, now=now)
    chosen = _day_or_none(day, dates)
    if chosen is None:
        return redirect("visits:book_date", *booking.args())

    zones = _zones(request, booking.facility)
    # The service checks the posted time itself: the day's times are computed only for a
    # page that is shown.
    form = TimeForm(_posted(request), slots=[], **zones)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.visit_hold(
                user=request.user,
                facility=booking.facility,
                inmate=booking.inmate,
                kind=booking.kind,
                duration=booking.duration,
                starts_at=form.cleaned_data["starts_at"],
                config=booking.config,
            )
        except DomainError as error:
            add_domain_error(form, error, default_field="starts_at")
        else:
            return redirect("visits:checkout", visit.pk)
    (found,) = selectors.availability_for(
        facility=booking.facility,
        inmate=booking.inmate,
        visitor=request.user,
        kind=booking.kind,
        duration=booking.duration,
        start_date=chosen,
        days=1,
        now=timezone.now(),
        config=booking.config,
    )
    form.set_slots(found.slots, **zones)
    return render(
        request,
        "scheduling/book_time.html",
        {
            "booking": booking,
            "day": found,
            "form": form,
            "dates_url": reverse("visits:book_date", args=booking.args()),
            **zones,
        },
    )


def _time_url(visit: Visit) -> str:
    """The time list the visit was picked from."""
    return reverse(
        "visits:book_time",
        args=[
            visit.facility.slug,
            visit.kind,
            visit.inmate_id,
            visit.duration_minutes,
            _local_date(visit.starts_at, visit.facility),
        ],
    )


@login_required
def checkout(request, pk):
    visit = get_object_or_404(selectors.visits_with_holds_for_visitor(user=request.user), pk=pk)
    if rules.is_scheduled(visit):
        return redirect("visits:booked", visit.pk)
    now = timezone.now()
    if not rules.hold_is_live(visit, now):
        messages.warning(request, _("Your hold on this time ran out. Please pick a time again."))
        return redirect(_time_url(visit))
    terms = selectors.terms_to_accept(
        user=request.user, facility=visit.facility, today=_local_date(now, visit.facility)
    )
    preview = selectors.payment_preview(
        user=request.user, price_cents=visit.price_cents, starts_at=visit.starts_at, now=now
    )
    form = PaymentForm(
        _posted(request),
        terms=terms,
        card_needed=preview.card_cents > 0,
        initial={"idempotency_key": _new_key()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_book(
                user=request.user,
                visit_id=visit.pk,
                idempotency_key=form.cleaned_data["idempotency_key"],
                payment=form.payment(),
                accept_terms_version=form.accept_terms_version(),
            )
        except DomainError as error:
            add_domain_error(form, error)
            form.renew_key(_new_key())
        else:
            return redirect("visits:booked", visit.pk)
    return render(
        request,
        "scheduling/checkout.html",
        {
            "visit": visit,
            "facility": visit.facility,
            "terms": terms,
            "preview": preview,
            "form": form,
            "time_url": _time_url(visit),
            "hold_seconds": int((visit.hold_expires_at - now).total_seconds()),
            "credit_deadline": visit.starts_at - CREDIT_CUTOFF,
            **_zones(request, visit.facility),
        },
    )


@login_required
@require_POST
def release(request, pk):
    visit = get_object_or_404(selectors.visits_with_holds_for_visitor(user=request.user), pk=pk)
    services.visit_hold_release(user=request.user, visit_id=visit.pk)
    return redirect(_time_url(visit))


@login_required
def booked(request, pk):
    visit = get_object_or_404(selectors.visits_for_visitor(user=request.user), pk=pk)
    if rules.is_held(visit):
        return redirect("visits:checkout", visit.pk)
    if not rules.is_scheduled(visit):
        return redirect("visits:detail", visit.pk)
    return render(
        request,
        "scheduling/booked.html",
        {
            "visit": visit,
            "facility": visit.facility,
            "card": selectors.card_for_visit(visit=visit),
            "credit_deadline": visit.starts_at - CREDIT_CUTOFF,
            "credit_due": rules.credit_is_due(starts_at=visit.starts_at, now=timezone.now()),
            **_zones(request, visit.facility),
        },
    )


# My visits.


@login_required
def mine(request):
    """Upcoming and past visits, each list paged on its own (?upcoming=2&past=3); a page
    number that is not a page shows the first or the last (visitation.paging)."""
    now = timezone.now()
    upcoming = Paginator(selectors.visits_upcoming(user=request.user, now=now), per_page=20)
    past = Paginator(selectors.visits_past(user=request.user, now=now), per_page=20)
    return render(
        request,
        "scheduling/mine.html",
        {
            "upcoming": page_of(upcoming, request.GET.get("upcoming")),
            "past": page_of(past, request.GET.get("past")),
            "hold": selectors.hold_current(user=request.user, now=now),
            "balance": selectors.balance_for(user=request.user),
            "can_book": selectors.facilities_bookable(user=request.user).exists(),
            "now": now,
        },
    )


@login_required
def detail(request, pk):
    visit = get_object_or_404(selectors.visits_for_visitor(user=request.user), pk=pk)
    if rules.is_held(visit):
        return redirect("visits:checkout", visit.pk)
    now = timezone.now()
    return render(
        request,
        "scheduling/detail.html",
        {
            "visit": visit,
            "facility": visit.facility,
            "entries": list(selectors.ledger_for_visit(visit=visit)),
            "card": selectors.card_for_visit(visit=visit),
            "can_change": rules.visitor_may_change(visit, now),
            "cancel_money": rules.facility_cancellation_outcome(visit=visit),
            "now": now,
            "credit_deadline": visit.starts_at - CREDIT_CUTOFF,
            "credit_due": rules.credit_is_due(starts_at=visit.starts_at, now=now),
            **_zones(request, visit.facility),
        },
    )


@login_required
def cancel(request, pk):
    visit = get_object_or_404(selectors.visits_for_visitor(user=request.user), pk=pk)
    now = timezone.now()
    if not rules.visitor_may_change(visit, now):
        messages.error(request, _("This visit can no longer be cancelled."))
        return redirect("visits:detail", visit.pk)
    if request.method == "POST":
        try:
            services.visit_cancel_by_user(user=request.user, visit_id=visit.pk)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your visit is cancelled. We emailed you the details."))
        return redirect("visits:detail", visit.pk)
    return render(
        request,
        "scheduling/cancel.html",
        {
            "visit": visit,
            "facility": visit.facility,
            "outcome": cancellation_credit_preview(visit=visit, now=now),
            "credit_deadline": visit.starts_at - CREDIT_CUTOFF,
            **_zones(request, visit.facility),
        },
    )


def _changeable(request, pk) -> tuple[Visit, datetime]:
    visit = get_object_or_404(selectors.visits_for_visitor(user=request.user), pk=pk)
    return visit, timezone.now()


@login_required
def reschedule(request, pk):
    visit, now = _changeable(request, pk)
    if not rules.visitor_may_change(visit, now):
        messages.error(request, _("This visit can no longer be changed."))
        return redirect("visits:detail", visit.pk)
    config = selectors.config_for(facility=visit.facility)
    dates = selectors.booking_dates(facility=visit.facility, config=config, now=now)
    days = selectors.availability_for_reschedule(
        visit=visit, start_date=dates[0], days=len(dates), now=now
    )
    return render(
        request,
        "scheduling/reschedule_date.html",
        {
            "visit": visit,
            "facility": visit.facility,
            "days": [
                (day, reverse("visits:reschedule_time", args=[visit.pk, day.date])) for day in days
            ],
            **_zones(request, visit.facility),
        },
    )


@login_required
def reschedule_time(request, pk, day):
    visit, now = _changeable(request, pk)
    if not rules.visitor_may_change(visit, now):
        messages.error(request, _("This visit can no longer be changed."))
        return redirect("visits:detail", visit.pk)
    config = selectors.config_for(facility=visit.facility)
    chosen = _day_or_none(
        day, selectors.booking_dates(facility=visit.facility, config=config, now=now)
    )
    if chosen is None:
        return redirect("visits:reschedule", visit.pk)
    (found,) = selectors.availability_for_reschedule(
        visit=visit, start_date=chosen, days=1, now=now
    )
    zones = _zones(request, visit.facility)
    return render(
        request,
        "scheduling/reschedule_time.html",
        {
            "visit": visit,
            "facility": visit.facility,
            "day": found,
            "form": TimeForm(slots=found.slots, **zones),
            **zones,
        },
    )


@login_required
def reschedule_confirm(request, pk):
    """The new time and what happens to the money, then the move itself. The time comes
    from the time list's link (GET) or the confirmation form (POST); a time no longer
    offered sends the visitor back to that day's list."""
    visit, now = _changeable(request, pk)
    if visit.replaced_by_id:
        return redirect("visits:booked", visit.replaced_by_id)
    if not rules.visitor_may_change(visit, now):
        messages.error(request, _("This visit can no longer be changed."))
        return redirect("visits:detail", visit.pk)
    data = request.POST if request.method == "POST" else request.GET
    try:
        starts_at = StartField().clean(data.get("starts_at", ""))
    except ValidationError:
        return redirect("visits:reschedule", visit.pk)
    day = _local_date(starts_at, visit.facility)
    (found,) = selectors.availability_for_reschedule(visit=visit, start_date=day, days=1, now=now)
    zones = _zones(request, visit.facility)
    time_form = RescheduleTimeForm({"starts_at": slot_value(starts_at)}, slots=found.slots, **zones)
    if not time_form.is_valid():
        messages.error(request, time_form.errors["starts_at"][0])
        return redirect("visits:reschedule_time", visit.pk, day)

    config = selectors.config_for(facility=visit.facility)
    outcome = cancellation_credit_preview(visit=visit, now=now)
    preview = selectors.payment_preview(
        user=request.user,
        price_cents=visit_price(
            duration_minutes=visit.duration_minutes,
            price_per_minute_cents=config.price_per_minute_cents(visit.kind),
        ),
        starts_at=starts_at,
        now=now,
        extra_credit_cents=outcome.credit_cents,
    )
    saved_card = selectors.card_for_visit(visit=visit)
    terms = selectors.terms_to_accept(
        user=request.user, facility=visit.facility, today=_local_date(now, visit.facility)
    )
    form = PaymentForm(
        _posted(request),
        terms=terms,
        card_needed=preview.card_cents > 0 and saved_card is None,
        card_optional=preview.card_cents > 0 and saved_card is not None,
        initial={"idempotency_key": _new_key()},
    )
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data["idempotency_key"]
        try:
            new = services.visit_reschedule(
                user=request.user,
                visit_id=visit.pk,
                starts_at=starts_at,
                idempotency_key=key,
                payment=form.payment(),
                accept_terms_version=form.accept_terms_version(),
            )
        except DomainError as error:
            # A second click that waited for the first one's move finds the visit moved.
            done = selectors.visits_for_visitor(user=request.user).filter(idempotency_key=key)
            if done.exists():
                return redirect("visits:booked", done.get().pk)
            add_domain_error(form, error)
            form.renew_key(_new_key())
        else:
            messages.success(request, _("Your visit was moved. We emailed you the new time."))
            return redirect("visits:booked", new.pk)
    return render(
        request,
        "scheduling/reschedule_confirm.html",
        {
            "visit": visit,
            "facility": visit.facility,
            "starts_at": starts_at,
            "ends_at": starts_at + (visit.ends_at - visit.starts_at),
            "new_credit_deadline": starts_at - CREDIT_CUTOFF,
            "outcome": outcome,
            "preview": preview,
            "saved_card": saved_card,
            "terms": terms,
            "form": form,
            "time_url": reverse("visits:reschedule_time", args=[visit.pk, day]),
            **zones,
        },
    )


@login_required
def calendar_file(request, pk):
    visit = get_object_or_404(selectors.visits_for_visitor(user=request.user).scheduled(), pk=pk)
    response = HttpResponse(visit_ics(visit), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="visit-{visit.pk}.ics"'
    return response


@login_required
def money(request):
    """The balance and the statement, one line per visit, newest first, 50 lines a page
    (?entries=2); a page number that is not a page shows the first or the last."""
    groups = Paginator(selectors.statement_groups(user=request.user), per_page=50)
    page = page_of(groups, request.GET.get("entries"))
    return render(
        request,
        "scheduling/money.html",
        {
            "balance": selectors.balance_for(user=request.user),
            "entries": page,
            "lines": selectors.statement_lines(user=request.user, groups=page),
            "now": timezone.now(),
        },
    )


@login_required
def receipt(request, pk):
    """A printable receipt of one card payment."""
    payment = selectors.payment_for_receipt(user=request.user, pk=pk)
    return render(
        request,
        "scheduling/receipt.html",
        {
            "payment": payment,
            "visit": payment.visit,
            "facility": payment.visit.facility,
            **_zones(request, payment.visit.facility),
        },
    )
