import time
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from visitation import emails


class Command(BaseCommand):
    help = (
        "Send a test email the way the site sends every email: recorded in the outbox, "
        "handed to the Celery worker after commit, sent by it. Prints the outbox key. With "
        "--wait, waits for the worker to send it and fails if it does not."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="Where to send it.")
        parser.add_argument(
            "--wait",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Wait up to this long for the worker to send it (default: do not wait).",
        )

    def handle(self, *args, email, wait, **options):
        email = email.strip()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email} is not an email address.") from None
        if wait < 0:
            raise CommandError("--wait must be 0 or more seconds.")
        key = f"test-email:{uuid.uuid4().hex}"
        with transaction.atomic():
            queued = emails.send_test_email(to_email=email, key=key)
        self.stdout.write(f"Queued a test email to {email}.")
        self.stdout.write(f"Outbox key: {key}")
        if not wait:
            self.stdout.write(
                "The worker sends it; if it is down, the outbox sweep sends it once it is back."
            )
            return
        deadline = time.monotonic() + wait
        while True:
            queued.refresh_from_db(fields=["sent_at", "attempts", "last_error"])
            if queued.sent_at or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
        if queued.sent_at:
            self.stdout.write(
                self.style.SUCCESS(f"Sent at {queued.sent_at:%Y-%m-%d %H:%M:%S} UTC.")
            )
            return
        error = f" Last error: {queued.last_error}" if queued.last_error else ""
        raise CommandError(
            f"Not sent after {wait} s ({queued.attempts} attempts).{error} Is the Celery worker "
            f"running, and the broker ({_broker()}) reachable? The email stays in the outbox "
            "and is sent when they are."
        )


def _broker() -> str:
    """The broker's address without any password."""
    url = settings.CELERY_BROKER_URL
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"
