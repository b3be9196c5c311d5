"""The visit board of a real day in a browser at 1280x800: the terminals' header row stays
in view while the grid scrolls, and "Jump to now" brings the now row into view below it."""

from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from facilities.tests.factories import StaffMembershipFactory
from review.tests.factories import otp_login
from scheduling.busy_day import busy_day_seed

pytestmark = pytest.mark.browser


def box(locator):
    return locator.bounding_box()


def test_the_header_row_stays_in_view_and_jump_to_now_shows_the_now_row(
    page, live_server, client, screenshot
):
    busy = busy_day_seed(day=timezone.localdate(timezone.now(), ZoneInfo("America/Chicago")))
    officer = UserFactory()
    StaffMembershipFactory(user=officer, facility=busy)
    otp_login(client, officer)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(reverse("console_visits:board", args=[busy.pk]))
    expect(page.get_by_text("200 visits shown.")).to_be_visible()
    grid = page.locator(".site-grid-wrap")
    header = page.get_by_role("columnheader", name="A-1")
    # The grid scrolls inside the page: wider and taller than what is shown.
    assert grid.evaluate("e => e.scrollHeight > e.clientHeight && e.scrollWidth > e.clientWidth")

    page.get_by_role("link", name="Jump to now").click()
    now_row = page.locator("#now")
    expect(now_row).to_be_in_viewport()
    assert box(now_row)["y"] >= box(header)["y"] + box(header)["height"] - 1  # not under it
    screenshot("board-now")

    grid.evaluate("e => e.scrollTop = e.scrollHeight")
    grid_top = box(grid)["y"]
    assert abs(box(header)["y"] - grid_top) <= 2  # the header row is still at the top
    expect(header).to_be_in_viewport()
    expect(page.get_by_role("rowheader").last).to_be_in_viewport()
    screenshot("board-scrolled")
