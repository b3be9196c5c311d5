"""Shared test fixtures (loaded by the root conftest): a facility ready for visits (facility
A on Chicago time, a housing unit with two terminals, a lobby terminal, an incarcerated
person) and a home user with approved access to it."""

from types import SimpleNamespace

import pytest


@pytest.fixture
def visit_site(facility_a):
    from facilities.tests.factories import HousingUnitFactory, InmateFactory, TerminalFactory
    from scheduling.tests.factories import lobby_terminal

    unit = HousingUnitFactory(facility=facility_a, name="North", code="N")
    return SimpleNamespace(
        facility=facility_a,
        unit=unit,
        terminals=[
            TerminalFactory(facility=facility_a, housing_unit=unit, name="North 1"),
            TerminalFactory(facility=facility_a, housing_unit=unit, name="North 2"),
        ],
        lobby=lobby_terminal(facility_a),
        inmate=InmateFactory(
            facility=facility_a,
            housing_unit=unit,
            first_name="Ana",
            last_name="Diaz",
            id_number="TX-1001",
        ),
    )


@pytest.fixture
def visitor(home_user, visit_site):
    """The home user, with an approved identity and approved access to facility A."""
    from scheduling.tests.factories import grant_access

    home_user.time_zone = "America/New_York"
    home_user.save(update_fields=["time_zone"])
    return grant_access(home_user, visit_site.facility)
