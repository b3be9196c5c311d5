"""What facility staff do to visits: cancel with a reason, move, check in, close."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from facilities.models import Inmate
from facilities.tests.factories import InmateFactory
from scheduling import services
from scheduling.models import (
    CardState,
    LedgerEntry,
    LedgerKind,
    SchedulingConfig,
    Visit,
    VisitStatus,
)
from scheduling.reasons import CancelFamily, CancelReason
from scheduling.selectors import balance_for, visits_affected_by_lockdown
from scheduling.tests.factories import CreditFactory, VisitFactory
from visitation.errors import DomainError

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")


def chicago(month, day, hour, minute=0, year=2027):
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO).astimezone(UTC)


NOW = chicago(3, 1, 8)
STARTS = chicago(3, 3, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def paid_visit(visitor, visit_site):
    CreditFactory(user=visitor, amount_cents=100)
    held = services.visit_hold(
        user=visitor,
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        kind="remote",
        duration=20,
        starts_at=STARTS,
    )
    return services.visit_book(
        user=visitor, visit_id=held.pk, idempotency_key="k", payment="4242424242424242"
    )


def staff_cancel(actor, visit, family, reason, explanation="The unit is being searched."):
    return services.visit_cancel_by_staff(
        actor=actor, visit=visit, family=family, reason=reason, explanation=explanation
    )


def test_a_behavioural_cancellation_charges_the_visitor(
    staff_a, paid_visit, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = staff_cancel(staff_a, paid_visit, CancelFamily.BEHAVIOURAL, CancelReason.LOCKDOWN)
    assert result.money.kept_cents == 400 and result.money.credit_cents == 0
    paid_visit.refresh_from_db()
    assert paid_visit.status == VisitStatus.CANCELLED
    assert paid_visit.cancelled_by == staff_a
    # Two days ahead the money was still held for the visit: it is made final now.
    assert paid_visit.card_state == CardState.CHARGED
    charge = LedgerEntry.objects.get(visit=paid_visit, kind=LedgerKind.CHARGE)
    assert charge.card_amount_cents == 400 and "does not come back" in charge.description
    assert not LedgerEntry.objects.filter(visit=paid_visit, kind=LedgerKind.CREDIT).exists()
    assert balance_for(user=paid_visit.visitor) == 0
    body = mailoutbox[-1].body
    assert "The facility cancelled it." in body
    assert "Reason: Lockdown" in body
    assert "Explanation: The unit is being searched." in body
    assert (
        "The facility cancelled it. You were charged $4.00, because visits cancelled for this "
        "reason are charged: it does not come back." in body
    )


@pytest.mark.parametrize("swept", [True, False])
def test_a_non_behavioural_cancellation_gives_back_what_was_paid_even_at_the_last_minute(
    staff_a, visitor, paid_visit, frozen, swept
):
    frozen.move_to(STARTS - timedelta(minutes=5))
    if swept:  # the payment already final, or the sweep not yet run: the same credit
        services.visit_deadlines_enforce()
        paid_visit.refresh_from_db()
        assert paid_visit.card_state == CardState.CHARGED
    result = staff_cancel(
        staff_a, paid_visit, CancelFamily.NON_BEHAVIOURAL, CancelReason.TERMINAL_INOPERABLE
    )
    # $1.00 of credit and $3.00 paid by card come back as $4.00 of credit.
    assert result.money.credit_cents == 400 and result.money.kept_cents == 0
    assert balance_for(user=visitor) == 400
    paid_visit.refresh_from_db()
    assert paid_visit.card_state == CardState.CREDITED


def test_staff_must_explain_and_pick_a_reason_of_the_family(staff_a, paid_visit):
    with pytest.raises(DomainError, match="explain") as caught:
        staff_cancel(staff_a, paid_visit, CancelFamily.BEHAVIOURAL, CancelReason.BEHAVIOUR, "  ")
    assert caught.value.field == "explanation"
    with pytest.raises(DomainError, match="reason from the list"):
        staff_cancel(staff_a, paid_visit, CancelFamily.NON_BEHAVIOURAL, CancelReason.BEHAVIOUR)
    paid_visit.refresh_from_db()
    assert paid_visit.status == VisitStatus.BOOKED


def test_staff_of_another_facility_and_home_users_cannot_act(staff_b, other_home_user, paid_visit):
    for actor in (staff_b, other_home_user):
        with pytest.raises(DomainError, match="not staff"):
            staff_cancel(actor, paid_visit, CancelFamily.BEHAVIOURAL, CancelReason.BEHAVIOUR)
        with pytest.raises(DomainError, match="not staff"):
            services.visit_move_by_staff(actor=actor, visit=paid_visit, starts_at=STARTS)


def test_staff_move_a_visit_to_another_terminal_and_the_visitor_is_told(
    staff_a, visit_site, paid_visit, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.visit_move_by_staff(
            actor=staff_a,
            visit=paid_visit,
            starts_at=STARTS + timedelta(hours=3),
            inmate_terminal=visit_site.terminals[1],
        )
    assert moved.inmate_terminal == visit_site.terminals[1]
    assert moved.starts_at == STARTS + timedelta(hours=3)
    assert moved.ends_at == moved.starts_at + timedelta(minutes=20)
    assert moved.revision == 1
    assert moved.card_state == CardState.HELD  # money does not change
    message = mailoutbox[-1]
    assert "Travis County Jail moved your visit with Ana Diaz." in message.body
    assert "Now (facility time): Wednesday, March 3, 2027, 1 p.m. CST" in message.body
    assert "SEQUENCE:1" in message.attachments[0][1]


def test_staff_may_move_a_visit_to_later_today_but_not_onto_a_busy_terminal(
    staff_a, visit_site, paid_visit, frozen
):
    other = VisitFactory(
        facility=visit_site.facility,
        inmate=InmateFactory(facility=visit_site.facility, housing_unit=visit_site.unit),
        inmate_terminal=visit_site.terminals[1],
        starts_at=chicago(3, 1, 13),
    )
    with pytest.raises(DomainError, match="busy"):
        services.visit_move_by_staff(
            actor=staff_a,
            visit=paid_visit,
            starts_at=other.starts_at,
            inmate_terminal=visit_site.terminals[1],
        )
    moved = services.visit_move_by_staff(actor=staff_a, visit=paid_visit, starts_at=other.starts_at)
    assert moved.inmate_terminal == visit_site.terminals[0]  # within the day's notice: fine
    with pytest.raises(DomainError, match="No visits on this day"):
        services.visit_move_by_staff(
            actor=staff_a, visit=paid_visit, starts_at=chicago(3, 1, 11, 30)
        )


def test_staff_cannot_move_a_visit_onto_the_persons_other_visit(staff_a, visit_site, paid_visit):
    VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        inmate_terminal=visit_site.terminals[1],
        starts_at=chicago(3, 2, 10),
    )
    with pytest.raises(DomainError, match="just taken"):
        services.visit_move_by_staff(actor=staff_a, visit=paid_visit, starts_at=chicago(3, 2, 10))


def test_check_in_then_complete_or_no_show(staff_a, paid_visit, frozen):
    with pytest.raises(DomainError, match="30 minutes before"):
        services.visit_check_in(actor=staff_a, visit=paid_visit)
    frozen.move_to(STARTS - timedelta(minutes=10))
    visit = services.visit_check_in(actor=staff_a, visit=paid_visit)
    assert visit.status == VisitStatus.CHECKED_IN
    with pytest.raises(DomainError, match="not started"):
        services.visit_complete(actor=staff_a, visit=visit)
    frozen.move_to(STARTS + timedelta(minutes=20))
    visit = services.visit_complete(actor=staff_a, visit=visit)
    assert visit.status == VisitStatus.COMPLETED and visit.finished_at is not None
    assert visit.card_state == CardState.CHARGED  # money the sweep missed is made final now


def test_a_no_show_is_charged(staff_a, paid_visit, frozen):
    frozen.move_to(STARTS + timedelta(minutes=5))
    visit = services.visit_no_show(actor=staff_a, visit=paid_visit)
    assert visit.status == VisitStatus.NO_SHOW and visit.card_state == CardState.CHARGED


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (Inmate.Status.RELEASED, CancelReason.PERSON_RELEASED),
        (Inmate.Status.TRANSFERRED, CancelReason.PERSON_TRANSFERRED),
    ],
)
def test_a_released_or_transferred_persons_visits_are_cancelled_with_credit(
    visitor, visit_site, paid_visit, status, reason, mailoutbox, django_capture_on_commit_callbacks
):
    past = VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        inmate_terminal=visit_site.terminals[1],
        starts_at=NOW - timedelta(days=2),
        status=VisitStatus.COMPLETED,
    )
    visit_site.inmate.status = status
    visit_site.inmate.save()
    with django_capture_on_commit_callbacks(execute=True):
        count = services.inmate_released_cancel_visits(inmate=visit_site.inmate)
    assert count == 1
    paid_visit.refresh_from_db()
    assert paid_visit.status == VisitStatus.CANCELLED
    assert paid_visit.cancel_family == CancelFamily.NON_BEHAVIOURAL
    assert paid_visit.cancel_reason == reason
    assert balance_for(user=visitor) == 400  # the $1.00 of credit and the $3.00 card payment
    past.refresh_from_db()
    assert past.status == VisitStatus.COMPLETED
    assert "no longer at this facility" in mailoutbox[-1].body
    assert (
        "$4.00 is back as credit toward a future visit, because the reason is not your fault."
        in mailoutbox[-1].body
    )


def test_a_lockdown_lists_its_visits_and_staff_cancel_them_in_one_action(
    admin_a, staff_a, visit_site, paid_visit
):
    lockdown = services.lockdown_create(
        actor=admin_a,
        housing_unit=visit_site.unit,
        starts_at=chicago(3, 3, 0),
        ends_at=chicago(3, 4, 0),
        reason="Search",
    )
    affected = list(visits_affected_by_lockdown(lockdown=lockdown))
    assert affected == [paid_visit]
    results = services.visits_cancel_by_staff(
        actor=staff_a,
        visits=affected,
        family=CancelFamily.BEHAVIOURAL,
        reason=CancelReason.LOCKDOWN,
        explanation="The unit is locked down.",
    )
    assert [r.visit.status for r in results] == [VisitStatus.CANCELLED]


def test_the_price_may_not_exceed_the_cap(admin_a, staff_a, facility_a):
    settings = {
        "durations": [20, 40],
        "slot_step_minutes": 20,
        "min_notice_minutes": 60,
        "horizon_days": 7,
        "weekly_limit": 2,
        "onsite_price_per_minute_cents": 0,
    }
    with pytest.raises(DomainError, match="may not be above 50 cents") as caught:
        services.scheduling_config_save(
            actor=admin_a, facility=facility_a, remote_price_per_minute_cents=51, **settings
        )
    assert caught.value.field == "remote_price_per_minute_cents"
    with pytest.raises(DomainError, match="not staff"):
        services.scheduling_config_save(
            actor=staff_a, facility=facility_a, remote_price_per_minute_cents=25, **settings
        )
    config = services.scheduling_config_save(
        actor=admin_a, facility=facility_a, remote_price_per_minute_cents=50, **settings
    )
    assert config.weekly_limit == 2
    config.remote_price_per_minute_cents = 60
    with pytest.raises(IntegrityError), transaction.atomic():
        config.save()
    assert SchedulingConfig.objects.get().remote_price_per_minute_cents == 50


def test_visits_stay_in_the_database_forever(paid_visit):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        paid_visit.inmate.delete()
    assert Visit.objects.count() == 1
