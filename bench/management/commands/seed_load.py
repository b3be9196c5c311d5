"""Fill a PostgreSQL database with a large made-up dataset for the scheduling benchmark."""

import io
import random
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from importlib import import_module
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import IdentityStatus, IdentitySubmission, User
from facilities.demo import FIRST_NAMES, LAST_NAMES
from facilities.models import (
    AccessRequest,
    AccessStatus,
    Facility,
    HousingUnit,
    Inmate,
    Terminal,
    TermsVersion,
)
from scheduling.models import CardState, Visit, VisitKind, VisitStatus
from scheduling.reasons import CancelFamily, CancelReason
from scheduling.rules import credit_is_due

BIG_SLUG = "load-big"
SLUG_PREFIX = "load-"
EMAIL_DOMAIN = "load.invalid"
ZONES = [
    ("America/Chicago", "TX"),
    ("America/New_York", "GA"),
    ("America/Denver", "CO"),
    ("America/Phoenix", "AZ"),
    ("America/Los_Angeles", "CA"),
]
# Visits start at the top of these one-hour blocks (facility time), which lie inside the
# default visit windows; a visit lasts 20, 40 or 60 minutes, so two visits in different
# blocks never overlap and one terminal, person or visitor per block is never double-booked.
BLOCKS = [(9, 0), (10, 0), (12, 20), (13, 20), (14, 20), (15, 20)] + [
    (hour, 20) for hour in range(17, 22)
]
DURATIONS = [20, 40, 60]
REMOTE_CENTS_PER_MINUTE = 20
BATCH = 5_000
COPY_CHUNK = 50_000


def split(total: int, weights: list[int]) -> list[int]:
    """`total` shared in proportion to `weights`, the shares adding up exactly."""
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    for i in range(total - sum(shares)):
        shares[i % len(shares)] += 1
    return shares


class Command(BaseCommand):
    help = (
        "FOR BENCHMARKING ONLY: fill an empty PostgreSQL database with a large made-up "
        "dataset (by default 50 facilities, 2,000 terminals, 50,000 incarcerated people, "
        "25,000 home users and 500,000 visits over a year centred on today), one facility "
        f"('{BIG_SLUG}') with 200 terminals. Never run it against a real database: it "
        "refuses to run with DEBUG off unless --force, and refuses a database that already "
        "holds its data. Uses COPY for the visits; takes a few minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--facilities", type=int, default=50)
        parser.add_argument("--terminals", type=int, default=2_000)
        parser.add_argument("--big-terminals", type=int, default=200)
        parser.add_argument("--persons", type=int, default=50_000)
        parser.add_argument("--visitors", type=int, default=25_000)
        parser.add_argument("--visits", type=int, default=500_000)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (benchmarks only)."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_load writes a large made-up dataset for benchmarks. It runs only with "
                "DEBUG=1, or with --force on a throw-away database."
            )
        if connection.vendor != "postgresql":
            raise CommandError("seed_load needs PostgreSQL (it loads the visits with COPY).")
        if Facility.objects.filter(slug__startswith=SLUG_PREFIX).exists():
            raise CommandError("This database already holds the load dataset.")
        if options["facilities"] < 2 or options["big_terminals"] >= options["terminals"]:
            raise CommandError("Need at least 2 facilities and more terminals than the big one.")
        self.random = random.Random(options["seed"])
        self.now = timezone.now()
        started = time.monotonic()
        with transaction.atomic():
            facilities = self._facilities(options)
            self._step("facilities, units, terminals and terms", started)
            people = self._people(facilities, options["persons"])
            self._step(f"{options['persons']:,} incarcerated people", started)
            visitors = self._visitors(facilities, options["visitors"])
            self._step(f"{options['visitors']:,} home users with approved access", started)
            with _overlap_constraints_checked_after():
                count = self._visits(facilities, people, visitors, options)
                self._step(f"{count:,} visits", started)
            self._step("no double booking: the exclusion constraints hold", started)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self._step("statistics for the query planner (ANALYZE)", started)

    def _step(self, what: str, started: float) -> None:
        self.stdout.write(f"{time.monotonic() - started:7.1f} s  {what}")

    # Facilities ---------------------------------------------------------------------------

    def _facilities(self, options) -> list[dict]:
        others = options["facilities"] - 1
        rest = options["terminals"] - options["big_terminals"]
        sizes = [options["big_terminals"], *split(rest, [1] * others)]
        specs = []
        for index, size in enumerate(sizes):
            zone, state = ZONES[index % len(ZONES)]
            big = index == 0
            slug = BIG_SLUG if big else f"{SLUG_PREFIX}{index:02d}"
            name = (
                "Load Test County Jail (200 terminals)"
                if big
                else f"Load Test Facility {index:02d}"
            )
            specs.append(
                {
                    "facility": Facility(
                        name=name,
                        slug=slug,
                        state=state,
                        street_address=f"{index + 1} Benchmark Road",
                        city="Loadville",
                        zip_code="00000",
                        time_zone=zone,
                    ),
                    "size": size,
                }
            )
        Facility.objects.bulk_create([spec["facility"] for spec in specs])
        TermsVersion.objects.bulk_create(
            [
                TermsVersion(
                    facility=spec["facility"],
                    version="1",
                    text="Be respectful. Visits may be recorded.",
                    effective_from=date(2025, 1, 1),
                )
                for spec in specs
            ]
        )
        units, terminals = [], []
        for spec in specs:
            size = spec["size"]
            lobby = max(2, size // 10)
            inmate_side = size - lobby
            unit_count = max(2, round(inmate_side / 15 if spec is specs[0] else inmate_side / 8))
            facility = spec["facility"]
            spec["units"] = [
                HousingUnit(
                    facility=facility,
                    name=f"Unit {chr(65 + u % 26)}{u // 26 or ''}",
                    code=f"U{u:02d}",
                )
                for u in range(unit_count)
            ]
            units += spec["units"]
            spec["lobby"] = [
                Terminal(facility=facility, name=f"Lobby {n + 1:02d}", side=Terminal.Side.LOBBY)
                for n in range(lobby)
            ]
            spec["inmate_terminals"] = [
                Terminal(
                    facility=facility,
                    name=f"T{n + 1:03d}",
                    side=Terminal.Side.INMATE,
                    housing_unit=spec["units"][n % unit_count],
                )
                for n in range(inmate_side)
            ]
            terminals += spec["lobby"] + spec["inmate_terminals"]
        HousingUnit.objects.bulk_create(units, batch_size=BATCH)
        for terminal in terminals:
            terminal.housing_unit_id = terminal.housing_unit.pk if terminal.housing_unit else None
        Terminal.objects.bulk_create(terminals, batch_size=BATCH)
        return specs

    def _people(self, specs, persons: int) -> dict[int, dict[int, list[int]]]:
        """Incarcerated people, in proportion to each facility's terminals; returns the ids
        of each unit's people."""
        shares = split(persons, [len(spec["inmate_terminals"]) for spec in specs])
        rows = []
        for index, (spec, share) in enumerate(zip(specs, shares, strict=True)):
            units = spec["units"]
            for n in range(share):
                rows.append(
                    Inmate(
                        facility=spec["facility"],
                        id_number=f"L{index:02d}{n:06d}",
                        first_name=self.random.choice(FIRST_NAMES),
                        last_name=self.random.choice(LAST_NAMES),
                        date_of_birth=date(1960 + n % 45, 1 + n % 12, 1 + n % 28),
                        housing_unit=units[n % len(units)],
                    )
                )
        Inmate.objects.bulk_create(rows, batch_size=BATCH)
        by_unit: dict[int, list[int]] = {}
        for person in rows:
            by_unit.setdefault(person.housing_unit.pk, []).append(person.pk)
        return by_unit

    def _visitors(self, specs, visitors: int) -> list[list[int]]:
        """Home users with an approved identity and approved access to one facility each;
        returns each facility's visitor ids. They cannot sign in (no usable password)."""
        shares = split(visitors, [len(spec["inmate_terminals"]) for spec in specs])
        users, homes = [], []
        for index, (spec, share) in enumerate(zip(specs, shares, strict=True)):
            for n in range(share):
                users.append(
                    User(
                        email=f"visitor{index:02d}-{n:05d}@{EMAIL_DOMAIN}",
                        first_name=self.random.choice(FIRST_NAMES),
                        last_name=self.random.choice(LAST_NAMES),
                        date_of_birth=date(1970 + n % 30, 1 + n % 12, 1 + n % 28),
                        state=spec["facility"].state,
                        time_zone=spec["facility"].time_zone,
                        password=make_password(None),
                        email_verified_at=self.now,
                    )
                )
                homes.append(spec["facility"])
        User.objects.bulk_create(users, batch_size=BATCH)
        IdentitySubmission.objects.bulk_create(
            [
                IdentitySubmission(
                    user=user,
                    status=IdentityStatus.APPROVED,
                    submitted_at=self.now - timedelta(days=30),
                    decided_at=self.now - timedelta(days=29),
                )
                for user in users
            ],
            batch_size=BATCH,
        )
        AccessRequest.objects.bulk_create(
            [
                AccessRequest(
                    user=user,
                    facility=facility,
                    status=AccessStatus.APPROVED,
                    due_at=self.now - timedelta(days=27),
                    decided_at=self.now - timedelta(days=27),
                )
                for user, facility in zip(users, homes, strict=True)
            ],
            batch_size=BATCH,
        )
        pools: dict[int, list[int]] = {}
        for user, facility in zip(users, homes, strict=True):
            pools.setdefault(facility.pk, []).append(user.pk)
        return [pools.get(spec["facility"].pk, []) for spec in specs]

    # Visits -------------------------------------------------------------------------------

    def _visits(self, specs, people, visitors, options) -> int:
        """Every facility's share of the visits, spread over (day, block) cells, each cell
        using distinct terminals, people and visitors. Loaded with COPY in chunks."""
        days = options["days"]
        first_day = self.now.date() - timedelta(days=days // 2)
        shares = split(options["visits"], [len(spec["inmate_terminals"]) for spec in specs])
        fields = [f for f in Visit._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(f'"{f.column}"' for f in fields)
        sql = f"COPY {Visit._meta.db_table} ({columns}) FROM STDIN"
        buffer, pending, total = io.StringIO(), 0, 0
        for spec, share, pool in zip(specs, shares, visitors, strict=True):
            for row in self._facility_visits(spec, share, pool, people, first_day, days):
                buffer.write(
                    "\t".join(_copy_value(row.get(f.attname, f.get_default())) for f in fields)
                )
                buffer.write("\n")
                pending += 1
                if pending == COPY_CHUNK:
                    total += self._copy(sql, buffer)
                    buffer, pending = io.StringIO(), 0
        if pending:
            total += self._copy(sql, buffer)
        return total

    def _copy(self, sql: str, buffer: io.StringIO) -> int:
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(sql, buffer)
            return cursor.rowcount

    def _facility_visits(self, spec, share, pool, people, first_day, days):
        facility = spec["facility"]
        zone = ZoneInfo(facility.time_zone)
        terminals = spec["inmate_terminals"]
        lobby = spec["lobby"]
        position = {}  # a terminal's place among its unit's terminals
        for terminal in terminals:
            position[terminal.pk] = sum(
                1
                for other in terminals[: terminals.index(terminal)]
                if other.housing_unit_id == terminal.housing_unit_id
            )
        cells = days * len(BLOCKS)
        if not pool or not terminals:
            return
        for cell in range(cells):
            count = min(
                share * (cell + 1) // cells - share * cell // cells, len(terminals), len(pool)
            )
            if not count:
                continue
            day = first_day + timedelta(days=cell // len(BLOCKS))
            hour, minute = BLOCKS[cell % len(BLOCKS)]
            starts_at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
            starts_at = starts_at.astimezone(UTC)
            used_people, lobby_next = set(), 0
            for j, terminal in enumerate(self.random.sample(terminals, count)):
                unit_people = people.get(terminal.housing_unit_id, [])
                if not unit_people:
                    continue
                person = unit_people[(cell * 13 + position[terminal.pk]) % len(unit_people)]
                if person in used_people:
                    continue
                used_people.add(person)
                visitor = pool[(cell * count + j) % len(pool)]
                onsite = lobby_next < len(lobby) and self.random.random() < 0.25
                duration = self.random.choice(DURATIONS)
                yield self._visit_row(
                    facility=facility,
                    person=person,
                    visitor=visitor,
                    terminal=terminal,
                    lobby=lobby[lobby_next] if onsite else None,
                    starts_at=starts_at,
                    duration=duration,
                )
                lobby_next += onsite

    def _visit_row(self, *, facility, person, visitor, terminal, lobby, starts_at, duration):
        price = 0 if lobby else duration * REMOTE_CENTS_PER_MINUTE
        booked_at = starts_at - timedelta(days=5)
        past = starts_at < self.now
        roll = self.random.random()
        row = {
            "facility_id": facility.pk,
            "inmate_id": person,
            "visitor_id": visitor,
            "kind": VisitKind.ONSITE if lobby else VisitKind.REMOTE,
            "inmate_terminal_id": terminal.pk,
            "lobby_terminal_id": lobby.pk if lobby else None,
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(minutes=duration),
            "price_cents": price,
            "card_cents": price,
            "card_state": CardState.CHARGED if price else CardState.NONE,
            "created_at": booked_at,
            "booked_at": booked_at,
            # No reminder is owed for the seeded visits: the sweep must not email them all.
            "reminder_sent_at": booked_at,
        }
        if roll < 0.08:
            row |= {
                "status": VisitStatus.CANCELLED,
                "cancelled_at": booked_at + timedelta(days=1),
                "cancelled_by_id": visitor,
                "cancel_family": CancelFamily.VISITOR,
                "cancel_reason": CancelReason.VISITOR_CANCELLED,
            }
            if price:  # cancelled days ahead: what was paid came back as credit
                row["card_state"] = CardState.CREDITED
        elif past and roll < 0.13:
            row |= {"status": VisitStatus.NO_SHOW, "finished_at": starts_at}
        elif past:
            row |= {
                "status": VisitStatus.COMPLETED,
                "checked_in_at": starts_at,
                "finished_at": row["ends_at"],
            }
        else:
            row["status"] = VisitStatus.BOOKED
            if price and credit_is_due(starts_at=starts_at, now=self.now):
                # Paid and still 48 hours or more away: held until the sweep makes it final.
                row["card_state"] = CardState.HELD
        return row


@contextmanager
def _overlap_constraints_checked_after():
    """Load without the no-double-booking exclusion constraints (three times faster), then
    add them back, which checks every row loaded. The constraints are migration 0002's."""
    migration = import_module("scheduling.migrations.0002_no_double_booking")
    with connection.schema_editor(atomic=False) as editor:
        migration.drop_constraints(None, editor)
    yield
    with connection.cursor() as cursor:
        # Check the rows' foreign keys now: a table with pending checks cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor(atomic=False) as editor:
        migration.add_constraints(None, editor)


def _copy_value(value) -> str:
    """One value in PostgreSQL's COPY text format (our values hold no tab, newline or
    backslash)."""
    if value is None:
        return r"\N"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
