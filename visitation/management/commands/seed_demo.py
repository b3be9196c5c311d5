from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import demo as accounts_demo
from accounts import second_factor_demo
from facilities import demo as facilities_demo
from scheduling import demo as scheduling_demo
from video import demo as video_demo

DEMO_PASSWORD = "visit-demo-2026"


class Command(BaseCommand):
    help = "Load demo data so both sides of the site can be tried. Safe to run again. DEBUG only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG on: it creates known passwords.")
        with transaction.atomic():
            logins = accounts_demo.seed(password=DEMO_PASSWORD)
            logins += facilities_demo.seed(password=DEMO_PASSWORD)
            logins += scheduling_demo.seed_busy_day(password=DEMO_PASSWORD)
            logins += second_factor_demo.seed(password=DEMO_PASSWORD)
            logins += scheduling_demo.seed(password=DEMO_PASSWORD)
            logins += video_demo.seed(password=DEMO_PASSWORD)
        self.stdout.write(
            self.style.SUCCESS("Demo data is ready. Sign in at http://127.0.0.1:8000/")
        )
        self.stdout.write(f"Every demo account's password: {DEMO_PASSWORD}")
        width = max(len(email) for email, _ in logins)
        for email, what in logins:
            self.stdout.write(f"  {email.ljust(width)}  {what}")
