"""The visit state rules (scheduling/rules.py), tested without a database."""

from datetime import UTC, datetime, timedelta

import pytest

from scheduling import rules
from scheduling.models import Visit, VisitStatus
from scheduling.reasons import CancelFamily, CancelReason

START = datetime(2027, 3, 2, 15, 0, tzinfo=UTC)


def visit(status, *, hold_expires_at=None, **fields):
    return Visit(
        status=status,
        starts_at=START,
        ends_at=START + timedelta(minutes=20),
        hold_expires_at=hold_expires_at,
        **fields,
    )


@pytest.mark.parametrize(
    ("status", "minutes_before_start", "expected"),
    [
        (VisitStatus.BOOKED, 60, {"move", "cancel"}),
        (VisitStatus.BOOKED, 30, {"check_in", "move", "cancel"}),
        (VisitStatus.BOOKED, 0, {"check_in", "no_show", "cancel"}),
        (VisitStatus.BOOKED, -20, {"no_show", "cancel"}),
        (VisitStatus.CHECKED_IN, 10, {"cancel"}),
        (VisitStatus.CHECKED_IN, -5, {"complete", "cancel"}),
        (VisitStatus.HELD, 60, set()),
        (VisitStatus.COMPLETED, -30, set()),
        (VisitStatus.CANCELLED, 60, set()),
        (VisitStatus.NO_SHOW, -30, set()),
        (VisitStatus.EXPIRED, 60, set()),
    ],
)
def test_staff_actions_follow_the_status_and_the_clock(status, minutes_before_start, expected):
    now = START - timedelta(minutes=minutes_before_start)
    assert rules.staff_actions(visit(status), now) == frozenset(expected)


def test_check_in_opens_at_the_constant_before_the_start():
    booked = visit(VisitStatus.BOOKED)
    opens = START - rules.CHECK_IN_FROM
    assert not rules.check_in_is_open(booked, opens - timedelta(seconds=1))
    assert rules.check_in_is_open(booked, opens)
    assert not rules.check_in_is_open(booked, booked.ends_at)


@pytest.mark.parametrize("status", VisitStatus.values)
def test_only_a_booked_visit_not_started_may_be_changed_by_its_visitor(status):
    before = START - timedelta(seconds=1)
    assert rules.visitor_may_change(visit(status), before) == (status == VisitStatus.BOOKED)
    assert not rules.visitor_may_change(visit(status), START)


def test_a_hold_is_live_until_it_runs_out():
    held = visit(VisitStatus.HELD, hold_expires_at=START)
    assert rules.hold_is_live(held, START - timedelta(seconds=1))
    assert not rules.hold_is_live(held, START)
    booked = visit(VisitStatus.BOOKED, hold_expires_at=START)
    assert not rules.hold_is_live(booked, START - timedelta(hours=1))


@pytest.mark.parametrize(
    ("status", "hold_offset", "expected"),
    [
        (VisitStatus.HELD, 1, True),
        (VisitStatus.HELD, 0, False),
        (VisitStatus.BOOKED, None, True),
        (VisitStatus.CHECKED_IN, None, True),
        (VisitStatus.COMPLETED, None, False),
        (VisitStatus.EXPIRED, 1, False),
    ],
)
def test_a_visit_is_live_while_it_occupies_its_places(status, hold_offset, expected):
    hold = None if hold_offset is None else START + timedelta(seconds=hold_offset)
    assert rules.status_is_live(status=status, hold_expires_at=hold, now=START) is expected


@pytest.mark.parametrize(
    ("family", "reason", "label", "by_facility"),
    [
        (CancelFamily.VISITOR, CancelReason.VISITOR_CANCELLED, "Cancelled by you", False),
        (CancelFamily.VISITOR, CancelReason.RESCHEDULED, "Moved to another time", False),
        (
            CancelFamily.NON_BEHAVIOURAL,
            CancelReason.TERMINAL_INOPERABLE,
            "Cancelled by the facility",
            True,
        ),
    ],
)
def test_the_visitor_sees_who_cancelled(family, reason, label, by_facility):
    shown = rules.visit_display(
        visit(VisitStatus.CANCELLED, cancel_family=family, cancel_reason=reason), START
    )
    assert (shown.label, shown.cancelled, shown.cancelled_by_facility) == (label, True, by_facility)
    assert not shown.scheduled


def test_the_visitor_sees_a_booked_visit_whose_time_passed():
    booked = visit(VisitStatus.BOOKED)
    assert rules.visit_display(booked, START).label == "Booked"
    assert rules.visit_display(booked, booked.ends_at).label == "Time has passed"
    assert rules.visit_display(booked, booked.ends_at).scheduled


def test_staff_see_a_hold_as_being_booked_and_other_statuses_as_they_are():
    assert rules.visit_display(visit(VisitStatus.HELD), staff=True).label == "Being booked"
    shown = rules.visit_display(visit(VisitStatus.NO_SHOW), staff=True)
    assert (shown.label, shown.tag) == ("No-show", "no_show")
