"""Closures and lockdowns are a facility administrator's, in the services as on the pages:
an officer of the facility is refused creating or ending one, and nothing changes."""

from datetime import UTC, datetime

import pytest
import time_machine

from scheduling import services
from scheduling.models import Closure, Lockdown
from scheduling.tests.factories import ClosureFactory, LockdownFactory
from visitation.errors import DomainError

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 3, 20, 5, tzinfo=UTC)
STARTS, ENDS = datetime(2027, 3, 3, 14, tzinfo=UTC), datetime(2027, 3, 4, 5, tzinfo=UTC)
REFUSED = r"^You are not staff of this facility in a role that may do this: ask a facility "


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_an_officer_may_not_create_a_closure_or_a_lockdown(visit_site, staff_a):
    with pytest.raises(DomainError, match=REFUSED):
        services.closure_create(
            actor=staff_a, facility=visit_site.facility, starts_at=STARTS, ends_at=ENDS, reason="X"
        )
    with pytest.raises(DomainError, match=REFUSED):
        services.lockdown_create(
            actor=staff_a, housing_unit=visit_site.unit, starts_at=STARTS, ends_at=ENDS, reason="X"
        )
    assert not Closure.objects.exists() and not Lockdown.objects.exists()


def test_an_officer_may_not_end_a_closure_or_a_lockdown(visit_site, staff_a):
    closure = ClosureFactory(facility=visit_site.facility, starts_at=STARTS, ends_at=ENDS)
    lockdown = LockdownFactory(housing_unit=visit_site.unit, starts_at=STARTS, ends_at=ENDS)
    with pytest.raises(DomainError, match=REFUSED):
        services.closure_end(actor=staff_a, closure_id=closure.pk)
    with pytest.raises(DomainError, match=REFUSED):
        services.lockdown_end(actor=staff_a, lockdown_id=lockdown.pk)
    closure.refresh_from_db()
    lockdown.refresh_from_db()
    assert closure.ends_at == lockdown.ends_at == ENDS
    assert closure.ended_early_by is None and lockdown.ended_early_by is None


def test_an_administrator_may(visit_site, admin_a):
    closure = services.closure_create(
        actor=admin_a, facility=visit_site.facility, starts_at=STARTS, ends_at=ENDS, reason="X"
    )
    assert services.closure_end(actor=admin_a, closure_id=closure.pk).ends_at == NOW
