"""Reads for the console's live board and watch page: the visits under way and the next
ones at a facility, who is in each room and since when, and what needs an officer's eye.

The board's queries do not grow with the number of visits: the sessions with their visit,
person and terminals in one query, the join events and the watches in one each."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F, Prefetch, QuerySet

from facilities.models import Facility

from . import outcomes, rooms
from .models import RoomState, SessionEvent, VideoSession, VisitWatch

UPCOMING = timedelta(hours=1)
REFRESH_SECONDS = 20


@dataclass
class BoardRow:
    session: VideoSession
    visit: object
    family_since: datetime | None
    facility_since: datetime | None
    seconds_left: int
    started: bool
    warnings: list[str] = field(default_factory=list)
    watchers: list = field(default_factory=list)

    @property
    def minutes_left(self) -> int:
        return (self.seconds_left + 59) // 60


def live_sessions(*, facility: Facility, now: datetime) -> QuerySet[VideoSession]:
    """The rooms of the facility's visits under way or starting within the hour."""
    joins = SessionEvent.objects.filter(kind=SessionEvent.Kind.JOINED).order_by("-at", "-pk")
    watches = VisitWatch.objects.select_related("staff").order_by("-at", "-pk")
    return (
        VideoSession.objects.filter(
            visit__facility=facility,
            visit__status__in=rooms.LIVE,
            visit__revision=F("revision"),
            state__in=[RoomState.PENDING, RoomState.OPEN],
            outcome="",
            closes_at__gt=now,
            opens_at__lt=now + UPCOMING,
        )
        .select_related(
            "visit__inmate", "visit__inmate_terminal", "visit__lobby_terminal", "visit__visitor"
        )
        .prefetch_related(
            Prefetch("events", queryset=joins, to_attr="joins"),
            Prefetch("watches", queryset=watches, to_attr="watch_list"),
        )
        .order_by("visit__starts_at", "pk")
    )


def _since(session: VideoSession, side: str) -> datetime | None:
    if side not in session.present:
        return None
    return next((e.at for e in session.joins if e.side == side), None)


def board_rows(*, facility: Facility, now: datetime, media_up: bool) -> list[BoardRow]:
    rows = []
    for session in live_sessions(facility=facility, now=now):
        visit = session.visit
        started = visit.starts_at <= now
        row = BoardRow(
            session=session,
            visit=visit,
            family_since=_since(session, outcomes.FAMILY),
            facility_since=_since(session, outcomes.FACILITY),
            seconds_left=max(0, int((visit.ends_at - now).total_seconds())),
            started=started,
            watchers=session.watch_list,
        )
        if not media_up:
            row.warnings.append("media")
        if started and session.state == RoomState.OPEN:
            if row.facility_since is None:
                row.warnings.append("facility")
            if row.family_since is None:
                row.warnings.append("family")
        if started and session.state != RoomState.OPEN:
            row.warnings.append("room")
        rows.append(row)
    return rows


def watchable_session(*, visit, now: datetime) -> VideoSession | None:
    """The open room of a visit under way, or None."""
    session = rooms.session_for(visit)
    if session is None or session.state != RoomState.OPEN or session.outcome:
        return None
    if visit.status not in rooms.LIVE or now >= visit.ends_at:
        return None
    return session


def watches_of(*, visit) -> QuerySet[VisitWatch]:
    return VisitWatch.objects.filter(session__visit=visit).select_related("staff")
