"""Accessibility in a real browser: axe-core (shipped by axe-playwright-python, injected by
Playwright) on every page of the family's journey and of the staff console, at phone size
(360x640) and desktop size (1280x800). No serious or critical violation is allowed; the
table of every result is printed. Each page is also saved as a screenshot at both sizes in
var/screenshots/. A last test books a visit with the keyboard only."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import (
    UserFactory,
    current_code,
    otp_login,
    pending_submission,
    totp_device,
)
from facilities.models import Facility
from facilities.tests.factories import InmateFactory, StaffMembershipFactory, pending_access_request
from scheduling.busy_day import busy_day_seed
from scheduling.tests.factories import (
    ClosureFactory,
    LockdownFactory,
    VisitFactory,
)
from visitation.tests.browser import SCREENSHOTS_DIR
from visitation.tests.journey import (
    book_a_visit,
    choose,
    sign_in,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
# WCAG 2.1 A and AA, plus axe's best practices (landmarks, one h1, heading order...).
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
}
IMPACTS = ["critical", "serious", "moderate", "minor"]
BLOCKING = {"critical", "serious"}


class Audit:
    """Runs axe on the page as it is now, at both sizes, and keeps one row per page."""

    def __init__(self, page, side):
        self.page = page
        self.side = side
        self.axe = Axe()
        self.rows = []

    def __call__(self, name):
        found = {}
        slug = re.sub(r"[^\w-]+", "_", f"{self.side}-{name}").strip("_").lower()
        for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            self.page.set_viewport_size(size)
            SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(
                path=str(SCREENSHOTS_DIR / f"{slug}-{size_name}.png"), full_page=True
            )
            # Nothing may be wider than a phone's screen.
            if size is PHONE:
                width = self.page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    found.setdefault("page-wider-than-phone", ("serious", [f"{width}px"]))
            results = self.axe.run(self.page, options=AXE_OPTIONS).response
            for violation in results["violations"]:
                targets = [", ".join(map(str, node["target"])) for node in violation["nodes"]]
                found.setdefault(violation["id"], (violation["impact"], targets))
        self.rows.append((name, self.page.url, found))
        return found

    def table(self):
        lines = [
            f"axe-core {self.axe_version()} on the {self.side} pages "
            "(WCAG 2.1 A/AA + best practices, at 360x640 and 1280x800)",
            f"{'page':<44} {'critical':>8} {'serious':>8} {'moderate':>8} {'minor':>6}  rules",
        ]
        for name, _url, found in self.rows:
            counts = {impact: 0 for impact in IMPACTS}
            for impact, _targets in found.values():
                counts[impact] += 1
            lines.append(
                f"{name:<44} {counts['critical']:>8} {counts['serious']:>8} "
                f"{counts['moderate']:>8} {counts['minor']:>6}  {', '.join(sorted(found)) or '-'}"
            )
        return "\n".join(lines)

    def axe_version(self):
        return re.search(r"axe v([\d.]+)", self.axe.axe_script).group(1)

    def blocking(self):
        return [
            f"{name} ({url}): {rule} [{impact}] at {targets[:3]}"
            for name, url, found in self.rows
            for rule, (impact, targets) in found.items()
            if impact in BLOCKING
        ]


def report(audit, capsys):
    table = audit.table()
    (settings.BASE_DIR / "var").mkdir(exist_ok=True)
    (settings.BASE_DIR / "var" / f"axe-{audit.side}.txt").write_text(table + "\n")
    with capsys.disabled():
        print("\n" + table)
    assert not audit.blocking(), "Serious or critical accessibility problems:\n" + "\n".join(
        audit.blocking()
    )


def fill_signup(page):
    page.get_by_label("Email", exact=True).fill("lee.moreno@example.com")
    page.get_by_label("Password", exact=True).fill("tulip-harbor-canvas-91")
    page.get_by_label("Legal first name").fill("Lee")
    page.get_by_label("Legal last name").fill("Moreno")
    page.get_by_label("Date of birth").fill("1979-09-30")
    page.get_by_label("Street address").fill("12 Oak Road")
    page.get_by_label("City").fill("Austin")
    page.get_by_label("State", exact=True).select_option("TX")
    page.get_by_label("ZIP code").fill("73301")


def use_session_of(page, client, live_server):
    """Hand the browser the session of a test client (a console user past the second
    factor)."""
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_family_pages_have_no_serious_accessibility_problem(
    page, live_server, family, capsys, mailoutbox
):
    visitor, visit = family
    InmateFactory(
        facility=Facility.objects.get(slug="bexar-county-jail"), first_name="Rosa", last_name="Vega"
    )
    audit = Audit(page, "family")

    page.goto("/")
    audit("home page (signed out)")
    page.goto("/accounts/signup/")
    audit("sign up")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Please correct the following")).to_be_visible()
    audit("sign up, with errors")
    fill_signup(page)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email to continue")).to_be_visible()
    audit("sign up: check your email")
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill("lee.moreno@example.com")
    page.get_by_label("Password", exact=True).fill("tulip-harbor-canvas-91")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Lee")).to_be_visible()
    audit("my account (new, email not confirmed)")
    page.goto(reverse("accounts:identity"))
    audit("identity: upload")
    page.get_by_role("button", name="Save and continue").click()
    audit("identity: upload, with errors")
    page.goto(reverse("accounts:verify_email", args=["not-a-real-token"]))
    audit("email link not valid")
    page.get_by_role("button", name="Sign out").click()

    page.goto("/accounts/login/")
    audit("sign in")
    page.get_by_role("button", name="Sign in").click()
    audit("sign in, with errors")
    page.goto("/accounts/password-reset/")
    audit("password reset")
    page.get_by_label("Email").fill(visitor.email)
    page.get_by_role("button", name="Send the link").click()
    audit("password reset: sent")
    link = re.search(r"https?://\S+/accounts/password-reset/\S+", mailoutbox[-1].body).group(0)
    page.goto(link)
    audit("password reset: new password")
    page.goto("/")
    page.get_by_role("button", name="Español").click()
    audit("home page, in Spanish")
    page.get_by_role("button", name="English").click()

    sign_in(page, visitor.email)
    audit("my account")
    page.goto(reverse("accounts:identity"))
    audit("identity")
    page.goto(reverse("accounts:details"))
    audit("details")
    page.goto(reverse("facilities:mine"))
    audit("my facilities")
    page.get_by_role("link", name="Add a facility").click()
    audit("add a facility 1: state")
    page.get_by_label("State").select_option("TX")
    page.get_by_role("button", name="Continue").click()
    audit("add a facility 2: facility")
    choose(page, "Bexar County Jail")
    page.get_by_role("button", name="Continue").click()
    audit("add a facility 3: whom")
    page.get_by_label("Name or ID number of the person you want to visit").fill("Vega")
    page.get_by_role("button", name="Search").click()
    audit("add a facility 3: people found")
    page.get_by_role("link", name="Choose Rosa Vega").click()
    audit("add a facility 3: who they are to them")
    choose(page, "Sibling")
    page.get_by_role("button", name="Ask to visit").click()
    audit("my facilities, a request pending")
    page.get_by_role("link", name="Withdraw this request").click()
    audit("withdraw a request")

    book_a_visit(page, audit)
    page.goto(reverse("visits:mine"))
    audit("my visits")
    page.goto(reverse("visits:money"))
    audit("credit and payments")
    page.get_by_role("link", name="Receipt of the card payment").first.click()
    audit("a receipt")
    page.goto(reverse("visits:detail", args=[visit.pk]))
    audit("a visit")
    page.goto(reverse("visits:cancel", args=[visit.pk]))
    audit("cancel a visit")
    page.goto(reverse("visits:reschedule", args=[visit.pk]))
    audit("change the time: day")
    page.locator("a.site-day__link").first.click()
    audit("change the time: time")
    page.locator(".site-times label").first.click()
    page.get_by_role("button", name="Continue").click()
    audit("change the time: confirm")
    page.goto(reverse("accounts:close_account"))
    audit("close the account")
    page.goto("/no-such-page/")
    audit("page not found")
    page.goto(reverse("visits:mine"))
    page.get_by_role("button", name="Español").click()
    audit("my visits, in Spanish")
    page.goto(reverse("visits:detail", args=[visit.pk]))
    audit("a visit, in Spanish")
    page.goto(reverse("visits:money"))
    audit("credit and payments, in Spanish")

    report(audit, capsys)


@pytest.fixture
def console(reviewer, admin_a, facility_a, visit_site, visitor, other_home_user):
    """Something in every console list: a pending identity, a pending access request, a
    visit on the board, a closure and a lockdown."""
    pending_submission(user=other_home_user, hours_ago=3)
    access_request = pending_access_request(
        facility=facility_a, user=UserFactory(first_name="Jo", last_name="Park"), hours_ago=30
    )
    start = (timezone.now() + timedelta(days=1)).replace(hour=15, minute=0, second=0)
    visit = VisitFactory(
        facility=facility_a,
        inmate=visit_site.inmate,
        inmate_terminal=visit_site.terminals[0],
        visitor=visitor,
        starts_at=start,
    )
    closure = ClosureFactory(
        facility=facility_a,
        starts_at=start - timedelta(hours=2),
        ends_at=start + timedelta(hours=2),
    )
    lockdown = LockdownFactory(  # in force: its page offers to end it; the closure's to remove it
        housing_unit=visit_site.unit,
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=start + timedelta(hours=1),
    )
    return access_request, visit, closure, lockdown


def test_console_pages_have_no_serious_accessibility_problem(
    page, live_server, client, console, reviewer, admin_a, facility_a, visit_site, capsys
):
    access_request, visit, closure, lockdown = console
    audit = Audit(page, "console")

    sign_in(page, admin_a.email)
    page.goto("/console/")
    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    audit("second factor: set up")

    device = totp_device(reviewer)
    sign_in(page, reviewer.email)
    page.goto("/console/")
    audit("second factor: code")
    page.get_by_label("6-digit code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Staff console")).to_be_visible()
    audit("console home (reviewer)")
    page.goto(reverse("review:identity_queue"))
    audit("identity queue")
    page.get_by_role("link", name=re.compile("^Review ")).first.click()
    audit("identity: detail")
    choose(page, "Disapprove")
    page.get_by_role("button", name="Review my decision").click()
    audit("identity: decision with errors")

    otp_login(client, admin_a)
    use_session_of(page, client, live_server)
    page.goto("/console/")
    audit("console home (facility)")
    page.goto(reverse("review:access_queue"))
    audit("access queue")
    page.goto(reverse("review:access_detail", args=[access_request.pk]))
    audit("access: detail")
    page.goto(reverse("review:user_search") + "?q=Rivera")
    audit("find a person")
    page.goto(reverse("review:user_detail", args=[visit.visitor.pk]))
    audit("a person")

    facility = facility_a.pk
    for name, url in [
        ("visits: facilities", reverse("console_visits:facilities")),
        ("visits: board", reverse("console_visits:board", args=[facility])),
        ("visits: daily list", reverse("console_visits:daily_list", args=[facility])),
        ("visits: settings", reverse("console_visits:config", args=[facility])),
        ("visits: windows", reverse("console_visits:windows", args=[facility, "remote"])),
        ("visits: closures", reverse("console_visits:closures", args=[facility])),
        ("visits: a closure", reverse("console_visits:closure", args=[closure.pk])),
        ("visits: lockdowns", reverse("console_visits:lockdowns", args=[facility])),
        ("visits: a lockdown", reverse("console_visits:lockdown", args=[lockdown.pk])),
        ("visits: terminals", reverse("console_visits:terminals", args=[facility])),
        (
            "visits: a terminal",
            reverse("console_visits:terminal", args=[visit_site.terminals[0].pk]),
        ),
        ("visits: a visit", reverse("console_visits:visit", args=[visit.pk])),
        ("visits: move a visit", reverse("console_visits:visit_move", args=[visit.pk])),
        ("visits: cancel a visit", reverse("console_visits:visit_cancel", args=[visit.pk])),
        ("visits: live board", reverse("console_live:live", args=[facility])),
        ("video: rooms, terminals, PINs", reverse("console_video:facility", args=[facility])),
        ("video: settings", reverse("console_video:settings", args=[facility])),
    ]:
        response = page.goto(url)
        assert response.status == 200, url
        audit(name)

    busy = busy_day_seed(day=timezone.localdate(timezone.now(), ZoneInfo("America/Chicago")))
    StaffMembershipFactory(user=admin_a, facility=busy)
    page.goto(reverse("console_visits:board", args=[busy.pk]))
    audit("visits: board of a day with 200 visits")
    page.goto(reverse("console_visits:board", args=[busy.pk]) + "?status=scheduled")
    audit("visits: board, filtered")

    page.goto(reverse("console_video:settings", args=[facility]))
    page.get_by_label("Days a recording is kept").fill("400")
    page.get_by_role("button", name="Save the video settings").click()
    expect(
        page.get_by_text("Keep recordings at least 1 day and at most 365 days.").first
    ).to_be_visible()
    audit("video: settings with an error")

    page.goto(reverse("console_visits:lockdown", args=[lockdown.pk]))
    page.get_by_role("button", name="End this lockdown now").click()
    expect(page.get_by_text("Ended early")).to_be_visible()
    audit("visits: a lockdown ended early")

    report(audit, capsys)


def test_a_visit_can_be_booked_with_the_keyboard_only(page, live_server, family):
    """Tab, Space, Enter and the arrow keys only: no click, no fill. Every control that
    takes the focus shows it."""
    visitor, _visit = family
    sign_in(page, visitor.email)
    page.set_viewport_size(PHONE)
    keyboard = page.keyboard

    def tab_to(matches, limit=80):
        """Tab until the focused element matches; check its focus is visible."""
        for _ in range(limit):
            keyboard.press("Tab")
            focused = page.evaluate_handle("document.activeElement")
            if focused.evaluate(matches):
                assert focus_is_visible(focused), focused.evaluate("e => e.outerHTML")
                return focused
        raise AssertionError(f"Tab never reached {matches}")

    def focus_is_visible(element):
        """A focus ring of at least 2px: on the control, or for USWDS's own radio buttons
        and check boxes (the input is visually hidden) on the box drawn before the label."""
        return element.evaluate(
            """e => {
                const drawn = e.type === "radio" || e.type === "checkbox";
                const label = drawn && document.querySelector(`label[for="${e.id}"]`);
                const style = label ? getComputedStyle(label, "::before") : getComputedStyle(e);
                return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
            }"""
        )

    def type_text(text):
        keyboard.type(text)

    page.goto("/visits/")
    tab_to("e => e.tagName === 'A' && e.textContent.trim() === 'Book a visit'")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Book a visit")).to_be_visible()

    tab_to("e => e.type === 'radio'")
    keyboard.press("Space")
    tab_to("e => e.tagName === 'BUTTON' && e.textContent.trim() === 'Continue'")
    keyboard.press("Enter")

    expect(page.get_by_role("heading", name="A visit at Travis County Jail")).to_be_visible()
    tab_to("e => e.type === 'radio'")
    keyboard.press("Space")
    tab_to("e => e.tagName === 'BUTTON' && e.textContent.trim() === 'Continue'")
    keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Who do you want to visit?")).to_be_visible()
    tab_to("e => e.name === 'q'")
    type_text("Diaz")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="People found")).to_be_visible()
    tab_to("e => e.tagName === 'A' && e.textContent.trim() === 'Visit Ana Diaz'")
    keyboard.press("Enter")

    expect(page.get_by_role("heading", name="How long a visit?")).to_be_visible()
    tab_to("e => e.type === 'radio'")
    keyboard.press("Space")
    tab_to("e => e.tagName === 'BUTTON' && e.textContent.trim() === 'Continue'")
    keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Which day?")).to_be_visible()
    tab_to("e => e.classList.contains('site-day__link')")
    keyboard.press("Enter")

    expect(page.get_by_role("heading", name="What time?")).to_be_visible()
    tab_to("e => e.type === 'radio'")
    keyboard.press("Space")
    tab_to("e => e.tagName === 'BUTTON' && e.textContent.trim() === 'Hold this time'")
    keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Check and confirm your visit")).to_be_visible()
    tab_to("e => e.name === 'accept_terms'")
    keyboard.press("Space")
    tab_to("e => e.name === 'card_number'")
    type_text("4242424242424242")
    tab_to("e => e.name === 'card_expiry'", limit=3)
    type_text("12/30")
    tab_to("e => e.name === 'card_cvc'", limit=3)
    type_text("123")
    tab_to("e => e.tagName === 'BUTTON' && e.textContent.trim().startsWith('Confirm')")
    keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Your visit is booked")).to_be_visible()
    assert visitor.visits.filter(status="booked").count() == 2
