from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from visitation.rotation import private_files_rotate


class Command(BaseCommand):
    help = (
        "Encrypt every private file (identity photos, selfies, recordings) under the newest "
        "key of DOCUMENT_KEYS: files under an older key are encrypted again, files stored in "
        "clear are encrypted. Files already under the newest key are skipped, so a run that "
        "stopped is run again to finish. The site reads every file during the run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=100,
            help="Print progress after this many files (default 100).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would change, change nothing."
        )

    def handle(self, *args, batch_size, dry_run, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        newest = settings.DOCUMENT_KEYS[0].key_id
        would = "would be " if dry_run else ""
        self.stdout.write(f"Newest key: {newest}.")

        def progress(run):
            self.stdout.write(
                f"  {run.files} files checked: {run.current} already under {newest}, "
                f"{run.reencrypted} {would}encrypted again, {run.encrypted} stored in clear "
                f"{would}encrypted, {len(run.unreadable)} unreadable"
            )

        run = private_files_rotate(batch_size=batch_size, dry_run=dry_run, progress=progress)
        if dry_run:
            self.stdout.write(f"Dry run: nothing was changed. {run.changed} files would change.")
        if run.unreadable:
            raise CommandError(
                f"{len(run.unreadable)} files could not be read and were left as they are "
                f"(the log says why): {', '.join(run.unreadable)}. Keep every key in "
                "DOCUMENT_KEYS until they are dealt with."
            )
        if dry_run:
            return
        older = [k.key_id for k in settings.DOCUMENT_KEYS[1:]]
        self.stdout.write(f"Done: all {run.files} private files are encrypted under {newest}.")
        if settings.DOCUMENT_CLEAR_FILES_READABLE:
            self.stdout.write(
                "No file is stored in clear now: set DOCUMENT_CLEAR_FILES_READABLE=0 on every "
                "web and worker process, so that a file put in clear into the storage is refused."
            )
        if older:
            self.stdout.write(
                f"No file needs {', '.join(older)} any more: remove them from DOCUMENT_KEYS "
                "on every web and worker process."
            )
