"""The family's journey in a real browser, shared by the accessibility and page-weight
tests: a home user approved at Travis County Jail, and the booking steps done with clicks."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from facilities.tests.factories import FacilityFactory, TermsVersionFactory
from scheduling.tests.factories import CreditFactory, VisitFactory


def choose(page, label):
    """USWDS draws its own radio buttons: a person clicks the label."""
    page.locator("label", has_text=re.compile(f"^{re.escape(label)}")).first.click()


def sign_in(page, email):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def family(visitor, visit_site):
    """The home user approved at Travis County Jail, with a booked paid visit, a credit, a
    facility's terms to accept, and another Texas facility not asked yet."""
    TermsVersionFactory(facility=visit_site.facility, text="No recording by visitors.")
    FacilityFactory(name="Bexar County Jail", slug="bexar-county-jail", state="TX")
    CreditFactory(user=visitor, amount_cents=250, description="Credit for a cancelled visit")
    start = (timezone.now() + timedelta(days=6)).replace(minute=0, second=0, microsecond=0)
    visit = VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        inmate_terminal=visit_site.terminals[1],
        visitor=visitor,
        starts_at=start,
        price_cents=400,
    )
    return visitor, visit


def book_a_visit(page, audit=None):
    """The booking journey with clicks, from My visits to the confirmation."""
    check = audit or (lambda name: None)
    page.goto("/visits/book/")
    check("book 1: facility")
    choose(page, "Travis County Jail")
    page.get_by_role("button", name="Continue").click()
    check("book 2: kind of visit")
    choose(page, "Remote")
    page.get_by_role("button", name="Continue").click()
    check("book 3: person (search)")
    page.get_by_label("Name or ID number of the person you want to visit").fill("Diaz")
    page.get_by_role("button", name="Search").click()
    check("book 3: person (results)")
    page.get_by_role("link", name="Visit Ana Diaz").click()
    check("book 4: length and price")
    choose(page, "20 minutes")
    page.get_by_role("button", name="Continue").click()
    check("book 5: day")
    page.locator("a.site-day__link").first.click()
    check("book 6: time")
    page.locator(".site-times label").first.click()
    page.get_by_role("button", name="Hold this time").click()
    expect(page.get_by_role("heading", name="Check and confirm your visit")).to_be_visible()
    check("book 7: confirm and pay")
    page.get_by_role("button", name=re.compile("^Confirm")).click()
    check("book 7: confirm, with errors")
    page.locator("label", has_text="I have read and accept").click()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry date").fill("12/30")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(page.get_by_role("heading", name="Your visit is booked")).to_be_visible()
    check("booked")
