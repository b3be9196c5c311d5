import csv
import random
import tempfile
import time
from dataclasses import replace
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from facilities.demo import FIRST_NAMES, LAST_NAMES
from facilities.loading import facility_file_read, facility_load, facility_spec_parse
from facilities.models import Facility

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bluebonnet-county-jail.yaml"
HEADER = ["ID Number", "Last Name", "First Name", "Date of Birth", "Housing Unit", "Status"]


class Command(BaseCommand):
    help = (
        "Benchmark import_roster: write a roster CSV (50,000 rows unless --rows) in a "
        "temporary folder, import it into a new facility built from the Bluebonnet example, "
        "then import a second export in which a tenth of the people moved, a hundredth were "
        "released and the rest are unchanged (--full). Prints rows per second and seconds "
        "for each, then deletes the facility (unless --keep). With --pins every row of both "
        "files carries a check-in PIN, hashed with the site's password hasher."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=50_000)
        parser.add_argument("--keep", action="store_true", help="Keep the benchmark facility.")
        parser.add_argument(
            "--pins", action="store_true", help="Give every row a check-in PIN (checkin_pin)."
        )

    def handle(self, *args, rows, keep, pins, **options):
        if rows < 100:
            raise CommandError("--rows must be at least 100.")
        slug = f"bench-roster-{int(time.time())}"
        spec = facility_spec_parse(facility_file_read(EXAMPLE))
        spec = replace(spec, slug=slug, facility={**spec.facility, "name": "Roster Benchmark Jail"})
        facility = facility_load(spec=spec).facility
        units = [unit.code for unit in spec.units]
        randomness = random.Random(2026)
        people = [
            [
                f"BM{i:07d}",
                randomness.choice(LAST_NAMES),
                randomness.choice(FIRST_NAMES),
                f"{randomness.randint(1950, 2005)}-{randomness.randint(1, 12):02d}-"
                f"{randomness.randint(1, 28):02d}",
                randomness.choice(units),
                "active",
                *([f"{randomness.randint(0, 9999):04d}"] if pins else []),
            ]
            for i in range(rows)
        ]
        self.stdout.write(
            f"Roster benchmark on {connection.vendor}: {rows:,} rows into {facility.slug}"
            f"{', each with a check-in PIN' if pins else ''}."
        )
        try:
            with tempfile.TemporaryDirectory() as folder:
                first = Path(folder) / "roster.csv"
                header = [*HEADER, "Checkin PIN"] if pins else HEADER
                self._write(first, header, people)
                self._time("first import (all added)", facility.slug, first, rows)
                for person in people[: rows // 10]:
                    person[4] = units[(units.index(person[4]) + 1) % len(units)]
                for person in people[rows // 10 : rows // 10 + rows // 100]:
                    person[5] = "released"
                second = Path(folder) / "roster-next-day.csv"
                self._write(second, header, people[: rows - rows // 100])
                self._time(
                    "second import (--full: 10% moved, 1% released, 1% missing)",
                    facility.slug,
                    second,
                    rows - rows // 100,
                    "--full",
                )
        finally:
            if not keep:
                facility.inmates.all().delete()
                facility.terminals.all().delete()
                Facility.objects.filter(pk=facility.pk).delete()

    def _write(self, path: Path, header: list[str], people: list[list[str]]) -> None:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(people)

    def _time(self, what: str, slug: str, path: Path, rows: int, *options) -> None:
        out = StringIO()
        started = time.perf_counter()
        call_command("import_roster", slug, str(path), *options, stdout=out)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"  {what}: {rows:,} rows in {seconds:.2f} s, {rows / seconds:,.0f} rows/s"
        )
        for line in out.getvalue().splitlines():
            if line.startswith("  "):  # the counts, not the heading lines or the last one
                self.stdout.write(f"    {line.strip()}")
