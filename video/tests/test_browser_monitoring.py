"""Monitoring and recording in real browsers with fake devices and a real Janus: an officer
watches a visit silently (receives both sides; neither side receives a third stream) and
ends it for behaviour; a recorded 20-second visit becomes one playable file."""

import json
import subprocess
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import current_code, totp_device
from scheduling.models import LedgerEntry, LedgerKind, VisitStatus
from scheduling.tests.factories import VisitFactory
from video import janus, recordings, rooms, terminals
from video.models import FacilityVideoSettings, Outcome, Recording, RecordingState, VideoSession
from video.tests import test_browser_video as base

media_browser = base.media_browser  # the fixture: Chromium with fake camera and microphone
new_page, sees_the_other_side, sign_in, wait_until = (
    base.new_page,
    base.sees_the_other_side,
    base.sign_in,
    base.wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.janus]


def visit_under_way(visit_site, visitor, admin_a):
    now = timezone.now()
    visit = VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        visitor=visitor,
        inmate_terminal=visit_site.terminals[0],
        starts_at=now - timedelta(seconds=30),
        ends_at=now + timedelta(minutes=20),
        price_cents=400,
    )
    terminals.inmate_pin_set(actor=admin_a, inmate=visit_site.inmate, pin="4821")
    assert rooms.rooms_tick(now=now).opened == 1
    return visit


def both_sides_join(media_browser, live_server, visit, visitor, admin_a, visit_site):
    family = new_page(media_browser, live_server)
    sign_in(family, visitor.email)
    family.goto(f"/visits/{visit.pk}/join/")
    family.get_by_role("button", name="I understand: join the visit").click()
    kiosk = new_page(media_browser, live_server)
    kiosk.goto("/terminal/")
    code = terminals.enrolment_code_create(actor=admin_a, terminal=visit_site.terminals[0])
    kiosk.get_by_label("Enrolment code").fill(code)
    kiosk.get_by_role("button", name="Enrol").click()
    kiosk.get_by_label("Your ID number").fill("TX-1001")
    kiosk.get_by_label("Your 4-digit PIN").fill("4821")
    kiosk.get_by_role("button", name="Check in").click()
    sees_the_other_side(family)
    sees_the_other_side(kiosk)
    return family, kiosk


def test_an_officer_watches_silently_then_ends_the_visit_for_behaviour(
    media_browser,
    live_server,
    settings,
    janus_server,
    visitor,
    visit_site,
    admin_a,
    staff_a,
    mailoutbox,
):
    settings.SITE_URL = live_server.url
    visit = visit_under_way(visit_site, visitor, admin_a)
    family, kiosk = both_sides_join(media_browser, live_server, visit, visitor, admin_a, visit_site)
    rooms.rooms_tick(now=timezone.now())

    officer = new_page(media_browser, live_server)
    officer.set_viewport_size({"width": 1280, "height": 800})
    device = totp_device(staff_a)
    sign_in(officer, staff_a.email)
    officer.goto("/console/")
    officer.get_by_label("6-digit code from your authenticator app").fill(current_code(device))
    officer.get_by_role("button", name="Continue").click()
    officer.goto(f"/console/visits/{visit_site.facility.pk}/live/")
    expect(officer.get_by_text("Ana Diaz (TX-1001)")).to_be_visible()
    expect(officer.get_by_text("Connected since")).to_have_count(2)
    officer.get_by_role("link", name="Watch Ana Diaz").click()
    officer.get_by_label("Routine monitoring").check()
    officer.get_by_role("button", name="Watch").click()
    expect(officer.get_by_role("heading", name="Watching the visit of Ana Diaz")).to_be_visible()
    wait_until(officer, "() => window.watchCall && window.watchCall.state === 'watching'")
    wait_until(
        officer,
        "() => document.getElementById('watch-family').videoWidth > 0"
        " && document.getElementById('watch-facility').videoWidth > 0",
    )
    first = officer.evaluate("window.watchCall.inboundVideo()")
    officer.wait_for_timeout(2000)
    second = officer.evaluate("window.watchCall.inboundVideo()")
    assert second["family"] > first.get("family", 0) and second["facility"] > first.get(
        "facility", 0
    )
    # The officer is not a participant: Janus lists the two sides only, and each side
    # still receives exactly one video stream.
    session = VideoSession.objects.get(visit=visit)
    displays = sorted(f["display"] for f in janus.room_feeds(0, room_id=session.room_id))
    assert displays == ["facility", "family"]
    assert family.evaluate("window.visitCall.inboundVideoStreams()") == 1
    assert kiosk.evaluate("window.visitCall.inboundVideoStreams()") == 1

    mails_before = [m for m in mailoutbox if visitor.email in m.to]
    officer.get_by_role("link", name="End visit now").click()
    officer.get_by_label("Reason", exact=True).select_option(
        label="The incarcerated person's behaviour"
    )
    officer.get_by_label("Explanation for the visitor").fill("Threats were made on the call.")
    officer.get_by_role("button", name="Cancel the visit").click()

    for page in (family, kiosk):
        expect(page.get_by_role("heading", name="The visit has ended")).to_be_visible()
        expect(page.locator("#ended-reason")).to_contain_text("The facility ended the visit")
    expect(family.locator("#ended-reason")).to_contain_text("Threats were made on the call.")
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CANCELLED
    assert VideoSession.objects.get(visit=visit).outcome == Outcome.ENDED_BY_STAFF
    assert LedgerEntry.objects.filter(visit=visit, kind=LedgerKind.CHARGE).exists()
    mails = [m for m in mailoutbox if visitor.email in m.to]
    assert len(mails) == len(mails_before) + 1


def _probe(path):
    found = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "format=duration:stream=codec_type",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        check=True,
    )
    data = json.loads(found.stdout)
    return float(data["format"]["duration"]), sorted(s["codec_type"] for s in data["streams"])


def test_a_recorded_20_second_visit_becomes_one_playable_file(
    media_browser, live_server, settings, janus_server, visitor, visit_site, admin_a, tmp_path
):
    settings.SITE_URL = live_server.url
    settings.RECORDING_RAW_ROOT = tmp_path / "raw"
    settings.JANUS_TIMEOUT_SECONDS = 15  # closing a recording room on a busy machine
    FacilityVideoSettings.objects.create(facility=visit_site.facility, record_visits=True)
    visit = visit_under_way(visit_site, visitor, admin_a)
    started = time.monotonic()  # the family publishes (and is recorded) from about now
    family, _kiosk = both_sides_join(
        media_browser, live_server, visit, visitor, admin_a, visit_site
    )
    left = 20 - (time.monotonic() - started)
    assert left > 5, "both sides took too long to join"
    family.wait_for_timeout(left * 1000)
    session = VideoSession.objects.get(visit=visit)
    assert rooms.room_close(session_id=session.pk, now=timezone.now())
    recording = Recording.objects.get(session=session)
    recordings.recording_convert(recording_id=recording.pk)
    recording.refresh_from_db()
    assert recording.state == RecordingState.READY, recording.last_error
    path = tmp_path / "played.mp4"  # as the checked view serves it (storage may encrypt)
    with recordings.recording_storage().open(recording.file_name, "rb") as stored:
        path.write_bytes(stored.read())
    duration, kinds = _probe(path)
    assert 15 <= duration <= 25
    assert kinds == ["audio", "video"]
