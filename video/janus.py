"""The site's client for Janus: plain HTTP to the admin API, no Janus session to keep.

The VideoRoom plugin answers synchronously through the admin API's `message_plugin`, so
creating, destroying and listing rooms is one request each. Secrets travel in request
bodies only, never in a URL, and are never logged.
"""

import json
import logging
import secrets
import urllib.error
import urllib.request

from django.conf import settings

logger = logging.getLogger(__name__)

PLUGIN = "janus.plugin.videoroom"
ROOM_EXISTS = 427
NO_SUCH_ROOM = 426


class JanusError(Exception):
    """The media server did not answer, or refused."""


def server_for(facility) -> int:
    """Which media server (index in JANUS_URL) holds this facility's rooms."""
    index = settings.JANUS_FACILITY_SERVERS.get(facility.slug, 0)
    return index if 0 <= index < len(settings.JANUS_URL) else 0


def public_url(server: int) -> str:
    return settings.JANUS_PUBLIC_URL[server]


def _http_only(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise JanusError("media server URLs must be http:// or https://")
    return url


def _post(url: str, body: dict, *, timeout: float | None = None) -> dict:
    data = json.dumps({**body, "transaction": secrets.token_hex(6)}).encode()
    request = urllib.request.Request(  # noqa: S310 (http(s) only: _http_only)
        _http_only(url), data=data, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(  # noqa: S310 (http(s) only)
            request, timeout=timeout or settings.JANUS_TIMEOUT_SECONDS
        ) as response:
            return json.loads(response.read())
    except (OSError, ValueError) as exc:  # refused, timeout, HTTP error, not JSON
        raise JanusError(f"media server unreachable: {type(exc).__name__}") from exc


def videoroom(server: int, request: dict, *, admin_secret: str | None = None) -> dict:
    """Send one VideoRoom request through the admin API; returns the plugin's answer."""
    answer = _post(
        settings.JANUS_ADMIN_URL[server],
        {
            "janus": "message_plugin",
            "plugin": PLUGIN,
            "request": request,
            "admin_secret": settings.JANUS_ADMIN_SECRET if admin_secret is None else admin_secret,
        },
    )
    if answer.get("janus") != "success":
        error = answer.get("error", {})
        raise JanusError(f"admin API refused: {error.get('code')} {error.get('reason', '')}")
    return answer.get("response", {})


def _plugin_error(data: dict, *, allowed: tuple[int, ...] = ()) -> None:
    code = data.get("error_code")
    if data.get("videoroom") == "event" and code and code not in allowed:
        raise JanusError(f"videoroom refused: {code} {data.get('error', '')}")


def room_create(
    server: int,
    *,
    room_id: str,
    pin: str,
    secret: str,
    description: str,
    admin_key=None,
    rec_dir: str = "",
) -> None:
    """Create a private 2-publisher room that needs the pin and a signed room token.
    With `rec_dir`, the room records every publisher there (.mjr files).
    A room that exists already counts as created (opening is idempotent)."""
    recording = {"record": True, "rec_dir": rec_dir, "lock_record": True} if rec_dir else {}
    data = videoroom(
        server,
        {
            **recording,
            "request": "create",
            "room": room_id,
            "admin_key": settings.JANUS_ADMIN_KEY if admin_key is None else admin_key,
            "description": description,
            "secret": secret,
            "pin": pin,
            "is_private": True,
            "publishers": 2,
            "signed_tokens": True,
            "permanent": False,
            "notify_joining": True,
        },
    )
    _plugin_error(data, allowed=(ROOM_EXISTS,))


def room_destroy(server: int, *, room_id: str, secret: str) -> None:
    """Destroy a room: everyone in it is told and disconnected. A room that is gone
    already counts as destroyed."""
    data = videoroom(server, {"request": "destroy", "room": room_id, "secret": secret})
    _plugin_error(data, allowed=(NO_SUCH_ROOM,))


def _participants(server: int, *, room_id: str) -> list[dict] | None:
    data = videoroom(server, {"request": "listparticipants", "room": room_id})
    if data.get("error_code") == NO_SUCH_ROOM:
        return None
    _plugin_error(data)
    return data.get("participants", [])


def room_participants(server: int, *, room_id: str) -> list[str] | None:
    """The ids of those in the room with media flowing; None if there is no room."""
    found = _participants(server, room_id=room_id)
    if found is None:
        return None
    return [str(p["id"]) for p in found if p.get("publisher")]


def room_feeds(server: int, *, room_id: str) -> list[dict] | None:
    """The publishers sending media in the room, as {"id", "display"}; None if no room."""
    found = _participants(server, room_id=room_id)
    if found is None:
        return None
    return [
        {"id": str(p["id"]), "display": p.get("display", "")} for p in found if p.get("publisher")
    ]


def room_kick_strangers(server: int, *, room_id: str, secret: str, allowed: set[str]) -> int:
    """Kick every participant of the room whose id is not one of `allowed` (the two sides'
    secret ids; a display name proves nothing, anyone may type one). Returns how many."""
    found = _participants(server, room_id=room_id)
    if found is None:
        return 0
    strangers = [p["id"] for p in found if str(p["id"]) not in allowed]
    for participant_id in strangers:
        answer = videoroom(
            server, {"request": "kick", "room": room_id, "secret": secret, "id": participant_id}
        )
        _plugin_error(answer, allowed=(NO_SUCH_ROOM, 428))  # 428: gone already
    return len(strangers)


def rooms_list(server: int) -> set[str]:
    """The ids of every room on the server (private ones too: asked with the admin key)."""
    data = videoroom(server, {"request": "list", "admin_key": settings.JANUS_ADMIN_KEY})
    _plugin_error(data)
    return {str(room["room"]) for room in data.get("list", [])}


def server_info(server: int, *, timeout: float = 1.0) -> dict:
    """Janus's /info (needs no token): raises JanusError if it does not answer."""
    url = _http_only(settings.JANUS_URL[server].rstrip("/") + "/info")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (http(s))
            return json.loads(response.read())
    except (OSError, ValueError) as exc:
        raise JanusError(f"media server unreachable: {type(exc).__name__}") from exc
