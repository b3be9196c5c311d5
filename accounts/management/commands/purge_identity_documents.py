from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.selectors import identity_documents_due
from accounts.services import identity_documents_purge


class Command(BaseCommand):
    help = (
        "Retention: delete from storage the ID photos and selfies of identity submissions "
        "decided more than --days days ago (default IDENTITY_DOCUMENT_RETENTION_DAYS), and "
        "of closed accounts. The submissions and their decisions stay, marked with the time "
        "their photos were deleted. Safe to run again or twice at once; it also runs daily "
        "in Celery beat."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.IDENTITY_DOCUMENT_RETENTION_DAYS,
            help="Keep photos this many days after the decision "
            f"(default {settings.IDENTITY_DOCUMENT_RETENTION_DAYS}).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted, delete nothing."
        )

    def handle(self, *args, days, dry_run, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        now = timezone.now()
        if dry_run:
            due = list(identity_documents_due(days=days, now=now))
            files = sum(bool(s.id_image) + bool(s.selfie_image) for s in due)
            self.stdout.write(
                f"Would delete {files} photo files of {len(due)} identity submissions "
                f"(decided more than {days} days ago, or of closed accounts)."
            )
            self.stdout.write("Dry run: nothing was deleted.")
            return
        run = identity_documents_purge(days=days, now=now)
        self.stdout.write(
            f"Deleted {run.files} photo files of {run.submissions} identity submissions "
            f"(decided more than {days} days ago, or of closed accounts). Their decisions "
            "are kept."
        )
        if run.failed:
            ids = ", ".join(map(str, run.failed))
            raise CommandError(
                f"Storage refused to delete the photos of {len(run.failed)} submissions "
                f"(ids {ids}); they are left as they were. See the log, then run again."
            )
