"""Pages stay light and work without JavaScript.

Every page of the family's journey is loaded with the browser's cache off and what it
transfers is added up: HTML, CSS, JavaScript, fonts and images, headers included. Each
page must stay under 300 KB. Static files are counted gzipped, as production sends them
(whitenoise serves the .gz it made at collectstatic; the test server sends them raw), and
the HTML as Django sends it. The table is printed.

Then the journey is done again in a browser with JavaScript turned off: sign up, sign in,
and book a paid visit.
"""

import gzip
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import User
from visitation.tests.journey import book_a_visit, sign_in

pytestmark = pytest.mark.browser

BUDGET = 300 * 1024
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")


class Meter:
    """What each page transferred, counted from the responses since the last page."""

    def __init__(self, page):
        self.page = page
        self.responses = []
        self.rows = []
        # Any route turns Playwright's HTTP cache off: every page is a first visit.
        page.route("**/*", lambda route: route.continue_())
        page.on("requestfinished", self.record)

    def record(self, request):
        """Sizes are read when each response has arrived, before the page moves on."""
        response = request.response()
        self.responses.append(
            (response.url, response.status, self.kind(response), self.wire_size(response))
        )

    def __call__(self, name):
        self.page.wait_for_load_state("networkidle")
        total, kinds, broken = 0, {}, []
        for url, status, kind, size in self.responses:
            kinds[kind] = kinds.get(kind, 0) + size
            total += size
            if status >= 400:
                broken.append(f"{status} {url}")
        self.responses.clear()
        self.rows.append((name, self.page.url, total, kinds, broken))

    @staticmethod
    def wire_size(response):
        sizes = response.request.sizes()
        headers = sizes["responseHeadersSize"]
        content_type = response.headers.get("content-type", "")
        path = urlsplit(response.url).path
        if path.startswith(settings.STATIC_URL) and content_type.startswith(COMPRESSED_TYPES):
            found = finders.find(path.removeprefix(settings.STATIC_URL))
            if found:
                return headers + len(gzip.compress(Path(found).read_bytes(), compresslevel=9))
        return headers + sizes["responseBodySize"]

    @staticmethod
    def kind(response):
        content_type = response.headers.get("content-type", "")
        for kind, prefix in [
            ("html", "text/html"),
            ("css", "text/css"),
            ("js", "javascript"),
            ("font", "font/"),
            ("image", "image/"),
        ]:
            if prefix in content_type:
                return kind
        return "other"

    def table(self):
        lines = [
            "Family pages, first visit (cache off), bytes on the wire: static files gzipped",
            f"{'page':<34} {'total KB':>9} {'html':>6} {'css':>6} {'js':>6} {'font':>6} "
            f"{'image':>6}",
        ]
        for name, _url, total, kinds, _broken in self.rows:
            cells = " ".join(
                f"{kinds.get(kind, 0) / 1024:>6.1f}"
                for kind in ("html", "css", "js", "font", "image")
            )
            lines.append(f"{name:<34} {total / 1024:>9.1f} {cells}")
        return "\n".join(lines)


def test_every_family_page_sends_less_than_300_kb(page, live_server, family, capsys):
    visitor, visit = family
    meter = Meter(page)
    page.set_viewport_size({"width": 360, "height": 640})

    for name, url in [
        ("home page", "/"),
        ("sign up", reverse("accounts:signup")),
        ("sign in", reverse("accounts:login")),
        ("password reset", reverse("accounts:password_reset")),
    ]:
        page.goto(url)
        meter(name)
    sign_in(page, visitor.email)
    page.wait_for_load_state("networkidle")
    meter.responses.clear()
    for name, url in [
        ("my account", reverse("accounts:home")),
        ("identity", reverse("accounts:identity")),
        ("details", reverse("accounts:details")),
        ("my facilities", reverse("facilities:mine")),
        ("add a facility", reverse("facilities:add")),
    ]:
        page.goto(url)
        meter(name)
    book_a_visit(page, meter)
    for name, url in [
        ("my visits", reverse("visits:mine")),
        ("credit and payments", reverse("visits:money")),
        ("a visit", reverse("visits:detail", args=[visit.pk])),
        ("cancel a visit", reverse("visits:cancel", args=[visit.pk])),
        ("change the time", reverse("visits:reschedule", args=[visit.pk])),
    ]:
        page.goto(url)
        meter(name)

    table = meter.table()
    (settings.BASE_DIR / "var").mkdir(exist_ok=True)
    (settings.BASE_DIR / "var" / "page-weight.txt").write_text(table + "\n")
    with capsys.disabled():
        print("\n" + table)
    broken = [f"{name}: {line}" for name, _u, _t, _k, lines in meter.rows for line in lines]
    assert not broken, "Responses that failed:\n" + "\n".join(broken)
    heavy = [
        f"{name} ({url}): {total / 1024:.1f} KB"
        for name, url, total, _kinds, _broken in meter.rows
        if total > BUDGET
    ]
    assert not heavy, "Pages over 300 KB:\n" + "\n".join(heavy)
    assert len(meter.rows) >= 20
    assert all(total > 20_000 for _n, _u, total, _k, _b in meter.rows), "CSS was not counted"


@pytest.fixture
def no_script(browser, live_server, settings):
    settings.SITE_URL = live_server.url
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def test_signing_up_and_booking_work_without_javascript(no_script, family, mailoutbox):
    page = no_script
    page.goto("/accounts/signup/")
    assert page.locator("script[src]").count() >= 1
    page.get_by_label("Email", exact=True).fill("lee.nojs@example.com")
    page.get_by_label("Password", exact=True).fill("tulip-harbor-canvas-91")
    page.get_by_label("Legal first name").fill("Lee")
    page.get_by_label("Legal last name").fill("Moreno")
    page.get_by_label("Date of birth").fill("1979-09-30")
    page.get_by_label("Street address").fill("12 Oak Road")
    page.get_by_label("City").fill("Austin")
    page.get_by_label("State", exact=True).select_option("TX")
    page.get_by_label("ZIP code").fill("73301")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email to continue")).to_be_visible()
    assert User.objects.filter(email="lee.nojs@example.com").exists()
    page.get_by_role("link", name="Sign in").last.click()
    page.get_by_label("Email", exact=True).fill("lee.nojs@example.com")
    page.get_by_label("Password", exact=True).fill("tulip-harbor-canvas-91")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Lee")).to_be_visible()

    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", name="Hola, Lee")).to_be_visible()
    page.get_by_role("button", name="English").click()

    visitor, _visit = family
    sign_in(page, visitor.email)
    expect(page.get_by_role("heading", name="Hello, Dana")).to_be_visible()
    book_a_visit(page)
    assert visitor.visits.filter(status="booked").count() == 2
