"""Settings come from the environment: safe development defaults, production refusing to
start without a secret, and production values passing Django's deployment checks."""

import json
import os
import subprocess
import sys

from django.conf import settings
from django.core.mail import EmailMessage

from visitation.celery import app as celery_app
from visitation.mail import DevelopmentBackend

# Load the settings in a fresh interpreter with exactly the given environment. A developer's
# .env is not read, so the defaults tested are the real ones.
LOAD = """
import json, sys
import environ
environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None)
import django
django.setup()
from django.conf import settings
if sys.argv[1] == "check":
    from django.core.management import call_command
    call_command("check", "--deploy", "--fail-level", "WARNING")
else:
    print(json.dumps({name: getattr(settings, name) for name in sys.argv[1:]}, default=str))
"""


def _run(env, *args):
    return subprocess.run(
        [sys.executable, "-c", LOAD, *args],
        cwd=settings.BASE_DIR,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "visitation.settings",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def _settings(env, *names):
    result = _run(env, *names)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x7-production-secret-for-this-test-only-" + "q" * 30,
    "ALLOWED_HOSTS": "visits.example.org",
    "SITE_URL": "https://visits.example.org",
    "DATABASE_URL": "postgres://visits@db.example.org:5432/visits",
    "CELERY_BROKER_URL": "redis://cache.example.org:6379/0",
    "DOCUMENT_KEYS": "2027-01:" + "Q" * 43 + "=,2026-01:" + "A" * 43 + "=",
}


def test_production_refuses_to_start_without_a_secret_key():
    result = _run({**PRODUCTION, "SECRET_KEY": ""}, "DEBUG")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_refuses_to_start_without_a_document_key():
    result = _run({**PRODUCTION, "DOCUMENT_KEYS": ""}, "DEBUG")

    assert result.returncode != 0
    assert "DOCUMENT_KEYS must be set when DEBUG is off" in result.stderr


def test_a_malformed_document_key_is_refused_without_showing_it():
    result = _run({**PRODUCTION, "DOCUMENT_KEYS": "2027-01:c2VjcmV0LXRvby1zaG9ydA"}, "DEBUG")

    assert result.returncode != 0
    assert "DOCUMENT_KEYS key '2027-01' is not 32 bytes in base64" in result.stderr
    assert "c2VjcmV0LXRvby1zaG9ydA" not in result.stderr


def test_private_files_go_to_a_bucket_when_one_is_named():
    bucket = {
        "PRIVATE_STORAGE_BUCKET": "visits-private",
        "PRIVATE_STORAGE_ENDPOINT_URL": "https://s3.example.org",
        "PRIVATE_STORAGE_REGION": "us-east-2",
        "PRIVATE_STORAGE_ACCESS_KEY_ID": "AKEXAMPLE",
        "PRIVATE_STORAGE_SECRET_ACCESS_KEY": "secret-example",
    }
    values = _settings({**PRODUCTION, **bucket}, "STORAGES", "DOCUMENT_KEYS")

    private = values["STORAGES"]["private"]
    assert private["BACKEND"] == "visitation.storage.PrivateS3Storage"
    assert private["OPTIONS"] == {
        "bucket_name": "visits-private",
        "endpoint_url": "https://s3.example.org",
        "region_name": "us-east-2",
        "access_key": "AKEXAMPLE",
        "secret_key": "secret-example",
        "location": "",
    }
    assert values["DOCUMENT_KEYS"] == ["DocumentKey('2027-01')", "DocumentKey('2026-01')"]
    folder = _settings(PRODUCTION, "STORAGES")["STORAGES"]["private"]
    assert folder == {"BACKEND": "visitation.storage.PrivateStorage"}


def test_production_values_pass_the_deployment_checks():
    result = _run(PRODUCTION, "check")

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_values_come_from_the_environment():
    values = _settings(
        PRODUCTION, "DATABASES", "CELERY_BROKER_URL", "ALLOWED_HOSTS", "SITE_URL", "DEBUG"
    )

    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["NAME"]) == ("db.example.org", "visits")
    assert values["CELERY_BROKER_URL"] == "redis://cache.example.org:6379/0"
    assert values["ALLOWED_HOSTS"] == ["visits.example.org"]
    assert values["SITE_URL"] == "https://visits.example.org"
    assert values["DEBUG"] is False


def test_development_defaults_need_no_service():
    values = _settings(
        {"DEBUG": "1"},
        "DATABASES",
        "CELERY_BROKER_URL",
        "CELERY_BROKER_TRANSPORT_OPTIONS",
        "CELERY_TASK_ALWAYS_EAGER",
        "EMAIL_BACKEND",
        "EMAIL_FILE_PATH",
    )

    var = settings.BASE_DIR / "var"
    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(var / "db.sqlite3")
    # Real tasks through a broker that is only a folder: worker and beat need no server.
    assert values["CELERY_BROKER_URL"] == "filesystem://"
    assert values["CELERY_BROKER_TRANSPORT_OPTIONS"]["data_folder_in"] == str(
        var / "celery" / "queue"
    )
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False
    assert values["EMAIL_BACKEND"] == "visitation.mail.DevelopmentBackend"
    assert values["EMAIL_FILE_PATH"] == str(var / "mail")


def test_every_periodic_task_is_a_registered_task():
    celery_app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert "visitation.tasks.outbox_sweep" in scheduled
    assert scheduled <= set(celery_app.tasks)


def test_development_mail_is_printed_and_written_to_a_file(tmp_path, capsys):
    backend = DevelopmentBackend(file_path=str(tmp_path))
    message = EmailMessage(
        "Confirm your email address",
        "Open http://127.0.0.1:8000/accounts/verify/abc/ to confirm.",
        "no-reply@localhost",
        ["dana@example.com"],
    )

    assert backend.send_messages([message]) == 1

    (written,) = tmp_path.iterdir()
    assert "Subject: Confirm your email address" in written.read_text()
    assert "/accounts/verify/abc/" in written.read_text()
    assert "Subject: Confirm your email address" in capsys.readouterr().out


def test_the_benchmark_tooling_is_installed_only_for_development_and_benchmarks():
    assert "bench" not in _settings(PRODUCTION, "INSTALLED_APPS")["INSTALLED_APPS"]
    assert "bench" in _settings({**PRODUCTION, "BENCH": "1"}, "INSTALLED_APPS")["INSTALLED_APPS"]
    assert "bench" in _settings({"DEBUG": "1"}, "INSTALLED_APPS")["INSTALLED_APPS"]
