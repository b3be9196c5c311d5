from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from facilities.models import Inmate
from facilities.tests.factories import (
    HousingUnitFactory,
    InmateFactory,
    TerminalFactory,
    TermsVersionFactory,
)
from scheduling import services
from scheduling.availability import DayReason
from scheduling.models import (
    CardState,
    LedgerKind,
    TermsAcceptance,
    VisitKind,
    VisitStatus,
    VisitWindow,
)
from scheduling.selectors import (
    availability_for,
    balance_for,
    card_for_visit,
    daily_list,
    inmates_bookable,
    statement_groups,
    statement_lines,
    terms_to_accept,
    visit_board,
    visits_for_staff,
    visits_past,
    visits_upcoming,
)
from scheduling.tests.factories import (
    ClosureFactory,
    CreditFactory,
    LockdownFactory,
    SchedulingConfigFactory,
    VisitFactory,
    lobby_terminal,
)

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2027, 3, 1, 8, tzinfo=CHICAGO).astimezone(UTC)
WEDNESDAY = date(2027, 3, 3)


def chicago(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=CHICAGO).astimezone(UTC)


def offered(site, visitor, on=WEDNESDAY, kind=VisitKind.REMOTE, inmate=None):
    days = availability_for(
        facility=site.facility,
        inmate=inmate or site.inmate,
        visitor=visitor,
        kind=kind,
        duration=20,
        start_date=on,
        days=1,
        now=NOW,
    )
    return days[0]


def starts(day):
    return [s.starts_at for s in day.slots]


def test_live_visits_and_holds_are_busy_but_lapsed_and_cancelled_ones_are_not(visit_site, visitor):
    person = visit_site.inmate
    common = {"facility": visit_site.facility, "inmate": person}
    VisitFactory(**common, inmate_terminal=visit_site.terminals[0], starts_at=chicago(WEDNESDAY, 9))
    VisitFactory(
        **common,
        inmate_terminal=visit_site.terminals[0],
        starts_at=chicago(WEDNESDAY, 10),
        status=VisitStatus.HELD,
        hold_expires_at=NOW + timedelta(minutes=5),
    )
    VisitFactory(
        **common,
        inmate_terminal=visit_site.terminals[0],
        starts_at=chicago(WEDNESDAY, 13),
        status=VisitStatus.HELD,
        hold_expires_at=NOW - timedelta(seconds=1),
    )
    VisitFactory(
        **common,
        inmate_terminal=visit_site.terminals[0],
        starts_at=chicago(WEDNESDAY, 14),
        status=VisitStatus.CANCELLED,
    )
    found = starts(offered(visit_site, visitor))
    assert chicago(WEDNESDAY, 9) not in found  # the person is in a visit
    assert chicago(WEDNESDAY, 10) not in found  # held for someone
    assert chicago(WEDNESDAY, 13) in found  # that hold ran out
    assert chicago(WEDNESDAY, 14) in found  # cancelled


def test_only_in_service_terminals_of_the_persons_unit_are_offered(visit_site, visitor):
    other_unit = HousingUnitFactory(facility=visit_site.facility)
    TerminalFactory(facility=visit_site.facility, housing_unit=other_unit)
    visit_site.terminals[1].in_service = False
    visit_site.terminals[1].save()
    slot = offered(visit_site, visitor).slots[0]
    assert slot.inmate_terminals == (visit_site.terminals[0].pk,)


def test_on_site_offers_lobby_terminals_and_a_lockdown_or_closure_says_so(visit_site, visitor):
    onsite = offered(visit_site, visitor, kind=VisitKind.ONSITE)
    assert onsite.slots[0].lobby_terminals == (visit_site.lobby.pk,)
    LockdownFactory(
        housing_unit=visit_site.unit,
        starts_at=chicago(WEDNESDAY, 0),
        ends_at=chicago(WEDNESDAY + timedelta(days=1), 0),
    )
    assert offered(visit_site, visitor).reason == DayReason.LOCKDOWN
    ClosureFactory(
        facility=visit_site.facility,
        starts_at=chicago(WEDNESDAY, 0),
        ends_at=chicago(WEDNESDAY + timedelta(days=2), 0),
    )
    assert offered(visit_site, visitor, on=WEDNESDAY + timedelta(days=1)).reason == DayReason.CLOSED


def test_the_weekly_limit_counts_this_persons_visits_of_that_week(visit_site, visitor):
    SchedulingConfigFactory(facility=visit_site.facility, weekly_limit=1)
    VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        inmate_terminal=visit_site.terminals[1],
        starts_at=chicago(date(2027, 3, 7), 10),  # Sunday, same week
        status=VisitStatus.COMPLETED,
    )
    assert offered(visit_site, visitor).reason == DayReason.WEEKLY_LIMIT
    someone_else = InmateFactory(facility=visit_site.facility, housing_unit=visit_site.unit)
    assert offered(visit_site, visitor, inmate=someone_else).slots


def _grow(site, terminals, visits, blockers):
    """Add terminals, visits over the month and closures/lockdowns to the site."""
    VisitWindow.objects.bulk_create(
        VisitWindow(
            facility=site.facility, kind=kind, weekday=d, start_time=time(8), end_time=time(20)
        )
        for kind in VisitKind.values
        for d in range(7)
    )
    extra = [
        TerminalFactory(facility=site.facility, housing_unit=site.unit) for _ in range(terminals)
    ]
    lobbies = [lobby_terminal(site.facility, name=f"Lobby x{n}") for n in range(terminals)]
    people = [
        InmateFactory(facility=site.facility, housing_unit=site.unit) for _ in range(visits // 10)
    ]
    for n in range(visits):
        day = WEDNESDAY + timedelta(days=n % 28)
        VisitFactory(
            facility=site.facility,
            inmate=people[n % len(people)],
            inmate_terminal=extra[n % len(extra)],
            kind=VisitKind.ONSITE,
            lobby_terminal=lobbies[n % len(lobbies)],
            starts_at=chicago(day, 8) + timedelta(minutes=20 * (n // 28)),
        )
    for n in range(blockers):
        day = WEDNESDAY + timedelta(days=n)
        ClosureFactory(facility=site.facility, starts_at=chicago(day, 8), ends_at=chicago(day, 9))
        LockdownFactory(housing_unit=site.unit, starts_at=chicago(day, 9), ends_at=chicago(day, 10))


@pytest.mark.parametrize(("terminals", "visits", "blockers"), [(1, 10, 1), (12, 300, 10)])
def test_a_month_of_availability_takes_a_fixed_number_of_queries(
    visit_site, visitor, django_assert_num_queries, terminals, visits, blockers
):
    SchedulingConfigFactory(facility=visit_site.facility, weekly_limit=20)
    _grow(visit_site, terminals, visits, blockers)
    # config, windows, terminals, visits, closures, lockdowns
    with django_assert_num_queries(6):
        days = availability_for(
            facility=visit_site.facility,
            inmate=visit_site.inmate,
            visitor=visitor,
            kind=VisitKind.ONSITE,
            duration=40,
            start_date=WEDNESDAY,
            days=31,
            now=NOW,
        )
    assert len(days) == 31
    assert days[0].slots and days[0].slots[0].starts_at >= chicago(WEDNESDAY, 10)


@pytest.mark.parametrize("visits", [2, 60])
def test_the_visit_board_takes_two_queries(visit_site, django_assert_num_queries, visits):
    for n in range(visits):
        VisitFactory(
            facility=visit_site.facility,
            inmate=InmateFactory(facility=visit_site.facility, housing_unit=visit_site.unit),
            inmate_terminal=visit_site.terminals[n % 2],
            starts_at=chicago(WEDNESDAY, 9) + timedelta(minutes=20 * (n // 2)),
        )
    with django_assert_num_queries(2):
        grid = visit_board(facility=visit_site.facility, day=WEDNESDAY, now=chicago(WEDNESDAY, 8))
        names = [v.inmate.full_name for row in grid.rows for c in row.cells for v in c.visits]
    assert [t.name for t in grid.terminals] == ["North 1", "North 2"]
    assert len(names) == visits
    assert grid.rows[0].is_now and len(grid.rows) == 1 + (visits + 1) // 2


def test_the_daily_list_is_by_housing_unit_and_time(visit_site):
    south = HousingUnitFactory(facility=visit_site.facility, name="South")
    south_person = InmateFactory(facility=visit_site.facility, housing_unit=south)
    VisitFactory(
        facility=visit_site.facility,
        inmate=south_person,
        inmate_terminal=TerminalFactory(facility=visit_site.facility, housing_unit=south),
        starts_at=chicago(WEDNESDAY, 9),
    )
    VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        inmate_terminal=visit_site.terminals[0],
        starts_at=chicago(WEDNESDAY, 15),
    )
    VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        inmate_terminal=visit_site.terminals[0],
        starts_at=chicago(WEDNESDAY, 16),
        status=VisitStatus.CANCELLED,
    )
    rows = [
        (v.inmate.housing_unit.name, v.starts_at)
        for v in daily_list(facility=visit_site.facility, day=WEDNESDAY)
    ]
    assert rows == [("North", chicago(WEDNESDAY, 15)), ("South", chicago(WEDNESDAY, 9))]


def test_finding_a_person_by_name_or_id_number_only_among_active_people(visit_site, facility_b):
    facility = visit_site.facility
    InmateFactory(
        facility=facility, first_name="Ana", last_name="Moreno", status=Inmate.Status.RELEASED
    )
    InmateFactory(facility=facility_b, first_name="Ana", last_name="Diaz")
    assert list(inmates_bookable(facility=facility, query="ana  diaz")) == [visit_site.inmate]
    assert list(inmates_bookable(facility=facility, query="tx-1001")) == [visit_site.inmate]
    assert list(inmates_bookable(facility=facility, query="ana")) == [visit_site.inmate]
    assert list(inmates_bookable(facility=facility, query=" ")) == []


def test_upcoming_and_past_visits_of_a_home_user(visit_site, visitor, other_home_user):
    common = {"facility": visit_site.facility, "inmate": visit_site.inmate, "visitor": visitor}
    term = {"inmate_terminal": visit_site.terminals[0]}
    soon = VisitFactory(**common, **term, starts_at=NOW + timedelta(days=2))
    done = VisitFactory(**common, **term, starts_at=NOW - timedelta(days=2))
    cancelled = VisitFactory(
        **common, **term, starts_at=NOW + timedelta(days=3), status=VisitStatus.CANCELLED
    )
    VisitFactory(**common, **term, starts_at=NOW + timedelta(days=4), status=VisitStatus.EXPIRED)
    VisitFactory(
        facility=visit_site.facility,
        visitor=other_home_user,
        inmate_terminal=visit_site.terminals[1],
        starts_at=NOW + timedelta(days=2),
    )
    assert list(visits_upcoming(user=visitor, now=NOW)) == [soon]
    assert list(visits_past(user=visitor, now=NOW)) == [cancelled, done]


def test_staff_see_only_their_facilitys_visits(visit_site, staff_a, staff_b):
    visit = VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        inmate_terminal=visit_site.terminals[0],
    )
    assert list(visits_for_staff(user=staff_a)) == [visit]
    assert list(visits_for_staff(user=staff_b)) == []


def test_terms_to_accept_until_the_current_version_is_accepted(visit_site, visitor):
    today = WEDNESDAY
    assert terms_to_accept(user=visitor, facility=visit_site.facility, today=today) is None
    terms = TermsVersionFactory(facility=visit_site.facility)
    assert terms_to_accept(user=visitor, facility=visit_site.facility, today=today) == terms
    TermsAcceptance.objects.create(user=visitor, terms_version=terms)
    assert terms_to_accept(user=visitor, facility=visit_site.facility, today=today) is None


def test_the_balance_is_the_sum_of_the_ledger(visitor, other_home_user):
    CreditFactory(user=visitor, amount_cents=500)
    CreditFactory(user=visitor, amount_cents=250)
    CreditFactory(user=other_home_user, amount_cents=999)
    assert balance_for(user=visitor) == 750
    lines = statement_lines(user=visitor, groups=statement_groups(user=visitor))
    assert [line.total for line in lines] == [250, 500]
    assert balance_for(user=other_home_user) == 999


def test_a_held_visits_card_is_its_payment_entry(visitor, visit_site):
    CreditFactory(user=visitor, amount_cents=100)
    with time_machine.travel(NOW, tick=False):
        held = services.visit_hold(
            user=visitor,
            facility=visit_site.facility,
            inmate=visit_site.inmate,
            kind=VisitKind.REMOTE,
            duration=20,
            starts_at=chicago(WEDNESDAY, 10),
        )
        visit = services.visit_book(
            user=visitor, visit_id=held.pk, idempotency_key="k", payment="4242424242424242"
        )
    assert visit.card_state == CardState.HELD
    # The money held for the visit is a note with no card on it; the card is the payment's.
    card = card_for_visit(visit=visit)
    assert card.kind == LedgerKind.PAYMENT
    assert card.card_last4 == "4242" and card.provider_token.startswith("tok_sandbox_")


def test_checking_one_start_sees_what_the_whole_day_sees(visit_site, visitor):
    """Booking loads only the visits, closures and lockdowns around the chosen start; for
    every start of a busy day it must reach the same answer as the whole day's data."""
    from scheduling import availability
    from scheduling.selectors import availability_request

    other, third = (
        InmateFactory(facility=visit_site.facility, housing_unit=visit_site.unit) for _ in range(2)
    )
    north_1, north_2 = visit_site.terminals
    # Visits of other lengths ending inside, starting inside and spanning candidate starts.
    VisitFactory(
        facility=visit_site.facility,
        inmate=other,
        inmate_terminal=north_1,
        starts_at=chicago(WEDNESDAY, 9),
        ends_at=chicago(WEDNESDAY, 10),
    )
    VisitFactory(
        facility=visit_site.facility,
        inmate=third,
        inmate_terminal=north_2,
        starts_at=chicago(WEDNESDAY, 9, 40),
        ends_at=chicago(WEDNESDAY, 10, 20),
    )
    VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        inmate_terminal=north_1,
        starts_at=chicago(WEDNESDAY, 13),
        ends_at=chicago(WEDNESDAY, 13, 40),
    )
    ClosureFactory(
        facility=visit_site.facility,
        starts_at=chicago(WEDNESDAY, 15, 10),
        ends_at=chicago(WEDNESDAY, 15, 30),
    )
    LockdownFactory(
        housing_unit=visit_site.unit,
        starts_at=chicago(WEDNESDAY, 18),
        ends_at=chicago(WEDNESDAY, 19),
    )

    def request(**extra):
        return availability_request(
            facility=visit_site.facility,
            inmate=visit_site.inmate,
            visitor=visitor,
            kind=VisitKind.REMOTE,
            duration=40,
            start_date=WEDNESDAY,
            days=1,
            now=NOW,
            **extra,
        )

    whole_day = request()
    starts = [chicago(WEDNESDAY, 9) + timedelta(minutes=20 * n) for n in range(42)]
    answers = {}
    for starts_at in starts:
        narrow = request(only=(starts_at, starts_at + timedelta(minutes=40)))
        answers[starts_at] = availability.slot_at(narrow, starts_at=starts_at)
        assert answers[starts_at] == availability.slot_at(whole_day, starts_at=starts_at)
    # The data does shape the answers: one terminal, none, closed, locked down.
    assert answers[chicago(WEDNESDAY, 9)].inmate_terminals == (north_2.pk,)
    assert answers[chicago(WEDNESDAY, 9, 40)] == DayReason.FULLY_BOOKED
    assert answers[chicago(WEDNESDAY, 13, 20)] == DayReason.FULLY_BOOKED
    assert answers[chicago(WEDNESDAY, 14, 40)] == DayReason.CLOSED
    assert answers[chicago(WEDNESDAY, 17, 40)] == DayReason.LOCKDOWN
    assert answers[chicago(WEDNESDAY, 10, 20)].inmate_terminals == (north_1.pk, north_2.pk)
