from django.core.management.base import BaseCommand
from django.utils import timezone

from review.services import review_deadlines_enforce


class Command(BaseCommand):
    help = (
        "Mark identity reviews and access requests past their 24-hour deadline overdue and "
        "email reviewers, facility staff and the home users, once per item. Celery beat runs "
        "the same every 5 minutes; running it again does nothing twice."
    )

    def handle(self, *args, **options):
        summary = review_deadlines_enforce(now=timezone.now())
        self.stdout.write(str(summary))
