"""How a video visit ended, decided from what happened: pure functions, data in, decision
out, no queries (DOMAIN.md section 6).

- The room could not open by 5 minutes after the start: terminal inoperable.
- No check-in 10 minutes after the start (where the facility uses that rule): the person
  was not produced in time.
- The facility side was in the room, then missing for more than 5 minutes: terminal
  inoperable.
- At the end: both sides were in the room, completed; the visitor never joined, the
  visitor did not join; only the visitor, terminal inoperable.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .models import Outcome

ROOM_OPEN_DEADLINE = timedelta(minutes=5)
NOT_PRODUCED_AFTER = timedelta(minutes=10)
FACILITY_LOST_AFTER = timedelta(minutes=5)

FAMILY = "family"
FACILITY = "facility"


@dataclass(frozen=True)
class Presence:
    """One side's time in the room: from `joined_at` until `left_at` (None: still there)."""

    side: str
    joined_at: datetime
    left_at: datetime | None = None


@dataclass(frozen=True)
class Facts:
    starts_at: datetime
    ends_at: datetime
    room_opened_at: datetime | None
    checked_in_at: datetime | None
    not_produced_rule: bool = True
    presence: list[Presence] = field(default_factory=list)


def presence_from_events(events: list[tuple[str, str, datetime]]) -> list[Presence]:
    """Turn ("joined" | "left", side, at) events, in order, into periods in the room."""
    open_since: dict[str, datetime] = {}
    periods = []
    for kind, side, at in events:
        if kind == "joined" and side not in open_since:
            open_since[side] = at
        elif kind == "left" and side in open_since:
            periods.append(Presence(side=side, joined_at=open_since.pop(side), left_at=at))
    periods.extend(Presence(side=side, joined_at=at) for side, at in open_since.items())
    return sorted(periods, key=lambda p: p.joined_at)


def check_in_open(
    *, starts_at: datetime, ends_at: datetime, opens_before: timedelta, now: datetime, rule=True
) -> bool:
    """Whether the person may check in now: from the room's opening until 10 minutes after
    the start (or the end, where the facility does not use the not-produced rule)."""
    last = starts_at + NOT_PRODUCED_AFTER if rule else ends_at
    return starts_at - opens_before <= now < min(last, ends_at)


def _joined(facts: Facts, side: str) -> bool:
    return any(p.side == side for p in facts.presence)


def facility_lost_since(facts: Facts) -> datetime | None:
    """When the facility side left the room and did not come back; None if it is there or
    never came."""
    periods = [p for p in facts.presence if p.side == FACILITY]
    if not periods or any(p.left_at is None for p in periods):
        return None
    return max(p.left_at for p in periods)


def decide(facts: Facts, *, now: datetime) -> str | None:
    """The outcome at `now`, or None while the visit goes on (or has not started)."""
    if facts.room_opened_at is None:
        if now >= facts.starts_at + ROOM_OPEN_DEADLINE:
            return Outcome.TERMINAL_INOPERABLE
        return None
    if (
        facts.not_produced_rule
        and now >= facts.starts_at + NOT_PRODUCED_AFTER
        and (
            facts.checked_in_at is None
            or facts.checked_in_at >= facts.starts_at + NOT_PRODUCED_AFTER
        )
    ):
        return Outcome.NOT_PRODUCED
    lost = facility_lost_since(facts)
    if (
        lost is not None
        and lost < facts.ends_at
        and min(now, facts.ends_at) - lost > FACILITY_LOST_AFTER
    ):
        return Outcome.TERMINAL_INOPERABLE
    if now < facts.ends_at:
        return None
    if not _joined(facts, FAMILY):
        return Outcome.VISITOR_DID_NOT_JOIN
    if not _joined(facts, FACILITY):
        return Outcome.TERMINAL_INOPERABLE if facts.checked_in_at else Outcome.NOT_PRODUCED
    return Outcome.COMPLETED
