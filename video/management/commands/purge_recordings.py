from django.core.management.base import BaseCommand

from video import recordings


class Command(BaseCommand):
    help = (
        "Delete the recordings past their facility's retention period, with their files, "
        "except those held for an investigation (the daily task does the same)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be deleted; delete nothing."
        )

    def handle(self, *args, dry_run, **options):
        found = recordings.recordings_purge(dry_run=dry_run)
        for recording in found:
            self.stdout.write(
                f"{'would delete' if dry_run else 'deleted'}: recording {recording.pk} of "
                f"visit {recording.session.visit_id} (kept until {recording.delete_after:%Y-%m-%d})"
            )
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(f"{len(found)} recording(s) {verb}.")
