"""Both sides in a real browser: a reviewer signs in with a second factor and approves a
pending identity; that person asks to visit a facility; the facility's officer approves;
the person sees "Approved" and the approval email went out through the outbox."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from facilities.tests.factories import InmateFactory
from review.models import DocumentView
from review.tests.factories import current_code, pending_submission, totp_device
from visitation.models import OutboundEmail

pytestmark = pytest.mark.browser


def sign_in(page, email):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def choose(page, label):
    """USWDS draws its own radio buttons: a person clicks the label."""
    page.locator("label", has_text=re.compile(f"^{re.escape(label)}$")).click()
    expect(page.get_by_role("radio", name=label, exact=True)).to_be_checked()


def second_factor(page, device):
    page.goto("/console/")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("6-digit code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Staff console")).to_be_visible()


def test_reviewer_approves_then_the_facility_approves_and_the_user_sees_it(
    page, live_server, mailoutbox, screenshot, home_user, reviewer, facility_a, staff_a
):
    pending_submission(user=home_user, hours_ago=3)
    InmateFactory(facility=facility_a, first_name="Ana", last_name="Diaz")
    reviewer_phone = totp_device(reviewer)
    officer_phone = totp_device(staff_a)

    sign_in(page, reviewer.email)
    second_factor(page, reviewer_phone)
    page.get_by_role("link", name="Identity reviews").first.click()
    expect(page.get_by_role("row", name="Dana Rivera")).to_contain_text("minutes left")
    screenshot("identity-queue")
    page.get_by_role("link", name="Review Dana Rivera").click()
    photos = page.locator("figure img")
    expect(photos).to_have_count(2)
    for photo in photos.all():
        assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    screenshot("identity-detail")
    choose(page, "Approve")
    page.get_by_role("button", name="Review my decision").click()
    expect(page.get_by_role("heading", name="Check your decision")).to_be_visible()
    screenshot("identity-confirm")
    page.get_by_role("button", name="Proceed").click()
    expect(page.get_by_text("Decision saved for Dana Rivera")).to_be_visible()
    expect(page.get_by_text("No submissions waiting.")).to_be_visible()
    assert DocumentView.objects.filter(viewer=reviewer).count() >= 2
    assert OutboundEmail.objects.filter(
        to_email=home_user.email, subject="Your identity is approved"
    ).exists()

    sign_in(page, home_user.email)
    page.goto("/facilities/")
    page.get_by_role("link", name="Add a facility").click()
    page.get_by_label("State").select_option("TX")
    page.get_by_role("button", name="Continue").click()
    choose(page, "Travis County Jail")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Name or ID number of the person you want to visit").fill("Diaz")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Choose Ana Diaz").click()
    choose(page, "Sibling")
    screenshot("access-request-whom")
    page.get_by_role("button", name="Ask to visit").click()
    expect(page.get_by_text("Travis County Jail").first).to_be_visible()

    sign_in(page, staff_a.email)
    second_factor(page, officer_phone)
    page.get_by_role("link", name="Access requests").first.click()
    expect(page.get_by_role("row", name="Dana Rivera")).to_contain_text("Ana Diaz")
    expect(page.get_by_role("row", name="Dana Rivera")).to_contain_text("Sibling")
    screenshot("access-queue")
    page.get_by_role("link", name="Decide Dana Rivera").click()
    choose(page, "Approve")
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text("Access approved for Dana Rivera.")).to_be_visible()

    sign_in(page, home_user.email)
    page.goto("/facilities/")
    expect(page.get_by_text("Approved").first).to_be_visible()
    screenshot("user-sees-approved")
    subjects = [message.subject for message in mailoutbox if message.to == [home_user.email]]
    assert "Your identity is approved" in subjects
    assert "You can now visit Travis County Jail" in subjects
