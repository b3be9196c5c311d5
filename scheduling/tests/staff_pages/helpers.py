"""Helpers of the staff console's page tests: times on Thursday 12 March 2026 in Chicago
and visits booked then."""

from datetime import UTC, datetime, timedelta

from accounts.tests.factories import UserFactory
from scheduling.models import (
    CardState,
    Visit,
    VisitKind,
    VisitStatus,
)

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # Tuesday, 10:00 CDT in Chicago
THURSDAY = "2026-03-12"


def at(hour, minute=0, day=12):
    """A UTC instant in March 2026 from Chicago wall-clock time (CDT, UTC-5)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) + timedelta(hours=5)


def make_visit(*, inmate, terminal, starts_at, visitor=None, minutes=20, lobby=None, paid=800):
    """A booked visit paid with credit (so a credited cancellation gives the credit back)."""
    return Visit.objects.create(
        facility=inmate.facility,
        inmate=inmate,
        visitor=visitor or UserFactory(),
        kind=VisitKind.ONSITE if lobby else VisitKind.REMOTE,
        inmate_terminal=terminal,
        lobby_terminal=lobby,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        status=VisitStatus.BOOKED,
        booked_at=NOW - timedelta(days=1),
        price_cents=paid,
        credit_applied_cents=paid,
        card_cents=0,
        card_state=CardState.NONE,
    )


def status_of(visit):
    visit.refresh_from_db()
    return visit.status
