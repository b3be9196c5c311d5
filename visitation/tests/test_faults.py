"""Fault tests: the production stack against this machine's real PostgreSQL and Redis when
one of them, or a worker, fails.

They stop Redis and restart PostgreSQL, which every process on the machine shares, so they
are skipped unless RUN_FAULT_TESTS=1: `.ci/faults` (`make test-faults`) runs them alone.
Each test starts its own web, worker and beat with the Procfile's commands, on a free port,
with a database of its own and a Redis database number of its own, and starts Redis and
PostgreSQL again whatever happens.

Under Redis down, a family signs up, another submits an identity and a reviewer decides one;
with Redis also the session cache, as in production, a family signs in, books a paid visit,
and cancels it with credit.
"""

import contextlib
import email
import http.cookiejar
import io
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from visitation.encryption import key_new
from visitation.tasks import deliver_email

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
REDIS_START = [
    *("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379"),
    *("--save", "", "--appendonly", "no", "--dir", "/var/lib/redis"),
    *("--logfile", "/var/log/redis/ci.log"),
]
PASSWORD = "a long unusual passphrase 42"

live = pytest.mark.skipif(
    os.environ.get("RUN_FAULT_TESTS") != "1",
    reason="stops the machine's Redis and PostgreSQL: run .ci/faults",
)


def test_worker_limits_fit_inside_the_broker_visibility_timeout():
    """A message a worker holds longer than the visibility timeout is handed to a second
    worker: the longest task and the longest retry delay must both fit inside it."""
    visibility = 3600  # the production default of CELERY_VISIBILITY_TIMEOUT
    assert settings.CELERY_TASK_ACKS_LATE
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT < visibility
    assert settings.CELERY_TASK_TIME_LIMIT < settings.OUTBOX_CLAIM_SECONDS
    assert deliver_email.retry_backoff_max < visibility
    assert deliver_email.max_retries is not None


# The machine's services ------------------------------------------------------------------


def run(*command, **kwargs):
    return subprocess.run(
        command, check=True, capture_output=True, text=True, timeout=180, **kwargs
    )


def wait_for(what, check, *, timeout):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout}s waiting for {what}")
        time.sleep(0.5)


def psql(database, sql):
    return run("psql", f"{PG_SERVER}/{database}", "-Atqc", sql).stdout.strip()


def redis_alive():
    ping = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping"], capture_output=True, text=True
    )
    return ping.stdout.strip() == "PONG"


def redis_stop():
    subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"], capture_output=True
    )
    wait_for("Redis to stop", lambda: not redis_alive(), timeout=20)


def redis_start():
    if not redis_alive():
        run(*REDIS_START)
    wait_for("Redis to start", redis_alive, timeout=30)


def pg_alive():
    ready = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"])
    return ready.returncode == 0


def pg_ctl(action):
    version = sorted(os.listdir("/etc/postgresql"))[0]
    run("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action)


def pg_start():
    if not pg_alive():
        pg_ctl("start")
    wait_for("PostgreSQL to start", pg_alive, timeout=60)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def procfile():
    commands = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and re.fullmatch(r"[a-z]+", name):
            commands[name] = command.strip()
    return commands


# The stack under test ---------------------------------------------------------------------


class Stack:
    """web, worker and beat started as the Procfile says, with their own settings."""

    def __init__(self, *, tmp_path, database, redis_db, **overrides):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = database
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir()
        self.logs = tmp_path
        self.commands = procfile()
        self.processes = {}
        self.env = stack_env(
            database=database,
            redis_db=redis_db,
            tmp_path=tmp_path,
            PORT=str(self.port),
            SITE_URL=self.url,
            **overrides,
        )

    def start(self, name):
        with open(self.logs / f"{name}.log", "ab") as log:
            self.processes[name] = subprocess.Popen(
                ["sh", "-c", f"exec {self.commands[name]}"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_all(self):
        for name in ("web", "worker", "beat"):
            self.start(name)
        wait_for("the site", lambda: healthz(self)[0] == 200, timeout=60)
        wait_for("the worker", lambda: " ready." in self.log("worker"), timeout=60)
        wait_for("beat", lambda: "beat: Starting" in self.log("beat"), timeout=60)

    def kill(self, name, sig=signal.SIGKILL):
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)

    def stop_all(self):
        for name in list(self.processes):
            self.kill(name, signal.SIGTERM)

    def log(self, name):
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def server_errors(self):
        """Access lines with a 5xx status, other than /healthz saying something is down."""
        return [
            line
            for line in self.log("web").splitlines()
            if "logger=visitation.request" in line
            and re.search(r" status=5\d\d", line)
            and "route=/healthz " not in line
        ]

    def messages_to(self, address):
        found = []
        for path in self.mail_dir.glob("*.eml"):
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    message = email.message_from_bytes(chunk)
                    if message["To"] == address:
                        found.append(message)
        return found


def stack_env(*, database, redis_db, tmp_path, **overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DJANGO_", "CELERY_", "OUTBOX_"))
    }
    env.update(
        PATH=f"{BIN}:{os.environ['PATH']}",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        DOCUMENT_KEYS=key_new("faults"),
        DATABASE_URL=f"{PG_SERVER}/{database}",
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{redis_db}",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        WEB_BIND="127.0.0.1",
        WEB_CONCURRENCY="2",
        WORKER_CONCURRENCY="1",
        EMAIL_BACKEND="visitation.tests.fault_mail.SlowFileBackend",
        FAULT_MAIL_DIR=str(tmp_path / "mail"),
        FAULT_MAIL_DELAY="0",
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        CELERY_BEAT_SCHEDULE_FILENAME=str(tmp_path / "beat-schedule"),
        OUTBOX_SWEEP_SECONDS="5",
        LOG_LEVEL="INFO",
    )
    env.update(overrides)
    return env


@pytest.fixture(scope="module")
def services():
    """Redis and PostgreSQL are up before, and started again after, whatever happened."""
    redis_start()
    pg_start()
    yield
    redis_start()
    pg_start()


@pytest.fixture(scope="module")
def template_database(services, tmp_path_factory):
    """A migrated database (and collected static files) each test's database copies."""
    name = f"vv_faults_template_{os.getpid()}"
    run("dropdb", "--if-exists", "--maintenance-db", f"{PG_SERVER}/postgres", name)
    run("createdb", "--maintenance-db", f"{PG_SERVER}/postgres", name)
    env = stack_env(database=name, redis_db=15, tmp_path=tmp_path_factory.mktemp("template"))
    manage = [str(BIN / "python"), "manage.py"]
    run(*manage, "migrate", "--noinput", cwd=ROOT, env=env)
    run(*manage, "collectstatic", "--noinput", "-v0", cwd=ROOT, env=env)
    yield name
    run("dropdb", "--if-exists", "--force", "--maintenance-db", f"{PG_SERVER}/postgres", name)


@pytest.fixture
def make_stack(template_database, tmp_path):
    made = []

    def make(*, redis_db, **overrides):
        database = f"vv_faults_{redis_db}_{os.getpid()}"
        run("dropdb", "--if-exists", "--maintenance-db", f"{PG_SERVER}/postgres", database)
        run(
            "createdb",
            "--maintenance-db",
            f"{PG_SERVER}/postgres",
            "--template",
            template_database,
            database,
        )
        run("redis-cli", "-n", str(redis_db), "flushdb")
        stack = Stack(tmp_path=tmp_path, database=database, redis_db=redis_db, **overrides)
        made.append((stack, redis_db))
        return stack

    yield make
    for stack, redis_db in made:
        stack.stop_all()
        redis_start()
        pg_start()
        run("redis-cli", "-n", str(redis_db), "flushdb")
        run(
            "dropdb",
            "--if-exists",
            "--force",
            "--maintenance-db",
            f"{PG_SERVER}/postgres",
            stack.database,
        )


# A family, through the pages --------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, stack):
        self.base = stack.url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )

    def request(self, path, data=None, headers=None):
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def get(self, path):
        return self.request(path)

    def post(self, path, fields, files=None):
        self.get(path)  # the form page sets the CSRF cookie
        token = next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")
        fields = {**fields, "csrfmiddlewaretoken": token}
        if files:
            body, content_type = multipart(fields, files)
        else:
            body = urllib.parse.urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        return self.request(path, data=body, headers={"Content-Type": content_type})


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, content in files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{name}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
            ).encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def photo():
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (120, 140, 160)).save(buffer, format="JPEG")
    return buffer.getvalue()


def healthz(stack):
    try:
        with urllib.request.urlopen(stack.url + "/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except OSError:
        return None, None


def sign_up(stack, address):
    browser = Browser(stack)
    started = time.monotonic()
    status, page = browser.post(
        "/accounts/signup/",
        {
            "email": address,
            "password": PASSWORD,
            "first_name": "Ana",
            "last_name": "Torres",
            "date_of_birth": "1990-04-02",
            "street_address": "5 Oak Lane",
            "city": "El Paso",
            "state": "TX",
            "zip_code": "79901",
            "phone": "",
        },
    )
    assert status == 302, page[:2000]
    assert time.monotonic() - started < 3, "signing up took too long"
    # Signing up answers "check your email" and signs nobody in: sign in as a family would.
    status, page = browser.post("/accounts/login/", {"username": address, "password": PASSWORD})
    assert status == 302, page[:2000]
    return browser


def verify_email(stack, browser, address):
    (message,) = wait_for(
        f"the verification email to {address}",
        lambda: stack.messages_to(address),
        timeout=60,
    )
    text = next(
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() == "text/plain"
    )
    path = re.search(r"/accounts/verify/\S+/", text).group(0)
    assert browser.get(path)[0] == 302


def upload_identity(browser):
    expiry = (date.today() + timedelta(days=700)).isoformat()
    status, page = browser.post(
        "/accounts/identity/",
        {"id_type": "drivers_license", "id_expiry": expiry},
        files={"id_image": photo(), "selfie_image": photo()},
    )
    assert status == 302, page[:2000]


def make_reviewer(stack, address):
    """A reviewer whose authenticator key the test knows, made the way an operator would."""
    key = secrets.token_hex(20)
    script = (
        "from django.utils import timezone\n"
        "from django_otp.plugins.otp_totp.models import TOTPDevice\n"
        "from accounts.models import User\n"
        f"user = User.objects.create_user(email={address!r}, password={PASSWORD!r}, "
        "first_name='Rae', last_name='Moss', is_reviewer=True, "
        "email_verified_at=timezone.now())\n"
        f"TOTPDevice.objects.create(user=user, name='faults', key={key!r}, confirmed=True)\n"
    )
    run(str(BIN / "python"), "manage.py", "shell", "-c", script, cwd=ROOT, env=stack.env)
    return key


def sign_in_reviewer(stack, address, key):
    from django_otp.oath import totp

    browser = Browser(stack)
    status, page = browser.post("/accounts/login/", {"username": address, "password": PASSWORD})
    assert status == 302, page[:2000]
    code = f"{totp(bytes.fromhex(key)):06d}"
    status, page = browser.post("/console/second-factor/", {"code": code})
    assert status == 302, page[:2000]
    return browser


def form_inputs(page):
    """name -> value of the page's <input> elements that have both."""
    found = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value:
            found.setdefault(name.group(1), value.group(1))
    return found


def seed_demo(stack):
    """The demo data (facilities, rosters, families), loaded the way `make run` does; it
    runs only with DEBUG on, so this one command gets it."""
    run(
        str(BIN / "python"),
        "manage.py",
        "seed_demo",
        cwd=ROOT,
        env={**stack.env, "DEBUG": "1"},
    )


def sign_in(stack, address, password):
    browser = Browser(stack)
    status, page = browser.post("/accounts/login/", {"username": address, "password": password})
    assert status == 302, page[:2000]
    return browser


def free_time(stack, browser, slug):
    """(time page, a bookable start) for an hour-long remote visit (more than the demo
    family's credit, so the card pays the rest) with one of the first active people of the
    facility, found through the pages."""
    people = psql(
        stack.database,
        "select i.id from facilities_inmate i join facilities_facility f on f.id = i.facility_id "
        f"where f.slug = '{slug}' and i.status = 'active' order by i.id limit 3",
    ).split()
    for person in people:
        for ahead in range(3, 14):
            day = (date.today() + timedelta(days=ahead)).isoformat()
            path = f"/visits/book/{slug}/remote/{person}/60/{day}/"
            status, page = browser.get(path)
            starts = [
                re.search(r'value="([^"]+)"', tag).group(1)
                for tag in re.findall(r"<input[^>]*>", page)
                if 'name="starts_at"' in tag
            ]
            if status == 200 and starts:
                return path, starts[len(starts) // 2]
    raise AssertionError("no bookable time found in the demo data")


def web_pids(stack):
    """gunicorn's master and its workers: the same set means nothing was restarted."""
    master = stack.processes["web"].pid
    return {master, *(int(pid) for pid in run("pgrep", "-P", str(master)).stdout.split())}


def identity_id(stack, address):
    return psql(
        stack.database,
        "select s.id from accounts_identitysubmission s join accounts_user u "
        f"on u.id = s.user_id where u.email = '{address}' order by s.id desc limit 1",
    )


def identity_status(stack, address):
    return psql(
        stack.database,
        "select s.status from accounts_identitysubmission s join accounts_user u "
        f"on u.id = s.user_id where u.email = '{address}' order by s.id desc limit 1",
    )


def unsent_to(stack, address):
    return int(
        psql(
            stack.database,
            "select count(*) from visitation_outboundemail "
            f"where to_email = '{address}' and sent_at is null",
        )
    )


# The faults -------------------------------------------------------------------------------


@live
def test_redis_down_families_keep_going_and_the_emails_follow(make_stack):
    stack = make_stack(redis_db=11)
    stack.start_all()
    early = sign_up(stack, "early@example.org")
    verify_email(stack, early, "early@example.org")
    upload_identity(early)
    status, page = early.post("/accounts/identity/submit/", {})
    assert status == 302, page[:2000]
    pending = sign_up(stack, "pending@example.org")
    verify_email(stack, pending, "pending@example.org")
    upload_identity(pending)
    reviewer = sign_in_reviewer(
        stack, "reviewer@example.org", make_reviewer(stack, "reviewer@example.org")
    )

    redis_stop()
    try:
        status, body = healthz(stack)
        assert (status, body["broker"], body["database"]) == (503, "down", "ok")

        # A family signs up, another submits an identity, a reviewer decides one.
        late = sign_up(stack, "late@example.org")
        assert late.get("/accounts/")[0] == 200
        status, page = pending.post("/accounts/identity/submit/", {})
        assert status == 302, page[:2000]
        assert pending.get("/accounts/")[0] == 200
        submission = identity_id(stack, "early@example.org")
        status, page = reviewer.post(
            f"/console/identity/{submission}/",
            {"outcome": "approve", "reason": "", "sub_reason": "", "note": "", "proceed": "1"},
        )
        assert status == 302, page[:2000]
        assert reviewer.get("/console/identity/")[0] == 200

        assert identity_status(stack, "pending@example.org") == "pending"
        assert identity_status(stack, "early@example.org") == "approved"
        assert unsent_to(stack, "late@example.org") == 1
        assert unsent_to(stack, "early@example.org") == 1
        time.sleep(3)
        assert stack.messages_to("late@example.org") == []
        assert len(stack.messages_to("early@example.org")) == 1  # the verification only
    finally:
        redis_start()

    wait_for("the site to see Redis again", lambda: healthz(stack)[0] == 200, timeout=30)
    wait_for(
        "the sweep to send the emails queued while Redis was down",
        lambda: unsent_to(stack, "late@example.org") == unsent_to(stack, "early@example.org") == 0,
        timeout=180,
    )
    assert len(stack.messages_to("late@example.org")) == 1
    assert len(stack.messages_to("early@example.org")) == 2  # verification, then decision
    assert stack.server_errors() == []


@live
def test_redis_down_a_family_books_and_cancels_and_the_emails_follow(make_stack):
    # Redis is the broker and, as in production, the session cache.
    stack = make_stack(redis_db=10, CACHE_URL="redis://127.0.0.1:6379/10")
    stack.start_all()
    seed_demo(stack)
    address, slug = "approved@demo.visits", "bluebonnet-county-jail"
    before = unsent_to(stack, address)

    redis_stop()
    try:
        assert healthz(stack)[0] == 503
        family = sign_in(stack, address, "visit-demo-2026")
        time_page, starts_at = free_time(stack, family, slug)

        status, page = family.post(time_page, {"starts_at": starts_at})
        assert status == 302, page[:2000]
        (visit_id,) = psql(
            stack.database,
            "select v.id from scheduling_visit v join accounts_user u on u.id = v.visitor_id "
            f"where u.email = '{address}' and v.status = 'held'",
        ).split()
        checkout = f"/visits/book/hold/{visit_id}/"
        status, page = family.get(checkout)
        assert status == 200 and "Confirm and pay" in page, page[:2000]
        fields = form_inputs(page)
        data = {
            "idempotency_key": fields["idempotency_key"],
            "card_number": "4242 4242 4242 4242",
            "card_expiry": "12/30",
            "card_cvc": "123",
        }
        if "terms_version" in fields:
            data |= {"terms_version": fields["terms_version"], "accept_terms": "on"}
        status, page = family.post(checkout, data)
        assert status == 302, page[:2000]
        status, page = family.get(f"/visits/{visit_id}/booked/")
        assert status == 200 and "card ending 4242" in page, page[:2000]

        status, page = family.post(f"/visits/{visit_id}/cancel/", {})
        assert status == 302, page[:2000]
        status, page = family.get(f"/visits/{visit_id}/")
        assert status == 200 and "Your visit is cancelled" in page, page[:2000]
        status, page = family.get("/visits/money/")
        assert status == 200 and "Credit for your visit with" in page, page[:2000]

        assert psql(
            stack.database, f"select status from scheduling_visit where id = {visit_id}"
        ) == ("cancelled")
        # The confirmation and the cancellation wait in the outbox.
        assert unsent_to(stack, address) == before + 2
    finally:
        redis_start()

    wait_for("the site to see Redis again", lambda: healthz(stack)[0] == 200, timeout=30)
    wait_for(
        "the sweep to send the booking's emails",
        lambda: unsent_to(stack, address) == 0,
        timeout=180,
    )
    subjects = [message["Subject"] for message in stack.messages_to(address)]
    assert any(" is booked: " in subject for subject in subjects), subjects
    assert any(subject.endswith(" is cancelled") for subject in subjects), subjects
    confirmation = next(m for m in stack.messages_to(address) if " is booked: " in m["Subject"])
    assert any(part.get_filename() == "visit.ics" for part in confirmation.walk())
    assert stack.server_errors() == []


@live
@pytest.mark.parametrize("victim", ["whole worker", "pool process"])
def test_worker_killed_mid_send_the_email_goes_out_once(make_stack, victim):
    visibility = 30
    stack = make_stack(
        redis_db=12 if victim == "whole worker" else 13,
        FAULT_MAIL_DELAY="8",
        CELERY_VISIBILITY_TIMEOUT=str(visibility),
        CELERY_TASK_SOFT_TIME_LIMIT="12",
        CELERY_TASK_TIME_LIMIT="15",
        OUTBOX_CLAIM_SECONDS="20",
    )
    stack.start_all()
    address = "family@example.org"
    sign_up(stack, address)
    wait_for(
        "the worker to start sending",
        lambda: (
            psql(
                stack.database,
                "select count(*) from visitation_outboundemail where claimed_until is not null "
                f"and sent_at is null and to_email = '{address}'",
            )
            == "1"
        ),
        timeout=30,
    )
    time.sleep(1)
    assert stack.messages_to(address) == []
    task_id = re.search(r"deliver_email\[([0-9a-f-]+)\] received", stack.log("worker")).group(1)

    worker = stack.processes["worker"]
    if victim == "whole worker":
        stack.kill("worker")
    else:
        children = run("pgrep", "-P", str(worker.pid)).stdout.split()
        assert children
        for pid in children:
            os.kill(int(pid), signal.SIGKILL)
    time.sleep(10)  # longer than the send would have taken
    assert stack.messages_to(address) == []
    assert unsent_to(stack, address) == 1

    if victim == "whole worker":
        stack.start("worker")
    wait_for("the email to go out", lambda: stack.messages_to(address), timeout=180)
    wait_for("the email to be marked sent", lambda: unsent_to(stack, address) == 0, timeout=30)
    if victim == "whole worker":
        # The message the killed worker held unacknowledged comes back from Redis once the
        # visibility timeout has passed (kombu looks about every 100 s); it must do nothing.
        wait_for(
            "Redis to hand out the killed worker's message again",
            lambda: f"deliver_email[{task_id}] succeeded" in stack.log("worker"),
            timeout=240,
        )
    time.sleep(12)  # and a few more sweeps
    assert len(stack.messages_to(address)) == 1
    attempts = psql(
        stack.database,
        f"select attempts from visitation_outboundemail where to_email = '{address}'",
    )
    assert attempts == "1"
    assert stack.server_errors() == []


@live
def test_postgres_restart_the_running_site_recovers(make_stack):
    # One web process, so the request after the restart surely meets an old connection.
    stack = make_stack(redis_db=14, WEB_CONCURRENCY="1")
    stack.start_all()
    family = sign_up(stack, "steady@example.org")
    for _ in range(3):
        assert family.get("/accounts/")[0] == 200
    web_processes = web_pids(stack)

    pg_ctl("stop")
    try:
        status, body = healthz(stack)
        assert (status, body["database"], body["broker"]) == (503, "down", "ok")
    finally:
        pg_start()
    wait_for("the site to see PostgreSQL again", lambda: healthz(stack)[0] == 200, timeout=30)

    # A restart while the web process holds an open connection, nothing asked meanwhile.
    assert family.get("/accounts/")[0] == 200
    pg_ctl("restart")
    wait_for("PostgreSQL to restart", pg_alive, timeout=60)
    assert [family.get("/accounts/")[0] for _ in range(5)] == [200] * 5
    assert web_pids(stack) == web_processes

    # The worker recovered too: a new family's verification email goes out.
    sign_up(stack, "after@example.org")
    wait_for(
        "the email after the restart", lambda: stack.messages_to("after@example.org"), timeout=60
    )
    assert stack.server_errors() == []
