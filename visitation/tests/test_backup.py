"""A backup restored: `pg_dump` of a populated PostgreSQL database, `pg_restore` into a new
one, and the site on the restored database shows the same visits, the same credit and the
same identity photos (decrypted with the same DOCUMENT_KEYS from the same storage) as on
the original. README "Operating" describes the same steps for operators."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from visitation.encryption import key_new

SERVER = "postgres://postgres@127.0.0.1:5432"

pytestmark = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL: pg_dump and pg_restore",
)

# What a family and a reviewer see, read through the site's pages with Django's test client
# on whichever database DATABASE_URL names.
PROBE = r"""
import hashlib, json, re
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
from accounts.models import IdentitySubmission, User
from accounts.tests.pages import text_of

setup_test_environment()
seen = {}
for user in User.objects.filter(email__endswith="@demo.visits", is_staff=False,
                                is_reviewer=False).order_by("email"):
    client = Client()
    client.force_login(user)
    mine = client.get("/visits/")
    money = client.get("/visits/money/")
    photos = {}
    for submission in IdentitySubmission.objects.filter(user=user).exclude(id_image=""):
        for kind in ("id", "selfie"):
            response = client.get(f"/accounts/identity/{submission.pk}/{kind}/")
            body = b"".join(response.streaming_content) if response.status_code == 200 else b""
            photos[f"{submission.pk}-{kind}"] = [response.status_code, body[:3].hex(),
                                                 hashlib.sha256(body).hexdigest()]
    seen[user.email] = {
        "visits": [mine.status_code, re.sub(r"\s+", " ", text_of(mine))],
        "money": [money.status_code, re.sub(r"\s+", " ", text_of(money))],
        "photos": photos,
    }
print(json.dumps(seen))
"""


def run(*command, env=None):
    return subprocess.run(
        command,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=settings.BASE_DIR,
        env=env,
    )


@pytest.fixture
def databases():
    """Two databases of this test's own, named after the configured one, dropped after."""
    base = settings.DATABASES["default"]["NAME"].removeprefix("test_")
    names = (f"{base}_backup", f"{base}_restore")
    for name in names:
        run("dropdb", "--if-exists", "--force", "--maintenance-db", f"{SERVER}/postgres", name)
    yield names
    for name in names:
        run("dropdb", "--if-exists", "--force", "--maintenance-db", f"{SERVER}/postgres", name)


def test_a_dump_restored_into_a_new_database_shows_the_same_visits_credit_and_photos(
    databases, tmp_path
):
    original, restored = databases
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DJANGO_", "DATABASE_", "PRIVATE_"))
    }
    env.update(
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="visitation.settings",
        DOCUMENT_KEYS=key_new("backup"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        CELERY_TASK_ALWAYS_EAGER="1",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    on = {name: {**env, "DATABASE_URL": f"{SERVER}/{name}"} for name in databases}
    manage = [sys.executable, "manage.py"]
    run("createdb", "--maintenance-db", f"{SERVER}/postgres", original)
    run(*manage, "migrate", "--noinput", "-v0", env=on[original])
    run(*manage, "seed_demo", env=on[original])

    dump = tmp_path / "visits.dump"
    run("pg_dump", "--format=custom", f"--file={dump}", f"{SERVER}/{original}")
    run("createdb", "--maintenance-db", f"{SERVER}/postgres", restored)
    run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={SERVER}/{restored}", dump)

    before, after = (
        json.loads(run(sys.executable, "-c", PROBE, env=on[name]).stdout.splitlines()[-1])
        for name in databases
    )

    assert after == before
    approved = after["approved@demo.visits"]
    assert approved["visits"][0] == 200 and "Bluebonnet County Jail" in approved["visits"][1]
    assert approved["money"][0] == 200 and "Credit" in approved["money"][1]
    photos = [photo for family in after.values() for photo in family["photos"].values()]
    assert len(photos) >= 4
    assert all(status == 200 and start == "ffd8ff" for status, start, _ in photos)
