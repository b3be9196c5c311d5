"""The periodic sweep: what was paid becomes final at 48 hours, reminders at 24 hours."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from scheduling import services
from scheduling.models import CardState, LedgerEntry, LedgerKind, Visit, VisitStatus
from scheduling.selectors import balance_for
from scheduling.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")


def chicago(month, day, hour, minute=0, second=0, year=2027):
    return datetime(year, month, day, hour, minute, second, tzinfo=CHICAGO).astimezone(UTC)


BOOKED_AT = chicago(3, 1, 8)
STARTS = chicago(3, 3, 10)


@pytest.fixture
def held_funds_visit(visitor, visit_site):
    with time_machine.travel(BOOKED_AT, tick=False):
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


def charges(visit):
    return LedgerEntry.objects.filter(visit=visit, kind=LedgerKind.CHARGE).count()


def test_the_hold_is_not_charged_48_hours_and_a_second_before(held_funds_visit):
    run = services.visit_deadlines_enforce(now=STARTS - timedelta(hours=48, seconds=1))
    assert run.charged == 0
    held_funds_visit.refresh_from_db()
    assert held_funds_visit.card_state == CardState.HELD
    at_48 = services.visit_deadlines_enforce(now=STARTS - timedelta(hours=48))
    assert at_48.charged == 0  # exactly 48 hours before still gives credit, so no charge


def test_the_hold_becomes_a_charge_at_47_hours_59_minutes_59_seconds(held_funds_visit, settings):
    # The card was charged at booking: making it final asks nothing of the provider.
    settings.PAYMENT_PROVIDER = "scheduling.tests.test_deadlines.UnreachableProvider"
    run = services.visit_deadlines_enforce(now=STARTS - timedelta(hours=47, minutes=59, seconds=59))
    assert run.charged == 1
    held_funds_visit.refresh_from_db()
    assert held_funds_visit.card_state == CardState.CHARGED
    charge = LedgerEntry.objects.get(visit=held_funds_visit, kind=LedgerKind.CHARGE)
    assert (charge.amount_cents, charge.card_amount_cents) == (0, 400)
    assert charge.description == (
        "Final charge for your visit with Ana Diaz on March 3, 2027, 10 a.m. CST: less than "
        "48 hours to go, so this is no longer refundable"
    )
    assert LedgerEntry.objects.filter(visit=held_funds_visit, kind=LedgerKind.PAYMENT).count() == 1


class UnreachableProvider:
    def charge(self, **kwargs):
        raise AssertionError("the sweep must not call the payment provider")


def test_the_sweep_run_twice_charges_once(held_funds_visit):
    late = STARTS - timedelta(hours=47)
    assert services.visit_deadlines_enforce(now=late).charged == 1
    assert services.visit_deadlines_enforce(now=late).charged == 0
    assert services.visit_deadlines_enforce(now=late + timedelta(hours=1)).charged == 0
    assert charges(held_funds_visit) == 1


def test_a_cancellation_after_the_sweep_gives_nothing_back_and_charges_nothing_more(
    visitor, held_funds_visit
):
    late = STARTS - timedelta(hours=47)
    services.visit_deadlines_enforce(now=late)
    result = services.visit_cancel_by_user(user=visitor, visit_id=held_funds_visit.pk, now=late)
    assert result.money.kept_cents == 400 and result.money.charged_cents == 0
    assert charges(held_funds_visit) == 1


def test_a_cancellation_in_time_leaves_the_sweep_nothing_to_charge(visitor, held_funds_visit):
    early = STARTS - timedelta(hours=49)
    result = services.visit_cancel_by_user(user=visitor, visit_id=held_funds_visit.pk, now=early)
    assert result.money.credit_cents == 400  # the card payment, as credit
    assert services.visit_deadlines_enforce(now=STARTS - timedelta(hours=1)).charged == 0
    assert charges(held_funds_visit) == 0
    assert balance_for(user=visitor) == 400


def test_the_sweep_crosses_the_spring_forward_weekend_in_real_hours(visitor, visit_site):
    monday_nine = chicago(3, 15, 9)  # CDT; 48 real hours before is Saturday 08:00 CST
    with time_machine.travel(chicago(3, 11, 8), tick=False):
        held = services.visit_hold(
            user=visitor,
            facility=visit_site.facility,
            inmate=visit_site.inmate,
            kind="remote",
            duration=20,
            starts_at=monday_nine,
        )
        visit = services.visit_book(
            user=visitor, visit_id=held.pk, idempotency_key="k", payment="4242424242424242"
        )
    assert services.visit_deadlines_enforce(now=chicago(3, 13, 7, 59, 59)).charged == 0
    assert services.visit_deadlines_enforce(now=chicago(3, 13, 8, 0, 1)).charged == 1
    visit.refresh_from_db()
    assert visit.card_state == CardState.CHARGED


def test_the_sweep_crosses_the_fall_back_weekend_in_real_hours(visitor, visit_site):
    monday_nine = chicago(11, 8, 9)  # CST; 48 real hours before is Saturday 10:00 CDT
    with time_machine.travel(chicago(11, 2, 8), tick=False):
        held = services.visit_hold(
            user=visitor,
            facility=visit_site.facility,
            inmate=visit_site.inmate,
            kind="remote",
            duration=20,
            starts_at=monday_nine,
        )
        visit = services.visit_book(
            user=visitor, visit_id=held.pk, idempotency_key="k", payment="4242424242424242"
        )
    assert visit.card_state == CardState.HELD
    assert services.visit_deadlines_enforce(now=chicago(11, 6, 9, 59, 59)).charged == 0
    assert services.visit_deadlines_enforce(now=chicago(11, 6, 10, 0, 1)).charged == 1
    visit.refresh_from_db()
    assert visit.card_state == CardState.CHARGED


def test_a_reminder_goes_once_24_hours_before(
    held_funds_visit, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        early = services.visit_deadlines_enforce(now=STARTS - timedelta(hours=24, seconds=1))
        due = services.visit_deadlines_enforce(now=STARTS - timedelta(hours=24))
        again = services.visit_deadlines_enforce(now=STARTS - timedelta(hours=23))
    assert (early.reminded, due.reminded, again.reminded) == (0, 1, 0)
    reminders = [m for m in mailoutbox if m.subject.startswith("Reminder")]
    assert len(reminders) == 1
    assert reminders[0].subject == (
        "Reminder: your visit with Ana Diaz is on Wednesday, March 3, 2027, 10 a.m. CST"
    )
    assert "When (your time): Wednesday, March 3, 2027, 11 a.m. EST" in reminders[0].body


def test_no_reminder_for_a_visit_booked_within_24_hours(visit_site):
    VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        inmate_terminal=visit_site.terminals[0],
        starts_at=STARTS,
        booked_at=STARTS - timedelta(hours=20),
    )
    assert services.visit_deadlines_enforce(now=STARTS - timedelta(hours=10)).reminded == 0


def test_lapsed_holds_are_released(visitor, visit_site):
    with time_machine.travel(BOOKED_AT, tick=False):
        held = services.visit_hold(
            user=visitor,
            facility=visit_site.facility,
            inmate=visit_site.inmate,
            kind="remote",
            duration=20,
            starts_at=STARTS,
        )
    assert services.holds_expire(now=BOOKED_AT + timedelta(minutes=9)) == 0
    run = services.visit_deadlines_enforce(now=BOOKED_AT + timedelta(minutes=10))
    assert run.expired == 1
    held.refresh_from_db()
    assert held.status == VisitStatus.EXPIRED


def test_operators_can_run_the_sweep_by_hand(held_funds_visit):
    out = StringIO()
    with time_machine.travel(STARTS - timedelta(hours=30), tick=False):
        call_command("enforce_visit_deadlines", stdout=out)
    assert out.getvalue().strip() == (
        "Made final the payment of 1 visit(s), sent 0 reminder(s), released 0 lapsed hold(s), "
        "reported 0 unresolved payment attempt(s)."
    )
    assert Visit.objects.get().card_state == CardState.CHARGED


def test_the_sweep_task_runs_the_service(held_funds_visit):
    from scheduling.tasks import visit_deadlines_enforce

    with time_machine.travel(STARTS - timedelta(hours=30), tick=False):
        result = visit_deadlines_enforce.delay().get()
    assert result == {"charged": 1, "reminded": 0, "expired": 0, "unresolved_payments": 0}
