"""A video visit to try at once: `make run` (seed_demo) gives the approved demo family a
free remote visit starting 5 minutes later, on the person's unit terminal, and gives that
person the check-in PIN 1234. Made directly rather than booked, because the facility's
visit windows may be closed at the hour someone tries the demo."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from facilities.models import Facility, Inmate, Terminal
from facilities.pins import checkin_pin_hash
from scheduling.models import Visit, VisitKind, VisitStatus

from .models import FacilityVideoSettings, RecordingViewer

DEMO_PIN = "1234"
STARTS_IN = timedelta(minutes=5)
LENGTH = timedelta(minutes=40)


def seed(*, password):
    user = User.objects.filter(email="approved@demo.visits").first()
    facility = Facility.objects.filter(slug="bluebonnet-county-jail").first()
    if user is None or facility is None:
        return []
    inmate = Inmate.objects.filter(facility=facility, status=Inmate.Status.ACTIVE).first()
    terminal = Terminal.objects.filter(
        facility=facility, housing_unit=inmate.housing_unit, in_service=True
    ).first()
    if terminal is None:
        return []
    # The demo facility records its visits, and its officer may play recordings back.
    FacilityVideoSettings.objects.update_or_create(
        facility=facility, defaults={"record_visits": True}
    )
    officer = User.objects.filter(email="staff@tx.demo.visits").first()
    if officer is not None:
        RecordingViewer.objects.get_or_create(facility=facility, user=officer)
    if not inmate.checkin_pin:
        inmate.checkin_pin = checkin_pin_hash(DEMO_PIN)
        inmate.save(update_fields=["checkin_pin"])
    now = timezone.now()
    visit = (
        Visit.objects.active()
        .filter(
            visitor=user,
            kind=VisitKind.REMOTE,
            ends_at__gt=now + timedelta(minutes=10),
            starts_at__lt=now + timedelta(hours=1),
        )
        .first()
    )
    if visit is None:
        try:
            with transaction.atomic():
                visit = Visit.objects.create(
                    facility=facility,
                    inmate=inmate,
                    visitor=user,
                    kind=VisitKind.REMOTE,
                    inmate_terminal=terminal,
                    starts_at=now + STARTS_IN,
                    ends_at=now + STARTS_IN + LENGTH,
                    status=VisitStatus.BOOKED,
                    booked_at=now,
                )
        except IntegrityError:  # the terminal or the person is taken then: no try-now visit
            return []
    local = timezone.localtime(visit.starts_at, timezone=_zone(facility))
    return [
        (
            "approved@demo.visits",
            f"video visit with {inmate.full_name} at {local:%H:%M} {facility.time_zone} "
            f"(My visits > Join); terminal {terminal.name}: ID number {inmate.id_number}, "
            f"PIN {DEMO_PIN}",
        )
    ]


def _zone(facility):
    from zoneinfo import ZoneInfo

    return ZoneInfo(facility.time_zone)
