"""A facility with a real day's load: 30 terminals in 6 housing units and 200 visits on one
day, so the visit board can be seen (seed_demo), measured (bench_board) and tested at the
size an officer works with.

The visits are written directly (bulk), not through the booking services: each terminal
takes one visit per hour-long block of the default visit windows, each person one visit,
and no visitor two in one block, so nothing overlaps. Visits before `now` are completed or
no-shows, the one under way is checked in, the rest are booked; a few are cancelled.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import User
from facilities.demo import FIRST_NAMES, LAST_NAMES, TERMS_V1
from facilities.models import (
    AccessRequest,
    AccessStatus,
    Facility,
    HousingUnit,
    Inmate,
    Terminal,
    TermsVersion,
)

from .models import CardState, Visit, VisitKind, VisitStatus
from .reasons import CancelFamily, CancelReason

UNITS = [
    ("A", "A Pod"),
    ("B", "B Pod"),
    ("C", "C Pod"),
    ("D", "D Pod"),
    ("E", "E Pod"),
    ("MED", "Medical"),
]
TERMINALS_PER_UNIT = 5
LOBBY_TERMINALS = 6
VISITORS = 40
# Block starts (facility time) inside the default windows; a visit starts at the block or
# 20 minutes into it and lasts 20 or 40 minutes, so it ends within the block.
BLOCKS = [(9, 0), (10, 0), (12, 20), (13, 20), (14, 20), (15, 20)] + [
    (hour, 20) for hour in range(17, 22)
]
CENTS_PER_MINUTE = 20


def _facility(*, slug: str, name: str) -> Facility:
    facility, _ = Facility.objects.get_or_create(
        slug=slug,
        defaults={
            "name": name,
            "state": "TX",
            "street_address": "2200 E 7th Street",
            "city": "Austin",
            "zip_code": "78702",
            "time_zone": "America/Chicago",
            "visit_kinds": "both",
            "phone": "(512) 555-0188",
        },
    )
    TermsVersion.objects.get_or_create(
        facility=facility,
        version="1",
        defaults={"text": TERMS_V1, "effective_from": date(2025, 1, 1)},
    )
    return facility


def _terminals(facility: Facility) -> tuple[list[Terminal], list[Terminal]]:
    for number in range(1, LOBBY_TERMINALS + 1):
        Terminal.objects.get_or_create(
            facility=facility, name=f"Lobby {number}", defaults={"side": Terminal.Side.LOBBY}
        )
    for code, unit_name in UNITS:
        unit, _ = HousingUnit.objects.get_or_create(
            facility=facility, code=code, defaults={"name": unit_name}
        )
        for number in range(1, TERMINALS_PER_UNIT + 1):
            Terminal.objects.get_or_create(
                facility=facility,
                name=f"{code}-{number}",
                defaults={"side": Terminal.Side.INMATE, "housing_unit": unit},
            )
    inmate_side = list(
        Terminal.objects.filter(facility=facility, side=Terminal.Side.INMATE)
        .select_related("housing_unit")
        .order_by("housing_unit__name", "name")
    )
    lobby = list(Terminal.objects.filter(facility=facility, side=Terminal.Side.LOBBY))
    return inmate_side, lobby


def _person(facility: Facility, unit: HousingUnit, index: int) -> Inmate:
    person, _ = Inmate.objects.get_or_create(
        facility=facility,
        id_number=f"PC{5100000 + index:07d}",
        defaults={
            "first_name": FIRST_NAMES[index % len(FIRST_NAMES)],
            "last_name": LAST_NAMES[(index * 7) % len(LAST_NAMES)],
            "date_of_birth": date(1970 + index % 30, 1 + index % 12, 1 + index % 28),
            "housing_unit": unit,
        },
    )
    return person


def _visitors(facility: Facility, email_domain: str, now: datetime) -> list[User]:
    visitors = []
    for number in range(1, VISITORS + 1):
        user, created = User.objects.get_or_create(
            email=f"visitor{number:02d}@{email_domain}",
            defaults={
                "first_name": LAST_NAMES[(number * 5) % len(LAST_NAMES)],
                "last_name": FIRST_NAMES[(number * 3) % len(FIRST_NAMES)],
                "time_zone": facility.time_zone,
                "email_verified_at": now,
            },
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            AccessRequest.objects.create(
                user=user,
                facility=facility,
                status=AccessStatus.APPROVED,
                due_at=now,
                decided_at=now,
            )
        visitors.append(user)
    return visitors


def _status(starts_at: datetime, ends_at: datetime, now: datetime, n: int) -> dict:
    if n % 23 == 5:
        return {
            "status": VisitStatus.CANCELLED,
            "cancelled_at": starts_at - timedelta(days=3),
            "cancel_family": CancelFamily.VISITOR,
            "cancel_reason": CancelReason.VISITOR_CANCELLED,
        }
    if ends_at <= now:
        if n % 9 == 4:
            return {"status": VisitStatus.NO_SHOW, "finished_at": starts_at}
        return {"status": VisitStatus.COMPLETED, "checked_in_at": starts_at, "finished_at": ends_at}
    if starts_at <= now:
        return {"status": VisitStatus.CHECKED_IN, "checked_in_at": starts_at}
    return {"status": VisitStatus.BOOKED}


def busy_day_seed(
    *,
    day: date,
    visits: int = 200,
    slug: str = "pecan-creek-regional-jail",
    name: str = "Pecan Creek Regional Jail",
    email_domain: str = "busy.demo.visits",
    now: datetime | None = None,
) -> Facility:
    """The facility (made if missing) with `visits` visits on its local `day` (at most one
    per terminal and block: 330). Adds nothing when the day already has visits."""
    now = now or timezone.now()
    facility = _facility(slug=slug, name=name)
    inmate_side, lobby = _terminals(facility)
    zone = ZoneInfo(facility.time_zone)
    day_start = datetime(day.year, day.month, day.day, tzinfo=zone)
    if Visit.objects.filter(
        facility=facility, starts_at__gte=day_start, starts_at__lt=day_start + timedelta(days=1)
    ).exists():
        return facility
    visitors = _visitors(facility, email_domain, now)
    rows = []
    n = 0
    for block_index, (hour, minute) in enumerate(BLOCKS):
        block_start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
        lobby_free = list(lobby)
        for t_index, terminal in enumerate(inmate_side):
            # About 200 of the 330 places, spread over the day and the terminals.
            if n >= visits or ((t_index * 7 + block_index * 3) % 33 >= 20 and visits <= 200):
                continue
            offset = 20 * ((t_index + block_index) % 2)
            duration = 40 if (t_index * 3 + block_index) % 4 else 20
            starts_at = (block_start + timedelta(minutes=offset)).astimezone(UTC)
            ends_at = starts_at + timedelta(minutes=duration)
            person = _person(facility, terminal.housing_unit, t_index * 20 + block_index)
            onsite = bool(lobby_free) and n % 4 == 1
            price = 0 if onsite else duration * CENTS_PER_MINUTE
            visit = Visit(
                facility=facility,
                inmate=person,
                visitor=visitors[n % VISITORS],
                kind=VisitKind.ONSITE if onsite else VisitKind.REMOTE,
                inmate_terminal=terminal,
                lobby_terminal=lobby_free.pop() if onsite else None,
                starts_at=starts_at,
                ends_at=ends_at,
                price_cents=price,
                card_cents=price,
                card_state=CardState.CHARGED if price else CardState.NONE,
                booked_at=starts_at - timedelta(days=4),
                reminder_sent_at=starts_at - timedelta(days=1),
                **_status(starts_at, ends_at, now, n),
            )
            rows.append(visit)
            n += 1
    Visit.objects.bulk_create(rows)
    return facility
