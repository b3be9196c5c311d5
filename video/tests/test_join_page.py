"""The family's join page and its links on My visits and the visit's page."""

import json
import re

import pytest
import time_machine
from django.urls import reverse

from scheduling.models import VisitStatus
from video import rooms
from video.models import RoomState, VideoSession

from .fixtures import at

pytestmark = pytest.mark.django_db


def open_room(visit, fake_janus):
    with time_machine.travel(at(13, 50), tick=False):
        rooms.rooms_tick()
    return VideoSession.objects.get(visit=visit)


def page_config(response):
    match = re.search(
        r'<script id="video-config" type="application/json">(.*?)</script>',
        response.content.decode(),
    )
    return json.loads(match.group(1)) if match else None


def test_before_the_opening_the_page_says_when_the_visit_can_be_joined(client, remote_visit):
    with time_machine.travel(at(13, 30), tick=False):
        client.force_login(remote_visit.visitor)
        response = client.get(reverse("video:join", args=[remote_visit.pk]))
    assert response.status_code == 200
    assert (
        "You can join from 1:50 p.m. CST, 10 minutes before the start" in response.content.decode()
    )
    assert page_config(response) is None


def test_once_open_the_page_has_tokens_for_this_room_only_in_its_html(
    client, remote_visit, fake_janus, settings
):
    session = open_room(remote_visit, fake_janus)
    with time_machine.travel(at(13, 55), tick=False):
        client.force_login(remote_visit.visitor)
        response = client.get(reverse("video:join", args=[remote_visit.pk]))
    config = page_config(response)
    assert config["room"] == session.room_id
    assert config["pin"] == session.pin
    assert config["display"] == "family"
    # The family joins with its side's secret id and is never given the facility's, so
    # it cannot take the facility's place in the room.
    assert config["feed"] == rooms.feed_id(session.room_id, "family")
    assert config["remoteFeed"] == ""
    assert rooms.feed_id(session.room_id, "facility") not in response.content.decode()
    assert config["server"] == settings.JANUS_PUBLIC_URL[0]
    assert f"room={session.room_id}:" in config["roomToken"]
    assert config["roomToken"].startswith(str(int(remote_visit.ends_at.timestamp()) + 120))
    assert "This visit may be monitored and recorded by the facility." in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")


def test_only_the_join_page_may_reach_the_media_server(client, remote_visit, fake_janus):
    open_room(remote_visit, fake_janus)
    with time_machine.travel(at(13, 55), tick=False):
        client.force_login(remote_visit.visitor)
        join = client.get(reverse("video:join", args=[remote_visit.pk]))
        mine = client.get(reverse("visits:mine"))
    assert "connect-src 'self' http://127.0.0.1:8088" in join["Content-Security-Policy"]
    assert "8088" not in mine["Content-Security-Policy"]


def test_my_visits_shows_join_from_the_opening(client, remote_visit, fake_janus):
    join_url = reverse("video:join", args=[remote_visit.pk])
    with time_machine.travel(at(13, 49), tick=False):
        client.force_login(remote_visit.visitor)
        before = client.get(reverse("visits:mine")).content.decode()
    with time_machine.travel(at(13, 50), tick=False):
        after = client.get(reverse("visits:mine")).content.decode()
        detail = client.get(reverse("visits:detail", args=[remote_visit.pk])).content.decode()
    assert join_url not in before
    assert "You can join from 1:50 p.m. CST, 10 minutes before the start" in before
    assert join_url in after
    assert join_url in detail


def test_another_family_and_a_signed_out_browser_are_refused(
    client, remote_visit, fake_janus, other_home_user
):
    open_room(remote_visit, fake_janus)
    url = reverse("video:join", args=[remote_visit.pk])
    with time_machine.travel(at(13, 55), tick=False):
        anonymous = client.get(url)
        client.force_login(other_home_user)
        stranger = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))
    assert stranger.status_code == 404
    assert page_config(stranger) is None


def test_staff_get_no_tokens_for_a_familys_visit(client, remote_visit, fake_janus, staff_a):
    open_room(remote_visit, fake_janus)
    with time_machine.travel(at(13, 55), tick=False):
        client.force_login(staff_a)
        response = client.get(reverse("video:join", args=[remote_visit.pk]))
    assert response.status_code == 404


def test_a_cancelled_visit_cannot_be_joined(client, remote_visit, fake_janus):
    open_room(remote_visit, fake_janus)
    remote_visit.status = VisitStatus.CANCELLED
    remote_visit.save(update_fields=["status"])
    with time_machine.travel(at(13, 55), tick=False):
        client.force_login(remote_visit.visitor)
        response = client.get(reverse("video:join", args=[remote_visit.pk]))
    assert page_config(response) is None
    assert "This visit is over" in response.content.decode()


def test_a_room_that_did_not_open_yet_says_so(client, remote_visit, fake_janus):
    fake_janus.down = True
    with time_machine.travel(at(13, 50), tick=False):
        rooms.rooms_tick()
    assert VideoSession.objects.get(visit=remote_visit).state == RoomState.PENDING
    with time_machine.travel(at(13, 51), tick=False):
        client.force_login(remote_visit.visitor)
        response = client.get(reverse("video:join", args=[remote_visit.pk]))
    assert "The video service has not opened the room yet." in response.content.decode()
    assert page_config(response) is None
