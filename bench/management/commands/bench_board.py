"""The visit board's benchmark (issue 17): the board of a day with 200 visits on 30
terminals, rendered in process, timed, and its queries counted against a day of 10."""

import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from bench.tools import Figures
from facilities.models import StaffMembership
from scheduling.busy_day import busy_day_seed

TARGET_MS = 150
EMAIL_DOMAIN = "bench-board.invalid"


class Command(BaseCommand):
    help = (
        "FOR BENCHMARKING ONLY: makes two facilities (bench-board-200, bench-board-10) with "
        "200 and 10 visits today and an officer for them (officer@bench-board.invalid), then "
        "times the visit board of the busy one (median and 95th percentile, in process) and "
        "counts the queries of both. Fails if the larger day takes more queries. Runs with "
        "DEBUG on, or with --force on a throw-away database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--samples", type=int, default=50, help="Timed renders.")
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("bench_board writes made-up visits: DEBUG=1 or --force only.")
        now = timezone.now()
        facilities = {}
        for size in (200, 10):
            facility = busy_day_seed(
                day=timezone.localdate(now, ZoneInfo("America/Chicago")),
                visits=size,
                slug=f"bench-board-{size}",
                name=f"Bench board {size}",
                email_domain=f"{size}.{EMAIL_DOMAIN}",
                now=now,
            )
            facilities[size] = facility
        client = self._officer_client(list(facilities.values()))
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            counts = {size: self._queries(client, f) for size, f in facilities.items()}
            url = reverse("console_visits:board", args=[facilities[200].pk])
            for _ in range(5):
                client.get(url)
            seconds = []
            for _ in range(options["samples"]):
                started = time.perf_counter()
                response = client.get(url)
                seconds.append(time.perf_counter() - started)
                assert response.status_code == 200
        figures = Figures.of(seconds)
        verdict = "met" if figures.median < TARGET_MS else "NOT met"
        self.stdout.write(
            f"Visit board, 200 visits on 30 terminals, in process: {figures} "
            f"(target median under {TARGET_MS} ms: {verdict}); "
            f"queries: {counts[200]} (10 visits: {counts[10]})"
        )
        if counts[200] != counts[10]:
            raise CommandError("The board's query count grows with the number of visits.")

    def _officer_client(self, facilities) -> Client:
        user, _ = User.objects.get_or_create(
            email=f"officer@{EMAIL_DOMAIN}",
            defaults={"first_name": "Bench", "last_name": "Officer"},
        )
        for facility in facilities:
            StaffMembership.objects.get_or_create(user=user, facility=facility)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="Bench", confirmed=True)
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    def _queries(self, client, facility) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("console_visits:board", args=[facility.pk]))
        if response.status_code != 200:
            raise CommandError(f"The board answered {response.status_code}.")
        text = response.content.decode()
        if "visits shown." not in text:
            raise CommandError("The board did not show its visits.")
        return len(captured)
