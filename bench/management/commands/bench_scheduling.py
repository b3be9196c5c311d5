"""The scheduling benchmark of issue 4, on the dataset of seed_load."""

import logging
import os
import random
import threading
import time
from collections import Counter, defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

import redis
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import IdentityStatus, IdentitySubmission, User
from bench.tools import (
    Browser,
    CpuMeter,
    Figures,
    Server,
    double_bookings,
    form_values,
)
from facilities.models import AccessRequest, AccessStatus, Facility, Inmate, Terminal
from facilities.selectors import terms_current
from scheduling.models import TermsAcceptance, Visit, VisitKind, VisitStatus
from scheduling.selectors import availability_for

from .seed_load import BIG_SLUG, EMAIL_DOMAIN

DURATION = 20
DAYS = 14
CARD = {"card_number": "4242 4242 4242 4242", "card_expiry": "12/30", "card_cvc": "123"}
MEDIAN_TARGET_MS = 50
BOOKINGS_TARGET = 100


class Command(BaseCommand):
    help = (
        "FOR BENCHMARKING ONLY, on the dataset of seed_load (PostgreSQL): for its 200-terminal "
        "facility, times a 14-day availability computation and the availability page (median "
        "and 95th percentile, query counts), then starts gunicorn on a free loopback port "
        "with DEBUG off and has 20 signed-in clients hold and book visits through the real "
        "pages: bookings per second, server errors, and a SQL check that no terminal, person "
        "or visitor is double-booked. Creates 20 home users bench-NN@load.invalid. Fails "
        "on a double booking, a server error or a query count that grows with the data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--samples", type=int, default=100, help="Timed runs of each.")
        parser.add_argument("--clients", type=int, default=20)
        parser.add_argument("--seconds", type=float, default=20, help="Length of the run.")
        parser.add_argument("--rounds", type=int, default=10, help="Rounds on one slot.")
        parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
        parser.add_argument("--threads", type=int, default=2, help="Per gunicorn worker.")
        parser.add_argument(
            "--broker-url",
            default="redis://127.0.0.1:6379/15",
            help="Celery broker of the server (its email tasks are purged at the end).",
        )
        parser.add_argument(
            "--cache-url",
            default="redis://127.0.0.1:6379/14",
            help="Shared cache of the server, which then keeps sessions in it as in "
            "production (its keys are deleted at the end); empty for none.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (benchmarks only)."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("bench_scheduling runs only with DEBUG=1, or with --force.")
        if connection.vendor != "postgresql":
            raise CommandError("bench_scheduling needs PostgreSQL and the seed_load dataset.")
        try:
            redis.Redis.from_url(options["broker_url"]).ping()
        except redis.RedisError as error:
            raise CommandError(
                f"The broker {options['broker_url']} does not answer: {error}"
            ) from None
        self.facility = Facility.objects.filter(slug=BIG_SLUG).first()
        if self.facility is None:
            raise CommandError(f"No facility {BIG_SLUG}: run manage.py seed_load first.")
        self.random = random.Random(2026)
        self.zone = ZoneInfo(self.facility.time_zone)
        self.samples = options["samples"]
        self.failures = []
        # One log line per request would drown the figures; warnings and errors still show.
        logging.disable(logging.INFO)
        self._describe()

        people = list(
            Inmate.objects.filter(facility=self.facility, status=Inmate.Status.ACTIVE).values_list(
                "pk", flat=True
            )
        )
        self.random.shuffle(people)
        self.people = Inmate.objects.in_bulk(people[: self.samples])
        self._availability()
        clients, password = self._bench_users(options["clients"])
        self._page_in_process(clients[0])

        server = Server(
            workers=options["workers"],
            threads=options["threads"],
            broker_url=options["broker_url"],
            cache_url=options["cache_url"],
            log=settings.BASE_DIR / "var" / "bench-gunicorn.log",
        )
        self.stdout.write(
            f"\nStarting gunicorn on {server.url} (DEBUG off, {options['workers']} workers x "
            f"{options['threads']} threads; sessions in "
            f"{'the cache ' + options['cache_url'] if options['cache_url'] else 'the database'}; "
            f"log in {server.log.relative_to(settings.BASE_DIR)})."
        )
        server.start()
        try:
            browsers = self._sign_in(server, clients, password)
            self._page_over_http(browsers[0])
            candidates = self._candidates(clients[0], people[self.samples :])
            self._contended(browsers, candidates, options["rounds"])
            meter = CpuMeter(
                server_pid=server.process.pid, database=connection.settings_dict["NAME"]
            )
            self._request_floor(browsers, meter)
            self._throughput(browsers, clients, candidates, options["seconds"], meter)
        finally:
            server.stop()
            self._purge(options["broker_url"], options["cache_url"])
        self._verify()
        self.stdout.write(f"Load average (1, 5, 15 min) at the end: {_load()}")
        if self.failures:
            raise CommandError("; ".join(self.failures))

    def _describe(self):
        terminals = Terminal.objects.filter(facility=self.facility)
        self.stdout.write(
            f"Scheduling benchmark on PostgreSQL, facility {self.facility.name}: "
            f"{terminals.count()} terminals ({terminals.filter(side='lobby').count()} in the "
            f"lobby), {self.facility.housing_units.count()} housing units, "
            f"{self.facility.inmates.count():,} people, "
            f"{Visit.objects.filter(facility=self.facility).count():,} visits of "
            f"{Visit.objects.count():,} in the database."
        )
        self.stdout.write(
            f"This machine: {os.cpu_count()} CPUs, load average (1, 5, 15 min) {_load()}; "
            "other work on it slows every figure."
        )

    # Availability, in this process ----------------------------------------------------------

    def _availability(self):
        visitors = list(
            AccessRequest.objects.filter(
                facility=self.facility, status=AccessStatus.APPROVED
            ).values_list("user_id", flat=True)[: self.samples]
        )
        users = User.objects.in_bulk(visitors)
        today = timezone.localdate(timezone.now(), self.zone)
        times, counts = [], Counter()
        for n, person in enumerate([*list(self.people.values())[:3], *self.people.values()]):
            visitor = users[visitors[n % len(visitors)]]
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                days = availability_for(
                    facility=self.facility,
                    inmate=person,
                    visitor=visitor,
                    kind=VisitKind.REMOTE,
                    duration=DURATION,
                    start_date=today,
                    days=DAYS,
                )
                elapsed = time.perf_counter() - started
            if n >= 3:  # the first three warm up
                times.append(elapsed)
                counts[len(queries)] += 1
        figures = Figures.of(times)
        slots = sum(len(day.slots) for day in days)
        self.stdout.write(
            f"\n14-day availability computation (selectors.availability_for, remote, "
            f"{DURATION} minutes, {len(times)} people): {figures}"
        )
        self.stdout.write(f"  queries per computation: {self._counts(counts)}")
        self.stdout.write(f"  (the last one found {slots} bookable starts)")
        self._target(figures.median < MEDIAN_TARGET_MS, f"median under {MEDIAN_TARGET_MS} ms")
        self._constant(counts, "availability queries")

    def _counts(self, counts: Counter) -> str:
        return ", ".join(f"{count} ({runs} runs)" for count, runs in sorted(counts.items()))

    def _target(self, met: bool, what: str) -> None:
        self.stdout.write(f"  target {what}: {'met' if met else 'MISSED'}")

    def _constant(self, counts: Counter, what: str) -> None:
        if len(counts) != 1:
            self.failures.append(f"{what} vary with the data: {self._counts(counts)}")
        self.stdout.write(f"  query count constant: {'yes' if len(counts) == 1 else 'NO'}")

    def _page_url(self, person_id: int) -> str:
        return reverse(
            "visits:book_date", args=[self.facility.slug, VisitKind.REMOTE, person_id, DURATION]
        )

    def _page_in_process(self, user):
        client = Client()
        client.force_login(user)
        times, counts = [], Counter()
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            for n, person_id in enumerate([*list(self.people)[:3], *self.people]):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(self._page_url(person_id))
                    elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    raise CommandError(f"The availability page answered {response.status_code}.")
                if n >= 3:
                    times.append(elapsed)
                    counts[len(queries)] += 1
        self.stdout.write(
            f"\nAvailability page (GET {self._page_url(0).replace('/0/', '/<person>/')}, the "
            f"dates through the horizon), in this process with the test client: "
            f"{Figures.of(times)}"
        )
        self.stdout.write(f"  queries per page: {self._counts(counts)}")
        self._constant(counts, "availability page queries")

    # Home users for the clients ---------------------------------------------------------------

    def _bench_users(self, count: int) -> tuple[list[User], str]:
        """Home users bench-NN@load.invalid with an approved identity, approved access to
        the facility and its terms accepted; a fresh password each run."""
        password = f"bench-{time.time_ns()}"
        hashed = make_password(password)
        terms = terms_current(facility=self.facility, today=timezone.localdate())
        users = []
        for n in range(count):
            user, _created = User.objects.update_or_create(
                email=f"bench-{n:02d}@{EMAIL_DOMAIN}",
                defaults={
                    "first_name": "Bench",
                    "last_name": f"Client {n:02d}",
                    "password": hashed,
                    "email_verified_at": timezone.now(),
                    "time_zone": self.facility.time_zone,
                },
            )
            if not IdentitySubmission.objects.filter(
                user=user, status=IdentityStatus.APPROVED
            ).exists():
                IdentitySubmission.objects.create(
                    user=user, status=IdentityStatus.APPROVED, decided_at=timezone.now()
                )
            AccessRequest.objects.get_or_create(
                user=user,
                facility=self.facility,
                status=AccessStatus.APPROVED,
                defaults={"due_at": timezone.now(), "decided_at": timezone.now()},
            )
            if terms is not None:
                TermsAcceptance.objects.get_or_create(user=user, terms_version=terms)
            users.append(user)
        return users, password

    def _sign_in(self, server: Server, users: list[User], password: str) -> list[Browser]:
        browsers = []
        for user in users:
            browser = Browser("127.0.0.1", server.port)
            browser.sign_in(user.email, password)
            browsers.append(browser)
        return browsers

    # Over HTTP ---------------------------------------------------------------------------------

    def _page_over_http(self, browser: Browser):
        times = []
        for n, person_id in enumerate([*list(self.people)[:3], *self.people]):
            started = time.perf_counter()
            response = browser.get(self._page_url(person_id))
            elapsed = time.perf_counter() - started
            if response.status != 200:
                raise CommandError(f"The availability page answered {response.status} over HTTP.")
            if n >= 3:
                times.append(elapsed)
        self.stdout.write(
            f"\nAvailability page over HTTP (gunicorn, DEBUG off, one client): {Figures.of(times)}"
        )

    def _candidates(self, visitor: User, people: list[int]) -> list[tuple[int, str, str]]:
        """(person, facility date, start) for free 20-minute starts of many people, in a
        shuffled order: what the clients will try to book."""
        today = timezone.localdate(timezone.now(), self.zone)
        found = []
        for person in Inmate.objects.filter(pk__in=people[:400]):
            for day in availability_for(
                facility=self.facility,
                inmate=person,
                visitor=visitor,
                kind=VisitKind.REMOTE,
                duration=DURATION,
                start_date=today,
                days=DAYS,
            ):
                found += [
                    (person.pk, day.date.isoformat(), slot.starts_at.isoformat())
                    for slot in day.slots
                ]
        self.random.shuffle(found)
        return found

    def _book(self, browser: Browser, candidate, outcomes: Counter, statuses: Counter, steps):
        """Hold the time through the time page, then confirm and pay on the checkout page.
        Records each request's time in `steps`."""
        person, day, starts_at = candidate
        time_page = reverse(
            "visits:book_time",
            args=[self.facility.slug, VisitKind.REMOTE, person, DURATION, day],
        )
        hold = browser.post(time_page, {"starts_at": starts_at})
        statuses[hold.status] += 1
        if hold.status != 302:
            outcomes["time taken" if "just taken" in hold.text else "hold refused"] += 1
            return False
        steps["hold (POST time page)"].append(browser.last_seconds)
        checkout = hold.header("Location")
        page = browser.get(checkout)
        statuses[page.status] += 1
        steps["checkout page (GET)"].append(browser.last_seconds)
        values = form_values(page.text)
        data = {"idempotency_key": values.get("idempotency_key", ""), **CARD}
        if "terms_version" in values:
            data |= {"terms_version": values["terms_version"], "accept_terms": "on"}
        booked = browser.post(checkout, data)
        statuses[booked.status] += 1
        steps["confirm and pay (POST checkout)"].append(browser.last_seconds)
        if booked.status == 302 and "/booked/" in booked.header("Location"):
            outcomes["booked"] += 1
            return True
        outcomes["confirm refused"] += 1
        return False

    def _contended(self, browsers: list[Browser], candidates: list, rounds: int):
        """Every client tries the same person at the same time, released together."""
        barrier = threading.Barrier(len(browsers))
        outcomes, statuses, per_round = Counter(), Counter(), []
        lock = threading.Lock()
        targets = [candidates.pop() for _ in range(rounds)]

        def client(browser):
            for target in targets:
                barrier.wait()
                mine, codes = Counter(), Counter()
                self._book(browser, target, mine, codes, defaultdict(list))
                with lock:
                    outcomes.update(mine)
                    statuses.update(codes)

        threads = [threading.Thread(target=client, args=(b,)) for b in browsers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for target in targets:
            per_round.append(
                Visit.objects.filter(
                    inmate_id=target[0], starts_at=target[2], status=VisitStatus.BOOKED
                ).count()
            )
        self.stdout.write(
            f"\nOne slot, {len(browsers)} clients at once, {rounds} rounds: visits booked per "
            f"round {per_round}; outcomes {dict(outcomes)}; HTTP statuses {dict(statuses)}"
        )
        if any(count != 1 for count in per_round):
            self.failures.append(f"a contended slot was booked {per_round} times")
        self._server_errors(statuses)

    def _request_floor(self, browsers: list[Browser], meter: CpuMeter, count: int = 400):
        """What a signed-in request costs the server before any view works: GET of the
        sign-out address, which only takes a POST (405) once the middleware has run (the
        session, the user, the second-factor check). A booking takes three requests."""
        statuses = Counter()
        lock = threading.Lock()
        per_client = count // len(browsers)

        def client(browser):
            codes = Counter(browser.get("/accounts/logout/").status for _ in range(per_client))
            with lock:
                statuses.update(codes)

        threads = [threading.Thread(target=client, args=(b,)) for b in browsers]
        meter.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cpu = meter.stop()
        done = sum(statuses.values())
        web_ms = 1000 * cpu["web server"] / done
        cpus = os.cpu_count() or 1
        self.stdout.write(
            f"\nA signed-in request refused before any view runs (GET /accounts/logout/, "
            f"{len(browsers)} clients, {done} requests, HTTP statuses {dict(statuses)}): web "
            f"server CPU {web_ms:.1f} ms per request, database "
            f"{1000 * cpu['database'] / done:.1f} ms. Three such requests on {cpus} CPUs, with "
            f"no view work at all, allow at most {1000 * cpus / (3 * web_ms):.0f} bookings per "
            "second."
        )

    def _throughput(self, browsers, users, candidates, seconds: float, meter: CpuMeter):
        lock = threading.Lock()
        queue = iter(candidates)
        outcomes, statuses, booking_times = Counter(), Counter(), []
        steps = defaultdict(list)
        started = time.perf_counter()
        deadline = started + seconds
        begun = timezone.now()
        meter.start()

        def client(browser):
            mine, codes, times, my_steps = Counter(), Counter(), [], defaultdict(list)
            while time.perf_counter() < deadline:
                with lock:
                    candidate = next(queue, None)
                if candidate is None:
                    break
                t0 = time.perf_counter()
                if self._book(browser, candidate, mine, codes, my_steps):
                    times.append(time.perf_counter() - t0)
            with lock:
                outcomes.update(mine)
                statuses.update(codes)
                booking_times.extend(times)
                for step, seconds in my_steps.items():
                    steps[step].extend(seconds)

        threads = [threading.Thread(target=client, args=(b,)) for b in browsers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        cpu = meter.stop()
        created = Visit.objects.filter(
            visitor__in=users, status=VisitStatus.BOOKED, booked_at__gte=begun
        ).count()
        attempts = sum(outcomes.values())
        rate = outcomes["booked"] / elapsed
        self.stdout.write(
            f"\nBookings: {len(browsers)} clients for {elapsed:.1f} s, each booking = hold on "
            f"the time page, open the checkout page, confirm and pay with the sandbox card "
            f"(3 requests):"
        )
        self.stdout.write(
            f"  {attempts} attempts: {dict(outcomes)}; HTTP statuses {dict(statuses)}"
        )
        self.stdout.write(
            f"  {rate:.1f} bookings per second; visits created in the database: {created} "
            f"(clients saw {outcomes['booked']})"
        )
        if booking_times:
            self.stdout.write(f"  time of one booking (3 requests): {Figures.of(booking_times)}")
            for step, seconds in steps.items():
                self.stdout.write(f"    {step}: {Figures.of(seconds)}")
        if outcomes["booked"]:
            per_booking = {group: 1000 * used / outcomes["booked"] for group, used in cpu.items()}
            total = sum(per_booking.values())
            self.stdout.write(
                "  CPU per booking: "
                + ", ".join(f"{group} {ms:.1f} ms" for group, ms in per_booking.items())
                + f"; with {os.cpu_count()} CPUs all busy, at most "
                f"{1000 * (os.cpu_count() or 1) / total:.0f} bookings per second"
            )
        self._target(rate >= BOOKINGS_TARGET, f"at least {BOOKINGS_TARGET} bookings per second")
        if created != outcomes["booked"]:
            self.failures.append(
                f"{created} visits created but the clients saw {outcomes['booked']} bookings"
            )
        self._server_errors(statuses)

    def _server_errors(self, statuses: Counter) -> None:
        errors = sum(count for status, count in statuses.items() if status >= 500)
        self.stdout.write(f"  server errors (5xx): {errors}")
        if errors:
            self.failures.append(f"{errors} server errors")

    def _purge(self, broker_url: str, cache_url: str) -> None:
        """Drop the email tasks the run queued (no worker consumes this broker) and the
        sessions the server kept in its cache."""
        redis.Redis.from_url(broker_url).delete("celery")
        if cache_url:
            cache = redis.Redis.from_url(cache_url)
            for key in cache.scan_iter(match="*django.contrib.sessions.cached_db*"):
                cache.delete(key)

    def _verify(self):
        found = double_bookings(facility_id=self.facility.pk)
        total = sum(found.values())
        self.stdout.write(
            f"\nDouble bookings found by SQL (overlapping live visits on one terminal, person "
            f"or visitor): {total} {found}"
        )
        if total:
            self.failures.append(f"{total} double bookings")
        now = timezone.now()
        booked = Visit.objects.filter(
            facility=self.facility,
            status=VisitStatus.BOOKED,
            starts_at__gte=now,
            starts_at__lt=now + timedelta(days=DAYS + 1),
        )
        self.stdout.write(
            f"Booked visits at the facility in the next {DAYS + 1} days: {booked.count():,}"
        )


def _load() -> str:
    return ", ".join(f"{load:.1f}" for load in os.getloadavg())
