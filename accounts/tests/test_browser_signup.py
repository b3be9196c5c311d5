"""A family's first visit to the site, in a real browser: create an account, be told to
check the email, sign in, confirm the email address from the link in the email, upload an
ID and a selfie, submit, and see that the identity is waiting for review."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _jpeg(path, size, color):
    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    draw.rectangle([40, 40, size[0] - 40, size[1] - 40], outline=(20, 40, 90), width=12)
    draw.ellipse([size[0] // 3, size[1] // 4, 2 * size[0] // 3, 3 * size[1] // 4], fill="tan")
    image.save(path, format="JPEG", quality=90)
    return path


def test_signup_confirm_email_upload_and_submit_for_review(
    page, live_server, mailoutbox, screenshot, tmp_path
):
    id_photo = _jpeg(tmp_path / "my-license.jpg", (1200, 800), (200, 215, 235))
    selfie = _jpeg(tmp_path / "me.jpg", (800, 1000), (235, 225, 210))

    page.goto("/accounts/signup/")
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    # USWDS styles are served: the primary button is painted, not a plain grey button.
    button = page.get_by_role("button", name="Create account")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") != "rgb(239, 239, 239)"
    screenshot("signup-form")

    page.get_by_label("Email", exact=True).fill("Dana.Rivera@example.com")
    page.get_by_label("Password", exact=True).fill("tulip-harbor-canvas-91")
    page.get_by_label("Legal first name").fill("Dana")
    page.get_by_label("Legal last name").fill("Rivera")
    page.get_by_label("Date of birth").fill("1986-04-12")
    page.get_by_label("Street address").fill("400 Elm Street")
    page.get_by_label("City").fill("Austin")
    page.get_by_label("State", exact=True).select_option("TX")
    page.get_by_label("ZIP code").fill("73301")
    button.click()

    expect(page.get_by_role("heading", name="Check your email to continue")).to_be_visible()
    expect(page.get_by_text("We sent an email to Dana.Rivera@example.com.")).to_be_visible()
    screenshot("signup-check-your-email")
    page.get_by_role("link", name="Sign in").last.click()
    page.get_by_label("Email", exact=True).fill("dana.rivera@example.com")
    page.get_by_label("Password", exact=True).fill("tulip-harbor-canvas-91")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Dana")).to_be_visible()
    expect(page.get_by_text("Please confirm your email address")).to_be_visible()
    screenshot("account-unconfirmed")

    # The verification email went out through the outbox after the signup committed.
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["Dana.Rivera@example.com"]
    link = re.search(r"https?://\S+/accounts/verify/\S+", email.body).group(0)
    assert link.startswith(live_server.url)
    page.goto(link)
    expect(
        page.get_by_text("your email address Dana.Rivera@example.com is confirmed")
    ).to_be_visible()
    expect(page.get_by_text("Please confirm your email address")).to_have_count(0)
    screenshot("email-confirmed")

    page.get_by_role("link", name="Upload your ID and photo").click()
    expect(page.get_by_role("heading", name="Show who you are")).to_be_visible()
    # USWDS draws its own radio buttons: a person clicks the label.
    page.locator("label", has_text="Driver's license").click()
    expect(page.get_by_label("Driver's license")).to_be_checked()
    expiry = timezone.localdate() + timedelta(days=800)
    page.get_by_label("Expiry date on the ID").fill(expiry.isoformat())
    page.get_by_label("Photo of your ID").set_input_files(id_photo)
    page.get_by_label("Photo of yourself").set_input_files(selfie)
    screenshot("identity-form")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_text("Your photos are saved")).to_be_visible()
    expect(page.get_by_text("Draft, not yet submitted")).to_be_visible()
    screenshot("identity-draft")
    page.get_by_role("button", name="Submit for review").click()

    expect(page.get_by_text("Pending review")).to_be_visible()
    expect(page.get_by_text("Decision due by")).to_be_visible()
    screenshot("pending-review")
