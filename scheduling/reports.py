"""A facility's visits over a period, for the operator's `report_visits`.

Every figure is aggregated in the database: the report makes the same handful of queries
for a week or a year, for ten visits or a million. Dates are the facility's own.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from facilities.models import AccessDecision, AccessRequest, AccessStatus, Facility, Terminal

from .availability import Window
from .models import LedgerEntry, LedgerKind, Visit, VisitKind, VisitStatus
from .reasons import CancelFamily, CancelReason
from .selectors import windows_for

# Visits that took up their terminals' time.
OCCUPYING = [
    VisitStatus.BOOKED,
    VisitStatus.CHECKED_IN,
    VisitStatus.COMPLETED,
    VisitStatus.NO_SHOW,
]


@dataclass(frozen=True)
class TerminalUse:
    terminal: Terminal
    booked_minutes: int
    window_minutes: int

    @property
    def share(self) -> float | None:
        return self.booked_minutes / self.window_minutes if self.window_minutes else None


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


def _minutes(windows: list[Window]) -> dict[int, int]:
    """Minutes open per weekday, overlapping windows (of two kinds) counted once."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for window in windows:
        by_day.setdefault(window.weekday, []).append(
            (window.start.hour * 60 + window.start.minute, window.end.hour * 60 + window.end.minute)
        )
    minutes = {}
    for weekday, spans in by_day.items():
        total, reach = 0, 0
        for start, end in sorted(spans):
            start = max(start, reach)
            if end > start:
                total += end - start
                reach = end
        minutes[weekday] = total
    return minutes


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
    weekdays = [(start + timedelta(days=n)).weekday() for n in range((end - start).days + 1)]
    inmate_side = _minutes([w for kind in kinds for w in windows[kind]])
    lobby = _minutes(windows.get(VisitKind.ONSITE, []))
    capacity = {
        Terminal.Side.INMATE: sum(inmate_side.get(day, 0) for day in weekdays),
        Terminal.Side.LOBBY: sum(lobby.get(day, 0) for day in weekdays),
    }
    occupying = Visit.objects.filter(
        facility=facility, starts_at__gte=lo, starts_at__lt=hi, status__in=OCCUPYING
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
    return [
        TerminalUse(
            terminal=terminal,
            booked_minutes=int(booked.get(terminal.pk, timedelta()).total_seconds() // 60),
            window_minutes=capacity[terminal.side],
        )
        for terminal in terminals.order_by("side", "housing_unit__code", "name")
    ]


def _cancellations(facility: Facility, lo: datetime, hi: datetime) -> list[Cancellations]:
    rows = (
        Visit.objects.filter(
            facility=facility, starts_at__gte=lo, starts_at__lt=hi, status=VisitStatus.CANCELLED
        )
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
        terminals=_terminal_use(facility, lo, hi, start, end),
        cancellations=_cancellations(facility, lo, hi),
        money=_money(facility, lo, hi),
        reviews=_reviews(facility, lo, hi, now),
    )
