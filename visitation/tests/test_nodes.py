"""Two web nodes with no shared disk (`make test-nodes`, which CI runs).

Two gunicorn processes, each in a working folder of its own with a private-files folder of
its own that must stay empty, and a Celery worker in a third, all with the production
settings: PostgreSQL, Redis as the broker, identity photos in an S3 bucket (moto's server,
started by this test), encrypted with DOCUMENT_KEYS. Whatever one node writes, the other
must see through the database, Redis or the bucket, never through a file or a process of
its own:

- a family signs up and uploads its photos on node A; a reviewer approves on node B and
  sees the photos there; the family books on B and cancels on A, with one session cookie
  that both nodes accept;
- every email goes out once, sent by the worker;
- wrong passwords on A and on B add up to one lockout;
- the worker's retention run deletes the photos from the bucket.

Skipped unless RUN_NODE_TESTS=1. Uses a PostgreSQL database of its own (NODES_DATABASE,
default vv_nodes_<pid>, dropped at the end) and a Redis database (NODES_REDIS_DB, default
9, emptied); ports are free ones, or NODES_PORT_BASE and the two after it.
"""

import contextlib
import io
import os
import secrets
import signal
import subprocess
import urllib.request
from types import SimpleNamespace

import pytest
from PIL import Image

from visitation.encryption import key_new
from visitation.tests.s3 import s3_bucket_new, s3_client, s3_keys, s3_objects
from visitation.tests.test_faults import (
    BIN,
    PASSWORD,
    PG_SERVER,
    ROOT,
    Browser,
    form_inputs,
    free_port,
    free_time,
    identity_id,
    identity_status,
    make_reviewer,
    procfile,
    psql,
    run,
    sign_in_reviewer,
    sign_up,
    upload_identity,
    verify_email,
    wait_for,
)

pytestmark = pytest.mark.skipif(
    os.environ.get("RUN_NODE_TESTS") != "1",
    reason="starts two web nodes, a worker and an S3 server: run make test-nodes",
)

FAMILY = "family@example.org"
REVIEWER = "reviewer@example.org"
SLUG = "bluebonnet-county-jail"


def ports():
    base = os.environ.get("NODES_PORT_BASE")
    if base:
        return int(base), int(base) + 1, int(base) + 2
    return free_port(), free_port(), free_port()


@pytest.fixture
def cluster(tmp_path):
    from moto.server import ThreadedMotoServer

    port_a, port_b, port_s3 = ports()
    database = os.environ.get("NODES_DATABASE", f"vv_nodes_{os.getpid()}")
    redis_db = os.environ.get("NODES_REDIS_DB", "9")
    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=port_s3, verbose=False)
    s3.start()
    endpoint = f"http://127.0.0.1:{s3.get_host_and_port()[1]}"
    bucket = s3_bucket_new(endpoint)
    maintenance = f"{PG_SERVER}/postgres"
    run("dropdb", "--if-exists", "--force", "--maintenance-db", maintenance, database)
    run("createdb", "--maintenance-db", maintenance, database)
    run("redis-cli", "-n", redis_db, "flushdb")
    mail = tmp_path / "mail"
    mail.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DJANGO_", "CELERY_", "OUTBOX_", "PRIVATE_"))
    }
    env.update(
        PATH=f"{BIN}:{os.environ['PATH']}",
        PYTHONPATH=str(ROOT),
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        DOCUMENT_KEYS=key_new("nodes"),
        DATABASE_URL=f"{PG_SERVER}/{database}",
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{redis_db}",
        PRIVATE_STORAGE_BUCKET=bucket,
        PRIVATE_STORAGE_ENDPOINT_URL=endpoint,
        PRIVATE_STORAGE_REGION="us-east-1",
        PRIVATE_STORAGE_ACCESS_KEY_ID="testing",
        PRIVATE_STORAGE_SECRET_ACCESS_KEY="testing",
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"http://127.0.0.1:{port_a}",
        CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{port_a},http://127.0.0.1:{port_b}",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        WEB_BIND="127.0.0.1",
        WEB_CONCURRENCY="2",
        WORKER_CONCURRENCY="1",
        EMAIL_BACKEND="visitation.tests.fault_mail.SlowFileBackend",
        FAULT_MAIL_DIR=str(mail),
        FAULT_MAIL_DELAY="0",
        IDENTITY_DOCUMENT_RETENTION_DAYS="0",
        LOG_LEVEL="INFO",
    )
    manage = [str(BIN / "python"), str(ROOT / "manage.py")]
    run(*manage, "migrate", "--noinput", "-v0", cwd=ROOT, env=env)
    run(*manage, "collectstatic", "--noinput", "-v0", cwd=ROOT, env=env)  # the build step
    commands = procfile()
    processes = {}

    def start(name, command, port=None):
        folder = tmp_path / name
        (folder / "private").mkdir(parents=True)
        own = {**env, "PRIVATE_MEDIA_ROOT": str(folder / "private")}
        if port:
            own["PORT"] = str(port)
        with open(tmp_path / f"{name}.log", "ab") as log:
            processes[name] = subprocess.Popen(
                ["sh", "-c", f"exec {command}"],
                cwd=folder,
                env=own,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(name):
        return (tmp_path / f"{name}.log").read_text(errors="replace")

    def messages_to(address):
        from visitation.tests.test_faults import Stack

        return Stack.messages_to(SimpleNamespace(mail_dir=mail), address)

    start("node-a", commands["web"], port_a)
    start("node-b", commands["web"], port_b)
    start("worker", commands["worker"])
    nodes = SimpleNamespace(
        a=SimpleNamespace(url=f"http://127.0.0.1:{port_a}", name="node-a"),
        b=SimpleNamespace(url=f"http://127.0.0.1:{port_b}", name="node-b"),
        database=database,
        env=env,
        endpoint=endpoint,
        bucket=bucket,
        folder=tmp_path,
        log=log,
        messages_to=messages_to,
        url=f"http://127.0.0.1:{port_a}",
    )
    try:
        for node in (nodes.a, nodes.b):
            wait_for(node.name, lambda node=node: _up(node.url), timeout=60)
        wait_for("the worker", lambda: " ready." in log("worker"), timeout=60)
        yield nodes
    finally:
        for process in processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        s3.stop()
        run("redis-cli", "-n", redis_db, "flushdb")
        run("dropdb", "--if-exists", "--force", "--maintenance-db", maintenance, database)


def _up(url):
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def on(browser, node):
    """The same browser (the same cookies), sent to another node by the load balancer."""
    browser.base = node.url
    return browser


def operator(nodes, script):
    run(
        str(BIN / "python"),
        str(ROOT / "manage.py"),
        "shell",
        "-c",
        script,
        cwd=nodes.folder,
        env={**nodes.env, "PRIVATE_MEDIA_ROOT": str(nodes.folder / "operator")},
    )


def server_errors(nodes):
    return [
        line
        for name in ("node-a", "node-b")
        for line in nodes.log(name).splitlines()
        if "logger=visitation.request" in line and " status=5" in line
    ]


def test_two_nodes_without_a_shared_disk(cluster):
    nodes = cluster
    # The operator loads a facility and its roster (as load_facility and import_roster do).
    run(
        str(BIN / "python"),
        str(ROOT / "manage.py"),
        "load_facility",
        str(ROOT / "facilities" / "examples" / "bluebonnet-county-jail.yaml"),
        cwd=nodes.folder,
        env=nodes.env,
    )
    operator(
        nodes,
        "from datetime import date\n"
        "from facilities.models import Facility, Inmate\n"
        f"f = Facility.objects.get(slug={SLUG!r})\n"
        "Inmate.objects.create(facility=f, id_number='TX0000042', first_name='Ana', "
        "last_name='Diaz', date_of_birth=date(1990, 2, 3), "
        "housing_unit=f.housing_units.get(code='A'))\n",
    )

    # Node A: the family signs up, confirms its email and uploads its photos.
    family = sign_up(nodes.a, FAMILY)
    verify_email(nodes, family, FAMILY)
    upload_identity(family)
    status, page = family.post("/accounts/identity/submit/", {})
    assert status == 302, page[:2000]
    stored = s3_objects(nodes.endpoint, nodes.bucket)
    assert len(stored) == 2
    assert all(b"\xff\xd8\xff" not in data for data in stored.values())

    # Node B: the reviewer sees the photos, then approves.
    reviewer = sign_in_reviewer(nodes.b, REVIEWER, make_reviewer(nodes, REVIEWER))
    submission = identity_id(nodes, FAMILY)
    status, page = reviewer.get(f"/console/identity/{submission}/")
    assert status == 200, page[:2000]
    for kind in ("id", "selfie"):
        status, photo = _bytes(reviewer, f"/console/identity/{submission}/{kind}/")
        assert status == 200
        assert Image.open(io.BytesIO(photo)).size == (800, 600)
    status, page = reviewer.post(
        f"/console/identity/{submission}/",
        {"outcome": "approve", "reason": "", "sub_reason": "", "note": "", "proceed": "1"},
    )
    assert status == 302, page[:2000]
    assert identity_status(nodes, FAMILY) == "approved"
    operator(
        nodes,
        "from django.utils import timezone\n"
        "from accounts.models import User\n"
        "from facilities.models import AccessRequest, Facility\n"
        f"AccessRequest.objects.create(user=User.objects.get(email={FAMILY!r}), "
        f"facility=Facility.objects.get(slug={SLUG!r}), status='approved', "
        "due_at=timezone.now(), decided_at=timezone.now())\n",
    )

    # Node B: the family, still signed in from node A, books a paid remote visit.
    on(family, nodes.b)
    assert family.get("/accounts/")[0] == 200
    time_page, starts_at = free_time(nodes, family, SLUG)
    status, page = family.post(time_page, {"starts_at": starts_at})
    assert status == 302, page[:2000]
    visit = psql(nodes.database, "select id from scheduling_visit where status = 'held'")
    checkout = f"/visits/book/hold/{visit}/"
    fields = form_inputs(family.get(checkout)[1])
    data = {
        "idempotency_key": fields["idempotency_key"],
        "card_number": "4242 4242 4242 4242",
        "card_expiry": "12/35",
        "card_cvc": "123",
    }
    if "terms_version" in fields:
        data |= {"terms_version": fields["terms_version"], "accept_terms": "on"}
    status, page = family.post(checkout, data)
    assert status == 302, page[:2000]
    assert psql(nodes.database, f"select status from scheduling_visit where id = {visit}") == (
        "booked"
    )

    # Node A: the family cancels it.
    on(family, nodes.a)
    status, page = family.post(f"/visits/{visit}/cancel/", {})
    assert status == 302, page[:2000]
    status, page = family.get(f"/visits/{visit}/")
    assert status == 200 and "Your visit is cancelled" in page, page[:2000]

    # Every email went out once, from the worker.
    wait_for(
        "the four emails to the family",
        lambda: len(nodes.messages_to(FAMILY)) >= 4,
        timeout=60,
    )
    subjects = sorted(message["Subject"] for message in nodes.messages_to(FAMILY))
    assert len(subjects) == 4 and len(set(subjects)) == 4, subjects
    assert any(" is booked: " in subject for subject in subjects), subjects
    assert any(subject.endswith(" is cancelled") for subject in subjects), subjects

    # Wrong passwords on both nodes add up to one lockout (the limit is 5).
    for node in (nodes.a, nodes.b, nodes.a, nodes.b, nodes.a):
        status, page = Browser(node).post(
            "/accounts/login/", {"username": REVIEWER, "password": "wrong"}
        )
    status, page = Browser(nodes.b).post(
        "/accounts/login/", {"username": REVIEWER, "password": PASSWORD}
    )
    assert "Too many sign-in attempts" in page

    # The worker's retention run deletes the photos from the bucket.
    run(
        str(BIN / "celery"),
        "-A",
        "visitation",
        "call",
        "accounts.tasks.identity_documents_purge",
        cwd=nodes.folder,
        env=nodes.env,
    )
    wait_for(
        "the purge to empty the bucket",
        lambda: s3_keys(nodes.endpoint, nodes.bucket) == [],
        timeout=60,
    )
    assert s3_client(nodes.endpoint).list_objects_v2(Bucket=nodes.bucket)["KeyCount"] == 0
    on(reviewer, nodes.a)
    assert reviewer.get(f"/console/identity/{submission}/id/")[0] == 404

    # Nothing was written to any node's own folder, and no request failed.
    for name in ("node-a", "node-b", "worker"):
        assert list((nodes.folder / name / "private").iterdir()) == [], name
    assert server_errors(nodes) == []


def _bytes(browser, path):
    request = urllib.request.Request(browser.base + path)
    with browser.opener.open(request, timeout=30) as response:
        return response.status, response.read()
