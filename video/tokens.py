"""Janus's HMAC-signed tokens (token_auth and the VideoRoom's signed_tokens).

A token is "<expiry>,<realm>,<data>...:<base64 HMAC-SHA1 of everything before the colon>".
The core token lets a browser use the VideoRoom plugin until the visit's end (Janus checks
it on every request, so it must outlive the call); the room token lets it join that one
room. Janus checks both; `token_valid` checks the same way, for the tests and the site.
"""

import base64
import hashlib
import hmac
from datetime import datetime

CORE_REALM = "janus"
PLUGIN = "janus.plugin.videoroom"


def _sign(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _token(secret: str, expires_at: datetime, realm: str, data: list[str]) -> str:
    payload = ",".join([str(int(expires_at.timestamp())), realm, *data])
    return f"{payload}:{_sign(secret, payload)}"


def core_token(*, secret: str, expires_at: datetime) -> str:
    return _token(secret, expires_at, CORE_REALM, [PLUGIN])


def room_token(*, secret: str, room_id: str, expires_at: datetime) -> str:
    return _token(secret, expires_at, PLUGIN, [f"room={room_id}"])


def token_valid(token: str, *, secret: str, realm: str, contains: str, now: datetime) -> bool:
    """Janus's check: well formed, not expired, signed with `secret`, for `realm`, and
    carrying `contains` among its data."""
    payload, _, signature = token.rpartition(":")
    parts = payload.split(",")
    if len(parts) < 3 or not parts[0].isdigit():
        return False
    if int(parts[0]) < now.timestamp():
        return False
    if parts[1] != realm or contains not in parts[2:]:
        return False
    return hmac.compare_digest(signature, _sign(secret, payload))
