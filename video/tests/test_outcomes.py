"""The outcome rules at their boundaries (pure functions: no database)."""

from datetime import UTC, datetime, timedelta

import pytest

from video.models import Outcome
from video.outcomes import Facts, Presence, check_in_open, decide, presence_from_events

START = datetime(2030, 3, 5, 20, 0, tzinfo=UTC)
END = START + timedelta(minutes=20)
OPENED = START - timedelta(minutes=10)


def after(minutes=0, seconds=0):
    return START + timedelta(minutes=minutes, seconds=seconds)


def facts(**kwargs):
    values = {
        "starts_at": START,
        "ends_at": END,
        "room_opened_at": OPENED,
        "checked_in_at": START,
        "presence": [
            Presence("family", OPENED),
            Presence("facility", START),
        ],
    }
    values.update(kwargs)
    return Facts(**values)


def test_nothing_is_decided_while_a_visit_goes_on():
    assert decide(facts(), now=after(5)) is None


def test_both_sides_in_the_room_is_completed_at_the_end():
    assert decide(facts(), now=END) == Outcome.COMPLETED


def test_no_check_in_by_ten_minutes_after_the_start_is_not_produced():
    no_check_in = facts(checked_in_at=None, presence=[Presence("family", OPENED)])
    assert decide(no_check_in, now=after(9, 59)) is None
    assert decide(no_check_in, now=after(10)) == Outcome.NOT_PRODUCED


@pytest.mark.parametrize(
    ("checked_in", "outcome"),
    [(after(9, 59), None), (after(10, 1), Outcome.NOT_PRODUCED)],
)
def test_check_in_at_nine_59_counts_and_at_ten_01_is_too_late(checked_in, outcome):
    assert decide(facts(checked_in_at=checked_in), now=after(10, 2)) == outcome


def test_the_not_produced_rule_is_a_facility_setting():
    no_check_in = facts(checked_in_at=None, presence=[Presence("family", OPENED)])
    assert (
        decide(
            no_check_in,
            now=after(15),
        )
        == Outcome.NOT_PRODUCED
    )
    assert (
        decide(Facts(**{**no_check_in.__dict__, "not_produced_rule": False}), now=after(15)) is None
    )


def test_check_in_is_open_from_the_room_opening_to_ten_minutes_after_the_start():
    window = {"starts_at": START, "ends_at": END, "opens_before": timedelta(minutes=10)}
    assert not check_in_open(**window, now=after(-10, -1))
    assert check_in_open(**window, now=after(-10))
    assert check_in_open(**window, now=after(9, 59))
    assert not check_in_open(**window, now=after(10, 1))
    assert check_in_open(**window, now=after(10, 1), rule=False)


@pytest.mark.parametrize(
    ("lost_for", "outcome"),
    [
        (timedelta(minutes=4, seconds=59), None),
        (timedelta(minutes=5, seconds=1), Outcome.TERMINAL_INOPERABLE),
    ],
)
def test_facility_side_lost_for_more_than_five_minutes_is_terminal_inoperable(lost_for, outcome):
    lost_at = after(2)
    presence = [Presence("family", OPENED), Presence("facility", START, lost_at)]
    assert decide(facts(presence=presence), now=lost_at + lost_for) == outcome


def test_facility_side_back_in_time_is_not_lost():
    presence = [
        Presence("family", OPENED),
        Presence("facility", START, after(2)),
        Presence("facility", after(6)),
    ]
    assert decide(facts(presence=presence), now=after(12)) is None


def test_the_room_not_open_five_minutes_after_the_start_is_terminal_inoperable():
    never = facts(room_opened_at=None, checked_in_at=None, presence=[])
    assert decide(never, now=after(4, 59)) is None
    assert decide(never, now=after(5)) == Outcome.TERMINAL_INOPERABLE


def test_a_visitor_who_never_joined_did_not_join():
    presence = [Presence("facility", START)]
    assert decide(facts(presence=presence), now=END) == Outcome.VISITOR_DID_NOT_JOIN


def test_only_the_visitor_in_the_room_after_check_in_is_terminal_inoperable():
    presence = [Presence("family", OPENED)]
    assert decide(facts(presence=presence), now=END) == Outcome.TERMINAL_INOPERABLE


def test_presence_from_joined_and_left_events():
    events = [
        ("joined", "family", after(-5)),
        ("joined", "facility", after(0)),
        ("left", "facility", after(3)),
        ("joined", "facility", after(4)),
    ]
    assert presence_from_events(events) == [
        Presence("family", after(-5)),
        Presence("facility", after(0), after(3)),
        Presence("facility", after(4)),
    ]
