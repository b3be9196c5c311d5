"""A whole video visit in two real browsers with fake cameras and microphones: the family
on the join page, the incarcerated person on an enrolled unit terminal. Each sees the
other; a second tab of the family waits for the first to leave; the room closes at the
end and both pages say so; another family is refused."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, UserFactory
from scheduling.models import VisitKind, VisitStatus
from scheduling.tests.factories import VisitFactory, grant_access
from video import rooms, terminals
from video.models import Outcome, VideoSession
from visitation.tests.browser import CHROMIUM_ARGS, CHROMIUM_PATH, _require_chromium
from visitation.tests.test_accessibility import Audit

pytestmark = [pytest.mark.browser, pytest.mark.janus]

MEDIA_ARGS = [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture
def media_browser(monkeypatch):
    _require_chromium()
    from django.db import connections
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS + MEDIA_ARGS
        )
        try:
            yield browser
        finally:
            connections.close_all()
            browser.close()


def new_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 360, "height": 640}
    )
    context.set_default_timeout(20_000)
    return context.new_page()


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def wait_until(page, expression, *, seconds=20):
    """Poll `expression` in the page (page.wait_for_function would need eval, which the
    site's Content Security Policy forbids)."""
    for _ in range(seconds * 10):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {expression}")


def sees_the_other_side(page):
    wait_until(page, "() => window.visitCall.state === 'connected'")
    wait_until(page, "() => document.getElementById('remote').videoWidth > 0")
    wait_until(page, "() => window.visitCall.inboundVideoBytes().then((b) => b > 0)")
    before = page.evaluate("window.visitCall.inboundVideoBytes()")
    page.wait_for_timeout(2000)
    after = page.evaluate("window.visitCall.inboundVideoBytes()")
    assert after > before > 0


def visit_about_to_start(visit_site, visitor, admin, **fields):
    """A visit on the unit's first terminal starting in 2 minutes, 20 minutes long, with
    the person's check-in PIN 4821 and the visit's room open."""
    now = timezone.now()
    visit = VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        visitor=visitor,
        inmate_terminal=visit_site.terminals[0],
        starts_at=now + timedelta(minutes=2),
        ends_at=now + timedelta(minutes=22),
        **fields,
    )
    terminals.inmate_pin_set(actor=admin, inmate=visit_site.inmate, pin="4821")
    assert rooms.rooms_tick(now=now).opened == 1
    return visit


def check_in_on(kiosk):
    """The person checks in on the unit terminal with their ID number and PIN."""
    kiosk.get_by_label("Your ID number").fill("TX-1001")
    kiosk.get_by_label("Your 4-digit PIN").fill("4821")
    kiosk.get_by_role("button", name="Check in").click()


def test_the_family_and_the_unit_terminal_see_each_other_until_the_room_closes(
    media_browser, live_server, settings, janus_server, visitor, visit_site, admin_a
):
    settings.SITE_URL = live_server.url
    visit = visit_about_to_start(visit_site, visitor, admin_a, price_cents=400)

    family = new_page(media_browser, live_server)
    family_audit = Audit(family, "video-family")
    sign_in(family, visitor.email)
    family.goto(f"/visits/{visit.pk}/join/")
    expect(
        family.get_by_text("This visit may be monitored and recorded by the facility.")
    ).to_be_visible()
    join = family.get_by_role("button", name="I understand: join the visit")
    expect(join).to_be_enabled()
    family_audit("device check")
    join.focus()
    family.keyboard.press("Enter")  # the keyboard is enough
    expect(family.get_by_text("Waiting for Ana to join…")).to_be_visible()

    kiosk = new_page(media_browser, live_server)
    kiosk_audit = Audit(kiosk, "video-terminal")
    kiosk.goto("/terminal/")
    kiosk_audit("enrolment")
    code = terminals.enrolment_code_create(actor=admin_a, terminal=visit_site.terminals[0])
    kiosk.get_by_label("Enrolment code").fill(code)
    kiosk.get_by_role("button", name="Enrol").click()
    expect(kiosk.get_by_role("heading", name="Terminal North 1")).to_be_visible()
    kiosk_audit("schedule with check-in")
    expect(kiosk.get_by_text("Ana Diaz, ID number TX-1001")).to_be_visible()
    expect(kiosk.get_by_text(visitor.first_name)).to_have_count(0)
    check_in_on(kiosk)

    sees_the_other_side(family)
    sees_the_other_side(kiosk)
    family_audit("in the visit")
    kiosk_audit("in the visit")
    family.set_viewport_size({"width": 360, "height": 640})
    kiosk.set_viewport_size({"width": 360, "height": 640})
    rooms.rooms_tick(now=timezone.now())  # the task sees both sides in the room

    family.get_by_role("button", name="Leave").click()
    expect(family.get_by_role("heading", name="You left the visit")).to_be_visible()
    family.get_by_role("button", name="Join again").click()
    sees_the_other_side(family)

    # The same family in a second tab: it waits, saying why, until the first tab leaves.
    second = family.context.new_page()
    second_audit = Audit(second, "video-family-second-tab")
    second.goto(f"/visits/{visit.pk}/join/")
    second.get_by_role("button", name="I understand: join the visit").click()
    expect(second.get_by_text("This visit is already open in another window")).to_be_visible()
    family.get_by_role("button", name="Leave").click()
    sees_the_other_side(second)
    sees_the_other_side(kiosk)

    other = UserFactory(email="second.family@example.com")
    grant_access(other, visit_site.facility)
    stranger = new_page(media_browser, live_server)
    sign_in(stranger, other.email)
    stranger.goto(f"/visits/{visit.pk}/join/")
    expect(stranger.get_by_role("heading", name="Page not found")).to_be_visible()
    assert "video-config" not in stranger.content()

    rooms.rooms_tick(now=visit.ends_at)
    for page in (second, kiosk):
        expect(page.get_by_role("heading", name="The visit has ended")).to_be_visible()
        expect(page.locator("#ended-at")).to_contain_text("The visit has ended at")
    second_audit("ended")
    blocking = family_audit.blocking() + second_audit.blocking() + kiosk_audit.blocking()
    assert not blocking, "\n".join(blocking)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.COMPLETED
    assert VideoSession.objects.get(visit=visit).outcome == Outcome.COMPLETED


def enrolled_kiosk(browser, live_server, admin, terminal):
    kiosk = new_page(browser, live_server)
    kiosk.goto("/terminal/")
    kiosk.get_by_label("Enrolment code").fill(
        terminals.enrolment_code_create(actor=admin, terminal=terminal)
    )
    kiosk.get_by_role("button", name="Enrol").click()
    expect(kiosk.get_by_role("heading", name=f"Terminal {terminal.name}")).to_be_visible()
    return kiosk


def test_an_onsite_visit_joins_the_lobby_terminal_and_the_unit_terminal(
    media_browser, live_server, settings, janus_server, visitor, visit_site, admin_a
):
    settings.SITE_URL = live_server.url
    visit = visit_about_to_start(
        visit_site, visitor, admin_a, kind=VisitKind.ONSITE, lobby_terminal=visit_site.lobby
    )

    lobby = enrolled_kiosk(media_browser, live_server, admin_a, visit_site.lobby)
    lobby_audit = Audit(lobby, "video-lobby")
    expect(lobby.get_by_text("On-site visit. Check in with the booking code")).to_be_visible()
    expect(lobby.get_by_text("Ana Diaz")).to_have_count(0)  # a public room: no names
    lobby_audit("schedule with check-in")
    lobby.get_by_label("Booking code").fill(terminals.booking_code(visit).lower())
    lobby.get_by_role("button", name="Check in").click()
    wait_until(lobby, "() => window.visitCall && window.visitCall.state === 'waiting'")

    unit = enrolled_kiosk(media_browser, live_server, admin_a, visit_site.terminals[0])
    check_in_on(unit)

    sees_the_other_side(lobby)
    sees_the_other_side(unit)
    lobby_audit("in the visit")
    rooms.rooms_tick(now=timezone.now())  # the task sees both sides in the room

    rooms.rooms_tick(now=visit.ends_at)
    for page in (lobby, unit):
        expect(page.get_by_role("heading", name="The visit has ended")).to_be_visible()
    assert not lobby_audit.blocking(), "\n".join(lobby_audit.blocking())
    visit.refresh_from_db()
    assert visit.status == VisitStatus.COMPLETED
    assert VideoSession.objects.get(visit=visit).outcome == Outcome.COMPLETED


# Chromium made to use only relayed candidates, as on a network that lets nothing else
# through; the page's peer connections are kept for the test to read their stats.
RELAY_ONLY = """
(() => {
  const Native = window.RTCPeerConnection;
  window.__peerConnections = [];
  function RelayOnly(config, ...rest) {
    const pc = new Native(Object.assign({}, config, { iceTransportPolicy: "relay" }), ...rest);
    window.__peerConnections.push(pc);
    return pc;
  }
  RelayOnly.prototype = Native.prototype;
  Object.setPrototypeOf(RelayOnly, Native);
  window.RTCPeerConnection = RelayOnly;
})();
"""
SELECTED_CANDIDATE_TYPES = """async () => {
  const types = [];
  for (const pc of window.__peerConnections) {
    const stats = await pc.getStats();
    stats.forEach((s) => {
      if (s.type === "candidate-pair" && s.state === "succeeded" && s.nominated) {
        types.push(stats.get(s.localCandidateId).candidateType);
      }
    });
  }
  return types;
}"""


def test_a_family_whose_network_allows_only_turn_still_sees_and_is_seen(
    media_browser, live_server, settings, janus_server, turn_server, visitor, visit_site, admin_a
):
    settings.SITE_URL = live_server.url
    visit = visit_about_to_start(visit_site, visitor, admin_a)

    family = new_page(media_browser, live_server)
    family.add_init_script(RELAY_ONLY)
    sign_in(family, visitor.email)
    family.goto(f"/visits/{visit.pk}/join/")
    family.get_by_role("button", name="I understand: join the visit").click()

    unit = enrolled_kiosk(media_browser, live_server, admin_a, visit_site.terminals[0])
    check_in_on(unit)

    sees_the_other_side(family)
    sees_the_other_side(unit)
    # Both of the family's connections (sending and receiving) go through the TURN server,
    # with the short-lived credentials the site gave the page.
    types = family.evaluate(SELECTED_CANDIDATE_TYPES)
    assert types == ["relay", "relay"]
