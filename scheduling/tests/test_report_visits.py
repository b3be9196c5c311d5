import csv
from datetime import UTC, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from accounts.tests.factories import UserFactory
from facilities.models import AccessDecision, AccessRequest, AccessStatus
from facilities.tests.factories import AccessRequestFactory, HousingUnitFactory, TerminalFactory
from scheduling.models import LedgerEntry, LedgerKind, VisitKind, VisitStatus, VisitWindow
from scheduling.reasons import CancelFamily, CancelReason
from scheduling.tests.factories import ClosureFactory, LockdownFactory, VisitFactory

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
# Default windows, both kinds: 140 + 240 + 325 minutes a day, 7 days.
WEEK_OF_WINDOWS = 7 * 705


def chicago(day, hour, minute=0):
    return datetime(2027, 3, day, hour, minute, tzinfo=CHICAGO)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def visit(site, day, hour, minutes=20, terminal=0, **fields):
    return VisitFactory(
        facility=site.facility,
        inmate=site.inmate,
        visitor=fields.pop("visitor", None) or UserFactory(),
        inmate_terminal=site.terminals[terminal],
        starts_at=chicago(day, hour),
        ends_at=chicago(day, hour) + timedelta(minutes=minutes),
        **fields,
    )


def cancelled(site, day, family, reason):
    return visit(
        site,
        day,
        9,
        status=VisitStatus.CANCELLED,
        cancel_family=family,
        cancel_reason=reason,
        cancelled_at=NOW,
    )


def entry(a_visit, kind, key, *, credit=0, card=0, at):
    made = LedgerEntry.objects.create(
        user=a_visit.visitor,
        visit=a_visit,
        kind=kind,
        amount_cents=credit,
        card_amount_cents=card,
        description="test",
        key=key,
    )
    LedgerEntry.objects.filter(pk=made.pk).update(created_at=at)


def access_request(site, asked, decided_after=None, outcome=AccessStatus.APPROVED, actor=None):
    request = AccessRequestFactory(facility=site.facility, due_at=asked + timedelta(hours=24))
    AccessRequest.objects.filter(pk=request.pk).update(created_at=asked)
    if decided_after is not None:
        decision = AccessDecision.objects.create(request=request, actor=actor, outcome=outcome)
        AccessDecision.objects.filter(pk=decision.pk).update(created_at=asked + decided_after)
        AccessRequest.objects.filter(pk=request.pk).update(status=outcome)
    return request


@pytest.fixture
def week(visit_site, staff_a):
    """Visits, money and access requests at facility A in the week of 1 to 7 March 2027."""
    site = visit_site
    booked = visit(site, 1, 9, 20, price_cents=400)
    visit(site, 2, 10, 40, status=VisitStatus.COMPLETED)
    visit(site, 3, 12, 20, terminal=1, status=VisitStatus.NO_SHOW)
    visit(site, 4, 13, 60, terminal=1, kind=VisitKind.ONSITE, lobby_terminal=site.lobby)
    visit(site, 5, 14, 20, status=VisitStatus.EXPIRED, hold_expires_at=NOW)
    cancelled(site, 5, CancelFamily.VISITOR, CancelReason.VISITOR_CANCELLED)
    cancelled(site, 6, CancelFamily.VISITOR, CancelReason.RESCHEDULED)
    cancelled(site, 6, CancelFamily.BEHAVIOURAL, CancelReason.LOCKDOWN)
    credited = cancelled(site, 7, CancelFamily.NON_BEHAVIOURAL, CancelReason.TERMINAL_INOPERABLE)
    visit(site, 8, 9, 20)  # 8 March: after the period
    visit(site, 7, 23, 40)  # 11 pm on 7 March in Chicago: 8 March in UTC, inside the period

    entry(booked, LedgerKind.PAYMENT, "payment", card=400, at=chicago(1, 8))
    entry(booked, LedgerKind.FUNDS_HOLD, "hold", card=400, at=chicago(1, 8))
    entry(booked, LedgerKind.CHARGE, "charge", card=400, at=chicago(3, 8))
    entry(credited, LedgerKind.CREDIT, "credit", credit=250, at=chicago(6, 8))
    entry(credited, LedgerKind.CREDIT_USE, "use", credit=-100, at=chicago(7, 8))
    entry(credited, LedgerKind.CREDIT, "later", credit=999, at=chicago(8, 8))

    for day, hours in ((1, 2), (2, 30), (3, 5), (4, 10)):
        access_request(site, chicago(day, 10), timedelta(hours=hours), actor=staff_a)
    access_request(site, chicago(5, 10))  # still pending, past its 24 hours
    access_request(site, chicago(9, 10), timedelta(hours=1), actor=staff_a)  # after the period
    return site


def report(*args, slug="travis-county-jail", start="2027-03-01", end="2027-03-07"):
    out = StringIO()
    call_command("report_visits", slug, "--from", start, "--to", end, *args, stdout=out)
    return out.getvalue()


def test_the_report_counts_visits_use_cancellations_money_and_reviews(week):
    output = report()

    assert output.startswith(
        "Visits at Travis County Jail (travis-county-jail), 2027-03-01 to 2027-03-07, "
        "dates on the facility's clock (America/Chicago)."
    )
    lines = [line.rstrip() for line in output.splitlines()]
    assert "  Booked                             3" in lines
    assert "  Completed                          1" in lines
    assert "  No-show                            1" in lines
    assert "  Hold ran out                       1" in lines
    assert "  Cancelled                          4" in lines
    assert "  Total                             10" in lines
    # North 1: 20 + 40 + 40 booked or completed; North 2: 20 no-show + 60 on-site.
    assert f"  North 1       100 /{WEEK_OF_WINDOWS:>8,}    2.0%" in lines
    assert f"  North 2        80 /{WEEK_OF_WINDOWS:>8,}    1.6%" in lines
    assert f"  Lobby 1        60 /{WEEK_OF_WINDOWS:>8,}    1.2%" in lines
    assert "  Window minutes not counted: facility closed 0; housing unit locked down none" in lines
    assert "  Cancelled by the visitor                                     2" in lines
    assert "    Cancelled by the visitor                                   1" in lines
    assert "    Moved to another time by the visitor                       1" in lines
    assert "  Behavioural (the visitor is charged)                         1" in lines
    assert "    Lockdown                                                   1" in lines
    assert "  Non-behavioural (the visitor gets a credit)                  1" in lines
    assert "    Terminal inoperable                                        1" in lines
    assert "  card payments              1 entries         $4.00" in lines
    assert "  paid, held for visits      1 entries         $4.00" in lines
    assert "  held, made final           1 entries         $4.00" in lines
    assert "  credits given              1 entries         $2.50" in lines
    assert "  credits used               1 entries         $1.00" in lines
    assert "  decided: 4, median time to decide: 7.5 hours" in lines
    assert "  decided within 24 hours: 3 (75.0%)" in lines
    assert "  still pending: 1, of which past 24 hours: 1" in lines


def test_csv_has_one_row_per_figure(week):
    rows = list(csv.DictReader(StringIO(report("--csv"))))

    values = {(row["section"], row["item"], row["unit"]): row["value"] for row in rows}
    assert values[("visits_by_status", "booked", "visits")] == "3"
    assert values[("visits_by_status", "total", "visits")] == "10"
    assert values[("terminal_use", "North 1", "booked_minutes")] == "100"
    assert values[("terminal_use", "North 1", "window_minutes")] == str(WEEK_OF_WINDOWS)
    assert values[("terminal_use", "North 1", "share")] == "0.0203"
    assert values[("cancellations", "visitor", "visits")] == "2"
    assert values[("cancellations", "behavioural/lockdown", "visits")] == "1"
    assert values[("money", "credit", "cents")] == "250"
    assert values[("money", "charge", "cents")] == "400"
    assert values[("access_reviews", "median_decision_time", "hours")] == "7.50"
    assert values[("access_reviews", "within_24h_share", "share")] == "0.7500"


def test_a_remote_only_facility_has_no_lobby_window_minutes(visit_site):
    visit_site.facility.visit_kinds = "remote"
    visit_site.facility.save()

    lines = report().splitlines()

    assert f"  North 1         0 /{WEEK_OF_WINDOWS:>8,}    0.0%" in lines
    assert "  Lobby 1         0 /       0     n/a" in lines
    assert "  decided: 0, median time to decide: none" in lines
    assert "  none" in lines


def test_the_number_of_queries_does_not_grow_with_the_data(
    visit_site, staff_a, django_assert_num_queries
):
    with django_assert_num_queries(12):  # closures and lockdowns: one query for both
        report()
    for day in range(1, 8):
        for hour in (9, 10, 13, 14, 18, 19):
            visit(visit_site, day, hour, terminal=hour % 2)
        cancelled(visit_site, day, CancelFamily.VISITOR, CancelReason.VISITOR_CANCELLED)
        access_request(visit_site, chicago(day, 10), timedelta(hours=day), actor=staff_a)

    for day in range(1, 8):
        ClosureFactory(
            facility=visit_site.facility, starts_at=chicago(day, 9), ends_at=chicago(day, 10)
        )
        LockdownFactory(
            housing_unit=visit_site.unit, starts_at=chicago(day, 13), ends_at=chicago(day, 14)
        )

    with django_assert_num_queries(13):  # with decisions, one more: the median
        report("--csv")


@pytest.mark.parametrize(
    "args, message",
    [
        (["nowhere", "--from", "2027-03-01", "--to", "2027-03-07"], 'No facility "nowhere".'),
        (
            ["travis-county-jail", "--from", "2027-03-01", "--to", "7 March"],
            '"7 March" is not a date: write it as YYYY-MM-DD.',
        ),
        (
            ["travis-county-jail", "--from", "2027-03-07", "--to", "2027-03-01"],
            "--to 2027-03-01 is before --from 2027-03-07.",
        ),
        (
            ["travis-county-jail", "--to", "2027-03-01"],
            "the following arguments are required: --from",
        ),
    ],
)
def test_bad_input_is_refused(facility_a, args, message):
    with pytest.raises(CommandError) as error:
        call_command("report_visits", *args, stdout=StringIO())

    assert message in str(error.value)


def test_help_explains_each_figure(capsys):
    with pytest.raises(SystemExit):
        call_command("report_visits", "--help")

    help_text = " ".join(capsys.readouterr().out.split())
    assert "less the minutes the facility was closed" in help_text
    assert "the minutes its unit was locked down" in help_text
    assert "against the 24-hour rule" in help_text


def test_a_closed_day_is_not_counted_as_window_minutes(week):
    ClosureFactory(facility=week.facility, starts_at=chicago(3, 0), ends_at=chicago(4, 0))

    lines = report().splitlines()

    six_days = WEEK_OF_WINDOWS - 705
    assert f"  North 1       100 /{six_days:>8,}    2.4%" in lines
    assert f"  North 2        80 /{six_days:>8,}    1.9%" in lines
    assert f"  Lobby 1        60 /{six_days:>8,}    1.4%" in lines
    assert (
        "  Window minutes not counted: facility closed 705; housing unit locked down none" in lines
    )


def test_a_lockdown_takes_only_its_units_terminals(week):
    south = HousingUnitFactory(facility=week.facility, name="South", code="S")
    TerminalFactory(facility=week.facility, housing_unit=south, name="South 1")
    LockdownFactory(housing_unit=week.unit, starts_at=chicago(2, 0), ends_at=chicago(3, 0))

    output = report()

    lines = output.splitlines()
    six_days = WEEK_OF_WINDOWS - 705
    assert f"  North 1       100 /{six_days:>8,}    2.4%" in lines
    assert f"  North 2        80 /{six_days:>8,}    1.9%" in lines
    assert f"  South 1         0 /{WEEK_OF_WINDOWS:>8,}    0.0%" in lines
    assert f"  Lobby 1        60 /{WEEK_OF_WINDOWS:>8,}    1.2%" in lines
    assert (
        "  Window minutes not counted: facility closed 0; housing unit locked down North 705"
        in lines
    )
    rows = list(csv.DictReader(StringIO(report("--csv"))))
    values = {(row["section"], row["item"]): row["value"] for row in rows}
    assert values[("window_minutes_not_counted", "closed")] == "0"
    assert values[("window_minutes_not_counted", "locked_down/North")] == "705"
    assert values[("terminal_use", "South 1")] == "0.0000"


def test_a_closure_counts_only_the_part_inside_the_windows(visit_site):
    # 10:00 to 13:00: 10:00-11:20 of the morning window, 12:20-13:00 of the afternoon one.
    ClosureFactory(facility=visit_site.facility, starts_at=chicago(4, 10), ends_at=chicago(4, 13))

    lines = report().splitlines()

    assert f"  North 1         0 /{WEEK_OF_WINDOWS - 120:>8,}    0.0%" in lines
    assert f"  Lobby 1         0 /{WEEK_OF_WINDOWS - 120:>8,}    0.0%" in lines
    assert (
        "  Window minutes not counted: facility closed 120; housing unit locked down none" in lines
    )


def test_time_both_closed_and_locked_down_is_taken_once(visit_site):
    # Closed 9:00-12:00 (140 window minutes); locked down 10:00-14:00, of which 12:20-14:00
    # (100 window minutes) while the facility was open.
    ClosureFactory(facility=visit_site.facility, starts_at=chicago(5, 9), ends_at=chicago(5, 12))
    LockdownFactory(housing_unit=visit_site.unit, starts_at=chicago(5, 10), ends_at=chicago(5, 14))

    lines = report().splitlines()

    assert f"  North 1         0 /{WEEK_OF_WINDOWS - 240:>8,}    0.0%" in lines
    assert f"  Lobby 1         0 /{WEEK_OF_WINDOWS - 140:>8,}    0.0%" in lines
    assert (
        "  Window minutes not counted: facility closed 140; housing unit locked down North 100"
        in lines
    )


def test_a_window_across_the_spring_forward_hour_counts_its_real_length(visit_site):
    visit_site.facility.visit_kinds = "remote"
    visit_site.facility.save()
    # Sunday 14 March 2027: clocks go from 02:00 to 03:00 in Chicago.
    VisitWindow.objects.create(
        facility=visit_site.facility,
        kind=VisitKind.REMOTE,
        weekday=6,
        start_time=time(0),
        end_time=time(4),
    )

    lines = report(start="2027-03-08", end="2027-03-14").splitlines()

    assert "  North 1         0 /     180    0.0%" in lines
