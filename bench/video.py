"""The video benchmark (manage.py bench_video): how long the opening task takes to open
the rooms of 1,000 visits starting in the same 10 minutes, and how long a family waits
from "Join" to the first frame of the other side's video, against a real Janus and a
real site (gunicorn) with two headless Chromium pages. Benchmarks only."""

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import IdentityStatus, IdentitySubmission, User
from facilities.models import Facility, HousingUnit, Inmate, Terminal
from facilities.pins import checkin_pin_hash
from scheduling.models import Visit, VisitKind, VisitStatus
from video import janus, rooms
from video.janusconfig import render
from video.models import RoomState, TerminalDevice, VideoSession
from video.terminals import COOKIE_NAME, keyed_hash

MEDIA_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
]


class JanusProcess:
    """Janus with the project's configuration, unless one already answers."""

    def __init__(self):
        self.process = None
        self.folder = None

    def start(self):
        if shutil.which("janus") is None:
            raise RuntimeError("Janus is not installed (sudo apt-get install janus)")
        try:
            janus.server_info(0)
            return
        except janus.JanusError:
            pass
        self.folder = render(Path(tempfile.mkdtemp(prefix="bench-janus-")))
        log = (self.folder / "janus.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603 (Janus, our configuration, no shell)
            [shutil.which("janus"), "-F", str(self.folder), "-C", str(self.folder / "janus.jcfg")],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(150):
            try:
                janus.server_info(0, timeout=0.5)
                return
            except janus.JanusError:
                time.sleep(0.1)
        raise RuntimeError(f"Janus did not start; see {self.folder / 'janus.log'}")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            shutil.rmtree(self.folder, ignore_errors=True)


def bench_facility(
    count: int, *, tag: str
) -> tuple[Facility, list[Terminal], list[Inmate], list[User]]:
    """A facility with `count` unit terminals, people and approved visitors."""
    facility = Facility.objects.create(
        name=f"Video bench {tag}",
        slug=f"video-bench-{tag}",
        state="TX",
        street_address="1 Bench Road",
        city="Austin",
        zip_code="78701",
        time_zone="America/Chicago",
    )
    unit = HousingUnit.objects.create(facility=facility, name="Bench", code="B")
    terminals = Terminal.objects.bulk_create(
        Terminal(facility=facility, name=f"B-{i}", side=Terminal.Side.INMATE, housing_unit=unit)
        for i in range(count)
    )
    inmates = Inmate.objects.bulk_create(
        Inmate(
            facility=facility,
            id_number=f"VB{tag}-{i}",
            first_name="Bench",
            last_name=f"Person {i}",
            housing_unit=unit,
            checkin_pin=checkin_pin_hash("1234") if i == 0 else "",
        )
        for i in range(count)
    )
    password = make_password("bench-video-2026")
    users = User.objects.bulk_create(
        User(email=f"video-bench-{tag}-{i}@example.org", first_name="Bench", password=password)
        for i in range(count)
    )
    IdentitySubmission.objects.bulk_create(
        IdentitySubmission(user=user, status=IdentityStatus.APPROVED) for user in users[:1]
    )
    return facility, terminals, inmates, users


def open_rooms(count: int = 1000) -> dict:
    """`count` remote visits starting within the same 10 minutes; one run of the opening
    task opens all their rooms. Returns the figures; the rooms are destroyed after."""
    tag = secrets.token_hex(3)
    facility, terminals, inmates, users = bench_facility(count, tag=tag)
    first = timezone.now() + timedelta(minutes=30)
    Visit.objects.bulk_create(
        Visit(
            facility=facility,
            inmate=inmates[i],
            visitor=users[i],
            kind=VisitKind.REMOTE,
            inmate_terminal=terminals[i],
            starts_at=first + timedelta(seconds=(i * 600) // count),
            ends_at=first + timedelta(seconds=(i * 600) // count, minutes=20),
            status=VisitStatus.BOOKED,
            booked_at=timezone.now(),
        )
        for i in range(count)
    )
    now = first + timedelta(minutes=10) - rooms.opens_before()
    started = time.perf_counter()
    rooms.sessions_ensure(now=now)
    opened = rooms.rooms_open_due(now=now)
    seconds = time.perf_counter() - started
    rooms.rooms_tick(now=now)  # the rest of the run: join emails, watching the rooms
    whole = time.perf_counter() - started
    sessions = list(VideoSession.objects.filter(visit__facility=facility))
    ours = sum(1 for s in sessions if s.state == RoomState.OPEN)
    on_server = janus.rooms_list(0)
    present = sum(1 for s in sessions if s.room_id in on_server)
    for session in sessions:
        janus.room_destroy(session.server, room_id=session.room_id, secret=session.secret)
    Visit.objects.filter(facility=facility).update(status=VisitStatus.CANCELLED)
    VideoSession.objects.filter(visit__facility=facility).update(state="closed")
    return {
        "visits": count,
        "opened": ours,
        "others": opened - ours,  # other visits of the database due in the same run
        "on_server": present,
        "seconds": seconds,
        "whole_run_seconds": whole,
    }


def join_to_first_frame(*, site_url: str, joins: int = 10) -> list[float]:
    """Seconds from the family's click on "Join" to the first frame of the terminal's video
    playing, for each of `joins` joins of the same visit (the terminal stays in the call)."""
    from playwright.sync_api import sync_playwright

    tag = secrets.token_hex(3)
    facility, terminals, inmates, users = bench_facility(1, tag=tag)
    now = timezone.now()
    visit = Visit.objects.create(
        facility=facility,
        inmate=inmates[0],
        visitor=users[0],
        kind=VisitKind.REMOTE,
        inmate_terminal=terminals[0],
        starts_at=now + timedelta(minutes=1),
        ends_at=now + timedelta(minutes=31),
        status=VisitStatus.CHECKED_IN,
        checked_in_at=now,
        booked_at=now,
    )
    rooms.sessions_ensure(now=now)
    rooms.room_open(session_id=rooms.session_for(visit).pk, now=now)
    token = secrets.token_urlsafe(32)
    TerminalDevice.objects.create(
        terminal=terminals[0],
        token_hash=keyed_hash("device", token),
        enrolled_by=users[0],
        enrolled_at=now,
    )
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    waits = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=MEDIA_ARGS
        )
        kiosk = browser.new_context(base_url=site_url)
        kiosk.add_cookies([{"name": COOKIE_NAME, "value": token, "url": site_url}])
        kiosk_page = kiosk.new_page()
        kiosk_page.goto(f"/terminal/visit/{visit.pk}/")
        family = browser.new_context(base_url=site_url)
        page = family.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Email", exact=True).fill(users[0].email)
        page.get_by_label("Password", exact=True).fill("bench-video-2026")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/accounts/**")
        page.close()
        for _ in range(joins):
            page = family.new_page()
            page.goto(f"/visits/{visit.pk}/join/")
            button = page.get_by_role("button", name="I understand: join the visit")
            button.wait_for(state="visible")
            for _ in range(100):
                if page.evaluate("() => !document.getElementById('join').disabled"):
                    break
                page.wait_for_timeout(50)
            button.click()
            for _ in range(400):
                frame = page.evaluate(
                    "() => window.visitCall.firstFrameAt === null ? null :"
                    " window.visitCall.firstFrameAt - window.visitCall.joinedAt"
                )
                if frame is not None:
                    waits.append(frame / 1000)
                    break
                page.wait_for_timeout(25)
            else:
                states = (
                    page.evaluate("() => window.visitCall.state"),
                    kiosk_page.evaluate("() => window.visitCall && window.visitCall.state"),
                )
                raise RuntimeError(
                    f"no remote frame within 10 s (family, terminal: {states}, {kiosk_page.url})"
                )
            page.get_by_role("button", name="Leave").click()
            page.wait_for_timeout(500)
            page.close()
        browser.close()
    session = rooms.session_for(visit)
    janus.room_destroy(session.server, room_id=session.room_id, secret=session.secret)
    return waits


def site_env() -> dict:
    """What a separate site process needs to mint tokens this Janus accepts."""
    return {
        "SECRET_KEY": settings.SECRET_KEY,
        "JANUS_TOKEN_SECRET": settings.JANUS_TOKEN_SECRET,
        "JANUS_ADMIN_KEY": settings.JANUS_ADMIN_KEY,
        "JANUS_ADMIN_SECRET": settings.JANUS_ADMIN_SECRET,
    }


def live_board(visits: int = 30, runs: int = 20) -> dict:
    """Render time of the live board with `visits` visits under way (both sides in each
    room), as an officer signed in with the second factor, through Django's test client
    (no network, the media server's health check included). Returns timings in seconds
    and the query count."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from facilities.models import StaffMembership

    tag = secrets.token_hex(3)
    facility, terminals, inmates, users = bench_facility(visits, tag=tag)
    now = timezone.now()
    made = Visit.objects.bulk_create(
        Visit(
            facility=facility,
            inmate=inmates[i],
            visitor=users[i],
            kind=VisitKind.REMOTE,
            inmate_terminal=terminals[i],
            starts_at=now - timedelta(minutes=5),
            ends_at=now + timedelta(minutes=15),
            status=VisitStatus.CHECKED_IN,
            booked_at=now - timedelta(days=1),
        )
        for i in range(visits)
    )
    VideoSession.objects.bulk_create(
        VideoSession(
            visit=visit,
            revision=visit.revision,
            room_id=f"bench-live-{tag}-{visit.pk}",
            pin="0",
            secret="-",
            state="open",
            opens_at=visit.starts_at - rooms.opens_before(),
            closes_at=visit.ends_at,
            opened_at=visit.starts_at,
            present=["facility", "family"],
        )
        for visit in made
    )
    officer = User.objects.create(email=f"live-bench-{tag}@example.org", first_name="Bench")
    StaffMembership.objects.create(user=officer, facility=facility)
    device = TOTPDevice.objects.create(user=officer, name="bench", confirmed=True)
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "localhost")
    client.force_login(officer)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    url = f"/console/visits/{facility.pk}/live/"
    client.get(url)  # warm the template cache
    seconds = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            seconds.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"live board answered {response.status_code}")
    Visit.objects.filter(facility=facility).update(status=VisitStatus.CANCELLED)
    VideoSession.objects.filter(visit__facility=facility).update(state="closed")
    return {"visits": visits, "seconds": seconds, "queries": len(queries)}
