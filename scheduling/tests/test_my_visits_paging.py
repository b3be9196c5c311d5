"""My visits pages its two lists apart: upcoming visits soonest first and past visits newest
first, 20 a page, each with its own page number in the address, and as many queries for a
family with many visits as for one with one."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.pages import text_of
from facilities.tests.factories import InmateFactory
from scheduling.models import VisitStatus
from scheduling.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

MINE = reverse("visits:mine")


def _visits(visitor, site, count, *, past=False, after=0):
    """`count` visits two hours apart, each with its own person: "Soon 01" is the soonest
    upcoming visit, "Gone 01" the most recent past one; `after` starts further out."""
    now = timezone.now()
    for n in range(after + 1, after + count + 1):
        offset = timedelta(hours=2 * n)
        VisitFactory(
            facility=site.facility,
            inmate=InmateFactory(
                facility=site.facility,
                housing_unit=site.unit,
                first_name=f"{'Gone' if past else 'Soon'} {n:02d}",
                last_name="Diaz",
            ),
            inmate_terminal=site.terminals[0],
            visitor=visitor,
            starts_at=now - offset if past else now + offset,
            status=VisitStatus.COMPLETED if past else VisitStatus.BOOKED,
        )


def _people(response, prefix):
    """The people of the visits shown, in the order shown (a card names its person twice)."""
    return list(dict.fromkeys(re.findall(rf"\b{prefix} \d\d\b", text_of(response))))


def _link(response, name):
    """Where the link a screen reader announces as `name` goes, or None if there is none."""
    match = re.search(rf'href="([^"]*)" aria-label="{name}"', response.content.decode())
    return MINE + unescape(match.group(1)) if match else None


@pytest.fixture
def many(client, visitor, visit_site):
    """45 upcoming and 45 past visits: three pages of each."""
    _visits(visitor, visit_site, 45)
    _visits(visitor, visit_site, 45, past=True)
    client.force_login(visitor)
    return client


def test_upcoming_visits_come_soonest_first_20_a_page(many):
    first = many.get(MINE)
    second = many.get(MINE, {"upcoming": 2})

    assert _people(first, "Soon") == [f"Soon {n:02d}" for n in range(1, 21)]
    assert _people(second, "Soon") == [f"Soon {n:02d}" for n in range(21, 41)]
    assert "Soon 01" not in text_of(second)


def test_past_visits_come_newest_first_20_a_page(many):
    first = many.get(MINE)
    second = many.get(MINE, {"past": 2})

    assert _people(first, "Gone") == [f"Gone {n:02d}" for n in range(1, 21)]
    assert _people(second, "Gone") == [f"Gone {n:02d}" for n in range(21, 41)]
    assert "Gone 01" not in text_of(second)


def test_each_list_says_how_many_visits_and_which_page(many):
    page = text_of(many.get(MINE, {"upcoming": 3, "past": 2}))

    upcoming, past = page.split("Past and cancelled visits")
    assert "45 upcoming visits" in upcoming
    assert "Page 3 of 3" in upcoming
    assert "45 past and cancelled visits" in past
    assert "Page 2 of 3" in past


def test_a_short_list_has_its_count_and_no_page_links(client, visitor, visit_site):
    _visits(visitor, visit_site, 1)
    _visits(visitor, visit_site, 20, past=True)
    client.force_login(visitor)

    response = client.get(MINE)

    page = text_of(response)
    assert "1 upcoming visit " in page
    assert "20 past and cancelled visits" in page
    assert "Page 1 of 1" not in page
    assert 'class="usa-pagination"' not in response.content.decode()


@pytest.mark.parametrize(
    ("number", "shown", "first"),
    [
        ("abc", "Page 1 of 3", "Soon 01"),
        ("", "Page 1 of 3", "Soon 01"),
        ("2.5", "Page 1 of 3", "Soon 01"),
        ("0", "Page 1 of 3", "Soon 01"),
        ("-1", "Page 1 of 3", "Soon 01"),
        ("99", "Page 3 of 3", "Soon 41"),
    ],
)
def test_a_page_number_that_is_not_a_page_shows_the_first_or_the_last(many, number, shown, first):
    response = many.get(MINE, {"upcoming": number})

    assert response.status_code == 200
    upcoming = text_of(response).split("Past and cancelled visits")[0]
    assert shown in upcoming
    assert _people(response, "Soon")[0] == first


def test_the_links_of_one_list_keep_the_page_of_the_other(many):
    response = many.get(MINE, {"upcoming": 2, "past": 3})

    assert _link(response, "Previous page of upcoming visits") == (
        f"{MINE}?upcoming=1&past=3#upcoming-heading"
    )
    assert _link(response, "Next page of past and cancelled visits") is None
    back = _link(response, "Previous page of past and cancelled visits")
    assert back == f"{MINE}?past=2&upcoming=2#past-heading"

    following = many.get(_link(response, "Next page of upcoming visits"))

    page = text_of(following)
    upcoming, past = page.split("Past and cancelled visits")
    assert "Page 3 of 3" in upcoming
    assert "Page 3 of 3" in past
    assert _people(following, "Soon")[0] == "Soon 41"
    assert _people(following, "Gone")[0] == "Gone 41"


def test_the_page_links_are_in_spanish_for_a_spanish_reader(many):
    response = many.get(MINE, {"upcoming": 2}, headers={"accept-language": "es"})

    page = text_of(response)
    assert "45 próximas visitas" in page
    assert "Página 2 de 3" in page
    assert _link(response, "Página anterior de próximas visitas") is not None


def _queries(client, params=None):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(MINE, params).status_code == 200
    return len(captured)


def test_as_many_queries_for_many_visits_as_for_one(
    client, visitor, visit_site, django_assert_num_queries
):
    _visits(visitor, visit_site, 1)
    _visits(visitor, visit_site, 1, past=True)
    client.force_login(visitor)
    client.get(MINE)  # warm the session
    one = _queries(client)

    _visits(visitor, visit_site, 60, after=1)
    _visits(visitor, visit_site, 60, past=True, after=1)

    with django_assert_num_queries(one):
        client.get(MINE, {"upcoming": 2, "past": 3})
