"""Enrolled terminals: the console's one-time code, the kiosk's cookie, revocation, what
the unit terminal shows, and check-in with ID number and PIN."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from review.tests.factories import otp_login
from scheduling.models import VisitStatus
from video import rooms, terminals
from video.models import SessionEvent, TerminalDevice, VideoSession

from .fixtures import at

pytestmark = pytest.mark.django_db


def enrol(client, admin, terminal, when):
    with time_machine.travel(when, tick=False):
        code = terminals.enrolment_code_create(actor=admin, terminal=terminal)
        return client.post(reverse("video:terminal"), {"code": code.lower()})


def test_an_administrator_enrols_a_terminal_with_a_one_time_code(client, admin_a, visit_site):
    otp_login(client, admin_a)
    terminal = visit_site.terminals[0]
    page = client.post(reverse("console_video:terminal_enrol", args=[terminal.pk]))
    code = page.context["code"]
    assert code in page.content.decode()
    assert "works once, for 15 minutes" in page.content.decode()
    client.logout()
    response = client.post(reverse("video:terminal"), {"code": code})
    assert response.status_code == 302
    cookie = response.cookies[terminals.COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    device = TerminalDevice.objects.get()
    assert device.terminal == terminal
    assert cookie.value not in device.token_hash
    again = client.__class__().post(reverse("video:terminal"), {"code": code})
    assert "This code is not valid or has expired" in again.content.decode()


def test_an_enrolment_code_expires_after_15_minutes(client, admin_a, visit_site):
    terminal = visit_site.terminals[0]
    with time_machine.travel(at(9), tick=False):
        code = terminals.enrolment_code_create(actor=admin_a, terminal=terminal)
    with time_machine.travel(at(9, 15), tick=False):
        response = client.post(reverse("video:terminal"), {"code": code})
    assert "This code is not valid or has expired" in response.content.decode()
    assert not TerminalDevice.objects.exists()


def test_officers_and_other_facilities_cannot_enrol(client, staff_a, admin_a, staff_b, visit_site):
    terminal = visit_site.terminals[0]
    for user in (staff_a, staff_b):
        otp_login(client, user)
        response = client.post(reverse("console_video:terminal_enrol", args=[terminal.pk]))
        assert response.status_code == 404
    assert not terminals.EnrolmentCode.objects.exists()


def test_a_revoked_terminal_sees_only_the_enrolment_page(client, admin_a, visit_site):
    enrol(client, admin_a, visit_site.terminals[0], at(9))
    device = TerminalDevice.objects.get()
    staff_client = client.__class__()
    otp_login(staff_client, admin_a)
    page = staff_client.get(reverse("console_video:facility", args=[visit_site.facility.pk]))
    assert "last seen" in page.content.decode()
    staff_client.post(reverse("console_video:device_revoke", args=[device.pk]))
    response = client.get(reverse("video:terminal"))
    assert "Enrol this terminal" in response.content.decode()
    assert "North 1" not in response.content.decode()


def test_the_unit_terminal_shows_the_person_and_never_the_visitor(
    client, admin_a, remote_visit, visit_site
):
    enrol(client, admin_a, visit_site.terminals[0], at(9))
    with time_machine.travel(at(13), tick=False):
        page = client.get(reverse("video:terminal")).content.decode()
    assert "Ana Diaz, ID number TX-1001" in page
    assert "2 p.m. CST" in page
    visitor = remote_visit.visitor
    for detail in (visitor.first_name, visitor.last_name, visitor.email):
        assert detail not in page
    other = client.__class__()
    enrol(other, admin_a, visit_site.terminals[1], at(9))
    with time_machine.travel(at(13), tick=False):
        assert "Ana Diaz" not in other.get(reverse("video:terminal")).content.decode()


@pytest.fixture
def open_visit(remote_visit, fake_janus, admin_a, visit_site):
    terminals.inmate_pin_set(actor=admin_a, inmate=visit_site.inmate, pin="4821")
    with time_machine.travel(at(13, 50), tick=False):
        rooms.rooms_tick()
    return remote_visit


def check_in(client, visit, id_number, pin, when):
    with time_machine.travel(when, tick=False):
        return client.post(
            reverse("video:terminal_check_in", args=[visit.pk]),
            {f"v{visit.pk}-id_number": id_number, f"v{visit.pk}-pin": pin},
        )


def test_the_person_checks_in_with_id_number_and_pin_and_joins(
    client, admin_a, open_visit, visit_site
):
    enrol(client, admin_a, visit_site.terminals[0], at(9))
    response = check_in(client, open_visit, "tx-1001", "4821", at(13, 58))
    assert response["Location"] == reverse("video:terminal_call", args=[open_visit.pk])
    open_visit.refresh_from_db()
    assert open_visit.status == VisitStatus.CHECKED_IN
    with time_machine.travel(at(13, 58), tick=False):
        call = client.get(response["Location"])
    assert '"display": "facility"' in call.content.decode()
    room_id = open_visit.video_sessions.get().room_id
    assert f'"feed": "{rooms.feed_id(room_id, "facility")}"' in call.content.decode()
    # The terminal shows the family's feed and no other.
    assert f'"remoteFeed": "{rooms.feed_id(room_id, "family")}"' in call.content.decode()


def test_three_wrong_pins_lock_check_in_and_tell_the_officer(
    client, admin_a, open_visit, visit_site
):
    enrol(client, admin_a, visit_site.terminals[0], at(9))
    first = check_in(client, open_visit, "TX-1001", "0000", at(13, 58))
    assert "The ID number or PIN is wrong. 2 tries left." in first.content.decode()
    check_in(client, open_visit, "TX-1001", "1111", at(13, 58))
    third = check_in(client, open_visit, "TX-1001", "2222", at(13, 58))
    assert "Check-in is locked after three wrong tries" in third.content.decode()
    right = check_in(client, open_visit, "TX-1001", "4821", at(13, 59))
    assert "Check-in is locked after three wrong tries" in right.content.decode()
    open_visit.refresh_from_db()
    assert open_visit.status == VisitStatus.BOOKED
    session = VideoSession.objects.get(visit=open_visit)
    assert session.events.filter(kind=SessionEvent.Kind.CHECKIN_LOCKED).count() == 1
    console = client.__class__()
    with time_machine.travel(at(13, 59), tick=False):
        otp_login(console, admin_a)
        page = console.get(reverse("console_video:facility", args=[visit_site.facility.pk]))
    assert "Locked after three wrong PINs" in page.content.decode()


def test_check_in_closes_ten_minutes_after_the_start(client, admin_a, open_visit, visit_site):
    enrol(client, admin_a, visit_site.terminals[0], at(9))
    late = check_in(client, open_visit, "TX-1001", "4821", at(14, 10, 1))
    assert "Check-in for this visit is closed." in late.content.decode()


def test_a_visit_on_another_terminal_cannot_be_checked_in_here(
    client, admin_a, open_visit, visit_site
):
    enrol(client, admin_a, visit_site.terminals[1], at(9))
    response = check_in(client, open_visit, "TX-1001", "4821", at(13, 58))
    assert response.status_code == 404


def test_staff_set_a_pin_only_for_their_own_facility(client, staff_a, staff_b, visit_site):
    otp_login(client, staff_b)
    response = client.post(
        reverse("console_video:pin", args=[visit_site.facility.pk]),
        {"id_number": "TX-1001", "pin": "1234"},
    )
    assert response.status_code == 404
    otp_login(client, staff_a)
    client.post(
        reverse("console_video:pin", args=[visit_site.facility.pk]),
        {"id_number": "TX-1001", "pin": "1234"},
    )
    visit_site.inmate.refresh_from_db()
    assert visit_site.inmate.checkin_pin.startswith("md5$")
    assert "1234" not in visit_site.inmate.checkin_pin


def test_an_onsite_visitor_checks_in_at_the_lobby_with_the_booking_code(
    client, admin_a, visitor, visit_site, fake_janus
):
    from scheduling.models import VisitKind
    from scheduling.tests.factories import VisitFactory

    visit = VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        visitor=visitor,
        kind=VisitKind.ONSITE,
        inmate_terminal=visit_site.terminals[0],
        lobby_terminal=visit_site.lobby,
        starts_at=at(14),
        ends_at=at(14) + timedelta(minutes=20),
    )
    with time_machine.travel(at(13, 50), tick=False):
        rooms.rooms_tick()
    enrol(client, admin_a, visit_site.lobby, at(9))
    with time_machine.travel(at(13, 55), tick=False):
        home = client.get(reverse("video:terminal")).content.decode()
        # The lobby is public: no one's name or ID number on its screen.
        assert "Check in with the booking code from your visit" in home
        assert "Ana Diaz" not in home and "TX-1001" not in home
        assert visitor.first_name not in home
        wrong = client.post(
            reverse("video:terminal_check_in", args=[visit.pk]), {f"v{visit.pk}-code": "AAAA"}
        )
        assert "No visit at this terminal now has that booking code" in wrong.content.decode()
        right = client.post(
            reverse("video:terminal_check_in", args=[visit.pk]),
            {f"v{visit.pk}-code": terminals.booking_code(visit)},
        )
        assert right["Location"] == reverse("video:terminal_call", args=[visit.pk])
        call = client.get(right["Location"])
    assert '"display": "family"' in call.content.decode()


def test_the_console_offers_to_end_a_visit_under_way(client, staff_a, open_visit, visit_site):
    with time_machine.travel(at(14, 5), tick=False):
        otp_login(client, staff_a)
        page = client.get(reverse("console_video:facility", args=[visit_site.facility.pk]))
    assert reverse("console_visits:visit_cancel", args=[open_visit.pk]) in page.content.decode()
    assert "End visit now" in page.content.decode()
