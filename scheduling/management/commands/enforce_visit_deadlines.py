from django.core.management.base import BaseCommand

from scheduling.services import visit_deadlines_enforce


class Command(BaseCommand):
    help = (
        "Charge holds of funds for visits entering their last 48 hours, send reminders 24 "
        "hours before and release lapsed holds (what the periodic task does)."
    )

    def handle(self, *args, **options):
        run = visit_deadlines_enforce()
        self.stdout.write(
            f"Charged {run.charged} visit(s), sent {run.reminded} reminder(s), "
            f"released {run.expired} lapsed hold(s)."
        )
