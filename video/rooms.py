"""Opening and closing each visit's room, watching who is in it, and settling the visit
when the outcome is known.

The periodic task `rooms_tick` (beat, every 20 s) is also the sweep: whatever a lost task,
a broker outage or a media server restart left undone is found from the rows on the next
run. Each room is claimed before it is opened or closed (`claimed_until`, as in
visitation/outbox.py), so two workers or a retry never do either twice; Janus answers an
existing room on create and a missing one on destroy as done, so a step interrupted
half-way is safe to repeat.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from scheduling import services as scheduling_services
from scheduling.models import ACTIVE_STATUSES, Visit, VisitKind, VisitStatus
from scheduling.reasons import CancelFamily, CancelReason
from visitation import emails, keyring

from . import janus, outcomes, recordings
from .models import FacilityVideoSettings, Outcome, RoomState, SessionEvent, VideoSession

logger = logging.getLogger(__name__)

CLAIM_FOR = timedelta(seconds=60)
RETRY_BACKOFF = timedelta(seconds=5)
RETRY_BACKOFF_MAX = timedelta(seconds=60)
# Booked or checked in: the visits that have, or will have, a room.
LIVE = ACTIVE_STATUSES
BATCH = 5000


def opens_before() -> timedelta:
    return timedelta(minutes=settings.VISIT_ROOM_OPENS_MINUTES)


def join_email_before() -> timedelta:
    return timedelta(minutes=settings.VISIT_JOIN_EMAIL_MINUTES)


def retry_delay(*, attempts: int) -> timedelta:
    return min(RETRY_BACKOFF * 2 ** max(attempts - 1, 0), RETRY_BACKOFF_MAX)


def feed_id(room_id: str, side: str) -> str:
    """The id the side joins its room with: derived from a server secret, so only that
    side's page is given it and nobody can claim to be the other side by typing its display
    name. The room watch and the watch page tell the sides apart by these ids alone."""
    digest = keyring.keyed_hash(f"feed|{room_id}|{side}", key=settings.JANUS_TOKEN_SECRET)
    return f"{side}-{digest[:24]}"


def side_feeds(room_id: str) -> dict[str, str]:
    """{feed id: side} for the room's two sides."""
    return {feed_id(room_id, side): side for side in (outcomes.FAMILY, outcomes.FACILITY)}


def facility_settings(facility) -> FacilityVideoSettings:
    found = FacilityVideoSettings.objects.filter(facility=facility).first()
    return found or FacilityVideoSettings(facility=facility)


def _event(session: VideoSession, kind: str, *, at: datetime, side: str = "", detail: str = ""):
    SessionEvent.objects.create(session=session, kind=kind, side=side, at=at, detail=detail)


def _claim(session_id: int, *, now: datetime, **filters) -> bool:
    return (
        VideoSession.objects.filter(pk=session_id, **filters)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM_FOR)
        == 1
    )


def sessions_ensure(*, now: datetime) -> int:
    """A session row, with its room id, pin and secret, for each scheduled visit whose
    join email or room opening is due. Returns how many were made."""
    ahead = max(opens_before(), join_email_before())
    visits = list(
        Visit.objects.filter(status__in=LIVE, starts_at__lte=now + ahead, ends_at__gt=now)
        .select_related("facility")
        .only("pk", "revision", "starts_at", "ends_at", "facility_id", "facility__slug")
    )
    if not visits:
        return 0
    existing = set(
        VideoSession.objects.filter(visit__in=[v.pk for v in visits]).values_list(
            "visit_id", "revision"
        )
    )
    recording = set(
        FacilityVideoSettings.objects.filter(
            facility__in={v.facility_id for v in visits}, record_visits=True
        ).values_list("facility_id", flat=True)
    )
    new = [
        VideoSession(
            visit=visit,
            revision=visit.revision,
            server=janus.server_for(visit.facility),
            room_id=f"visit-{visit.pk}-{visit.revision}-{secrets.token_hex(6)}",
            pin=f"{secrets.randbelow(10**8):08d}",
            secret=secrets.token_urlsafe(24),
            opens_at=visit.starts_at - opens_before(),
            closes_at=visit.ends_at,
            recorded=visit.facility_id in recording,
        )
        for visit in visits
        if (visit.pk, visit.revision) not in existing
    ]
    VideoSession.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    return len(new)


def session_for(visit: Visit) -> VideoSession | None:
    return VideoSession.objects.filter(visit=visit, revision=visit.revision).first()


def join_emails_send(*, now: datetime) -> int:
    """The join link, 15 minutes before the start, once, to families of remote visits."""
    ids = list(
        VideoSession.objects.filter(
            join_email_sent_at__isnull=True,
            visit__kind=VisitKind.REMOTE,
            visit__status__in=LIVE,
            visit__revision=F("revision"),
            visit__starts_at__lte=now + join_email_before(),
            visit__starts_at__gt=now,
        ).values_list("pk", flat=True)[:BATCH]
    )
    sent = 0
    for session_id in ids:
        with transaction.atomic():
            if not VideoSession.objects.filter(
                pk=session_id, join_email_sent_at__isnull=True
            ).update(join_email_sent_at=now):
                continue
            session = VideoSession.objects.select_related(
                "visit__visitor", "visit__facility", "visit__inmate"
            ).get(pk=session_id)
            visit = session.visit
            with translation.override(visit.visitor.language):
                emails.send_visit_join_link(
                    visit=visit, key=f"visit-join:{visit.pk}:{session.revision}"
                )
            sent += 1
    return sent


def room_open(*, session_id: int, now: datetime) -> bool:
    """Open one room (see rooms_open). True if this call opened it."""
    return rooms_open(session_ids=[session_id], now=now) == 1


def _room_create(session: VideoSession) -> None:
    """The session's room on its media server (one that exists already counts as made)."""
    janus.room_create(
        session.server,
        room_id=session.room_id,
        pin=session.pin,
        secret=session.secret,
        description=f"Visit {session.visit_id}",
        rec_dir=recordings.raw_dir_for(session),
    )


def rooms_open(*, session_ids: list[int], now: datetime) -> int:
    """Claim the pending sessions among `session_ids` in one UPDATE (a claim no other
    worker holds), create their rooms on the media server, and mark the ones created
    open in one UPDATE. A room that fails keeps its claim for the retry delay and the next
    run tries again. Returns how many rooms this call opened."""
    marker = now + CLAIM_FOR + timedelta(microseconds=secrets.randbelow(10**6))
    VideoSession.objects.filter(pk__in=session_ids, state=RoomState.PENDING).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    ).update(claimed_until=marker)
    claimed = list(VideoSession.objects.filter(pk__in=session_ids, claimed_until=marker))
    opened, events = [], []
    for session in claimed:
        try:
            _room_create(session)
        except janus.JanusError as exc:
            attempts = session.attempts + 1
            VideoSession.objects.filter(pk=session.pk).update(
                attempts=attempts,
                last_error=str(exc)[:300],
                claimed_until=now + retry_delay(attempts=attempts),
            )
            events.append(
                SessionEvent(
                    session=session,
                    kind=SessionEvent.Kind.ROOM_OPEN_FAILED,
                    at=now,
                    detail=str(exc)[:300],
                )
            )
            logger.warning("video: room of visit %s not opened: %s", session.visit_id, exc)
            continue
        opened.append(session.pk)
        events.append(SessionEvent(session=session, kind=SessionEvent.Kind.ROOM_OPENED, at=now))
    VideoSession.objects.filter(pk__in=opened, claimed_until=marker).update(
        state=RoomState.OPEN, opened_at=now, claimed_until=None, last_error=""
    )
    SessionEvent.objects.bulk_create(events, batch_size=500)
    return len(opened)


def room_close(*, session_id: int, now: datetime) -> bool:
    """Destroy the room (everyone in it is disconnected) and mark it closed; a room never
    opened is just marked closed. True if this call closed it."""
    if VideoSession.objects.filter(pk=session_id, state=RoomState.PENDING).update(
        state=RoomState.CLOSED, closed_at=now, claimed_until=None
    ):
        return True
    if not _claim(session_id, now=now, state=RoomState.OPEN):
        return False
    session = VideoSession.objects.get(pk=session_id)
    try:
        janus.room_destroy(session.server, room_id=session.room_id, secret=session.secret)
    except janus.JanusError as exc:
        attempts = session.attempts + 1
        VideoSession.objects.filter(pk=session_id).update(
            attempts=attempts,
            last_error=str(exc)[:300],
            claimed_until=now + retry_delay(attempts=attempts),
        )
        logger.warning("video: room of visit %s not closed: %s", session.visit_id, exc)
        return False
    with transaction.atomic():
        VideoSession.objects.filter(pk=session_id).update(
            state=RoomState.CLOSED, closed_at=now, claimed_until=None, present=[]
        )
        _event(session, SessionEvent.Kind.ROOM_CLOSED, at=now)
        if session.recorded:
            recordings.recording_create(session=session, now=now)
    return True


def room_watch(*, session: VideoSession, now: datetime) -> None:
    """Record who joined and left since the last look. A room the server lost (restarted)
    is created again."""
    sides = side_feeds(session.room_id)
    try:
        feeds = janus.room_participants(session.server, room_id=session.room_id)
        if feeds is None:
            _room_create(session)
            logger.warning("video: room of visit %s was missing, made again", session.visit_id)
            feeds = []
        elif janus.room_kick_strangers(
            session.server, room_id=session.room_id, secret=session.secret, allowed=set(sides)
        ):
            logger.warning(
                "video: a stranger was removed from the room of visit %s", session.visit_id
            )
    except janus.JanusError as exc:
        logger.warning("video: room of visit %s not watched: %s", session.visit_id, exc)
        return
    present = sorted({sides[feed] for feed in feeds if feed in sides})
    before = set(session.present)
    for side in sorted(set(present) - before):
        _event(session, SessionEvent.Kind.JOINED, side=side, at=now)
    for side in sorted(before - set(present)):
        _event(session, SessionEvent.Kind.LEFT, side=side, at=now)
    if set(present) != before:
        VideoSession.objects.filter(pk=session.pk).update(present=present)
        session.present = present


def facts_for(session: VideoSession) -> outcomes.Facts:
    visit = session.visit
    events = [
        (event.kind, event.side, event.at)
        for event in session.events.filter(
            kind__in=[SessionEvent.Kind.JOINED, SessionEvent.Kind.LEFT]
        )
    ]
    return outcomes.Facts(
        starts_at=visit.starts_at,
        ends_at=visit.ends_at,
        room_opened_at=session.opened_at,
        checked_in_at=visit.checked_in_at,
        not_produced_rule=facility_settings(visit.facility).not_produced_rule,
        presence=outcomes.presence_from_events(events),
    )


EXPLANATIONS = {
    Outcome.NOT_PRODUCED: lambda: _(
        "The person you were to visit was not brought to the video terminal within 10 "
        "minutes of the start. This was not your fault."
    ),
    Outcome.TERMINAL_INOPERABLE: lambda: _(
        "The facility's video terminal or video service was not working. This was not your fault."
    ),
}
CANCEL_REASONS = {
    Outcome.NOT_PRODUCED: CancelReason.NOT_PRODUCED,
    Outcome.TERMINAL_INOPERABLE: CancelReason.TERMINAL_INOPERABLE,
}


@dataclass(frozen=True)
class Settled:
    session: VideoSession
    outcome: str


def session_settle(*, session_id: int, outcome: str, now: datetime) -> Settled | None:
    """Carry out an outcome once: the visit is completed, marked as the visitor not having
    joined (charged, emailed), or cancelled as non-behavioural with credit (emailed).
    The room is closed after. None if the session had an outcome already."""
    with transaction.atomic():
        session = (
            VideoSession.objects.select_for_update(of=("self",))
            .select_related("visit__visitor", "visit__facility", "visit__inmate")
            .filter(pk=session_id, outcome="")
            .first()
        )
        if session is None:
            return None
        visit = session.visit
        if visit.status in LIVE:
            if outcome == Outcome.COMPLETED:
                scheduling_services.visit_finish_by_server(
                    visit=visit, status=VisitStatus.COMPLETED, now=now
                )
            elif outcome == Outcome.VISITOR_DID_NOT_JOIN:
                visit = scheduling_services.visit_finish_by_server(
                    visit=visit, status=VisitStatus.NO_SHOW, now=now
                )
                with translation.override(visit.visitor.language):
                    emails.send_visit_missed(visit=visit, key=f"visit-missed:{visit.pk}")
            elif outcome in CANCEL_REASONS:
                with translation.override(visit.visitor.language):
                    explanation = EXPLANATIONS[outcome]()
                scheduling_services.visit_cancel_by_server(
                    visit=visit, reason=CANCEL_REASONS[outcome], explanation=explanation, now=now
                )
        fields = {"outcome": outcome, "decided_at": now}
        if session.state == RoomState.PENDING:
            fields.update(state=RoomState.FAILED, closed_at=now)
        VideoSession.objects.filter(pk=session.pk).update(**fields)
        _event(session, SessionEvent.Kind.OUTCOME, at=now, detail=outcome)
    room_close(session_id=session.pk, now=now)
    return Settled(session=session, outcome=outcome)


def visit_room_close_on_commit(*, visit_id: int) -> None:
    """After the current transaction commits, close the rooms of a visit that was
    cancelled or moved (the periodic task catches it if the broker is down)."""

    def dispatch():
        from .tasks import rooms_close_for_visit

        try:
            rooms_close_for_visit.apply_async(args=[visit_id], retry=False)
        except Exception:
            logger.warning(
                "video: broker unavailable, rooms of visit %s left for the sweep", visit_id
            )

    transaction.on_commit(dispatch)


def rooms_close_for_visit(*, visit_id: int, now: datetime | None = None) -> int:
    """Close every room of the visit that is not for its current time, or all of them if
    the visit is no longer scheduled."""
    now = now or timezone.now()
    visit = Visit.objects.get(pk=visit_id)
    sessions = VideoSession.objects.filter(
        visit=visit, state__in=[RoomState.PENDING, RoomState.OPEN]
    )
    if visit.status in LIVE:
        sessions = sessions.exclude(revision=visit.revision)
    closed = 0
    for session in sessions:
        VideoSession.objects.filter(pk=session.pk, outcome="").update(
            outcome=_ending(visit, session), decided_at=now
        )
        closed += room_close(session_id=session.pk, now=now)
    return closed


def _ending(visit: Visit, session: VideoSession) -> str:
    """Facility staff cancelling a visit whose room is open and whose time has come end
    it; anything else before the end is a cancellation or a move."""
    by_staff = visit.status == VisitStatus.CANCELLED and visit.cancel_family in (
        CancelFamily.BEHAVIOURAL,
        CancelFamily.NON_BEHAVIOURAL,
    )
    started = visit.cancelled_at is not None and visit.cancelled_at >= visit.starts_at
    if by_staff and visit.cancelled_by_id and started and session.state == RoomState.OPEN:
        return Outcome.ENDED_BY_STAFF
    return Outcome.CANCELLED


def rooms_open_due(*, now: datetime) -> int:
    """Open every room whose opening time has come (first in each run: it is the part
    that cannot wait)."""
    due = VideoSession.objects.filter(
        state=RoomState.PENDING,
        opens_at__lte=now,
        closes_at__gt=now,
        visit__status__in=LIVE,
        visit__revision=F("revision"),
    ).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    ids = list(due.values_list("pk", flat=True)[:BATCH])
    return sum(rooms_open(session_ids=ids[i : i + 500], now=now) for i in range(0, len(ids), 500))


@dataclass
class TickRun:
    made: int = 0
    emailed: int = 0
    opened: int = 0
    closed: int = 0
    settled: int = 0


def rooms_tick(*, now: datetime | None = None) -> TickRun:
    """One run of the periodic task: make session rows, send join emails, open due rooms,
    watch open ones, settle decided visits, close rooms at their end."""
    now = now or timezone.now()
    run = TickRun()
    run.made = sessions_ensure(now=now)
    run.opened = rooms_open_due(now=now)
    run.emailed = join_emails_send(now=now)

    stale = VideoSession.objects.filter(state__in=[RoomState.PENDING, RoomState.OPEN]).filter(
        ~Q(visit__status__in=LIVE) | ~Q(visit__revision=F("revision"))
    )
    for visit_id in set(stale.values_list("visit_id", flat=True)[:BATCH]):
        run.closed += rooms_close_for_visit(visit_id=visit_id, now=now)

    running = (
        VideoSession.objects.filter(
            state__in=[RoomState.PENDING, RoomState.OPEN],
            outcome="",
            visit__status__in=LIVE,
            visit__starts_at__lte=now + opens_before(),
        )
        .select_related("visit__facility")
        .order_by("pk")[:BATCH]
    )
    for session in running:
        if session.state == RoomState.OPEN:
            room_watch(session=session, now=now)
        if now < session.visit.starts_at:
            continue
        outcome = outcomes.decide(facts_for(session), now=now)
        if outcome is not None and session_settle(session_id=session.pk, outcome=outcome, now=now):
            run.settled += 1

    ended = VideoSession.objects.filter(state=RoomState.OPEN, closes_at__lte=now)
    for session_id in ended.values_list("pk", flat=True)[:BATCH]:
        run.closed += room_close(session_id=session_id, now=now)
    return run


def ended_by_staff(visit: Visit) -> bool:
    """Whether facility staff ended this visit while it was under way."""
    return VideoSession.objects.filter(visit=visit, outcome=Outcome.ENDED_BY_STAFF).exists()
