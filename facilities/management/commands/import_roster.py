import time
from argparse import RawDescriptionHelpFormatter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from facilities.models import Facility, HousingUnit
from facilities.roster import COLUMNS, RosterError, roster_import, roster_read

SHOWN_BAD_ROWS = 100

COUNT_LABELS = [
    ("added", "added"),
    ("updated", "name or date of birth corrected"),
    ("moved", "moved to another housing unit"),
    ("released", "released"),
    ("transferred", "transferred"),
    ("released_missing", "released: not in the full roster"),
    ("returned", "back on the roster"),
    ("unchanged", "unchanged"),
    ("not_on_roster", "released or transferred, not on the roster: ignored"),
]


def _columns_help() -> str:
    width = max(len(name) for name in COLUMNS)
    return "\n".join(f"  {name.ljust(width)}  {what}" for name, what in COLUMNS.items())


class Command(BaseCommand):
    help = (
        "Import a facility's roster from the CSV export of its jail management system: adds "
        "persons, corrects names and dates of birth, moves them between housing units, "
        "releases or transfers them, and sets check-in PINs. A person released or transferred "
        "has their visits to come cancelled with a credit (non-behavioural) and each visitor "
        "is emailed. "
        "Everything is applied in one transaction.\n\n"
        "The first line names the columns (any order, any case, spaces allowed; other "
        "columns are ignored):\n" + _columns_help() + "\n\n"
        "A bad row (missing ID, bad date, unknown unit or status, an ID twice, a PIN that is "
        "not 4 digits) is listed with its line number and nothing is applied, unless "
        "--skip-bad-rows. A PIN is never shown. Hashing PINs is slow on purpose (the site's "
        "password hasher, about a tenth of a second each: 2,000 PINs take minutes), so put "
        "them in the file when they change and leave the cells empty otherwise."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("facility", help="The facility's slug (as in load_facility).")
        parser.add_argument("file", type=Path, help="The roster, a UTF-8 CSV file.")
        parser.add_argument(
            "--full",
            action="store_true",
            help="The file is the whole roster: active persons missing from it are released.",
        )
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="Apply the good rows and list the bad ones, instead of applying nothing.",
        )
        parser.add_argument(
            "--allow-mass-release",
            action="store_true",
            help="With --full, allow releasing more than half of the active persons at once.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and print what would change, without saving anything.",
        )

    def handle(self, *args, facility, file, dry_run, **options):
        started = time.monotonic()
        found = Facility.objects.filter(slug=facility).first()
        if found is None:
            known = ", ".join(Facility.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f'No facility "{facility}". Facilities: {known}.')
        unit_codes = set(HousingUnit.objects.filter(facility=found).values_list("code", flat=True))
        try:
            roster = roster_read(path=file, unit_codes=unit_codes, today=timezone.localdate())
            pins = sum(1 for row in roster.rows if row.checkin_pin)
            if pins and not dry_run and (options["skip_bad_rows"] or not roster.bad_rows):
                self.stdout.write(f"Hashing {pins:,} check-in PINs first: this takes a while.")
            result = roster_import(
                facility=found,
                roster=roster,
                full=options["full"],
                skip_bad_rows=options["skip_bad_rows"],
                allow_mass_release=options["allow_mass_release"],
                dry_run=dry_run,
            )
        except RosterError as error:
            raise CommandError(self._with_lines(error.message, error.lines)) from None
        self._report(found, file, result, dry_run, time.monotonic() - started)

    def _with_lines(self, message: str, lines: list[str]) -> str:
        shown = [f"  {line}" for line in lines[:SHOWN_BAD_ROWS]]
        if len(lines) > SHOWN_BAD_ROWS:
            shown.append(f"  ... and {len(lines) - SHOWN_BAD_ROWS} more")
        return "\n".join([message, *shown])

    def _report(self, facility, file, result, dry_run, seconds):
        out = self.stdout
        out.write(f"Roster of {facility.name} ({facility.slug}) from {file}: {result.rows:,} rows.")
        if result.ignored_columns:
            out.write(f"  columns ignored: {', '.join(result.ignored_columns)}")
        for key, label in COUNT_LABELS:
            if result.counts[key]:
                out.write(f"  {label}: {result.counts[key]:,}")
        if result.pins_set:
            out.write(f"  check-in PINs set: {result.pins_set:,}")
        if result.visits_cancelled:
            out.write(
                f"  visits to come cancelled with a credit: {result.visits_cancelled:,}"
                f"{' (visitors emailed)' if not dry_run else ''}"
            )
        if result.visits_to_move:
            out.write(
                f"  visits to come on a terminal of the person's old unit: "
                f"{result.visits_to_move:,} (move them on the visit board)"
            )
        if result.bad_rows:
            out.write(
                self._with_lines(
                    f"  bad rows skipped: {len(result.bad_rows):,}",
                    [f"  {bad}" for bad in result.bad_rows],
                )
            )
        changed = sum(result.counts[key] for key, _ in COUNT_LABELS[:7]) + result.pins_set
        if dry_run and result.changes:
            out.write(
                f"What would change{' (the first ones)' if changed > len(result.changes) else ''}:"
            )
            for change in result.changes:
                out.write(f"  {change}")
        if dry_run:
            out.write("Dry run: nothing was saved.")
        elif changed:
            out.write(self.style.SUCCESS(f"Saved in {seconds:.1f} s."))
        else:
            out.write("Nothing changed.")
