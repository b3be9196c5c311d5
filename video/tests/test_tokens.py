from datetime import UTC, datetime, timedelta

from video import tokens

NOW = datetime(2030, 3, 5, 20, 0, tzinfo=UTC)
SECRET = "token-secret"


def room_ok(token, *, room="visit-1", secret=SECRET, now=NOW):
    return tokens.token_valid(
        token, secret=secret, realm=tokens.PLUGIN, contains=f"room={room}", now=now
    )


def test_a_room_token_is_valid_for_its_room_until_it_expires():
    token = tokens.room_token(
        secret=SECRET, room_id="visit-1", expires_at=NOW + timedelta(minutes=20)
    )
    assert room_ok(token)
    assert room_ok(token, now=NOW + timedelta(minutes=20))
    assert not room_ok(token, now=NOW + timedelta(minutes=20, seconds=1))


def test_a_room_token_does_not_open_another_room():
    token = tokens.room_token(secret=SECRET, room_id="visit-1", expires_at=NOW + timedelta(hours=1))
    assert not room_ok(token, room="visit-2")
    assert not room_ok(token, room="visit-10")


def test_a_token_signed_with_another_secret_is_refused():
    token = tokens.room_token(
        secret="not-ours", room_id="visit-1", expires_at=NOW + timedelta(hours=1)
    )
    assert not room_ok(token)


def test_a_tampered_token_is_refused():
    token = tokens.room_token(secret=SECRET, room_id="visit-1", expires_at=NOW + timedelta(hours=1))
    assert not room_ok(token.replace("room=visit-1", "room=visit-2"), room="visit-2")
    assert not room_ok("garbage", room="visit-1")


def test_the_core_token_allows_the_videoroom_plugin_only_and_matches_janus_format():
    expires_at = NOW + timedelta(minutes=22)
    token = tokens.core_token(secret=SECRET, expires_at=expires_at)
    assert token.startswith(f"{int(expires_at.timestamp())},janus,janus.plugin.videoroom:")
    assert tokens.token_valid(
        token, secret=SECRET, realm="janus", contains="janus.plugin.videoroom", now=NOW
    )
    assert not tokens.token_valid(
        token, secret=SECRET, realm="janus", contains="janus.plugin.streaming", now=NOW
    )
