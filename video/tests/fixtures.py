"""Video fixtures (loaded by the root conftest): a stand-in media server for unit tests,
a real Janus started once per test session for the integration and browser tests, and a
remote visit about to start with its terminal."""

import os
import shutil
import subprocess
import time
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine


def _feed(room_id, who):
    from video.rooms import feed_id

    return feed_id(room_id, who) if who in ("family", "facility") else who


class FakeJanus:
    """Records what the site asked the media server; `down` makes every call fail.
    `participants[room]` lists who is in a room: "family" and "facility" join with their
    side's secret id (rooms.feed_id), any other name joins with that name as its id."""

    def __init__(self):
        self.rooms = {}
        self.participants = {}
        self.created = []
        self.destroyed = []
        self.down = False
        self.recorded_to = {}
        self.kicked = []

    def room_feeds(self, server, *, room_id):
        self._check()
        if room_id not in self.rooms:
            return None
        return [{"id": _feed(room_id, d), "display": d} for d in self.participants[room_id]]

    def room_kick_strangers(self, server, *, room_id, secret, allowed):
        self._check()
        inside = self.participants.get(room_id, [])
        strangers = [d for d in inside if _feed(room_id, d) not in allowed]
        self.kicked.extend(strangers)
        self.participants[room_id] = [d for d in inside if _feed(room_id, d) in allowed]
        return len(strangers)

    def _check(self):
        from video.janus import JanusError

        if self.down:
            raise JanusError("media server unreachable: ConnectionRefusedError")

    def room_create(self, server, *, room_id, pin, secret, description, admin_key=None, rec_dir=""):
        self._check()
        self.created.append(room_id)
        self.recorded_to[room_id] = rec_dir
        self.rooms.setdefault(room_id, {"pin": pin, "secret": secret})
        self.participants.setdefault(room_id, [])

    def room_destroy(self, server, *, room_id, secret):
        self._check()
        self.destroyed.append(room_id)
        self.rooms.pop(room_id, None)
        self.participants.pop(room_id, None)

    def room_participants(self, server, *, room_id):
        self._check()
        if room_id not in self.rooms:
            return None
        return [_feed(room_id, d) for d in self.participants.get(room_id, [])]

    def server_info(self, server, *, timeout=1.0):
        self._check()
        return {"name": "Janus WebRTC Server"}


@pytest.fixture
def fake_janus(monkeypatch):
    from video import janus

    fake = FakeJanus()
    for name in (
        "room_create",
        "room_destroy",
        "room_participants",
        "room_kick_strangers",
        "room_feeds",
        "server_info",
    ):
        monkeypatch.setattr(janus, name, getattr(fake, name))
    return fake


def _require_janus():
    if shutil.which("janus"):
        return
    message = "Janus is not installed (Debian's `janus` package)."
    if os.environ.get("REQUIRE_JANUS") or os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"{message} REQUIRE_JANUS/REQUIRE_BROWSER is set: a failure.", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def janus_server(tmp_path_factory):
    """A real Janus with the project's configuration, on JANUS_URL/JANUS_ADMIN_URL's ports,
    for the whole test session."""
    _require_janus()
    from video import janus
    from video.janusconfig import render

    try:  # one already answers there (another test run): a second would share its port
        janus.server_info(0, timeout=0.5)
    except janus.JanusError:
        pass
    else:
        yield SimpleNamespace(folder=None, process=None)
        return
    folder = render(tmp_path_factory.mktemp("janus"))
    log = open(folder / "janus.log", "w")  # noqa: SIM115 (closed at the end of the session)
    process = subprocess.Popen(
        [shutil.which("janus"), "-F", str(folder), "-C", str(folder / "janus.jcfg")],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            janus.server_info(0, timeout=0.5)
            break
        except janus.JanusError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.close()
                pytest.fail(f"Janus did not start: see {folder / 'janus.log'}", pytrace=False)
            time.sleep(0.1)
    yield SimpleNamespace(folder=folder, process=process)
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def at(hour, minute=0, second=0, *, day=(2030, 3, 5), zone="America/Chicago"):
    """An instant on the facility's clock (facility A is on Chicago time)."""
    return datetime(*day, hour, minute, second, tzinfo=ZoneInfo(zone))


@pytest.fixture
def remote_visit(visitor, visit_site):
    """A booked remote visit, 14:00 to 14:20 on 5 March 2030 in Chicago, $4.00 paid by card
    and held for it."""
    from scheduling.tests.factories import VisitFactory

    starts_at = at(14)
    return VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        visitor=visitor,
        inmate_terminal=visit_site.terminals[0],
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=20),
        price_cents=400,
    )


def _host_address() -> str | None:
    """This machine's address on its network (not loopback), which ICE uses."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 9))  # no packet is sent: this only picks a route
            address = probe.getsockname()[0]
        except OSError:
            address = ""
    if address and not address.startswith("127."):
        return address
    try:
        found = socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        found = []
    return next((a for a in found if not a.startswith("127.")), None)


@pytest.fixture
def turn_server(tmp_path, settings):
    """coturn (Debian's `coturn`) with the REST-API shared secret, as README "Video visits"
    deploys it; the site's TURN settings point at it for the test."""
    import socket

    binary = shutil.which("turnserver")
    address = _host_address()
    if binary is None or address is None:
        message = "coturn is not installed" if binary is None else "no network address"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{message}: REQUIRE_BROWSER is set, a failure.", pytrace=False)
        pytest.skip(message)
    with socket.socket() as probe:
        probe.bind((address, 0))
        port = probe.getsockname()[1]
    secret = "turn-test-secret"
    log = tmp_path / "turn.log"
    process = subprocess.Popen(
        [
            binary,
            "-n",
            "--no-cli",
            "--no-tls",
            "--no-dtls",
            f"--listening-ip={address}",
            f"--relay-ip={address}",
            f"--listening-port={port}",
            "--min-port=49160",
            "--max-port=49400",
            "--use-auth-secret",
            f"--static-auth-secret={secret}",
            "--realm=visits.test",
            "--fingerprint",
            f"--log-file={log}",
            "--simple-log",
            f"--pidfile={tmp_path / 'turn.pid'}",
            f"--userdb={tmp_path / 'turndb'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 10
    while not (log.exists() and "Total General servers" in log.read_text(errors="replace")):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"coturn did not start: see {log}", pytrace=False)
        time.sleep(0.1)
    settings.TURN_URLS = [f"turn:{address}:{port}?transport=udp"]
    settings.TURN_SECRET = secret
    yield SimpleNamespace(address=address, port=port, log=log)
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


# A facility that records, and its recordings -------------------------------------------


@pytest.fixture
def recorded_visit(remote_visit, fake_janus, settings, tmp_path):
    """The remote visit at a facility that records (kept 30 days), its room open."""
    from video import rooms
    from video.models import FacilityVideoSettings

    settings.RECORDING_RAW_ROOT = tmp_path / "raw"
    FacilityVideoSettings.objects.create(
        facility=remote_visit.facility, record_visits=True, recording_retention_days=30
    )
    with time_machine.travel(at(13, 50), tick=False):
        rooms.rooms_tick()
    return remote_visit


def close_room(visit):
    """Close the visit's room at its end (14:20): its recording waits for conversion."""
    from video import rooms
    from video.models import Recording

    session = visit.video_sessions.get()
    with time_machine.travel(at(14, 20), tick=False):
        assert rooms.room_close(session_id=session.pk, now=at(14, 20))
    return Recording.objects.get(session=session)


def ready(recording):
    """The recording converted: a small file in private storage."""
    from django.core.files.base import ContentFile

    from video import recordings
    from video.models import Recording, RecordingState

    name = recordings.recording_storage().save("recordings/x.mp4", ContentFile(b"MP4DATA"))
    Recording.objects.filter(pk=recording.pk).update(state=RecordingState.READY, file_name=name)
    recording.refresh_from_db()
    return recording
