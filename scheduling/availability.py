"""When a visit may start. Pure: data in, bookable times out, no queries.

A start is bookable when the whole visit fits inside one visit window, respects the
minimum notice, the booking horizon and the person's weekly limit, overlaps no closure and
no lockdown of the person's unit, the person and the visitor are both free, and a terminal
on the person's side (and, on-site, a lobby terminal) is free for the whole visit.

Time. Windows are wall-clock times in the facility's zone; everything else is UTC.
Candidate starts are the window's start plus whole steps, on the wall clock, so a 09:00
window opens at 09:00 local on both sides of a daylight-saving change. The visit's length
is real elapsed time, and it must end by the window's end, also a real instant.
- A wall-clock time that does not exist (the hour skipped when clocks go forward) is never
  offered. A window boundary that does not exist is the instant the clocks change.
- A wall-clock time that happens twice (the hour repeated when clocks go back) is offered
  twice, as two different instants: both are real times at which the terminals are free.
  The pages say which by the zone's abbreviation (for example 01:20 CDT, then 01:20 CST).
  A window starting in the repeated hour opens at its first occurrence and one ending in it
  closes at its second, so the window covers all the real time the wall clock shows. A
  window ending as the repeated hour begins (at 01:00 when 02:00 goes back to 01:00) shows
  none of it, so it closes at the first 01:00.
- The booking horizon counts facility-local dates: with 14 days, the last bookable date is
  today + 14. Weeks for the weekly limit run Monday to Sunday in facility-local dates.
"""

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Window:
    weekday: int  # 0 is Monday
    start: time
    end: time


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime


class DayReason(IntEnum):
    """Why a day (or one start) has nothing to book. When several reasons remove a day's
    starts, the day shows the one that removed the last of them: the highest value."""

    NO_WINDOW = 1
    BEYOND_HORIZON = 2
    NOTICE = 3
    WEEKLY_LIMIT = 4
    CLOSED = 5
    LOCKDOWN = 6
    FULLY_BOOKED = 7

    @property
    def message(self):
        return REASON_MESSAGES[self]


REASON_MESSAGES = {
    DayReason.NO_WINDOW: _("No visits on this day."),
    DayReason.BEYOND_HORIZON: _("Not open for booking yet."),
    DayReason.NOTICE: _("Too soon to book."),
    DayReason.WEEKLY_LIMIT: _("This person has had all the visits allowed this week."),
    DayReason.CLOSED: _("The facility is closed."),
    DayReason.LOCKDOWN: _("This person's housing unit is locked down."),
    DayReason.FULLY_BOOKED: _("Fully booked."),
}


@dataclass(frozen=True)
class Request:
    """Everything availability depends on. Busy intervals are the live visits and holds
    (an expired hold is not busy); counted starts are the person's visits that count
    against the weekly limit (live, completed, no-show)."""

    zone: ZoneInfo
    windows: Sequence[Window]
    duration: timedelta
    step_minutes: int
    now: datetime
    notice: timedelta
    horizon_days: int
    inmate_terminals: Sequence[int]
    needs_lobby_terminal: bool = False
    lobby_terminals: Sequence[int] = ()
    terminal_busy: Mapping[int, Sequence[Interval]] = field(default_factory=dict)
    inmate_busy: Sequence[Interval] = ()
    visitor_busy: Sequence[Interval] = ()
    closures: Sequence[Interval] = ()
    lockdowns: Sequence[Interval] = ()
    weekly_limit: int | None = None
    inmate_counted_starts: Sequence[datetime] = ()


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    inmate_terminals: tuple[int, ...]
    lobby_terminals: tuple[int, ...] = ()


@dataclass(frozen=True)
class Day:
    date: date
    slots: tuple[Slot, ...]
    reason: DayReason | None  # set when slots is empty


def bookable_days(request: Request, *, start_date: date, days: int) -> list[Day]:
    """Each facility-local date from start_date on, with its bookable starts in order."""
    check = _Checker(request)
    result = []
    for offset in range(days):
        day = start_date + timedelta(days=offset)
        slots, worst = [], None
        for starts_at, ends_at in _candidates(request, day):
            outcome = check(day, starts_at, ends_at)
            if isinstance(outcome, Slot):
                slots.append(outcome)
            elif worst is None or outcome > worst:
                worst = outcome
        reason = None if slots else (worst or DayReason.NO_WINDOW)
        result.append(Day(date=day, slots=tuple(slots), reason=reason))
    return result


def slot_at(request: Request, *, starts_at: datetime) -> Slot | DayReason:
    """The slot starting at exactly `starts_at`, or why there is none."""
    day = starts_at.astimezone(request.zone).date()
    for candidate_start, candidate_end in _candidates(request, day):
        if candidate_start == starts_at:
            return _Checker(request)(day, candidate_start, candidate_end)
    return DayReason.NO_WINDOW


def _candidates(request: Request, day: date) -> Iterator[tuple[datetime, datetime]]:
    """(start, end) of every visit on the wall-clock grid of the day's windows that ends by
    its window's end, in time order."""
    found = set()
    for window in request.windows:
        if window.weekday != day.weekday():
            continue
        opens = wall_clock_instant(day, window.start, request.zone, first=True)
        closes = wall_clock_instant(day, window.end, request.zone, first=False)
        minute = window.start.hour * 60 + window.start.minute
        last = window.end.hour * 60 + window.end.minute
        while minute < last:
            wall = datetime.combine(day, time(minute // 60, minute % 60))
            for starts_at in _instants(wall, request.zone):
                ends_at = starts_at + request.duration
                if opens <= starts_at and ends_at <= closes:
                    found.add((starts_at, ends_at))
            minute += request.step_minutes
    yield from sorted(found)


def _instants(wall: datetime, zone: ZoneInfo) -> list[datetime]:
    """The UTC instants at which the facility's clock shows `wall`: none, one or two."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first == second:
        return [first]
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return sorted([first, second])
    return []


def wall_clock_instant(day: date, at: time, zone: ZoneInfo, *, first: bool) -> datetime:
    """The real instant a window boundary `at` on `day` means: its first (`first`, a
    start) or last (an end) occurrence when the clock shows it twice, the change itself
    when it never shows. An end shown twice whose moment before is shown once is where the
    repeated hour begins: the window before it shows none of that hour, so it ends at the
    first occurrence."""
    wall = datetime.combine(day, at)
    instants = _instants(wall, zone)
    if instants:
        repeated_before = len(_instants(wall - timedelta(microseconds=1), zone)) == 2
        return instants[-1] if not first and repeated_before else instants[0]
    # In the skipped hour: the instant the clocks change, which lies between the two
    # readings of the wall time with the offsets before and after.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    offset_before = low.astimezone(zone).utcoffset()
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        middle = middle.replace(second=0, microsecond=0)
        if middle.astimezone(zone).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    return high


class _Busy:
    """Disjoint, sorted intervals with an O(log n) overlap test."""

    def __init__(self, intervals: Sequence[Interval]):
        merged: list[list[datetime]] = []
        for interval in sorted(intervals, key=lambda i: i.start):
            if merged and interval.start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], interval.end)
            else:
                merged.append([interval.start, interval.end])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        index = bisect_left(self.starts, end)
        return index > 0 and self.ends[index - 1] > start


class _Checker:
    def __init__(self, request: Request):
        self.request = request
        self.today = request.now.astimezone(request.zone).date()
        self.earliest = request.now + request.notice
        self.closures = _Busy(request.closures)
        self.lockdowns = _Busy(request.lockdowns)
        self.people = _Busy([*request.inmate_busy, *request.visitor_busy])
        self.terminals = {
            terminal: _Busy(request.terminal_busy.get(terminal, ()))
            for terminal in [*request.inmate_terminals, *request.lobby_terminals]
        }
        self.week_counts = Counter(
            _week_of(starts_at.astimezone(request.zone).date())
            for starts_at in request.inmate_counted_starts
        )

    def __call__(self, day: date, starts_at: datetime, ends_at: datetime) -> Slot | DayReason:
        request = self.request
        if (day - self.today).days > request.horizon_days:
            return DayReason.BEYOND_HORIZON
        if starts_at < self.earliest:
            return DayReason.NOTICE
        if (
            request.weekly_limit is not None
            and self.week_counts[_week_of(day)] >= request.weekly_limit
        ):
            return DayReason.WEEKLY_LIMIT
        if self.closures.overlaps(starts_at, ends_at):
            return DayReason.CLOSED
        if self.lockdowns.overlaps(starts_at, ends_at):
            return DayReason.LOCKDOWN
        if self.people.overlaps(starts_at, ends_at):
            return DayReason.FULLY_BOOKED
        inmate_side = self._free(request.inmate_terminals, starts_at, ends_at)
        lobby = self._free(request.lobby_terminals, starts_at, ends_at)
        if not inmate_side or (request.needs_lobby_terminal and not lobby):
            return DayReason.FULLY_BOOKED
        return Slot(
            starts_at=starts_at,
            ends_at=ends_at,
            inmate_terminals=inmate_side,
            lobby_terminals=lobby if request.needs_lobby_terminal else (),
        )

    def _free(self, terminals, starts_at, ends_at) -> tuple[int, ...]:
        return tuple(t for t in terminals if not self.terminals[t].overlaps(starts_at, ends_at))


def _week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())
