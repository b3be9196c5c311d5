"""Staff end a closure or a housing unit's lockdown early: the times after that are offered
to families again. One not started yet is removed; one already over is refused.

Facility A is in Chicago and takes bookings without notice here. The clock is Wednesday
3 March 2027, 14:05 CST.
"""

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from scheduling import services
from scheduling.availability import DayReason
from scheduling.models import Closure, Lockdown
from scheduling.selectors import availability_for
from scheduling.tests.factories import ClosureFactory, LockdownFactory, SchedulingConfigFactory
from visitation.errors import DomainError

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
WEDNESDAY = date(2027, 3, 3)


def chicago(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=CHICAGO).astimezone(UTC)


NOW = chicago(WEDNESDAY, 14, 5)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def site(visit_site):
    SchedulingConfigFactory(facility=visit_site.facility, min_notice_minutes=0)
    return visit_site


def wednesday(site, visitor):
    """What the family is offered on Wednesday for the person in unit North."""
    return availability_for(
        facility=site.facility,
        inmate=site.inmate,
        visitor=visitor,
        kind="remote",
        duration=20,
        start_date=WEDNESDAY,
        days=1,
    )[0]


def starts(day):
    return [slot.starts_at for slot in day.slots]


def test_a_lockdown_in_force_ended_offers_the_afternoon_again(site, visitor, admin_a):
    lockdown = LockdownFactory(
        housing_unit=site.unit,
        starts_at=chicago(WEDNESDAY, 8),
        ends_at=chicago(WEDNESDAY + timedelta(days=1), 8),
        created_by=admin_a,
    )
    before = wednesday(site, visitor)
    assert starts(before) == []
    assert before.reason == DayReason.LOCKDOWN

    ended = services.lockdown_end(actor=admin_a, lockdown_id=lockdown.pk)

    assert ended.ends_at == NOW
    lockdown.refresh_from_db()
    assert (lockdown.starts_at, lockdown.ends_at) == (chicago(WEDNESDAY, 8), NOW)
    assert (lockdown.ended_early_at, lockdown.ended_early_by) == (NOW, admin_a)
    assert lockdown.planned_ends_at == chicago(WEDNESDAY + timedelta(days=1), 8)
    after = starts(wednesday(site, visitor))
    assert after[0] == chicago(WEDNESDAY, 14, 20)  # the first start after 14:05
    assert chicago(WEDNESDAY, 16) in after
    assert chicago(WEDNESDAY, 22) in after


def test_a_closure_in_force_ended_offers_the_afternoon_again(site, visitor, admin_a):
    closure = ClosureFactory(
        facility=site.facility,
        starts_at=chicago(WEDNESDAY, 6),
        ends_at=chicago(WEDNESDAY, 20),
    )
    before = wednesday(site, visitor)
    assert starts(before) == [
        chicago(WEDNESDAY, 20, 0) + timedelta(minutes=20 * n) for n in range(8)
    ]

    services.closure_end(actor=admin_a, closure_id=closure.pk)

    closure.refresh_from_db()
    assert closure.ends_at == NOW
    assert (closure.ended_early_at, closure.ended_early_by) == (NOW, admin_a)
    assert closure.planned_ends_at == chicago(WEDNESDAY, 20)
    after = starts(wednesday(site, visitor))
    assert after[0] == chicago(WEDNESDAY, 14, 20)
    assert chicago(WEDNESDAY, 17, 20) in after


@pytest.mark.parametrize("starts_in", [timedelta(0), timedelta(hours=2)])
def test_a_lockdown_not_started_is_removed(site, visitor, admin_a, starts_in):
    lockdown = LockdownFactory(
        housing_unit=site.unit, starts_at=NOW + starts_in, ends_at=chicago(WEDNESDAY, 23)
    )
    assert chicago(WEDNESDAY, 17, 20) not in starts(wednesday(site, visitor))

    assert services.lockdown_end(actor=admin_a, lockdown_id=lockdown.pk) is None

    assert not Lockdown.objects.exists()
    assert chicago(WEDNESDAY, 17, 20) in starts(wednesday(site, visitor))


def test_a_closure_not_started_is_removed(site, visitor, admin_a):
    closure = ClosureFactory(
        facility=site.facility, starts_at=chicago(WEDNESDAY, 16), ends_at=chicago(WEDNESDAY, 23)
    )
    assert chicago(WEDNESDAY, 17, 20) not in starts(wednesday(site, visitor))

    assert services.closure_end(actor=admin_a, closure_id=closure.pk) is None

    assert not Closure.objects.exists()
    assert chicago(WEDNESDAY, 17, 20) in starts(wednesday(site, visitor))


def test_one_already_over_is_refused_and_kept(site, admin_a):
    lockdown = LockdownFactory(housing_unit=site.unit, starts_at=chicago(WEDNESDAY, 8), ends_at=NOW)
    closure = ClosureFactory(
        facility=site.facility, starts_at=chicago(WEDNESDAY, 6), ends_at=chicago(WEDNESDAY, 9)
    )

    with pytest.raises(DomainError, match=r"^This lockdown is already over\.$"):
        services.lockdown_end(actor=admin_a, lockdown_id=lockdown.pk)
    with pytest.raises(DomainError, match=r"^This closure is already over\.$"):
        services.closure_end(actor=admin_a, closure_id=closure.pk)

    lockdown.refresh_from_db()
    closure.refresh_from_db()
    assert (lockdown.ends_at, lockdown.ended_early_at) == (NOW, None)
    assert (closure.ends_at, closure.ended_early_at) == (chicago(WEDNESDAY, 9), None)


def test_ending_twice_says_it_is_over_then_removing_twice_says_it_is_gone(site, admin_a):
    in_force = LockdownFactory(
        housing_unit=site.unit, starts_at=chicago(WEDNESDAY, 8), ends_at=chicago(WEDNESDAY, 23)
    )
    coming = ClosureFactory(
        facility=site.facility, starts_at=chicago(WEDNESDAY, 16), ends_at=chicago(WEDNESDAY, 23)
    )
    services.lockdown_end(actor=admin_a, lockdown_id=in_force.pk)
    services.closure_end(actor=admin_a, closure_id=coming.pk)

    with pytest.raises(DomainError, match=r"^This lockdown is already over\.$"):
        services.lockdown_end(actor=admin_a, lockdown_id=in_force.pk)
    with pytest.raises(DomainError, match=r"^This closure is no longer there: it was removed\.$"):
        services.closure_end(actor=admin_a, closure_id=coming.pk)


def test_only_staff_of_the_facility_may_end_them(site, staff_b, home_user):
    lockdown = LockdownFactory(
        housing_unit=site.unit, starts_at=chicago(WEDNESDAY, 8), ends_at=chicago(WEDNESDAY, 23)
    )
    closure = ClosureFactory(
        facility=site.facility, starts_at=chicago(WEDNESDAY, 8), ends_at=chicago(WEDNESDAY, 23)
    )
    for actor in (staff_b, home_user):
        with pytest.raises(DomainError, match=r"^You are not staff of this facility\.$"):
            services.lockdown_end(actor=actor, lockdown_id=lockdown.pk)
        with pytest.raises(DomainError, match=r"^You are not staff of this facility\.$"):
            services.closure_end(actor=actor, closure_id=closure.pk)

    lockdown.refresh_from_db()
    closure.refresh_from_db()
    assert lockdown.ends_at == closure.ends_at == chicago(WEDNESDAY, 23)


def test_ending_and_removing_are_logged_with_ids_once_committed(
    site, admin_a, caplog, django_capture_on_commit_callbacks
):
    lockdown = LockdownFactory(
        housing_unit=site.unit, starts_at=chicago(WEDNESDAY, 8), ends_at=chicago(WEDNESDAY, 23)
    )
    closure = ClosureFactory(
        facility=site.facility, starts_at=chicago(WEDNESDAY, 16), ends_at=chicago(WEDNESDAY, 23)
    )
    with (
        caplog.at_level(logging.INFO, logger="scheduling.services.config"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.lockdown_end(actor=admin_a, lockdown_id=lockdown.pk)
        services.closure_end(actor=admin_a, closure_id=closure.pk)
        assert caplog.messages == []

    assert caplog.messages == [
        f"lockdown {lockdown.pk} ended early by user {admin_a.pk} at 2027-03-03T20:05:00+00:00 "
        "(it was from 2027-03-03T14:00:00+00:00 to 2027-03-04T05:00:00+00:00)",
        f"closure {closure.pk} removed before it started by user {admin_a.pk} at "
        "2027-03-03T20:05:00+00:00 (it was from 2027-03-03T22:00:00+00:00 to "
        "2027-03-04T05:00:00+00:00)",
    ]


def test_the_page_and_the_service_agree_on_what_ending_does():
    start, end = chicago(WEDNESDAY, 8), chicago(WEDNESDAY, 23)
    ending = services.period_ending
    assert ending(starts_at=start, ends_at=end, now=start - timedelta(seconds=1)) == "remove"
    assert ending(starts_at=start, ends_at=end, now=start) == "remove"
    assert ending(starts_at=start, ends_at=end, now=start + timedelta(seconds=1)) == "end"
    assert ending(starts_at=start, ends_at=end, now=end - timedelta(seconds=1)) == "end"
    assert ending(starts_at=start, ends_at=end, now=end) == "over"
