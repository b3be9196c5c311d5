"""No double booking under concurrent requests: PostgreSQL only, one connection per thread,
all threads released together by a barrier."""

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from accounts.tests.factories import UserFactory
from facilities.models import Terminal
from facilities.tests.factories import HousingUnitFactory, InmateFactory, TerminalFactory
from scheduling import services
from scheduling.models import (
    LIVE_STATUSES,
    CardState,
    LedgerEntry,
    LedgerKind,
    Visit,
    VisitStatus,
)
from scheduling.reasons import CancelFamily, CancelReason
from scheduling.selectors import balance_for
from scheduling.tests.factories import grant_access
from visitation.errors import DomainError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2027, 3, 1, 8, tzinfo=CHICAGO).astimezone(UTC)
SLOT = datetime(2027, 3, 3, 10, tzinfo=CHICAGO).astimezone(UTC)
TAKEN = "That time was just taken, please pick another."


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("exclusion constraints and real concurrency need PostgreSQL")


def run_together(calls):
    """Run each call in its own thread with its own connection, all released at once.
    Returns each call's outcome: the visit, or the DomainError message."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except DomainError as error:
            outcomes[index] = error.message
        except Exception as error:  # anything else is a failure of the test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def hold(user, facility, inmate, starts_at=SLOT):
    return services.visit_hold(
        user=user,
        facility=facility,
        inmate=inmate,
        kind="remote",
        duration=20,
        starts_at=starts_at,
        now=NOW,
    )


def book(user, held, key=None):
    return services.visit_book(
        user=user,
        visit_id=held.pk,
        idempotency_key=key or f"confirm-{user.pk}",
        payment="4242424242424242",
        now=NOW,
    )


def hold_and_book(user, facility, inmate, starts_at=SLOT, key=None):
    def call():
        return book(user, hold(user, facility, inmate, starts_at), key)

    return call


def contenders(facility, unit, count):
    """`count` visitors with access, each to visit a different person of the unit."""
    people = [InmateFactory(facility=facility, housing_unit=unit) for _ in range(count)]
    users = [grant_access(UserFactory(), facility) for _ in range(count)]
    return list(zip(users, people, strict=True))


def split(outcomes):
    visits = [o for o in outcomes if isinstance(o, Visit)]
    refusals = [o for o in outcomes if isinstance(o, str)]
    assert len(visits) + len(refusals) == len(outcomes), [
        o for o in outcomes if not isinstance(o, (Visit, str))
    ]  # no server errors
    return visits, refusals


def live_visits():
    return Visit.objects.filter(status__in=LIVE_STATUSES)


def test_fifty_requests_for_one_terminal_give_exactly_one_visit(facility_a):
    unit = HousingUnitFactory(facility=facility_a)
    TerminalFactory(facility=facility_a, housing_unit=unit)
    pairs = contenders(facility_a, unit, 50)
    outcomes = run_together([hold_and_book(u, facility_a, p) for u, p in pairs])
    visits, refusals = split(outcomes)
    assert len(visits) == 1
    assert set(refusals) == {TAKEN}
    assert live_visits().count() == 1
    assert live_visits().get().status == VisitStatus.BOOKED
    assert LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT).count() == 1


def test_twenty_requests_for_three_terminals_give_three_visits_on_three_terminals(facility_a):
    unit = HousingUnitFactory(facility=facility_a)
    terminals = [TerminalFactory(facility=facility_a, housing_unit=unit) for _ in range(3)]
    pairs = contenders(facility_a, unit, 20)
    visits, refusals = split(run_together([hold_and_book(u, facility_a, p) for u, p in pairs]))
    assert len(visits) == 3 and set(refusals) == {TAKEN}
    used = set(live_visits().values_list("inmate_terminal_id", flat=True))
    assert used == {t.pk for t in terminals}


def test_one_person_asked_for_by_many_visitors_at_once_has_one_visit(facility_a):
    unit = HousingUnitFactory(facility=facility_a)
    for _ in range(5):
        TerminalFactory(facility=facility_a, housing_unit=unit)
    person = InmateFactory(facility=facility_a, housing_unit=unit)
    users = [grant_access(UserFactory(), facility_a) for _ in range(20)]
    visits, refusals = split(run_together([hold_and_book(u, facility_a, person) for u in users]))
    assert len(visits) == 1 and set(refusals) == {TAKEN}


def test_back_to_back_visits_on_one_terminal_both_succeed(facility_a):
    unit = HousingUnitFactory(facility=facility_a)
    TerminalFactory(facility=facility_a, housing_unit=unit)
    (first_user, first), (second_user, second) = contenders(facility_a, unit, 2)
    outcomes = run_together(
        [
            hold_and_book(first_user, facility_a, first, starts_at=SLOT),
            hold_and_book(second_user, facility_a, second, starts_at=SLOT + timedelta(minutes=20)),
        ]
    )
    visits, _ = split(outcomes)
    assert len(visits) == 2
    assert live_visits().count() == 2


def test_a_cancelled_visit_frees_its_slot_for_exactly_one_of_the_next(facility_a):
    unit = HousingUnitFactory(facility=facility_a)
    TerminalFactory(facility=facility_a, housing_unit=unit)
    pairs = contenders(facility_a, unit, 11)
    first_user, first_person = pairs.pop()
    booked = hold_and_book(first_user, facility_a, first_person)()
    services.visit_cancel_by_user(user=first_user, visit_id=booked.pk, now=NOW)
    visits, refusals = split(run_together([hold_and_book(u, facility_a, p) for u, p in pairs]))
    assert len(visits) == 1 and set(refusals) == {TAKEN}
    assert live_visits().count() == 1


def test_a_lapsed_hold_is_released_for_exactly_one_of_the_next(facility_a):
    unit = HousingUnitFactory(facility=facility_a)
    TerminalFactory(facility=facility_a, housing_unit=unit)
    pairs = contenders(facility_a, unit, 11)
    first_user, first_person = pairs.pop()
    lapsed = services.visit_hold(
        user=first_user,
        facility=facility_a,
        inmate=first_person,
        kind="remote",
        duration=20,
        starts_at=SLOT,
        now=NOW - timedelta(minutes=30),
    )
    visits, refusals = split(run_together([hold_and_book(u, facility_a, p) for u, p in pairs]))
    assert len(visits) == 1 and set(refusals) == {TAKEN}
    lapsed.refresh_from_db()
    assert lapsed.status == VisitStatus.EXPIRED


def test_a_double_click_books_and_charges_once(facility_a):
    unit = HousingUnitFactory(facility=facility_a)
    TerminalFactory(facility=facility_a, housing_unit=unit)
    [(user, person)] = contenders(facility_a, unit, 1)
    held = services.visit_hold(
        user=user,
        facility=facility_a,
        inmate=person,
        kind="remote",
        duration=20,
        starts_at=SLOT,
        now=NOW,
    )

    def confirm():
        return services.visit_book(
            user=user,
            visit_id=held.pk,
            idempotency_key="one-form",
            payment="4242424242424242",
            now=NOW,
        )

    visits, refusals = split(run_together([confirm for _ in range(10)]))
    assert len(visits) == 10 and not refusals
    assert {v.pk for v in visits} == {held.pk}
    # One card payment and the note that the money is held for the visit.
    assert sorted(LedgerEntry.objects.filter(visit=held).values_list("kind", flat=True)) == [
        LedgerKind.FUNDS_HOLD,
        LedgerKind.PAYMENT,
    ]


def test_the_sweep_racing_a_late_cancellation_makes_the_payment_final_once(facility_a):
    unit = HousingUnitFactory(facility=facility_a)
    TerminalFactory(facility=facility_a, housing_unit=unit)
    late = SLOT - timedelta(hours=47)
    for user, person in contenders(facility_a, unit, 5):  # five races, each settled once
        visit = hold_and_book(user, facility_a, person)()
        assert visit.card_state == CardState.HELD
        outcomes = run_together(
            [
                lambda: services.visit_deadlines_enforce(now=late),
                lambda u=user, v=visit: services.visit_cancel_by_user(
                    user=u, visit_id=v.pk, now=late
                ),
            ]
        )
        assert not [o for o in outcomes if isinstance(o, Exception | str)], outcomes
        visit.refresh_from_db()
        assert (visit.status, visit.card_state) == (VisitStatus.CANCELLED, CardState.CHARGED)
        assert LedgerEntry.objects.filter(visit=visit, kind=LedgerKind.CHARGE).count() == 1
        assert not LedgerEntry.objects.filter(visit=visit, kind=LedgerKind.CREDIT).exists()


def test_the_sweep_racing_a_facility_cancellation_still_gives_the_credit_once(facility_a, staff_a):
    unit = HousingUnitFactory(facility=facility_a)
    TerminalFactory(facility=facility_a, housing_unit=unit)
    late = SLOT - timedelta(hours=47)
    for user, person in contenders(facility_a, unit, 5):  # five races, each settled once
        visit = hold_and_book(user, facility_a, person)()
        outcomes = run_together(
            [
                lambda: services.visit_deadlines_enforce(now=late),
                lambda v=visit: services.visit_cancel_by_staff(
                    actor=staff_a,
                    visit=v,
                    family=CancelFamily.NON_BEHAVIOURAL,
                    reason=CancelReason.TERMINAL_INOPERABLE,
                    explanation="The terminal is broken.",
                    now=late,
                ),
            ]
        )
        assert not [o for o in outcomes if isinstance(o, Exception | str)], outcomes
        visit.refresh_from_db()
        assert (visit.status, visit.card_state) == (VisitStatus.CANCELLED, CardState.CREDITED)
        credits = LedgerEntry.objects.filter(visit=visit, kind=LedgerKind.CREDIT)
        assert list(credits.values_list("amount_cents", flat=True)) == [400]
        assert balance_for(user=user) == 400


def test_a_confirm_waits_for_a_hold_being_written_on_its_terminal(facility_a):
    """A confirm updates the held row, and PostgreSQL re-checks the exclusion constraints
    for it; if a hold were being written on the same terminal at that moment, each could
    wait on the other (a deadlock, a server error for one of them). So a confirm takes the
    terminal's lock first, as holds do (lock_places), and waits for the hold to finish."""
    unit = HousingUnitFactory(facility=facility_a)
    terminal = TerminalFactory(facility=facility_a, housing_unit=unit)
    ((owner, person),) = contenders(facility_a, unit, 1)
    held = hold(owner, facility_a, person)
    terminal_locked, release = threading.Event(), threading.Event()

    def hold_being_written():
        with transaction.atomic():
            list(Terminal.objects.select_for_update(no_key=True).filter(pk=terminal.pk))
            terminal_locked.set()
            release.wait(10)
        connection.close()

    writer = threading.Thread(target=hold_being_written)
    writer.start()
    terminal_locked.wait(10)
    outcome = []

    def confirm_held():
        try:
            outcome.append(book(owner, held, key="confirm-waits"))
        finally:
            connection.close()

    confirming = threading.Thread(target=confirm_held)
    confirming.start()
    confirming.join(1.5)
    waited = confirming.is_alive()
    release.set()
    writer.join()
    confirming.join(10)
    assert waited, "the confirm did not wait for the terminal's lock"
    assert [v.pk for v in outcome] == [held.pk]
    assert Visit.objects.get(pk=held.pk).status == VisitStatus.BOOKED
