from django.core.management.base import BaseCommand

from scheduling.services import visit_deadlines_enforce


class Command(BaseCommand):
    help = (
        "Make final what was paid for visits entering their last 48 hours (until then it "
        "comes back as credit if cancelled), send reminders 24 hours before and release "
        "lapsed holds, and report card payments left unresolved by a booking that never "
        "finished (what the periodic task does)."
    )

    def handle(self, *args, **options):
        run = visit_deadlines_enforce()
        self.stdout.write(
            f"Made final the payment of {run.charged} visit(s), sent {run.reminded} reminder(s), "
            f"released {run.expired} lapsed hold(s), reported {run.unresolved_payments} "
            "unresolved payment attempt(s)."
        )
