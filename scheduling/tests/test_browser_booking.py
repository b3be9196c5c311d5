"""A family books a remote visit in a real browser, on a phone and on a desktop: the
person found by name, a length with its price, a day, a time on both clocks, the hold's
countdown, the facility's terms, and $4.00 charged to the sandbox card; then they cancel
more than 48 hours ahead and see the $4.00 come back as credit."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from facilities.tests.factories import TermsVersionFactory
from scheduling.models import CardState, LedgerKind, Visit, VisitStatus
from scheduling.selectors import balance_for

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 360, "height": 640}, "desktop": {"width": 1280, "height": 900}}


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def choose(page, label):
    """USWDS draws its own radio buttons: a person taps the label."""
    page.locator("label", has_text=re.compile(f"^{re.escape(label)}")).first.click()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_book_a_remote_visit_with_the_sandbox_card_then_cancel_it_with_credit(
    page, live_server, screenshot, visitor, visit_site, size
):
    page.set_viewport_size(VIEWPORTS[size])
    TermsVersionFactory(facility=visit_site.facility, text="Visits may be recorded.")
    # Four days ahead, on the facility's calendar: well over 48 hours away.
    zone = ZoneInfo(visit_site.facility.time_zone)
    day = timezone.localdate(timezone=zone) + timedelta(days=4)

    sign_in(page, visitor.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Book a visit").click()
    expect(page.get_by_role("heading", name="Book a visit")).to_be_visible()
    expect(page.get_by_role("radio", name="Travis County Jail")).to_be_checked()
    screenshot("facility")
    page.get_by_role("button", name="Continue").click()

    choose(page, "Remote")
    screenshot("kind")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Who do you want to visit?")).to_be_visible()
    page.get_by_label("Name or ID number of the person you want to visit").fill("diaz")
    page.get_by_role("button", name="Search").click()
    # The unit is not shown: the facility has not marked it as shown to families.
    expect(page.get_by_text("ID number TX-1001", exact=True)).to_be_visible()
    screenshot("person")
    page.get_by_role("link", name="Visit Ana Diaz").click()

    expect(page.get_by_text("Remote visits here cost $0.20 a minute.")).to_be_visible()
    choose(page, "20 minutes: $4.00")
    screenshot("length")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Which day?")).to_be_visible()
    expect(page.locator(".site-day").first).to_contain_text("Too soon to book.")
    screenshot("days")
    page.locator(f'a[href$="/{day.isoformat()}/"]').click()

    expect(page.get_by_role("heading", name="What time?")).to_be_visible()
    first_time = page.locator(".site-times label").first
    expect(first_time).to_have_text("9 a.m. CST (10 a.m. EST your time)")
    screenshot("times")
    first_time.click()
    page.get_by_role("button", name="Hold this time").click()

    expect(page.get_by_role("heading", name="Check and confirm your visit")).to_be_visible()
    # The hold's countdown, drawn by the external script (the page says the end time without it).
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"Time left to confirm: 9:\d\d"))
    payment = page.locator(".site-dl").last
    expect(payment).not_to_contain_text("From your credit")
    expect(payment).to_contain_text(re.compile(r"On your card\s*\$4\.00"))
    expect(page.get_by_text("$4.00 is charged to your card now.")).to_contain_text(
        "what you paid comes back as credit toward a future visit, not to your card"
    )
    expect(page.get_by_text("Visits may be recorded.")).to_be_visible()
    page.get_by_text("I have read and accept these terms and conditions").click()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry date").fill("12/35")
    page.get_by_label("Security code").fill("123")
    screenshot("confirm-and-pay")
    page.get_by_role("button", name="Confirm and pay $4.00").click()

    expect(page.get_by_role("heading", name="Your visit is booked")).to_be_visible()
    expect(page.get_by_text("$4.00 charged to the card ending 4242")).to_be_visible()
    expect(page.get_by_role("link", name="Add to my calendar (.ics file)")).to_be_visible()
    screenshot("booked")
    visit = Visit.objects.get(visitor=visitor, status=VisitStatus.BOOKED)
    assert (visit.credit_applied_cents, visit.card_cents) == (0, 400)
    assert visit.card_state == CardState.HELD

    page.get_by_role("link", name="See, change or cancel this visit").click()
    screenshot("visit")
    page.get_by_role("link", name="Cancel the visit").click()
    expect(page.get_by_role("heading", name="Cancel your visit?")).to_be_visible()
    expect(page.locator(".site-money")).to_have_text(
        "$4.00 comes back to you as credit toward a future visit, not to your card. "
        "It is used first when you book your next visit."
    )
    screenshot("cancel")
    page.get_by_role("button", name="Yes, cancel the visit").click()

    expect(page.get_by_text("Your visit is cancelled.")).to_be_visible()
    expect(page.get_by_text("Cancelled by you")).to_be_visible()
    expect(
        page.get_by_text("$4.00 charged to the card ending 4242, given back to you as credit")
    ).to_be_visible()
    screenshot("cancelled")
    page.goto("/visits/money/")
    expect(page.locator(".site-balance")).to_have_text("Your credit: $4.00")
    screenshot("money")

    visit.refresh_from_db()
    assert visit.status == VisitStatus.CANCELLED
    assert balance_for(user=visitor) == 400
    assert visit.ledger_entries.get(kind=LedgerKind.CREDIT).amount_cents == 400
