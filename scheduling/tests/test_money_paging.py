"""The credit and payments page shows the whole balance and pages the statement, newest
first, 50 entries a page, with as many queries for years of entries as for one."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.pages import text_of
from scheduling.tests.factories import CreditFactory

pytestmark = pytest.mark.django_db

MONEY = reverse("visits:money")


def _credits(user, count):
    """`count` credits of $1.00, written oldest first: "Credit 001" is the newest."""
    for n in range(count, 0, -1):
        CreditFactory(user=user, amount_cents=100, description=f"Credit {n:03d}")


def _shown(response):
    return re.findall(r"\bCredit \d{3}\b", text_of(response))


def _link(response, name):
    match = re.search(rf'href="([^"]*)" aria-label="{name}"', response.content.decode())
    return MONEY + unescape(match.group(1)) if match else None


@pytest.fixture
def years(client, visitor):
    """120 entries: three pages."""
    _credits(visitor, 120)
    client.force_login(visitor)
    return client


def test_the_statement_comes_newest_first_50_a_page_with_the_whole_balance(years):
    first = years.get(MONEY)
    last = years.get(MONEY, {"entries": 3})

    assert _shown(first) == [f"Credit {n:03d}" for n in range(1, 51)]
    assert _shown(last) == [f"Credit {n:03d}" for n in range(101, 121)]
    for page in (first, last):
        assert "Your credit: $120.00" in text_of(page)
    assert "Page 1 of 3" in text_of(first)
    assert "Page 3 of 3" in text_of(last)


def test_the_page_links_go_to_the_next_and_previous_pages(years):
    first = years.get(MONEY)

    assert _link(first, "Previous page of your credit and card payments") is None
    following = years.get(_link(first, "Next page of your credit and card payments"))

    assert _shown(following)[0] == "Credit 051"
    assert _link(following, "Previous page of your credit and card payments") == (
        f"{MONEY}?entries=1#entries-heading"
    )


@pytest.mark.parametrize(
    ("number", "first"),
    [("abc", "Credit 001"), ("0", "Credit 001"), ("-2", "Credit 001"), ("99", "Credit 101")],
)
def test_a_page_number_that_is_not_a_page_shows_the_first_or_the_last(years, number, first):
    response = years.get(MONEY, {"entries": number})

    assert response.status_code == 200
    assert _shown(response)[0] == first


def test_a_short_statement_has_no_page_links(client, visitor):
    _credits(visitor, 50)
    client.force_login(visitor)

    response = client.get(MONEY)

    assert len(_shown(response)) == 50
    assert 'class="usa-pagination"' not in response.content.decode()


def test_as_many_queries_for_years_of_entries_as_for_one(client, visitor):
    _credits(visitor, 1)
    client.force_login(visitor)
    client.get(MONEY)  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(MONEY)

    _credits(visitor, 200)

    with CaptureQueriesContext(connection) as many:
        assert client.get(MONEY, {"entries": 2}).status_code == 200
    assert len(many) == len(one)


def test_the_page_links_are_in_spanish_for_a_spanish_reader(years):
    response = years.get(MONEY, {"entries": 2}, headers={"accept-language": "es"})

    assert "Página 2 de 3" in text_of(response)
    assert _link(response, "Página siguiente de su crédito y sus pagos con tarjeta") == (
        f"{MONEY}?entries=3#entries-heading"
    )
