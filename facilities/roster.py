"""A facility's roster from the CSV export of its jail management system (`import_roster`).

The file is read and every row checked first (`roster_read`); `roster_import` then applies
it in one transaction: persons added, names and dates of birth corrected, moves between
housing units, releases and transfers, check-in PINs set. A person released or transferred
(in the file, or missing from a full roster) gets the release handling of scheduling: their
visits still to come are cancelled as non-behavioural with a credit and each visitor is
emailed.

Built for large files: the facility's roster is loaded in one query, rows are written with
bulk_create and bulk_update in batches, and only persons with visits to come are handled
one by one.
"""

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from scheduling.models import Visit
from scheduling.services import inmate_released_cancel_visits

from .models import Facility, HousingUnit, Inmate
from .pins import checkin_pin_hash, checkin_pin_valid

# The header names (any case; spaces or dashes for underscores) and what each holds.
COLUMNS = {
    "id_number": "the facility's ID number for the person (required)",
    "last_name": "last name (required)",
    "first_name": "first name (required)",
    "date_of_birth": "YYYY-MM-DD or MM/DD/YYYY (may be empty)",
    "housing_unit": "the housing unit's code, as in load_facility (may be empty when "
    "released or transferred)",
    "status": "active, released or transferred (empty means active)",
    "checkin_pin": "the person's 4-digit PIN for checking in at the video terminal, kept "
    "only as a hash (optional; an empty cell keeps the person's PIN)",
}
REQUIRED_COLUMNS = ["id_number", "last_name", "first_name", "housing_unit"]
# Not in a jail management system's export as such: added by the operator when needed.
OPTIONAL_COLUMNS = ["checkin_pin"]
STATUSES = {choice.value for choice in Inmate.Status}
BATCH = 1000
SHOWN_CHANGES = 50
MASS_RELEASE_SHARE = 0.5


class RosterError(Exception):
    """The roster cannot be imported; `lines` say why, for the operator."""

    def __init__(self, message: str, lines: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.lines = lines or []


@dataclass(frozen=True)
class RosterRow:
    line: int
    id_number: str
    first_name: str
    last_name: str
    date_of_birth: date | None
    unit_code: str
    status: str
    # Never shown: not in messages, output or this row's repr.
    checkin_pin: str = field(default="", repr=False)


@dataclass(frozen=True)
class BadRow:
    line: int
    problem: str

    def __str__(self):
        return f"line {self.line}: {self.problem}"


@dataclass
class RosterFile:
    rows: list[RosterRow]
    bad_rows: list[BadRow]
    # Every ID number in the file, bad rows included: a full roster does not release a
    # person whose row could not be read.
    id_numbers: set[str]
    ignored_columns: list[str]


@dataclass
class RosterResult:
    rows: int = 0
    counts: Counter = field(default_factory=Counter)
    changes: list[str] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    visits_cancelled: int = 0
    # Moved persons whose visits to come are on a terminal of their old unit.
    visits_to_move: int = 0
    # Persons given the check-in PIN in their row (new persons included).
    pins_set: int = 0

    def change(self, kind: str, text: str) -> None:
        self.counts[kind] += 1
        self._show(text)

    def pin_set(self, text: str) -> None:
        self.pins_set += 1
        self._show(text)

    def _show(self, text: str) -> None:
        if len(self.changes) < SHOWN_CHANGES:
            self.changes.append(text)


def _header_name(text: str) -> str:
    return text.strip().lower().replace(" ", "_").replace("-", "_")


def _date(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _date_of_birth(text: str, today: date, problems: list[str]) -> date | None:
    """The date in `text` (None when empty); what is wrong with it goes to `problems`."""
    if not text:
        return None
    try:
        born = _date(text)
    except ValueError:
        problems.append(f'date of birth "{text}" is not a date (YYYY-MM-DD or MM/DD/YYYY)')
        return None
    if born > today:
        problems.append(f"date of birth {born} is in the future")
    return born


def _row(line: int, values: dict[str, str], unit_codes: set[str], today: date):
    """A checked RosterRow, or the BadRow saying what is wrong with it."""
    id_number = values["id_number"]
    if not id_number:
        return BadRow(line, "missing ID number")
    if len(id_number) > 40:
        return BadRow(line, f"ID number {id_number[:40]}... is longer than 40 characters")
    problems = []
    for column in ("last_name", "first_name"):
        if not values[column]:
            problems.append(f"missing {column.replace('_', ' ')}")
        elif len(values[column]) > 100:
            problems.append(f"{column.replace('_', ' ')} is longer than 100 characters")
    status = values.get("status", "").lower() or Inmate.Status.ACTIVE
    if status not in STATUSES:
        problems.append(f'unknown status "{values["status"]}" (active, released or transferred)')
    unit_code = values["housing_unit"]
    if unit_code and unit_code not in unit_codes:
        problems.append(f'unknown housing unit "{unit_code}"')
    elif not unit_code and status == Inmate.Status.ACTIVE:
        problems.append("missing housing unit")
    born = _date_of_birth(values.get("date_of_birth", ""), today, problems)
    pin = values.get("checkin_pin", "")
    if pin and not checkin_pin_valid(pin):
        problems.append("checkin_pin is not 4 digits (the value is not shown)")
    if problems:
        return BadRow(line, f"ID {id_number}: " + "; ".join(problems))
    return RosterRow(
        line=line,
        id_number=id_number,
        first_name=values["first_name"],
        last_name=values["last_name"],
        date_of_birth=born,
        unit_code=unit_code,
        status=status,
        checkin_pin=pin,
    )


def roster_read(*, path: Path, unit_codes: set[str], today: date) -> RosterFile:
    """Read and check every row of a roster CSV. File-level problems (no such file, not
    UTF-8, a required column missing) raise RosterError; bad rows are collected."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RosterError(f"{path}: no such file") from None
    except OSError as error:
        raise RosterError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RosterError(
            f"{path}: not UTF-8 text (byte {error.start}); export the roster as UTF-8 CSV"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise RosterError(f"{path}: empty file, expected a header line first")
    names = [_header_name(name) for name in header]
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    if missing:
        raise RosterError(
            f"{path}: line 1 has no column {', '.join(missing)} "
            f"(the header must name: {', '.join(c for c in COLUMNS if c not in OPTIONAL_COLUMNS)}"
            f"); it may also name {', '.join(OPTIONAL_COLUMNS)}"
        )
    positions = {name: index for index, name in enumerate(names) if name in COLUMNS}
    ignored = [header[index] for index, name in enumerate(names) if name not in COLUMNS]
    result = RosterFile(rows=[], bad_rows=[], id_numbers=set(), ignored_columns=ignored)
    first_line: dict[str, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(value.strip() for value in record):
                continue
            if len(record) != len(header):
                result.bad_rows.append(
                    BadRow(line, f"{len(record)} fields, the header has {len(header)}")
                )
                continue
            values = {name: record[index].strip() for name, index in positions.items()}
            row = _row(line, values, unit_codes, today)
            id_number = values["id_number"]
            if id_number in first_line:
                result.bad_rows.append(
                    BadRow(line, f"ID {id_number} is also on line {first_line[id_number]}")
                )
                continue
            if id_number:
                first_line[id_number] = line
                result.id_numbers.add(id_number)
            if isinstance(row, BadRow):
                result.bad_rows.append(row)
            else:
                result.rows.append(row)
    except csv.Error as error:
        raise RosterError(f"{path}, line {reader.line_num}: not valid CSV ({error})") from None
    return result


def _chunks(items: list, size: int = 900):
    """Slices small enough for an IN (...) on every database (SQLite allows 999 values)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _name(first: str, last: str) -> str:
    return f"{last}, {first}"


def roster_import(
    *,
    facility: Facility,
    roster: RosterFile,
    full: bool = False,
    skip_bad_rows: bool = False,
    allow_mass_release: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
) -> RosterResult:
    """Apply a roster read by roster_read to the facility, all or nothing.

    With bad rows nothing is applied unless `skip_bad_rows`. With `full`, active persons
    missing from the file are released; more than half of them at once is refused unless
    `allow_mass_release` (a cut-off export would otherwise cancel every visit). With
    `dry_run` every change is made, counted and rolled back; check-in PINs are counted but
    not hashed, as nothing of them would be kept.
    """
    now = now or timezone.now()
    if roster.bad_rows and not skip_bad_rows:
        raise RosterError(
            f"{len(roster.bad_rows)} bad row{'s' if len(roster.bad_rows) != 1 else ''}; "
            "nothing was applied. Fix them, or import the other rows with --skip-bad-rows.",
            [str(bad) for bad in roster.bad_rows],
        )
    # The password hasher is slow on purpose (a fraction of a second a PIN): hash before
    # the transaction opens, so no row stays locked meanwhile.
    pin_hashes = {} if dry_run else _pin_hashes(roster.rows)
    result = RosterResult(
        rows=len(roster.rows) + len(roster.bad_rows),
        bad_rows=roster.bad_rows,
        ignored_columns=roster.ignored_columns,
    )
    with transaction.atomic():
        plan = _Plan(
            facility=facility,
            units={unit.code: unit.pk for unit in HousingUnit.objects.filter(facility=facility)},
            pin_hashes=pin_hashes,
            now=now,
        )
        existing = _existing(facility)
        for row in roster.rows:
            current = existing.get(row.id_number)
            if current is None:
                plan.add(row, result)
            else:
                plan.update(row, current, result)
        if full:
            plan.release_missing(existing, roster.id_numbers, allow_mass_release, result)
        plan.save()
        _visits_follow(
            facility=facility, released=plan.released(), moved=plan.moved(), result=result, now=now
        )
        if dry_run:
            transaction.set_rollback(True)
    return result


def _pin_hashes(rows: list[RosterRow]) -> dict[str, str]:
    """The stored form of each PIN in the file, by ID number."""
    return {row.id_number: checkin_pin_hash(row.checkin_pin) for row in rows if row.checkin_pin}


def _existing(facility: Facility) -> dict[str, tuple]:
    """The facility's roster by ID number, as the tuples `_Plan.update` reads."""
    return {
        values[1]: values
        for values in Inmate.objects.filter(facility=facility).values_list(
            "pk",
            "id_number",
            "first_name",
            "last_name",
            "date_of_birth",
            "housing_unit_id",
            "status",
        )
    }


def _label(row: RosterRow) -> str:
    return f"line {row.line}: {row.id_number} {_name(row.first_name, row.last_name)}"


@dataclass
class _Plan:
    """The writes a roster makes, gathered row by row and then saved in bulk."""

    facility: Facility
    units: dict[str, int]  # housing unit code -> pk
    pin_hashes: dict[str, str]  # ID number -> stored PIN (none in a dry run)
    now: datetime
    unit_codes: dict[int, str] = field(init=False)  # housing unit pk -> code
    to_create: list[Inmate] = field(default_factory=list)
    corrected: list[Inmate] = field(default_factory=list)
    pins: list[Inmate] = field(default_factory=list)
    moves: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    new_status: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self):
        self.unit_codes = {pk: code for code, pk in self.units.items()}

    def add(self, row: RosterRow, result: RosterResult) -> None:
        if row.status != Inmate.Status.ACTIVE:
            result.counts["not_on_roster"] += 1
            return
        self.to_create.append(
            Inmate(
                facility=self.facility,
                id_number=row.id_number,
                first_name=row.first_name,
                last_name=row.last_name,
                date_of_birth=row.date_of_birth,
                housing_unit_id=self.units[row.unit_code],
                status=row.status,
                checkin_pin=self.pin_hashes.get(row.id_number, ""),
            )
        )
        result.change("added", f"{_label(row)}: add in {row.unit_code}")
        if row.checkin_pin:
            result.pin_set(f"{_label(row)}: check-in PIN set")

    def update(self, row: RosterRow, current: tuple, result: RosterResult) -> None:
        pk, _, first, last, born, unit_id, status = current
        changed = [
            self._status(row, pk, status, result),
            self._move(row, pk, unit_id, result),
            self._correct(row, pk, (first, last, born), result),
            self._pin(row, pk, result),
        ]
        if not any(changed):
            result.counts["unchanged"] += 1

    def _status(self, row: RosterRow, pk: int, status: str, result: RosterResult) -> bool:
        if status == row.status:
            return False
        self.new_status[row.status].append(pk)
        if row.status == Inmate.Status.ACTIVE:
            result.change("returned", f"{_label(row)}: back on the roster ({status} before)")
        else:
            result.change(row.status, f"{_label(row)}: {row.status}")
        return True

    def _move(self, row: RosterRow, pk: int, unit_id: int, result: RosterResult) -> bool:
        if not row.unit_code or self.units[row.unit_code] == unit_id:
            return False
        self.moves[self.units[row.unit_code]].append(pk)
        result.change(
            "moved", f"{_label(row)}: moved {self.unit_codes[unit_id]} -> {row.unit_code}"
        )
        return True

    def _correct(self, row: RosterRow, pk: int, before: tuple, result: RosterResult) -> bool:
        first, last, born = before
        details = (row.first_name, row.last_name, row.date_of_birth or born)
        if details == before:
            return False
        self.corrected.append(
            Inmate(
                pk=pk,
                first_name=details[0],
                last_name=details[1],
                date_of_birth=details[2],
                updated_at=self.now,
            )
        )
        if (first, last) != details[:2]:
            result.change("updated", f"{_label(row)}: name was {_name(first, last)}")
        else:
            result.change("updated", f"{_label(row)}: date of birth {born} -> {details[2]}")
        return True

    def _pin(self, row: RosterRow, pk: int, result: RosterResult) -> bool:
        """A PIN in the file replaces the person's, as staff setting it in the console do
        (any check-in lock of a visit stays: an officer clears it); an empty cell keeps it."""
        if not row.checkin_pin:
            return False
        if row.id_number in self.pin_hashes:
            self.pins.append(Inmate(pk=pk, checkin_pin=self.pin_hashes[row.id_number]))
        result.pin_set(f"{_label(row)}: check-in PIN set")
        return True

    def release_missing(
        self, existing: dict, id_numbers: set[str], allow_mass_release: bool, result
    ) -> None:
        active = [values for values in existing.values() if values[6] == Inmate.Status.ACTIVE]
        missing = [values for values in active if values[1] not in id_numbers]
        if missing and len(missing) > MASS_RELEASE_SHARE * len(active) and not allow_mass_release:
            raise RosterError(
                f"--full would release {len(missing)} of the {len(active)} active persons, "
                "everyone missing from the file. Check that the file is the whole roster; "
                "if it is, run again with --allow-mass-release. Nothing was applied."
            )
        for pk, id_number, first, last, *_ in missing:
            self.new_status[Inmate.Status.RELEASED].append(pk)
            result.change(
                "released_missing", f"{id_number} {_name(first, last)}: not in the file, released"
            )

    def save(self) -> None:
        Inmate.objects.bulk_create(self.to_create, batch_size=BATCH)
        Inmate.objects.bulk_update(
            self.corrected,
            ["first_name", "last_name", "date_of_birth", "updated_at"],
            batch_size=BATCH,
        )
        Inmate.objects.bulk_update(self.pins, ["checkin_pin"], batch_size=BATCH)
        for unit_id, pks in self.moves.items():
            for chunk in _chunks(pks):
                Inmate.objects.filter(pk__in=chunk).update(
                    housing_unit_id=unit_id, updated_at=self.now
                )
        for status, pks in self.new_status.items():
            for chunk in _chunks(pks):
                Inmate.objects.filter(pk__in=chunk).update(status=status, updated_at=self.now)

    def released(self) -> list[int]:
        return [
            pk
            for status, pks in self.new_status.items()
            if status != Inmate.Status.ACTIVE
            for pk in pks
        ]

    def moved(self) -> set[int]:
        return {pk for pks in self.moves.values() for pk in pks}


def _visits_follow(*, facility, released: list[int], moved: set[int], result, now) -> None:
    """Cancel the visits to come of the persons released or transferred (the scheduling
    release handling) and count those of moved persons left on a terminal of their old
    unit, for staff to move."""
    upcoming = (
        Visit.objects.held_or_booked()
        .filter(facility=facility, starts_at__gt=now)
        .values_list("inmate_id", "inmate_terminal__housing_unit_id", "inmate__housing_unit_id")
    )
    with_visits, misplaced = set(), 0
    released_set = set(released)
    for inmate_id, terminal_unit, person_unit in upcoming:
        if inmate_id in released_set:
            with_visits.add(inmate_id)
        elif inmate_id in moved and terminal_unit != person_unit:
            misplaced += 1
    for chunk in _chunks(sorted(with_visits)):
        for inmate in Inmate.objects.filter(pk__in=chunk):
            result.visits_cancelled += inmate_released_cancel_visits(inmate=inmate, now=now)
    result.visits_to_move = misplaced
