"""The live board in a real browser: it updates in place while an officer reads it, and
stops when they pause it (the page is the same without scripts: it reloads itself)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import otp_login
from scheduling.tests.factories import VisitFactory
from video import live, rooms
from visitation.tests.test_accessibility import use_session_of

pytestmark = pytest.mark.browser


def test_the_live_board_updates_in_place_until_the_officer_pauses_it(
    page, live_server, client, monkeypatch, staff_a, visitor, visit_site, fake_janus
):
    monkeypatch.setattr(live, "REFRESH_SECONDS", 1)
    now = timezone.now()
    visit = VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        visitor=visitor,
        inmate_terminal=visit_site.terminals[0],
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(minutes=15),
    )
    rooms.rooms_tick(now=now - timedelta(minutes=6))
    room = visit.video_sessions.get().room_id
    otp_login(client, staff_a)
    use_session_of(page, client, live_server)
    page.goto(f"/console/visits/{visit_site.facility.pk}/live/")
    board = page.locator("#live-board")
    expect(board).to_contain_text("Visitor not joined")

    fake_janus.participants[room] = ["family"]
    rooms.rooms_tick(now=timezone.now())
    expect(board).to_contain_text("Connected since", timeout=5_000)  # no reload needed
    expect(board).not_to_contain_text("Visitor not joined")

    pause = page.get_by_role("button", name="Pause automatic updates")
    pause.click()
    expect(page.get_by_role("button", name="Resume automatic updates")).to_have_attribute(
        "aria-pressed", "true"
    )
    fake_janus.participants[room] = []
    rooms.rooms_tick(now=timezone.now())
    page.wait_for_timeout(2_500)  # two rounds it would have updated in
    expect(board).to_contain_text("Connected since")

    page.get_by_role("button", name="Resume automatic updates").click()
    expect(board).to_contain_text("Visitor not joined", timeout=5_000)
