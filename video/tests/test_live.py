"""The console's live board and silent watching: scoped to the officer's facilities,
warnings, constant queries, the reason logged and shown on the visit's page, and Janus
kept to two publishers."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import otp_login
from scheduling.tests.factories import VisitFactory
from video import rooms
from video.models import VisitWatch

from .fixtures import at

NOW = at(14, 5)


@pytest.fixture
def live_visit(remote_visit, fake_janus):
    with time_machine.travel(at(13, 50), tick=False):
        rooms.rooms_tick()
    return remote_visit


def live_visits(visit_site, visitor, count, *, start=0):
    """`count` visits under way at once, each with its own terminal, person and visitor
    (as the database's no-overlap constraints require)."""
    from accounts.tests.factories import UserFactory
    from facilities.tests.factories import InmateFactory, TerminalFactory
    from scheduling.tests.factories import grant_access

    visits = []
    for number in range(start, start + count):
        visits.append(
            VisitFactory(
                facility=visit_site.facility,
                inmate=InmateFactory(
                    facility=visit_site.facility,
                    housing_unit=visit_site.unit,
                    id_number=f"LB-{number}",
                ),
                visitor=grant_access(
                    UserFactory(email=f"live-{number}@example.com"), visit_site.facility
                ),
                inmate_terminal=TerminalFactory(
                    facility=visit_site.facility, housing_unit=visit_site.unit, name=f"L{number}"
                ),
                starts_at=at(14),
                ends_at=at(14, 20),
                price_cents=400,
            )
        )
    with time_machine.travel(at(13, 50), tick=False):
        rooms.rooms_tick()
    return visits


def new_urls(visit):
    return [
        reverse("console_live:live", args=[visit.facility_id]),
        reverse("console_live:visit_watch", args=[visit.pk]),
        reverse("console_live:visit_feeds", args=[visit.pk]),
        reverse("console_live:visit_recording", args=[visit.pk]),
        reverse("console_live:visit_recording_hold", args=[visit.pk]),
        reverse("console_live:visit_recording_release", args=[visit.pk]),
    ]


@pytest.mark.parametrize("persona", ["staff_b", "reviewer", "other_home_user", "visitor"])
def test_every_new_console_url_is_a_404_to_everyone_outside_the_facility(
    client, request, persona, live_visit
):
    user = request.getfixturevalue(persona)
    with time_machine.travel(NOW, tick=False):
        if persona in ("staff_b", "reviewer"):
            otp_login(client, user)
        else:
            client.force_login(user)
        answers = {url: client.get(url).status_code for url in new_urls(live_visit)[:4]}
        answers.update(
            {f"POST {url}": client.post(url).status_code for url in new_urls(live_visit)}
        )
    assert set(answers.values()) == {404}, answers


def test_the_board_shows_the_visit_who_is_connected_and_the_warnings(
    client, staff_a, live_visit, fake_janus
):
    with time_machine.travel(NOW - timedelta(minutes=1), tick=False):
        otp_login(client, staff_a)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("console_live:live", args=[live_visit.facility_id]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Ana Diaz" in text
    assert "Facility side missing" in text
    assert "Visitor not joined" in text
    # Without scripts it reloads itself; with them it updates in place and can be paused.
    assert '<noscript><meta http-equiv="refresh" content="20"></noscript>' in text
    assert "live_board" in text and "Pause automatic updates" in text
    assert reverse("console_live:visit_watch", args=[live_visit.pk]) in text
    assert reverse("console_visits:visit_cancel", args=[live_visit.pk]) in text

    room = live_visit.video_sessions.get().room_id
    fake_janus.participants[room] = ["family", "facility"]
    with time_machine.travel(at(14, 6), tick=False):
        rooms.rooms_tick()
        page = client.get(reverse("console_live:live", args=[live_visit.facility_id]))
    text = page.content.decode()
    assert "Facility side missing" not in text and "Visitor not joined" not in text
    assert text.count("Connected since") == 2

    fake_janus.down = True
    with time_machine.travel(at(14, 7), tick=False):
        page = client.get(reverse("console_live:live", args=[live_visit.facility_id]))
    assert "Media server unreachable" in page.content.decode()


def test_the_boards_queries_do_not_grow_with_the_visits(
    client, staff_a, visit_site, visitor, fake_janus
):
    with time_machine.travel(NOW - timedelta(minutes=1), tick=False):
        otp_login(client, staff_a)
    url = reverse("console_live:live", args=[visit_site.facility.pk])
    counts = []
    for total in (3, 30):
        live_visits(visit_site, visitor, total - (3 if counts else 0), start=3 if counts else 0)
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        assert page.content.decode().count("/watch/") == total
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_watching_needs_a_reason_which_is_logged_and_shown_to_staff_on_the_visit(
    client, staff_a, live_visit
):
    with time_machine.travel(NOW - timedelta(minutes=1), tick=False):
        otp_login(client, staff_a)
    url = reverse("console_live:visit_watch", args=[live_visit.pk])
    with time_machine.travel(NOW, tick=False):
        form = client.get(url)
        refused = client.post(url, {})
        watching = client.post(url, {"reason": "alert"})
    assert "Routine monitoring" in form.content.decode()
    assert refused.status_code == 400
    assert VisitWatch.objects.count() == 1
    watch = VisitWatch.objects.get()
    assert (watch.staff, watch.reason, watch.at) == (staff_a, "alert", NOW)
    text = watching.content.decode()
    assert '"display": "monitor"' in text and "watch.js" in text
    assert "getUserMedia" not in text
    with time_machine.travel(NOW, tick=False):
        visit_page = client.get(reverse("console_visits:visit", args=[live_visit.pk]))
    assert "Alex Officer at" in visit_page.content.decode()
    assert "Alert" in visit_page.content.decode()


def test_a_visit_not_under_way_cannot_be_watched(client, staff_a, remote_visit, fake_janus):
    with time_machine.travel(NOW - timedelta(minutes=1), tick=False):
        otp_login(client, staff_a)
    with time_machine.travel(at(13, 0), tick=False):
        response = client.post(
            reverse("console_live:visit_watch", args=[remote_visit.pk]), {"reason": "alert"}
        )
    assert response.status_code == 302
    assert VisitWatch.objects.count() == 0


def test_the_room_watch_removes_anyone_publishing_who_is_not_one_of_the_two_sides(
    live_visit, fake_janus
):
    room = live_visit.video_sessions.get().room_id
    fake_janus.participants[room] = ["family", "facility", "monitor"]
    with time_machine.travel(NOW, tick=False):
        rooms.rooms_tick()
    assert fake_janus.kicked == ["monitor"]
    assert fake_janus.participants[room] == ["family", "facility"]


def test_the_feeds_say_when_the_room_is_gone(client, staff_a, live_visit, fake_janus):
    with time_machine.travel(NOW - timedelta(minutes=1), tick=False):
        otp_login(client, staff_a)
    url = reverse("console_live:visit_feeds", args=[live_visit.pk])
    with time_machine.travel(NOW, tick=False):
        assert client.get(url).json() == {"ended": False, "feeds": []}
    with time_machine.travel(live_visit.ends_at + timedelta(seconds=1), tick=False):
        assert client.get(url).json()["ended"] is True


def test_both_sides_are_told_the_facility_ended_the_visit_and_why(
    client, staff_a, live_visit, visitor, fake_janus, mailoutbox, django_capture_on_commit_callbacks
):
    from scheduling.reasons import CancelFamily, CancelReason
    from scheduling.services import visit_cancel_by_staff

    url = reverse("video:join_ended", args=[live_visit.pk])
    with time_machine.travel(NOW, tick=False):
        client.force_login(visitor)
        assert client.get(url).json() == {"byFacility": False}
        with django_capture_on_commit_callbacks(execute=True):
            visit_cancel_by_staff(
                actor=staff_a,
                visit=live_visit,
                family=CancelFamily.BEHAVIOURAL,
                reason=CancelReason.BEHAVIOUR,
                explanation="Rude gestures.",
            )
        text = client.get(url).json()["text"]
    assert "The facility ended the visit" in text and "Rude gestures." in text
    assert live_visit.video_sessions.get().room_id in fake_janus.destroyed
