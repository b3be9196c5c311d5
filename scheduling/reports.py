"""A facility's visits over a period, for the operator's `report_visits`.

Every figure is aggregated in the database: the report makes the same handful of queries
for a week or a year, for ten visits or a million. Dates are the facility's own.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, DurationField, ExpressionWrapper, F, IntegerField, Q, Sum, Value
from django.utils.translation import gettext as _

from facilities.models import AccessDecision, AccessRequest, AccessStatus, Facility, Terminal
from visitation.formatting import time_in_zone

from .availability import Window, wall_clock_instant
from .models import Closure, LedgerEntry, LedgerKind, Lockdown, Visit, VisitKind, VisitStatus
from .reasons import CancelFamily, CancelReason
from .selectors import windows_for


@dataclass(frozen=True)
class TerminalUse:
    terminal: Terminal
    booked_minutes: int
    window_minutes: int

    @property
    def share(self) -> float | None:
        return self.booked_minutes / self.window_minutes if self.window_minutes else None


@dataclass(frozen=True)
class Deducted:
    """Visit window minutes not counted as terminal capacity. `closed`: minutes of the
    facility's windows (any kind) it was closed, taken from every terminal within its own
    windows. `locked_down`: per housing unit, minutes of its terminals' windows it was
    locked down while the facility was open."""

    closed: int
    locked_down: list[tuple[str, int]]


@dataclass(frozen=True)
class Cancellations:
    family: str
    count: int
    by_reason: list[tuple[str, int]]


@dataclass(frozen=True)
class MoneyLine:
    kind: str
    entries: int
    cents: int  # credit amount (positive) for credit entries, card_amount_cents otherwise


@dataclass(frozen=True)
class ReviewTimes:
    """Access requests made in the period, against the rule: decided within 24 hours."""

    decided: int
    within_24h: int
    median: timedelta | None
    pending: int
    pending_late: int

    @property
    def within_24h_share(self) -> float | None:
        return self.within_24h / self.decided if self.decided else None


@dataclass(frozen=True)
class VisitReport:
    facility: Facility
    start: date
    end: date
    by_status: list[tuple[str, int]]
    terminals: list[TerminalUse]
    deducted: Deducted
    cancellations: list[Cancellations]
    money: list[MoneyLine]
    reviews: ReviewTimes

    @property
    def visits(self) -> int:
        return sum(count for _, count in self.by_status)


def _bounds(facility: Facility, start: date, end: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(facility.time_zone)
    return (
        datetime.combine(start, time(0), tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone),
    )


def _merged(spans) -> list[tuple[datetime, datetime]]:
    """Sorted, disjoint spans covering the same time as `spans`; empty ones dropped."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _length(spans) -> timedelta:
    return sum((end - start for start, end in spans), timedelta())


def _common(spans, others) -> timedelta:
    """Time both sorted, disjoint lists of spans cover."""
    total, i, j = timedelta(), 0, 0
    while i < len(spans) and j < len(others):
        start = max(spans[i][0], others[j][0])
        end = min(spans[i][1], others[j][1])
        if end > start:
            total += end - start
        if spans[i][1] < others[j][1]:
            i += 1
        else:
            j += 1
    return total


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def _open(windows: list[Window], zone: ZoneInfo, days: list[date]):
    """The real time the windows are open on each of the facility-local days, as
    availability bounds them (a DST day's window is its real length), overlapping windows
    (of two kinds) counted once."""
    return _merged(
        (
            wall_clock_instant(day, w.start, zone, first=True),
            wall_clock_instant(day, w.end, zone, first=False),
        )
        for day in days
        for w in windows
        if w.weekday == day.weekday()
    )


def _terminal_use(facility: Facility, lo: datetime, hi: datetime, start: date, end: date):
    kinds = [
        kind
        for kind, offered in (
            (VisitKind.ONSITE, facility.offers_onsite),
            (VisitKind.REMOTE, facility.offers_remote),
        )
        if offered
    ]
    windows = {kind: windows_for(facility=facility, kind=kind) for kind in kinds}
    zone = ZoneInfo(facility.time_zone)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    inmate_side = _open([w for kind in kinds for w in windows[kind]], zone, days)
    lobby = _open(windows.get(VisitKind.ONSITE, []), zone, days)

    # Closures (unit None) and lockdowns (their unit) overlapping the period, in one query.
    overlapping = {"starts_at__lt": hi, "ends_at__gt": lo}
    closures = (
        Closure.objects.filter(facility=facility, **overlapping)
        .annotate(unit=Value(None, output_field=IntegerField()))
        .values_list("starts_at", "ends_at", "unit")
        .order_by()
    )
    lockdowns = (
        Lockdown.objects.filter(housing_unit__facility=facility, **overlapping)
        .values_list("starts_at", "ends_at", "housing_unit_id")
        .order_by()
    )
    stopped: dict[int | None, list[tuple[datetime, datetime]]] = {}
    for starts_at, ends_at, unit in closures.union(lockdowns, all=True):
        stopped.setdefault(unit, []).append((starts_at, ends_at))
    closed = _merged(stopped.pop(None, []))
    not_open = {unit: _merged([*closed, *spans]) for unit, spans in stopped.items()}

    occupying = Visit.objects.occupying().filter(
        facility=facility, starts_at__gte=lo, starts_at__lt=hi
    )
    length = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    booked: dict[int, timedelta] = {}
    for column in ("inmate_terminal", "lobby_terminal"):
        for terminal_id, total in (
            occupying.filter(**{f"{column}__isnull": False})
            .values_list(column)
            .annotate(total=Sum(length))
            .order_by()
        ):
            booked[terminal_id] = booked.get(terminal_id, timedelta()) + total
    terminals = Terminal.objects.filter(facility=facility).select_related("housing_unit")
    closed_on_inmate_side = _common(inmate_side, closed)
    uses, locked_down = [], {}
    for terminal in terminals.order_by("side", "housing_unit__code", "name"):
        if terminal.side == Terminal.Side.LOBBY:
            stopped_time = _common(lobby, closed)
            capacity = _length(lobby) - stopped_time
        else:
            unit = terminal.housing_unit
            stopped_time = _common(inmate_side, not_open.get(unit.pk, closed))
            capacity = _length(inmate_side) - stopped_time
            if stopped_time > closed_on_inmate_side:
                locked_down[unit.name] = _minutes(stopped_time - closed_on_inmate_side)
        uses.append(
            TerminalUse(
                terminal=terminal,
                booked_minutes=_minutes(booked.get(terminal.pk, timedelta())),
                window_minutes=_minutes(capacity),
            )
        )
    deducted = Deducted(
        closed=_minutes(closed_on_inmate_side), locked_down=sorted(locked_down.items())
    )
    return uses, deducted


def _cancellations(facility: Facility, lo: datetime, hi: datetime) -> list[Cancellations]:
    rows = (
        Visit.objects.cancelled()
        .filter(facility=facility, starts_at__gte=lo, starts_at__lt=hi)
        .values_list("cancel_family", "cancel_reason")
        .annotate(count=Count("pk"))
        .order_by()
    )
    by_family: dict[str, list[tuple[str, int]]] = {}
    for family, reason, count in rows:
        by_family.setdefault(family, []).append((reason, count))
    order = [*CancelFamily.values, *sorted(set(by_family) - set(CancelFamily.values))]
    reasons = list(CancelReason.values)
    return [
        Cancellations(
            family=family,
            count=sum(count for _, count in by_family[family]),
            by_reason=sorted(
                by_family[family],
                key=lambda item: reasons.index(item[0]) if item[0] in reasons else len(reasons),
            ),
        )
        for family in order
        if family in by_family
    ]


def _money(facility: Facility, lo: datetime, hi: datetime) -> list[MoneyLine]:
    rows = {
        kind: (entries, credit, card)
        for kind, entries, credit, card in LedgerEntry.objects.filter(
            visit__facility=facility, created_at__gte=lo, created_at__lt=hi
        )
        .values_list("kind")
        .annotate(entries=Count("pk"), credit=Sum("amount_cents"), card=Sum("card_amount_cents"))
        .order_by()
    }
    lines = []
    for kind in LedgerKind.values:
        entries, credit, card = rows.get(kind, (0, 0, 0))
        cents = abs(credit) if kind in (LedgerKind.CREDIT, LedgerKind.CREDIT_USE) else card
        lines.append(MoneyLine(kind=kind, entries=entries, cents=cents))
    return lines


def _reviews(facility: Facility, lo: datetime, hi: datetime, now: datetime) -> ReviewTimes:
    decisions = AccessDecision.objects.filter(
        request__facility=facility,
        request__created_at__gte=lo,
        request__created_at__lt=hi,
        outcome__in=[AccessStatus.APPROVED, AccessStatus.DENIED],
    )
    counts = decisions.aggregate(
        decided=Count("pk"),
        within=Count("pk", filter=Q(created_at__lte=F("request__due_at"))),
    )
    decided = counts["decided"]
    median = None
    if decided:
        waited = ExpressionWrapper(
            F("created_at") - F("request__created_at"), output_field=DurationField()
        )
        middle = list(
            decisions.annotate(waited=waited)
            .order_by("waited")
            .values_list("waited", flat=True)[(decided - 1) // 2 : decided // 2 + 1]
        )
        median = sum(middle, timedelta()) / len(middle)
    pending = AccessRequest.objects.filter(
        facility=facility, created_at__gte=lo, created_at__lt=hi, status=AccessStatus.PENDING
    ).aggregate(all=Count("pk"), late=Count("pk", filter=Q(due_at__lt=now)))
    return ReviewTimes(
        decided=decided,
        within_24h=counts["within"],
        median=median,
        pending=pending["all"],
        pending_late=pending["late"],
    )


def visit_report(*, facility: Facility, start: date, end: date, now: datetime) -> VisitReport:
    """The facility's visits starting from `start` to `end` (its local dates, both
    included): by status, use of each terminal, cancellations, money and access review
    times. Ten queries or so, whatever the period and the number of visits."""
    lo, hi = _bounds(facility, start, end)
    terminals, deducted = _terminal_use(facility, lo, hi, start, end)
    by_status = dict(
        Visit.objects.filter(facility=facility, starts_at__gte=lo, starts_at__lt=hi)
        .values_list("status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return VisitReport(
        facility=facility,
        start=start,
        end=end,
        by_status=[
            (status, by_status[status]) for status in VisitStatus.values if status in by_status
        ],
        terminals=terminals,
        deducted=deducted,
        cancellations=_cancellations(facility, lo, hi),
        money=_money(facility, lo, hi),
        reviews=_reviews(facility, lo, hi, now),
    )


def _csv_cell(value) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def daily_list_rows(*, visits, zone: str) -> list[list]:
    """The daily list as spreadsheet rows, a header first: one row per visit, times on the
    facility's clock, typed-in text never read as a formula."""
    header = [
        _("Housing unit"),
        _("Incarcerated person"),
        _("ID number"),
        _("Starts"),
        _("Ends"),
        _("Minutes"),
        _("Kind"),
        _("Terminal"),
        _("Lobby terminal"),
        _("Visitor"),
        _("Status"),
    ]
    return [header] + [
        [
            _csv_cell(visit.inmate.housing_unit.name),
            _csv_cell(visit.inmate.full_name),
            _csv_cell(visit.inmate.id_number),
            time_in_zone(visit.starts_at, zone),
            time_in_zone(visit.ends_at, zone),
            visit.duration_minutes,
            visit.get_kind_display(),
            _csv_cell(visit.inmate_terminal.name),
            _csv_cell(visit.lobby_terminal.name if visit.lobby_terminal else ""),
            _csv_cell(visit.visitor.full_name),
            visit.get_status_display(),
        ]
        for visit in visits
    ]
