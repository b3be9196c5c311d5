from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from facilities.loading import (
    FacilityFileError,
    facility_file_read,
    facility_load,
    facility_spec_parse,
)


class Command(BaseCommand):
    help = (
        "Create or update a facility from a YAML or JSON file: name, state, address, time "
        "zone, kinds of visit, visit windows, durations, slot step, notice, horizon, weekly "
        "limit, prices and cap, housing units, terminals and terms. The facility is found by "
        "its slug. Every value is checked before anything is saved; a problem names its key. "
        "Running it again with the same file changes nothing. Examples of every key: "
        "facilities/examples/."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="A .yaml, .yml or .json file.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and list what would change, without saving anything.",
        )

    def handle(self, *args, file, dry_run, **options):
        try:
            spec = facility_spec_parse(facility_file_read(file))
            result = facility_load(spec=spec, dry_run=dry_run)
        except FacilityFileError as error:
            lines = "\n".join(f"  {problem}" for problem in error.problems)
            count = len(error.problems)
            raise CommandError(
                f"{file} was not loaded: {count} problem{'s' if count != 1 else ''}. "
                f"Nothing was saved.\n{lines}"
            ) from None
        name = f"{result.facility.name} ({result.facility.slug})"
        if not result.changes:
            self.stdout.write(f"{name}: no changes.")
        else:
            count = len(result.changes)
            changes = f"{count} change{'s' if count != 1 else ''}"
            self.stdout.write(f"{name}: {'would make ' if dry_run else ''}{changes}:")
            for change in result.changes:
                self.stdout.write(f"  {change}")
        for note in result.notes:
            self.stdout.write(f"  note: {note}")
        if dry_run:
            self.stdout.write("Dry run: nothing was saved.")
        elif result.changes:
            self.stdout.write(self.style.SUCCESS("Saved."))
