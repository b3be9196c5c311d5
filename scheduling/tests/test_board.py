"""The visit board as a time-by-terminal grid: the grid itself (a pure function), the page
at a real day's size (the busy demo facility: 30 terminals, 200 visits), its filters, the
"now" row and the actions in each cell.

The clock is Thursday 12 March 2026, 14:10 CDT (19:10 UTC) unless a test says otherwise.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from facilities.models import StaffMembership
from facilities.tests.factories import StaffMembershipFactory
from review.tests.factories import otp_login
from scheduling.board import board_grid
from scheduling.busy_day import busy_day_seed
from scheduling.models import Visit, VisitStatus

DAY = date(2026, 3, 12)
NOW = datetime(2026, 3, 12, 19, 10, tzinfo=UTC)  # 14:10 CDT


def cdt(hour, minute=0):
    return datetime(2026, 3, 12, hour, minute, tzinfo=UTC) + timedelta(hours=5)


# The grid, without a database ----------------------------------------------------------


@dataclass
class T:
    pk: int


@dataclass
class V:
    pk: int
    inmate_terminal_id: int
    starts_at: datetime
    ends_at: datetime
    is_live: bool = True


def test_rows_are_start_times_and_columns_terminals_with_longer_visits_shown_as_continuing():
    terminals = [T(1), T(2)]
    long = V(1, 1, cdt(9), cdt(10))
    short = V(2, 2, cdt(9, 20), cdt(9, 40))
    later = V(3, 2, cdt(10), cdt(10, 20))
    grid = board_grid(terminals=terminals, visits=[later, short, long], now=cdt(8), show_now=False)

    assert [row.at for row in grid.rows] == [cdt(9), cdt(9, 20), cdt(10)]
    assert grid.rows[0].cells[0].visits == [long] and grid.rows[0].cells[1].visits == []
    assert grid.rows[1].cells[0].continues is long  # 9:20: terminal 1 is still in use
    assert grid.rows[1].cells[1].visits == [short]
    assert grid.rows[2].cells[0].continues is None  # the long visit ends at 10:00
    assert grid.count == 3


def test_a_cancelled_visit_does_not_hold_its_terminal_and_other_terminals_are_left_out():
    cancelled = V(1, 1, cdt(9), cdt(10), is_live=False)
    rebooked = V(2, 1, cdt(9, 20), cdt(9, 40))
    elsewhere = V(3, 99, cdt(9), cdt(9, 20))
    grid = board_grid(
        terminals=[T(1)], visits=[cancelled, rebooked, elsewhere], now=cdt(8), show_now=False
    )

    assert grid.rows[1].cells[0].visits == [rebooked]
    assert grid.rows[1].cells[0].continues is None
    assert grid.count == 2


def test_today_a_now_row_sits_between_past_and_future_or_marks_the_row_at_that_minute():
    visits = [V(1, 1, cdt(9), cdt(9, 20)), V(2, 1, cdt(15), cdt(15, 20))]
    grid = board_grid(
        terminals=[T(1)],
        visits=visits,
        now=cdt(
            14,
            10,
        ),
        show_now=True,
    )

    assert [(row.at, row.is_now, row.is_past) for row in grid.rows] == [
        (cdt(9), False, True),
        (cdt(14, 10), True, False),
        (cdt(15), False, False),
    ]
    at_start = board_grid(
        terminals=[T(1)], visits=visits, now=cdt(15) + timedelta(seconds=30), show_now=True
    )
    assert [row.is_now for row in at_start.rows] == [False, True]


# The page ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def busy(db):
    return busy_day_seed(day=DAY, now=NOW)


@pytest.fixture
def officer(client, busy):
    from accounts.tests.factories import UserFactory

    user = UserFactory(email="officer@busy.example.com")
    StaffMembershipFactory(user=user, facility=busy, role=StaffMembership.Role.OFFICER)
    otp_login(client, user)
    return user


def board_url(facility):
    return reverse("console_visits:board", args=[facility.pk])


def queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url, params or {})
    assert page.status_code == 200
    return len(captured), page


def test_the_busy_day_has_200_visits_on_30_terminals_without_overlaps(busy):
    visits = Visit.objects.filter(facility=busy)
    assert visits.count() == 200
    assert busy.terminals.filter(side="inmate").count() == 30
    live = [v for v in visits if v.is_live]
    for visit in live:
        assert not any(
            other.pk != visit.pk
            and other.inmate_terminal_id == visit.inmate_terminal_id
            and other.starts_at < visit.ends_at
            and visit.starts_at < other.ends_at
            for other in live
        )
    assert busy_day_seed(day=DAY, now=NOW) == busy  # again: nothing added
    assert Visit.objects.filter(facility=busy).count() == 200


def test_the_board_makes_as_many_queries_for_200_visits_as_for_10(client, db):
    small = busy_day_seed(day=DAY, now=NOW, visits=10, slug="small", email_domain="small.test")
    big = busy_day_seed(day=DAY, now=NOW)
    from accounts.tests.factories import UserFactory

    user = UserFactory()
    for facility in (small, big):
        StaffMembershipFactory(user=user, facility=facility)
    otp_login(client, user)

    few, few_page = queries(client, board_url(small))
    many, many_page = queries(client, board_url(big))

    assert "10 visits shown." in few_page.text
    assert "200 visits shown." in many_page.text
    assert few == many


def test_the_board_today_marks_now_and_links_to_it(client, officer, busy):
    page = client.get(board_url(busy))

    text = page.text
    assert '<a class="site-noprint" href="#now">Jump to now</a>' in text
    now_row = text[text.index('id="now"') : text.index("</tr>", text.index('id="now"'))]
    assert "Now</span> 2:10 p.m. CDT" in now_row
    assert "In use until" in now_row  # visits under way at 14:10
    # The header row is one row of the 30 terminals, grouped by unit.
    head = text[text.index("<thead>") : text.index("</thead>")]
    assert head.count('<th scope="col">') == 30
    assert head.index("A-1") < head.index("A-5") < head.index("B-1") < head.index("MED-5")


def test_the_board_filters_by_housing_unit_and_status(client, officer, busy):
    unit = busy.housing_units.get(code="B")
    in_unit = Visit.objects.filter(facility=busy, inmate_terminal__housing_unit=unit)
    cancelled = Visit.objects.filter(facility=busy, status=VisitStatus.CANCELLED)

    by_unit = client.get(board_url(busy), {"day": DAY.isoformat(), "unit": unit.pk}).text
    by_status = client.get(board_url(busy), {"day": DAY.isoformat(), "status": "cancelled"}).text
    both = client.get(
        board_url(busy), {"day": DAY.isoformat(), "unit": unit.pk, "status": "cancelled"}
    ).text

    assert f"{in_unit.count()} visits shown." in by_unit
    head = by_unit[by_unit.index("<thead>") : by_unit.index("</thead>")]
    assert "B-1" in head and "A-1" not in head
    assert f"{cancelled.count()} visits shown." in by_status
    assert all(v.inmate.full_name in by_status for v in cancelled)
    assert f"{cancelled.filter(inmate_terminal__housing_unit=unit).count()} visit" in both
    # The day navigation keeps the filters.
    assert f'href="?day=2026-03-13&amp;unit={unit.pk}&amp;status=cancelled"' in both
    # Something the page never offered shows the whole board.
    assert "200 visits shown." in client.get(board_url(busy), {"unit": "x", "status": "y"}).text


def test_each_cell_offers_check_in_and_behind_more_move_and_cancel(client, officer, busy):
    soon = (
        Visit.objects.filter(facility=busy, status=VisitStatus.BOOKED, starts_at__gt=NOW)
        .order_by("starts_at", "pk")
        .first()
    )
    later = Visit.objects.filter(
        facility=busy, status=VisitStatus.BOOKED, starts_at__gt=NOW + timedelta(hours=2)
    ).first()
    text = client.get(board_url(busy)).text

    check_in = reverse("console_visits:visit_check_in", args=[soon.pk])
    assert soon.starts_at - NOW <= timedelta(minutes=30)
    assert f'action="{check_in}"' in text
    assert reverse("console_visits:visit_move", args=[later.pk]) in text
    assert reverse("console_visits:visit_cancel", args=[later.pk]) in text
    assert f'action="{reverse("console_visits:visit_check_in", args=[later.pk])}"' not in text

    response = client.post(check_in)
    assert response.status_code == 302
    soon.refresh_from_db()
    assert soon.status == VisitStatus.CHECKED_IN


def test_staff_of_another_facility_get_a_404(client, busy, staff_b):
    otp_login(client, staff_b)
    assert client.get(board_url(busy)).status_code == 404
