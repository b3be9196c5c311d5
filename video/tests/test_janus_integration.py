"""Against a real Janus with the project's configuration (started once for the session;
skipped only where Janus is not installed, a failure in CI)."""

import json
import secrets
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from video import janus, rooms, tokens

pytestmark = pytest.mark.janus


class Browserless:
    """Janus's public HTTP API as a browser page uses it, without media."""

    def __init__(self, token):
        self.base = settings.JANUS_URL[0]
        self.token = token
        answer = self.post(self.base, {"janus": "create"})
        self.ok = answer["janus"] == "success"
        self.answer = answer
        if self.ok:
            self.session = f"{self.base}/{answer['data']['id']}"

    def post(self, url, body):
        body = {**body, "transaction": secrets.token_hex(4), "token": self.token}
        request = urllib.request.Request(
            url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def events(self):
        token = urllib.parse.quote(self.token, safe="")
        url = f"{self.session}?maxev=5&rid={secrets.token_hex(4)}&token={token}"
        with urllib.request.urlopen(url, timeout=35) as response:
            answer = json.loads(response.read())
        return answer if isinstance(answer, list) else [answer]

    def join(self, room, room_token, pin, display="family", feed=None):
        handle = self.post(self.session, {"janus": "attach", "plugin": "janus.plugin.videoroom"})
        handle_url = f"{self.session}/{handle['data']['id']}"
        body = {
            "request": "join",
            "ptype": "publisher",
            "room": room,
            "pin": pin,
            "token": room_token,
            "display": display,
        }
        if feed:
            body["id"] = feed
        self.post(handle_url, {"janus": "message", "body": body})
        for event in self.events():
            data = event.get("plugindata", {}).get("data", {})
            if data.get("videoroom") in ("joined", "event"):
                return data
        raise AssertionError("no answer to the join")


def expiry(minutes=20):
    return timezone.now() + timedelta(minutes=minutes)


def core():
    return tokens.core_token(secret=settings.JANUS_TOKEN_SECRET, expires_at=expiry())


def room_token(room):
    return tokens.room_token(secret=settings.JANUS_TOKEN_SECRET, room_id=room, expires_at=expiry())


@pytest.fixture
def room(janus_server):
    room_id = f"test-{secrets.token_hex(6)}"
    janus.room_create(0, room_id=room_id, pin="12345678", secret="room-secret", description="t")
    yield room_id
    janus.room_destroy(0, room_id=room_id, secret="room-secret")


def test_a_room_is_created_with_our_admin_key_and_refused_without_it(janus_server):
    room_id = f"test-{secrets.token_hex(6)}"
    with pytest.raises(janus.JanusError, match="wrong admin_key"):
        janus.room_create(
            0, room_id=room_id, pin="1", secret="s", description="t", admin_key="not-the-key"
        )
    assert room_id not in janus.rooms_list(0)
    janus.room_create(0, room_id=room_id, pin="1", secret="s", description="t")
    janus.room_create(0, room_id=room_id, pin="1", secret="s", description="t")  # idempotent
    assert room_id in janus.rooms_list(0)
    janus.room_destroy(0, room_id=room_id, secret="s")
    janus.room_destroy(0, room_id=room_id, secret="s")  # gone already: done
    assert room_id not in janus.rooms_list(0)


def test_the_admin_api_needs_our_admin_secret(janus_server):
    with pytest.raises(janus.JanusError, match="admin API refused"):
        janus.videoroom(0, {"request": "list"}, admin_secret="janusoverlord")


def test_a_browser_without_a_valid_core_token_gets_no_session(janus_server):
    assert not Browserless(token="").ok
    stale = tokens.core_token(
        secret=settings.JANUS_TOKEN_SECRET, expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert not Browserless(token=stale).ok
    forged = tokens.core_token(secret="not-the-secret", expires_at=expiry())
    assert not Browserless(token=forged).ok
    assert Browserless(token=core()).ok


def test_a_token_for_room_a_cannot_join_room_b(janus_server, room):
    other = f"test-{secrets.token_hex(6)}"
    janus.room_create(0, room_id=other, pin="12345678", secret="s", description="t")
    try:
        refused = Browserless(core()).join(other, room_token(room), "12345678")
        assert refused["error_code"] == 433
        joined = Browserless(core()).join(room, room_token(room), "12345678")
        assert joined["videoroom"] == "joined"
    finally:
        janus.room_destroy(0, room_id=other, secret="s")


def test_the_wrong_pin_is_refused(janus_server, room):
    refused = Browserless(core()).join(room, room_token(room), "00000000")
    assert refused["error_code"] == 433


def test_destroying_the_room_disconnects_everyone_in_it(janus_server, room):
    family = Browserless(core())
    assert family.join(room, room_token(room), "12345678")["videoroom"] == "joined"
    listed = janus.videoroom(0, {"request": "listparticipants", "room": room})
    assert [p["display"] for p in listed["participants"]] == ["family"]
    janus.room_destroy(0, room_id=room, secret="room-secret")
    told = [e.get("plugindata", {}).get("data", {}).get("videoroom") for e in family.events()]
    assert "destroyed" in told
    assert janus.room_participants(0, room_id=room) is None


def test_only_the_sides_secret_ids_stay_in_the_room_whatever_their_display(janus_server, room):
    family = rooms.feed_id(room, "family")
    joined = Browserless(core()).join(room, room_token(room), "12345678", feed=family)
    assert joined["videoroom"] == "joined"
    assert joined["id"] == family
    # The same id a second time (another tab) is refused by Janus itself.
    again = Browserless(core()).join(room, room_token(room), "12345678", feed=family)
    assert again["error_code"] == 436
    forged = Browserless(core()).join(
        room, room_token(room), "12345678", display="facility", feed="facility-guessed"
    )
    assert forged["videoroom"] == "joined"
    kicked = janus.room_kick_strangers(
        0, room_id=room, secret="room-secret", allowed=set(rooms.side_feeds(room))
    )
    assert kicked == 1
    listed = janus.videoroom(0, {"request": "listparticipants", "room": room})
    assert [p["id"] for p in listed["participants"]] == [family]
