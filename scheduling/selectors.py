from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import BigIntegerField, Exists, F, Max, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from facilities import privacy
from facilities.models import Facility, Inmate, Terminal, TermsVersion
from facilities.selectors import staff_facilities, terms_in_effect

from . import availability, board, rules
from .models import (
    DEFAULT_WINDOWS,
    LONGEST_VISIT,
    Closure,
    LedgerEntry,
    LedgerKind,
    Lockdown,
    SchedulingConfig,
    TermsAcceptance,
    Visit,
    VisitKind,
    VisitQuerySet,
    VisitWindow,
)


def config_for(*, facility: Facility) -> SchedulingConfig:
    """The facility's scheduling settings; unsaved defaults when it has none yet."""
    config = SchedulingConfig.objects.filter(facility=facility).first()
    return config or SchedulingConfig(facility=facility)


def config_loaded(*, facility: Facility) -> SchedulingConfig:
    """config_for a facility read with select_related("scheduling_config"), no query."""
    return getattr(facility, "scheduling_config", None) or SchedulingConfig(facility=facility)


def windows_for(*, facility: Facility, kind: str) -> list[availability.Window]:
    """The facility's windows for a kind; the defaults, every day, while it has none of its
    own for that kind (a facility not offering a kind says so with Facility.visit_kinds)."""
    own = [
        availability.Window(weekday=w.weekday, start=w.start_time, end=w.end_time)
        for w in VisitWindow.objects.filter(facility=facility, kind=kind)
    ]
    return own or [
        availability.Window(weekday=weekday, start=start, end=end)
        for weekday in range(7)
        for start, end in DEFAULT_WINDOWS
    ]


def local_day_bounds(*, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants a facility-local date begins and ends."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def availability_request(
    *,
    facility: Facility,
    inmate: Inmate,
    visitor: User,
    kind: str,
    duration: int,
    start_date: date,
    days: int,
    now: datetime,
    config: SchedulingConfig | None = None,
    exclude_visit_id: int | None = None,
    staff: bool = False,
    only: tuple[datetime, datetime] | None = None,
) -> availability.Request:
    """Load everything availability depends on for the dates, in a fixed number of queries
    whatever the number of visits, terminals and days. `staff` lifts the limits on when
    a home user may book (notice, horizon, weekly limit) for staff moving a visit. `only`
    (start, end) loads just the visits, closures and lockdowns overlapping that time: all
    that checking one start needs, and far less than a whole day when booking."""
    zone = ZoneInfo(facility.time_zone)
    config = config or config_for(facility=facility)
    range_start, _ = local_day_bounds(day=start_date, zone=zone)
    _, range_end = local_day_bounds(day=start_date + timedelta(days=days - 1), zone=zone)
    if only is not None:
        range_start, range_end = only
    onsite = kind == VisitKind.ONSITE

    terminals = Terminal.objects.filter(facility=facility, in_service=True)
    inmate_side = Q(side=Terminal.Side.INMATE, housing_unit_id=inmate.housing_unit_id)
    terminals = terminals.filter(
        inmate_side | Q(side=Terminal.Side.LOBBY) if onsite else inmate_side
    )
    inmate_terminals, lobby_terminals = [], []
    for terminal_id, side in terminals.order_by("name", "pk").values_list("pk", "side"):
        (lobby_terminals if side == Terminal.Side.LOBBY else inmate_terminals).append(terminal_id)

    weekly_limit = None if staff else config.weekly_limit
    live = VisitQuerySet.live_q(now)
    busy = (
        live
        & Q(starts_at__lt=range_end, ends_at__gt=range_start)
        & Q(starts_at__gt=range_start - LONGEST_VISIT)
        & (
            Q(inmate_terminal_id__in=inmate_terminals)
            | Q(lobby_terminal_id__in=lobby_terminals)
            | Q(inmate=inmate)
            | Q(visitor=visitor)
        )
    )
    wanted = busy
    if weekly_limit is not None:
        first_monday = start_date - timedelta(days=start_date.weekday())
        last_day = start_date + timedelta(days=days - 1)
        week_start, _ = local_day_bounds(day=first_monday, zone=zone)
        _, week_end = local_day_bounds(
            day=last_day + timedelta(days=6 - last_day.weekday()), zone=zone
        )
        wanted |= Q(
            inmate=inmate, starts_at__gte=week_start, starts_at__lt=week_end
        ) & VisitQuerySet.counted_q(now)
    visits = Visit.objects.filter(wanted).order_by()
    if exclude_visit_id is not None:
        visits = visits.exclude(pk=exclude_visit_id)

    terminal_busy: dict[int, list[availability.Interval]] = {}
    inmate_busy, visitor_busy, counted = [], [], []
    for row in visits.values_list(
        "inmate_terminal_id",
        "lobby_terminal_id",
        "inmate_id",
        "visitor_id",
        "starts_at",
        "ends_at",
        "status",
        "hold_expires_at",
    ):
        inmate_terminal_id, lobby_terminal_id, inmate_id, visitor_id, start, end = row[:6]
        status, hold_expires_at = row[6:]
        if inmate_id == inmate.pk:
            counted.append(start)
        is_live = rules.status_is_live(status=status, hold_expires_at=hold_expires_at, now=now)
        if not is_live or not (start < range_end and end > range_start):
            continue
        interval = availability.Interval(start, end)
        for terminal_id in (inmate_terminal_id, lobby_terminal_id):
            if terminal_id is not None:
                terminal_busy.setdefault(terminal_id, []).append(interval)
        if inmate_id == inmate.pk:
            inmate_busy.append(interval)
        if visitor_id == visitor.pk:
            visitor_busy.append(interval)

    overlapping = {"starts_at__lt": range_end, "ends_at__gt": range_start}
    closures = [
        availability.Interval(start, end)
        for start, end in Closure.objects.filter(facility=facility, **overlapping).values_list(
            "starts_at", "ends_at"
        )
    ]
    lockdowns = [
        availability.Interval(start, end)
        for start, end in Lockdown.objects.filter(
            housing_unit_id=inmate.housing_unit_id, **overlapping
        ).values_list("starts_at", "ends_at")
    ]
    return availability.Request(
        zone=zone,
        windows=windows_for(facility=facility, kind=kind),
        duration=timedelta(minutes=duration),
        step_minutes=config.slot_step_minutes,
        now=now,
        notice=timedelta(0) if staff else timedelta(minutes=config.min_notice_minutes),
        horizon_days=10_000 if staff else config.horizon_days,
        inmate_terminals=inmate_terminals,
        needs_lobby_terminal=onsite,
        lobby_terminals=lobby_terminals,
        terminal_busy=terminal_busy,
        inmate_busy=inmate_busy,
        visitor_busy=visitor_busy,
        closures=closures,
        lockdowns=lockdowns,
        weekly_limit=weekly_limit,
        inmate_counted_starts=counted if weekly_limit is not None else (),
    )


def availability_for(
    *,
    facility: Facility,
    inmate: Inmate,
    visitor: User,
    kind: str,
    duration: int,
    start_date: date,
    days: int,
    now: datetime | None = None,
    config: SchedulingConfig | None = None,
) -> list[availability.Day]:
    """Bookable starts for a home user, day by day (facility-local dates), each day with
    the reason it has none when it has none. A bounded number of queries; one fewer when
    the caller has the facility's `config`."""
    request = availability_request(
        facility=facility,
        inmate=inmate,
        visitor=visitor,
        kind=kind,
        duration=duration,
        start_date=start_date,
        days=days,
        now=now or timezone.now(),
        config=config,
    )
    return availability.bookable_days(request, start_date=start_date, days=days)


def booking_dates(*, facility: Facility, config: SchedulingConfig, now: datetime) -> list[date]:
    """The facility-local dates a home user may pick, today through the horizon."""
    today = timezone.localdate(now, ZoneInfo(facility.time_zone))
    return [today + timedelta(days=n) for n in range(config.horizon_days + 1)]


def inmates_bookable(
    *, facility: Facility, query: str, limit: int = privacy.ROSTER_RESULTS_MAX
) -> QuerySet[Inmate]:
    """Active people of a facility whose ID number is `query`, or, when the query has a word
    of at least three letters, whose names contain every word of it; at most `limit`.
    Callers show only name, ID number and a housing unit the facility shows to families."""
    query = " ".join(query.split())
    people = Inmate.objects.filter(facility=facility, status=Inmate.Status.ACTIVE).select_related(
        "housing_unit"
    )
    if not query:
        return people.none()
    match = Q(id_number__iexact=query)
    if privacy.roster_name_query_allowed(query):
        by_name = Q()
        for word in query.split(" "):
            by_name &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        match |= by_name
    return people.filter(match).order_by("last_name", "first_name", "pk")[:limit]


def terms_current_for(*, user: User, facility: Facility, today: date) -> TermsVersion | None:
    """The facility's current terms, with `accepted`: whether the user has accepted that
    version. One query."""
    return (
        terms_in_effect(facility=facility, today=today)
        .annotate(
            accepted=Exists(TermsAcceptance.objects.filter(user=user, terms_version=OuterRef("pk")))
        )
        .first()
    )


def terms_to_accept(*, user: User, facility: Facility, today: date) -> TermsVersion | None:
    """The facility's current terms if the user has not accepted that version yet."""
    current = terms_current_for(user=user, facility=facility, today=today)
    return None if current is None or current.accepted else current


def _with_related(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    return visits.select_related(
        "facility",
        "inmate",
        "inmate__housing_unit",
        "visitor",
        "inmate_terminal",
        "lobby_terminal",
    )


def visits_for_visitor(*, user: User) -> QuerySet[Visit]:
    """A home user's own visits (not lapsed holds). Fetch one with
    get_object_or_404(visits_for_visitor(user=...), pk=...)."""
    return _with_related(Visit.objects.filter(visitor=user).not_expired())


def visits_upcoming(*, user: User, now: datetime | None = None) -> QuerySet[Visit]:
    """Booked visits not over yet, soonest first."""
    now = now or timezone.now()
    return visits_for_visitor(user=user).upcoming(now).order_by("starts_at", "pk")


def visits_past(*, user: User, now: datetime | None = None) -> QuerySet[Visit]:
    """Visits over, cancelled or missed, newest first."""
    now = now or timezone.now()
    return visits_for_visitor(user=user).past(now).order_by("-starts_at", "-pk")


def visits_for_staff(*, user: User) -> QuerySet[Visit]:
    """Every visit a staff member may see: those at their facilities, no others."""
    return _with_related(
        Visit.objects.filter(facility__in=staff_facilities(user=user)).not_expired()
    )


def visit_board(
    *,
    facility: Facility,
    day: date,
    now: datetime,
    unit_id: int | None = None,
    status: str = "",
) -> board.Grid:
    """A facility-local day's visits as a time-by-terminal grid (scheduling/board.py), for
    the staff board: the incarcerated-side terminals of the facility (or of one housing
    unit) and the visits on them, of every status or of one of rules.BOARD_FILTERS.
    Two queries whatever the number of visits and terminals."""
    zone = ZoneInfo(facility.time_zone)
    start, end = local_day_bounds(day=day, zone=zone)
    terminals = Terminal.objects.filter(facility=facility, side=Terminal.Side.INMATE)
    visits = Visit.objects.filter(facility=facility, starts_at__lt=end, ends_at__gt=start)
    if unit_id is not None:
        terminals = terminals.filter(housing_unit_id=unit_id)
        visits = visits.filter(inmate_terminal__housing_unit_id=unit_id)
    if status in rules.BOARD_FILTERS:
        visits = visits.filter(status__in=rules.BOARD_FILTERS[status])
    else:
        visits = visits.not_expired()
    terminal_list = list(
        terminals.select_related("housing_unit").order_by("housing_unit__name", "name")
    )
    return board.board_grid(
        terminals=terminal_list,
        visits=list(_with_related(visits)),
        now=now,
        show_now=start <= now < end,
    )


def daily_list(*, facility: Facility, day: date) -> QuerySet[Visit]:
    """A facility-local day's scheduled visits by housing unit, so each person can be told
    of theirs in advance."""
    start, end = local_day_bounds(day=day, zone=ZoneInfo(facility.time_zone))
    return _with_related(
        Visit.objects.scheduled().filter(facility=facility, starts_at__gte=start, starts_at__lt=end)
    ).order_by("inmate__housing_unit__name", "starts_at", "inmate__last_name")


def visits_affected_by_terminal(*, terminal: Terminal, now: datetime | None = None):
    """Scheduled visits still to come on a terminal (for taking it out of service)."""
    now = now or timezone.now()
    return _with_related(
        Visit.objects.booked().filter(
            Q(inmate_terminal=terminal) | Q(lobby_terminal=terminal),
            ends_at__gt=now,
        )
    )


def visits_affected_by_lockdown(*, lockdown: Lockdown) -> QuerySet[Visit]:
    """Scheduled visits of the unit's people during a lockdown."""
    return _with_related(
        Visit.objects.booked().filter(
            inmate__housing_unit_id=lockdown.housing_unit_id,
            starts_at__lt=lockdown.ends_at,
            ends_at__gt=lockdown.starts_at,
        )
    )


def balance_for(*, user: User) -> int:
    """The user's credit in cents: the sum of their ledger entries."""
    return LedgerEntry.objects.filter(user=user).aggregate(total=Sum("amount_cents"))["total"] or 0


@dataclass
class StatementLine:
    """One line of the money statement: a visit and everything that happened to its money
    (oldest first), or one entry of no visit (a credit an operator gave)."""

    visit: Visit | None
    entries: list[LedgerEntry]

    def _sum(self, kind: str, field: str) -> int:
        return sum(getattr(e, field) for e in self.entries if e.kind == kind)

    @property
    def payment(self) -> LedgerEntry | None:
        """The card payment, whose receipt the family can print."""
        return next((e for e in self.entries if e.kind == LedgerKind.PAYMENT), None)

    @property
    def by_card(self) -> int:
        return self._sum(LedgerKind.PAYMENT, "card_amount_cents")

    @property
    def from_credit(self) -> int:
        return -self._sum(LedgerKind.CREDIT_USE, "amount_cents")

    @property
    def paid(self) -> int:
        return self.by_card + self.from_credit

    @property
    def credited(self) -> int:
        return self._sum(LedgerKind.CREDIT, "amount_cents")

    @property
    def final(self) -> bool:
        return any(e.kind == LedgerKind.CHARGE for e in self.entries)

    @property
    def held(self) -> bool:
        """Paid and still held for the visit: cancelled in time, it comes back as credit."""
        held = any(e.kind == LedgerKind.FUNDS_HOLD for e in self.entries)
        return held and not self.final and not self.credited

    @property
    def total(self) -> int:
        """What the visit cost in the end (what was paid less what came back), or the
        entry's effect on the credit for an entry of no visit."""
        if self.visit is None:
            return sum(e.amount_cents for e in self.entries)
        return self.paid - self.credited


def statement_groups(*, user: User) -> QuerySet:
    """The lines of the user's money statement, newest first, as rows {"group", "last"}:
    one per visit (its id), one per entry of no visit (minus the entry's id). Page these,
    then read the page's entries with statement_lines."""
    return (
        LedgerEntry.objects.filter(user=user)
        .annotate(group=Coalesce("visit_id", -F("pk"), output_field=BigIntegerField()))
        .values("group")
        .annotate(last=Max("created_at"), last_pk=Max("pk"))
        .order_by("-last", "-last_pk")
    )


def statement_lines(*, user: User, groups) -> list[StatementLine]:
    """The statement lines of a page of statement_groups, in one query."""
    groups = [row["group"] for row in groups]
    entries = (
        LedgerEntry.objects.filter(user=user)
        .filter(
            Q(visit_id__in=[g for g in groups if g > 0]) | Q(pk__in=[-g for g in groups if g < 0])
        )
        .select_related("visit__inmate", "visit__facility")
        .order_by("created_at", "pk")
    )
    by_group: dict[int, list[LedgerEntry]] = {g: [] for g in groups}
    for entry in entries:
        by_group[entry.visit_id or -entry.pk].append(entry)
    return [StatementLine(visit=found[0].visit, entries=found) for found in by_group.values()]


def payment_for_receipt(*, user: User, pk: int) -> LedgerEntry:
    """A card payment of the user's, with its visit, for its receipt; 404 for any other."""
    return get_object_or_404(
        LedgerEntry.objects.filter(user=user, kind=LedgerKind.PAYMENT).select_related(
            "visit__inmate", "visit__facility"
        ),
        pk=pk,
    )


def card_for_visit(*, visit: Visit) -> LedgerEntry | None:
    """The entry that took card money for the visit (token and last four digits)."""
    return LedgerEntry.objects.filter(visit=visit, kind=LedgerKind.PAYMENT).first()


# The facility staff console. Every read is scoped to the staff member's facilities (and
# the administrator pages to the facilities they administer), so another facility's row
# is a 404 through get_object_or_404, like one that does not exist.


def terminals_for_admin(*, user: User) -> QuerySet[Terminal]:
    return Terminal.objects.filter(
        facility__in=staff_facilities(user=user, administrator=True)
    ).select_related("facility", "housing_unit")


def lockdowns_for_admin(*, user: User) -> QuerySet[Lockdown]:
    return Lockdown.objects.filter(
        housing_unit__facility__in=staff_facilities(user=user, administrator=True)
    ).select_related("housing_unit", "housing_unit__facility", "created_by")


def closures_for_admin(*, user: User) -> QuerySet[Closure]:
    return Closure.objects.filter(
        facility__in=staff_facilities(user=user, administrator=True)
    ).select_related("facility", "created_by")


def visits_affected_by_closure(*, closure: Closure) -> QuerySet[Visit]:
    """Scheduled visits at the facility during a closure."""
    return _with_related(
        Visit.objects.booked().filter(
            facility_id=closure.facility_id,
            starts_at__lt=closure.ends_at,
            ends_at__gt=closure.starts_at,
        )
    )


def terminals_for_move(*, visit: Visit) -> tuple[QuerySet[Terminal], QuerySet[Terminal]]:
    """The terminals staff may move a visit to, by name: those in service on its person's
    housing unit, and for an on-site visit the lobby terminals in service."""
    inmate_side = Terminal.objects.filter(
        facility_id=visit.facility_id,
        side=Terminal.Side.INMATE,
        housing_unit_id=visit.inmate.housing_unit_id,
        in_service=True,
    ).order_by("name")
    lobby = (
        Terminal.objects.filter(
            facility_id=visit.facility_id, side=Terminal.Side.LOBBY, in_service=True
        )
        if visit.kind == VisitKind.ONSITE
        else Terminal.objects.none()
    ).order_by("name")
    return inmate_side, lobby


def staff_move_slots(*, visit: Visit, day: date, now: datetime) -> list[availability.Slot]:
    """The starts on a facility-local date a staff member may move a visit to (same
    length, same person and visitor; staff are not held to notice, horizon or weekly
    limit), each with its free terminals. A bounded number of queries."""
    request = availability_request(
        facility=visit.facility,
        inmate=visit.inmate,
        visitor=visit.visitor,
        kind=visit.kind,
        duration=visit.duration_minutes,
        start_date=day,
        days=1,
        now=now,
        exclude_visit_id=visit.pk,
        staff=True,
    )
    (found,) = availability.bookable_days(request, start_date=day, days=1)
    return [slot for slot in found.slots if slot.starts_at > now]


# Reads for the home user's pages (scheduling/views.py).


def facilities_bookable(*, user: User) -> QuerySet[Facility]:
    """Active facilities where the user may book: an approved identity and approved
    access to the facility (the same conditions the booking services check). One query."""
    if not user.is_authenticated:
        return Facility.objects.none()
    return (
        Facility.objects.filter(is_active=True)
        .filter(Exists(_approved_access(user=user).filter(facility=OuterRef("pk"))))
        .order_by("name", "pk")
    )


def may_book_at(*, user: User, facility: Facility) -> bool:
    """An approved identity and approved access to the facility, in one query."""
    return _approved_access(user=user).filter(facility=facility).exists()


def _approved_access(*, user: User) -> QuerySet:
    from accounts.models import IdentityStatus, IdentitySubmission
    from facilities.models import AccessRequest, AccessStatus

    identity = IdentitySubmission.objects.filter(user=user, status=IdentityStatus.APPROVED)
    return AccessRequest.objects.filter(user=user, status=AccessStatus.APPROVED).filter(
        Exists(identity)
    )


def inmates_visitable(*, facility: Facility) -> QuerySet[Inmate]:
    """The facility's active people, any of whom may be visited."""
    return Inmate.objects.filter(facility=facility, status=Inmate.Status.ACTIVE).select_related(
        "housing_unit"
    )


def visits_with_holds_for_visitor(*, user: User) -> QuerySet[Visit]:
    """All of a home user's visits, lapsed holds included (to tell them a hold ran out),
    with what the booking pages show: the facility and the person."""
    return Visit.objects.filter(visitor=user).select_related("facility", "inmate")


def hold_current(*, user: User, now: datetime | None = None) -> Visit | None:
    """The user's hold that has not run out, if any."""
    now = now or timezone.now()
    return visits_with_holds_for_visitor(user=user).live_holds(now).first()


def availability_for_reschedule(
    *, visit: Visit, start_date: date, days: int, now: datetime | None = None
) -> list[availability.Day]:
    """Where the user's visit could move to: its facility, kind, person and length, the
    visit itself not counted as busy (a reschedule releases it in the same transaction)."""
    request = availability_request(
        facility=visit.facility,
        inmate=visit.inmate,
        visitor=visit.visitor,
        kind=visit.kind,
        duration=visit.duration_minutes,
        start_date=start_date,
        days=days,
        now=now or timezone.now(),
        exclude_visit_id=visit.pk,
    )
    return availability.bookable_days(request, start_date=start_date, days=days)


@dataclass(frozen=True)
class PaymentPreview:
    """How a visit of a price would be paid if booked now."""

    price_cents: int
    credit_cents: int  # taken from the user's credit
    card_cents: int  # the rest, on a card
    credit_due: bool  # 48 hours or more ahead: what is paid comes back as credit until then


def payment_preview(
    *,
    user: User,
    price_cents: int,
    starts_at: datetime,
    now: datetime | None = None,
    extra_credit_cents: int = 0,
) -> PaymentPreview:
    """Credit first, then the card, as `ledger.visit_pay` pays a booking.
    `extra_credit_cents` is credit the same action gives back first (a reschedule)."""
    from .rules import credit_is_due

    now = now or timezone.now()
    available = max(balance_for(user=user) + extra_credit_cents, 0)
    credit = min(available, price_cents)
    return PaymentPreview(
        price_cents=price_cents,
        credit_cents=credit,
        card_cents=price_cents - credit,
        credit_due=credit_is_due(starts_at=starts_at, now=now),
    )


def ledger_for_visit(*, visit: Visit) -> QuerySet[LedgerEntry]:
    """What happened to one visit's money, in order."""
    return (
        LedgerEntry.objects.filter(visit=visit)
        .select_related("visit__inmate", "visit__facility")
        .order_by("created_at", "pk")
    )
