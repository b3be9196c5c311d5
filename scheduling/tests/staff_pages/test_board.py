"""The visit board and the daily list per housing unit (page and CSV)."""

import csv
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from facilities.tests.factories import (
    InmateFactory,
    TerminalFactory,
)
from scheduling.models import (
    Visit,
    VisitStatus,
)

from .helpers import THURSDAY, at, make_visit

# The board --------------------------------------------------------------------------------


def test_officer_of_one_facility_goes_straight_to_its_board(client, officer, facility_a):
    response = client.get(reverse("console_visits:facilities"))

    assert response.status_code == 302
    assert response.url == reverse("console_visits:board", args=[facility_a.pk])


def test_board_is_a_grid_of_start_times_by_terminal_on_the_facility_clock(
    client, officer, facility_a, place, visits
):
    page = client.get(reverse("console_visits:board", args=[facility_a.pk]), {"day": THURSDAY})

    text = page.text
    assert "Visits at Travis County Jail on Thursday, March 12, 2026" in text
    assert "3 visits shown." in text
    # One header row of terminals; rows at 2 p.m. (Ana on N-1, Cal on S-1) and 3 p.m. (Ben).
    head = text[text.index("<thead>") : text.index("</thead>")]
    assert head.index("N-1") < head.index("N-2") < head.index("S-1")
    two, three = text.index("2 p.m. CDT</th>"), text.index("3 p.m. CDT</th>")
    assert two < text.index("Ana Diaz") < text.index("Cal Moreno") < three
    assert three < text.index("Ben Okafor")
    assert "Lobby-1" in text
    assert "Booked" in text
    assert "Becker" not in text  # facility B's visit
    assert "Jump to now" not in text  # not today
    assert "Times on this page are on the facility's clock: Central Time." in text


def test_board_moves_from_day_to_day(client, officer, facility_a, visits):
    url = reverse("console_visits:board", args=[facility_a.pk])

    today = client.get(url)
    assert "Tuesday, March 10, 2026" in today.text
    assert "0 visits shown." in today.text
    assert 'href="?day=2026-03-11"' in today.text

    wednesday = client.get(url, {"day": "2026-03-11"})
    assert 'href="?day=2026-03-12"' in wednesday.text
    assert 'href="?day=2026-03-10"' in wednesday.text

    assert "Ana Diaz" in client.get(url, {"day": THURSDAY}).text
    assert "Tuesday, March 10, 2026" in client.get(url, {"day": "not-a-date"}).text


def count_queries(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_board_and_daily_list_make_as_many_queries_for_many_visits_as_for_few(
    client, officer, facility_a, place, visits, django_assert_num_queries
):
    urls = [
        reverse("console_visits:board", args=[facility_a.pk]),
        reverse("console_visits:daily_list", args=[facility_a.pk]),
        reverse("console_visits:daily_list_csv", args=[facility_a.pk]),
    ]
    few = {url: count_queries(client, url, {"day": THURSDAY}) for url in urls}

    for unit in (place["north"], place["south"]):
        for n in range(3):
            terminal = TerminalFactory(facility=facility_a, housing_unit=unit)
            for hour in (9, 10, 12, 13, 16, 17):
                make_visit(
                    inmate=InmateFactory(facility=facility_a, housing_unit=unit),
                    terminal=terminal,
                    starts_at=at(hour, 20 * (n % 2)),
                    lobby=place["lobby"] if (hour, n, unit) == (9, 0, place["north"]) else None,
                )
    assert Visit.objects.filter(facility=facility_a).count() == 39

    for url in urls:
        with django_assert_num_queries(few[url]):
            client.get(url, {"day": THURSDAY})


# The daily list per housing unit -------------------------------------------------------


def test_daily_list_by_housing_unit_is_printable(client, officer, facility_a, visits):
    visits["cal"].status = VisitStatus.CANCELLED
    visits["cal"].save(update_fields=["status"])

    page = client.get(reverse("console_visits:daily_list", args=[facility_a.pk]), {"day": THURSDAY})

    text = page.text
    assert "North (N) &middot; Thursday, March 12, 2026" in text
    assert text.index("Diaz, Ana") < text.index("Okafor, Ben")
    assert visits["ana"].inmate.id_number in text
    assert visits["ana"].visitor.full_name in text
    assert "Moreno" not in text  # cancelled
    assert "Becker" not in text  # facility B
    assert 'class="site-section site-print-unit"' in text
    assert "Download as CSV" in text


def test_daily_list_csv_for_one_unit(client, officer, facility_a, place, visits):
    visits["ben"].visitor.first_name = "=HYPERLINK(1)"
    visits["ben"].visitor.save(update_fields=["first_name"])

    response = client.get(
        reverse("console_visits:daily_list_csv", args=[facility_a.pk]),
        {"day": THURSDAY, "unit": place["north"].pk},
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="visits-travis-county-jail-2026-03-12-N.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Housing unit", "Incarcerated person", "ID number", "Starts"]
    assert [(r[0], r[1], r[3], r[6], r[7]) for r in rows[1:]] == [
        ("North", "Ana Diaz", "2 p.m. CDT", "Remote", "N-1"),
        ("North", "Ben Okafor", "3 p.m. CDT", "Remote", "N-1"),
    ]
    assert rows[2][9].startswith("'=HYPERLINK(1)")
