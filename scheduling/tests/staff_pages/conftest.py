"""Fixtures of the staff console's page tests: facility A in Chicago with its units,
terminals and people, Thursday's visits, and an officer or an administrator signed in with
the second factor. The clock is Tuesday 10 March 2026, 10:00 CDT (15:00 UTC)."""

import pytest
import time_machine

from accounts.tests.factories import otp_login
from facilities.tests.factories import (
    HousingUnitFactory,
    InmateFactory,
    LobbyTerminalFactory,
    TerminalFactory,
)

from .helpers import NOW, at, make_visit


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def place(facility_a, facility_b):
    """Facility A: two terminals in unit North, one in unit South, a lobby terminal and
    three people. Facility B: a unit, a terminal and a person."""
    north = HousingUnitFactory(facility=facility_a, name="North", code="N")
    south = HousingUnitFactory(facility=facility_a, name="South", code="S")
    b_unit = HousingUnitFactory(facility=facility_b, name="East", code="E")
    return {
        "north": north,
        "south": south,
        "t1": TerminalFactory(facility=facility_a, housing_unit=north, name="N-1"),
        "t2": TerminalFactory(facility=facility_a, housing_unit=north, name="N-2"),
        "s1": TerminalFactory(facility=facility_a, housing_unit=south, name="S-1"),
        "lobby": LobbyTerminalFactory(facility=facility_a, name="Lobby-1"),
        "ana": InmateFactory(
            facility=facility_a, housing_unit=north, first_name="Ana", last_name="Diaz"
        ),
        "ben": InmateFactory(
            facility=facility_a, housing_unit=north, first_name="Ben", last_name="Okafor"
        ),
        "cal": InmateFactory(
            facility=facility_a, housing_unit=south, first_name="Cal", last_name="Moreno"
        ),
        "b_terminal": TerminalFactory(facility=facility_b, housing_unit=b_unit, name="E-1"),
        "b_person": InmateFactory(
            facility=facility_b, housing_unit=b_unit, first_name="Bo", last_name="Becker"
        ),
    }


@pytest.fixture
def visits(place, home_user):
    """Thursday at facility A: Ana 14:00 on N-1 (visitor: the home user), Ben 15:00 on N-1,
    Cal 14:00 on S-1 on-site; at facility B: Bo 14:00 Eastern."""
    return {
        "ana": make_visit(
            inmate=place["ana"], terminal=place["t1"], starts_at=at(14), visitor=home_user
        ),
        "ben": make_visit(inmate=place["ben"], terminal=place["t1"], starts_at=at(15)),
        "cal": make_visit(
            inmate=place["cal"], terminal=place["s1"], starts_at=at(14), lobby=place["lobby"]
        ),
        "b": make_visit(inmate=place["b_person"], terminal=place["b_terminal"], starts_at=at(13)),
    }


@pytest.fixture
def officer(client, staff_a):
    otp_login(client, staff_a)
    return staff_a


@pytest.fixture
def administrator(client, admin_a):
    otp_login(client, admin_a)
    return admin_a
