"""Demo visits for the approved demo family, booked through the real services so the
money, the emails and the board look as they would after real use: paid with the sandbox
card, and the visit the family cancels (days ahead) gives its price back as credit."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import User
from facilities.demo import _staff
from facilities.models import Facility, Inmate, StaffMembership
from facilities.selectors import terms_current
from visitation.formatting import dollars

from . import selectors, services
from .busy_day import busy_day_seed
from .models import Visit, VisitKind

SANDBOX_CARD = "4242424242424242"


def _book(*, user, facility, inmate, kind, duration, day_offset, key, now):
    start_date = timezone.localdate(now) + timedelta(days=day_offset)
    days = selectors.availability_for(
        facility=facility,
        inmate=inmate,
        visitor=user,
        kind=kind,
        duration=duration,
        start_date=start_date,
        days=1,
        now=now,
    )
    slots = [slot for day in days for slot in day.slots]
    if not slots:
        return None
    visit = services.visit_hold(
        user=user,
        facility=facility,
        inmate=inmate,
        kind=kind,
        duration=duration,
        starts_at=slots[len(slots) // 2].starts_at,
        now=now,
    )
    terms = terms_current(facility=facility, today=timezone.localdate(now))
    return services.visit_book(
        user=user,
        visit_id=visit.pk,
        idempotency_key=key,
        payment=SANDBOX_CARD,
        accept_terms_version=terms.pk if terms else None,
        now=now,
    )


def seed(*, password):
    user = User.objects.filter(email="approved@demo.visits").first()
    facility = Facility.objects.filter(slug="bluebonnet-county-jail").first()
    if user is None or facility is None or Visit.objects.filter(visitor=user).exists():
        return []
    inmate = Inmate.objects.filter(facility=facility, status=Inmate.Status.ACTIVE).first()
    now = timezone.now()
    credit = 0
    demo_visits = [
        # kind, minutes, days ahead, key, then cancelled by the family
        (VisitKind.REMOTE, 40, 3, "demo-remote", False),
        (VisitKind.ONSITE, 20, 5, "demo-onsite", False),
        (VisitKind.REMOTE, 20, 6, "demo-cancelled", True),
    ]
    for kind, duration, day_offset, key, cancel in demo_visits:
        visit = _book(
            user=user,
            facility=facility,
            inmate=inmate,
            kind=kind,
            duration=duration,
            day_offset=day_offset,
            key=key,
            now=now,
        )
        if visit is not None and cancel:
            cancelled = services.visit_cancel_by_user(user=user, visit_id=visit.pk, now=now)
            credit += cancelled.money.credit_cents
    return [
        (
            "approved@demo.visits",
            "home user: remote and on-site visits booked in TX, one cancelled "
            f"({dollars(credit)} back as credit)",
        )
    ]


def seed_busy_day(*, password):
    """A fourth facility with 30 terminals and 200 visits today (its local date), and an
    officer for it, to see the visit board on a real day. Runs before the console demo
    (review.demo), which gives every staff account its second factor."""
    facility = busy_day_seed(day=timezone.localdate(timezone.now(), ZoneInfo("America/Chicago")))
    _staff(
        facility,
        "staff@busy.demo.visits",
        "Morgan",
        "OfficerBusy",
        StaffMembership.Role.OFFICER,
        password,
    )
    return [
        (
            "staff@busy.demo.visits",
            f"facility officer: {facility.name} (TX), 30 terminals and 200 visits today",
        )
    ]
