"""A day in the console's address (?day= on the visit board, the daily list, its CSV and
the move page; ?until= on a terminal's page) that no facility can have is a bad value like
any other: the page for today (or the visit's day) with a message saying so, never a
server error.

The clock is Tuesday 10 March 2026, 10:00 CDT; facility A is in Chicago.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.tests.factories import UserFactory, otp_login
from accounts.tests.pages import text_of
from facilities.tests.factories import HousingUnitFactory, InmateFactory, TerminalFactory
from scheduling.models import CardState, Closure, Lockdown, Visit, VisitKind, VisitStatus

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
THURSDAY_AT_TWO = datetime(2026, 3, 12, 19, 0, tzinfo=UTC)  # 14:00 CDT
BAD_DAY = "That date cannot be shown. The page shows %s instead."


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def visit(facility_a):
    unit = HousingUnitFactory(facility=facility_a, name="North", code="N")
    terminal = TerminalFactory(facility=facility_a, housing_unit=unit, name="N-1")
    return Visit.objects.create(
        facility=facility_a,
        inmate=InmateFactory(facility=facility_a, housing_unit=unit),
        visitor=UserFactory(),
        kind=VisitKind.REMOTE,
        inmate_terminal=terminal,
        starts_at=THURSDAY_AT_TWO,
        ends_at=THURSDAY_AT_TWO + timedelta(minutes=20),
        status=VisitStatus.BOOKED,
        booked_at=NOW - timedelta(days=1),
        price_cents=0,
        card_state=CardState.NONE,
    )


@pytest.fixture
def administrator(client, admin_a):
    otp_login(client, admin_a)
    return admin_a


HOSTILE = [
    "9999-12-31",
    "0001-01-01",
    "1999-12-31",  # before any facility used this site
    "2028-03-11",  # more than two years ahead
    "2026-02-30",
    "yesterday",
]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("page", ["board", "daily_list"])
def test_a_day_no_facility_can_have_shows_today_with_a_message(
    client, administrator, facility_a, page, value
):
    url = reverse(f"console_visits:{page}", args=[facility_a.pk])

    response = client.get(url, {"day": value})

    assert response.status_code == 200
    text = text_of(response)
    assert BAD_DAY % "Tuesday, March 10, 2026" in text
    assert "?day=2026-03-11" in response.content.decode()


@pytest.mark.parametrize("value", HOSTILE)
def test_the_daily_csv_of_a_bad_day_is_not_found(client, administrator, facility_a, visit, value):
    url = reverse("console_visits:daily_list_csv", args=[facility_a.pk])

    response = client.get(url, {"day": value})

    assert response.status_code == 404
    # A file has no page for a message, and the next page does not inherit one.
    board = client.get(reverse("console_visits:board", args=[facility_a.pk]))
    assert "That date cannot be shown" not in text_of(board)


def test_the_daily_csv_without_a_day_is_today_s(client, administrator, facility_a, visit):
    url = reverse("console_visits:daily_list_csv", args=[facility_a.pk])

    response = client.get(url)

    assert response.status_code == 200
    assert (
        'filename="visits-travis-county-jail-2026-03-10.csv"' in (response["Content-Disposition"])
    )


@pytest.mark.parametrize("value", HOSTILE)
def test_moving_a_visit_to_a_bad_day_shows_the_visit_s_day(client, administrator, visit, value):
    url = reverse("console_visits:visit_move", args=[visit.pk])

    response = client.get(url, {"day": value})

    assert response.status_code == 200
    assert BAD_DAY % "Thursday, March 12, 2026" in text_of(response)
    assert "?day=2026-03-13" in response.content.decode()


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:00:00+00:00",
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:00:00+00:00",
        "0001-01-01T00:00:00+05:00",
        "2030-03-12T14:00:00-05:00",
    ],
)
def test_moving_a_visit_to_a_time_no_facility_can_have_is_refused(
    client, administrator, visit, value
):
    url = reverse("console_visits:visit_move", args=[visit.pk])

    response = client.post(url, {"starts_at": value})

    assert response.status_code == 200
    assert "Please choose one of the free times listed." in text_of(response)
    visit.refresh_from_db()
    assert visit.starts_at == THURSDAY_AT_TWO


@pytest.mark.parametrize("value", HOSTILE)
def test_a_terminal_s_visits_until_a_bad_day_are_those_of_the_next_week(
    client, administrator, visit, value
):
    url = reverse("console_visits:terminal", args=[visit.inmate_terminal.pk])

    response = client.get(url, {"until": value})

    assert response.status_code == 200
    assert BAD_DAY % "Tuesday, March 17, 2026" in text_of(response)


def test_a_day_within_range_is_shown_without_a_message(client, administrator, facility_a):
    url = reverse("console_visits:board", args=[facility_a.pk])

    response = client.get(url, {"day": "2028-03-10"})

    assert response.status_code == 200
    assert "That date cannot be shown" not in text_of(response)
    assert "?day=2028-03-11" in response.content.decode()


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2028-03-11"])
@pytest.mark.parametrize("page", ["closures", "lockdowns"])
def test_a_closure_or_lockdown_on_a_day_no_facility_can_have_is_refused(
    client, administrator, facility_a, visit, page, value
):
    url = reverse(f"console_visits:{page}", args=[facility_a.pk])
    period = {"starts_on": value, "starts_time": "23:30", "ends_on": value, "ends_time": "23:45"}

    response = client.post(
        url, {**period, "reason": "Storm", "housing_unit": visit.inmate.housing_unit_id}
    )

    assert response.status_code == 200
    assert "Choose a date from Jan. 1, 2000 to two years from today." in text_of(response)
    assert not Closure.objects.exists()
    assert not Lockdown.objects.exists()
