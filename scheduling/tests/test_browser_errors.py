"""After a refused form, a phone opens the page on the error summary: at the top, focused
(a screen reader reads it first), and the tab's title starts with "Error:"."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from scheduling import services
from scheduling.tests.test_browser_booking import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 640}
DECLINED_CARD = "4000 0000 0000 0002"


def held_visit(visitor, site):
    """A remote visit held four days ahead at 10:00 on the facility's clock."""
    zone = ZoneInfo(site.facility.time_zone)
    day = timezone.localdate(timezone=zone) + timedelta(days=4)
    return services.visit_hold(
        user=visitor,
        facility=site.facility,
        inmate=site.inmate,
        kind="remote",
        duration=20,
        starts_at=datetime.combine(day, time(10), tzinfo=zone),
    )


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const element = document.activeElement;
            const box = element.getBoundingClientRect();
            return {id: element.id, top: box.top, text: element.innerText};
        }"""
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_declined_card_on_a_phone_opens_on_the_focused_error_summary(
    page, live_server, screenshot, visitor, visit_site, language
):
    page.set_viewport_size(PHONE)
    visit = held_visit(visitor, visit_site)
    sign_in(page, visitor.email)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    if language == "es":
        page.get_by_role("button", name="Español").click()
        expect(page.locator("html")).to_have_attribute("lang", "es")
    page.goto(f"/visits/book/hold/{visit.pk}/")
    title = page.title()

    page.locator('input[name="card_number"]').fill(DECLINED_CARD)
    page.locator('input[name="card_expiry"]').fill("1235")  # typed on a number pad
    page.locator('input[name="card_cvc"]').fill("123")
    page.locator('main form button[type="submit"]').first.click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    now = focused(page)
    assert now["id"] == "error-summary"
    assert 0 <= now["top"] < PHONE["height"]  # the first thing seen, without scrolling
    assert page.title() == "Error: " + title
    expect(summary).to_contain_text("declined" if language == "en" else "rechaz")
    screenshot(f"declined-{language}")


def test_a_missing_field_on_a_phone_opens_on_the_summary_that_links_to_it(
    page, live_server, screenshot, visitor, visit_site
):
    page.set_viewport_size(PHONE)
    visit = held_visit(visitor, visit_site)
    sign_in(page, visitor.email)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(f"/visits/book/hold/{visit.pk}/")

    page.locator('main form button[type="submit"]').first.click()

    expect(page.locator("#error-summary")).to_be_focused()
    assert focused(page)["id"] == "error-summary"
    assert page.title().startswith("Error: ")
    page.locator("#error-summary").get_by_role(
        "link", name="Card number: This field is required."
    ).click()
    expect(page.locator("#id_card_number")).to_be_focused()
    screenshot("missing-card")
