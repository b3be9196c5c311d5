import json
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from accounts.models import IdentityStatus
from accounts.tests.factories import PendingSubmissionFactory
from facilities.models import AccessStatus
from facilities.tests.factories import AccessRequestFactory
from visitation.celery import app as celery_app
from visitation.models import OutboundEmail

pytestmark = pytest.mark.django_db

KEYS = {
    "database",
    "broker",
    "oldest_unsent_email_age_seconds",
    "oldest_overdue_review_age_seconds",
    "media_servers",
}


def healthz(client, **extra):
    response = client.get("/healthz", **extra)
    return response, json.loads(response.content)


def email(key, *, age, sent=False):
    row = OutboundEmail.objects.create(
        key=key, to_email="dana.rivera@example.com", subject="Hello Dana", body_text="Dana"
    )
    OutboundEmail.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - age, sent_at=timezone.now() if sent else None
    )


def test_all_well_is_200_with_nothing_waiting(client, django_assert_num_queries, fake_janus):
    with django_assert_num_queries(4):
        response, body = healthz(client)
    assert response.status_code == 200
    assert body == {
        "database": "ok",
        "broker": "ok",
        "oldest_unsent_email_age_seconds": None,
        "oldest_overdue_review_age_seconds": None,
        "media_servers": ["ok"],
    }
    assert "no-store" in response["Cache-Control"]


def test_age_of_the_oldest_unsent_email_ignores_sent_ones(client):
    email("sent-long-ago", age=timedelta(hours=5), sent=True)
    email("waiting", age=timedelta(seconds=90))
    email("just-queued", age=timedelta(seconds=2))
    _, body = healthz(client)
    assert 90 <= body["oldest_unsent_email_age_seconds"] < 100


def test_most_overdue_review_counts_identity_and_access_requests(client):
    now = timezone.now()
    PendingSubmissionFactory(due_at=now - timedelta(hours=2))
    PendingSubmissionFactory(due_at=now + timedelta(hours=3))
    PendingSubmissionFactory(status=IdentityStatus.APPROVED, due_at=now - timedelta(days=3))
    AccessRequestFactory(due_at=now - timedelta(minutes=30))
    AccessRequestFactory(status=AccessStatus.DENIED, due_at=now - timedelta(days=5))
    _, body = healthz(client)
    assert 7200 <= body["oldest_overdue_review_age_seconds"] < 7210


def test_an_overdue_access_request_alone_is_reported(client):
    AccessRequestFactory(due_at=timezone.now() - timedelta(minutes=30))
    _, body = healthz(client)
    assert 1800 <= body["oldest_overdue_review_age_seconds"] < 1810


def test_no_personal_data_in_the_answer(client):
    submission = PendingSubmissionFactory(due_at=timezone.now() - timedelta(hours=2))
    email("waiting", age=timedelta(minutes=3))
    response, body = healthz(client)
    assert set(body) == KEYS
    text = response.content.decode()
    for personal in (submission.user.email, submission.user.first_name, "dana", "Dana"):
        assert personal not in text


def test_broker_down_is_503_quickly(client, monkeypatch):
    # Nothing listens on port 1: the same refusal as a stopped Redis. (Celery reads the
    # environment variable before its own setting.)
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    started = timezone.now()
    response, body = healthz(client)
    assert response.status_code == 503
    assert body["broker"] == "down"
    assert body["database"] == "ok"
    assert timezone.now() - started < timedelta(seconds=3)


def test_database_down_is_503_without_ages(client, fake_janus):
    with mock.patch.object(
        connection, "cursor", side_effect=OperationalError("connection refused")
    ):
        response, body = healthz(client)
    assert response.status_code == 503
    assert body == {
        "database": "down",
        "broker": "ok",
        "oldest_unsent_email_age_seconds": None,
        "oldest_overdue_review_age_seconds": None,
        "media_servers": ["ok"],
    }


def test_load_balancer_probe_over_http_is_not_redirected(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_only_reads(client):
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200
