"""Reads for video visits: what the join page and the terminal show, the credentials
a page gets for its visit's room, and the officers a facility may name to play its
recordings."""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet

from accounts.models import User
from facilities.models import Facility, StaffMembership, Terminal
from scheduling.models import FINISHED_STATUSES, Visit, VisitKind, VisitStatus

from . import janus, rooms, tokens
from .models import RecordingViewer, RoomState, TerminalDevice, VideoSession

# Tokens outlive the booked end a little: the server closes the room at the end, and the
# tokens' expiry stops a late join if a task is late.
TOKEN_GRACE = timedelta(minutes=2)
TURN_CREDENTIAL_FOR = timedelta(hours=2)
# Each side of a call, and the one it sees.
SIDES = {"family": "facility", "facility": "family"}


def media_origins() -> list[str]:
    """The media servers' public origins, for the Content Security Policy."""
    origins = []
    for url in settings.JANUS_PUBLIC_URL:
        parts = urlsplit(url)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(origins))


def ice_servers(*, name: str, now: datetime) -> list[dict]:
    """TURN with short-lived credentials (coturn's use-auth-secret), or none on a LAN."""
    if not settings.TURN_URLS or not settings.TURN_SECRET:
        return []
    username = f"{int((now + TURN_CREDENTIAL_FOR).timestamp())}:{name}"
    digest = hmac.new(settings.TURN_SECRET.encode(), username.encode(), hashlib.sha1).digest()
    return [
        {
            "urls": settings.TURN_URLS,
            "username": username,
            "credential": base64.b64encode(digest).decode(),
        }
    ]


def join_credentials(
    *, session: VideoSession, side: str, now: datetime, trusted: bool = False
) -> dict:
    """What a page needs to join this room as `side`: the server, the tokens (core and
    room, valid until just after the end), the pin, the side's own feed id, and ICE
    servers. A facility terminal (`trusted`) is also given the other side's feed id and
    shows only that; a family's browser is never given the facility's. Goes into the
    page's HTML, never into a URL."""
    expires_at = session.closes_at + TOKEN_GRACE
    secret = settings.JANUS_TOKEN_SECRET
    return {
        "server": janus.public_url(session.server),
        "token": tokens.core_token(secret=secret, expires_at=expires_at),
        "roomToken": tokens.room_token(
            secret=secret, room_id=session.room_id, expires_at=expires_at
        ),
        "room": session.room_id,
        "pin": session.pin,
        "display": side,
        "feed": rooms.feed_id(session.room_id, side) if side in SIDES else "",
        "remoteFeed": rooms.feed_id(session.room_id, SIDES[side]) if trusted else "",
        "iceServers": ice_servers(name=f"visit-{session.visit_id}-{side}", now=now),
    }


@dataclass(frozen=True)
class JoinState:
    """Where a visit stands for its join page: `early` (countdown to `opens_at`), `open`
    (join), `unavailable` (the room could not be opened yet: try again), `ended`, or
    `refused` (with `message`)."""

    kind: str
    session: VideoSession | None = None
    opens_at: datetime | None = None


def join_state(*, visit: Visit, now: datetime) -> JoinState:
    if visit.status in FINISHED_STATUSES:
        return JoinState(kind="ended")
    if visit.status not in rooms.LIVE:
        return JoinState(kind="refused")
    if now >= visit.ends_at:
        return JoinState(kind="ended")
    opens_at = visit.starts_at - rooms.opens_before()
    session = rooms.session_for(visit)
    if session is not None and session.state == RoomState.OPEN:
        return JoinState(kind="open", session=session, opens_at=opens_at)
    if now < opens_at:
        return JoinState(kind="early", opens_at=opens_at)
    return JoinState(kind="unavailable", opens_at=opens_at)


def media_server_up(*, facility: Facility) -> bool:
    try:
        janus.server_info(janus.server_for(facility), timeout=1.0)
    except janus.JanusError:
        return False
    return True


def facility_day_start(*, facility: Facility, now: datetime) -> datetime:
    zone = ZoneInfo(facility.time_zone)
    local = now.astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def terminal_schedule(*, terminal: Terminal, now: datetime) -> QuerySet[Visit]:
    """The visits on this terminal still to come or under way, today and tomorrow (the
    facility's days). Only what the terminal may show is loaded: times and the person (a
    unit terminal shows the person; the lobby's page shows neither name nor ID number)."""
    start = facility_day_start(facility=terminal.facility, now=now)
    end = start + timedelta(days=2)
    return (
        Visit.objects.filter(Q(inmate_terminal=terminal) | Q(lobby_terminal=terminal))
        .filter(status__in=rooms.LIVE, starts_at__lt=end, ends_at__gt=now)
        .select_related("inmate")
        .only(
            "pk",
            "kind",
            "status",
            "starts_at",
            "ends_at",
            "inmate_terminal_id",
            "lobby_terminal_id",
            "revision",
            "inmate__first_name",
            "inmate__last_name",
            "inmate__id_number",
        )
        .order_by("starts_at")
    )


def sessions_by_visit(visits) -> dict[int, VideoSession]:
    ids = [(v.pk, v.revision) for v in visits]
    found = VideoSession.objects.filter(visit__in=[pk for pk, _ in ids])
    return {s.visit_id: s for s in found if (s.visit_id, s.revision) in ids}


def devices_for_staff(*, facility_ids) -> QuerySet[TerminalDevice]:
    return TerminalDevice.objects.filter(terminal__facility_id__in=facility_ids).select_related(
        "terminal"
    )


def recording_viewer_candidates(*, facility: Facility) -> QuerySet[User]:
    """The officers of the facility, who may be named to play its recordings (its
    administrators always may)."""
    return User.objects.filter(
        staff_memberships__facility=facility,
        staff_memberships__role=StaffMembership.Role.OFFICER,
    ).order_by("last_name", "first_name", "pk")


def recording_viewers_of(*, facility: Facility) -> QuerySet[User]:
    """The officers the facility names to play its recordings."""
    return recording_viewer_candidates(facility=facility).filter(
        pk__in=RecordingViewer.objects.filter(facility=facility).values("user_id")
    )


def terminal_may_call(
    *, device: TerminalDevice, visit: Visit, session: VideoSession | None
) -> str | None:
    """Which side this terminal takes in the visit's call now, or None if it may not join:
    the unit terminal once the person checked in, the lobby terminal once the visitor did."""
    if session is None or session.state != RoomState.OPEN or visit.status not in rooms.LIVE:
        return None
    if visit.inmate_terminal_id == device.terminal_id and visit.status == VisitStatus.CHECKED_IN:
        return "facility"
    if (
        visit.kind == VisitKind.ONSITE
        and visit.lobby_terminal_id == device.terminal_id
        and session.lobby_checked_in_at
    ):
        return "family"
    return None
