"""A real Celery worker takes an email from the configured broker and sends it.

The rest of the suite runs tasks in-process (eager). Here the task goes through the broker:
Redis when CELERY_BROKER_URL points at it (CI's second pass), otherwise the filesystem
transport that `make run` uses, in a folder of the test's own so a development worker that
happens to be running cannot take the message.
"""

import time
from contextlib import contextmanager

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections, transaction

from visitation.celery import app
from visitation.models import OutboundEmail
from visitation.outbox import outbox_enqueue


@contextmanager
def _broker_for_test(tmp_path):
    saved = {
        "task_always_eager": app.conf.task_always_eager,
        "broker_transport_options": app.conf.broker_transport_options,
        "worker_hijack_root_logger": app.conf.worker_hijack_root_logger,
    }
    if app.conf.broker_url.startswith("filesystem://"):
        folders = {
            "data_folder_in": tmp_path / "queue",
            "data_folder_out": tmp_path / "queue",
            "control_folder": tmp_path / "control",
        }
        for folder in folders.values():
            folder.mkdir(exist_ok=True)
        app.conf.broker_transport_options = {
            **{name: str(folder) for name, folder in folders.items()},
            "store_processed": False,
            "polling_interval": 0.1,
        }
    app.conf.task_always_eager = False
    app.conf.worker_hijack_root_logger = False  # leave pytest's log capture alone
    _drop_broker_connections()
    task_postrun.connect(_close_worker_connections)
    try:
        yield
    finally:
        task_postrun.disconnect(_close_worker_connections)
        app.conf.update(saved)
        _drop_broker_connections()


def _close_worker_connections(**kwargs):
    """The worker thread's database connection must not outlive the test (PostgreSQL
    cannot drop a test database that still has a session)."""
    connections.close_all()


def _drop_broker_connections():
    """Make the app look up its connection pool again, for the broker options now set."""
    app._pool = None
    app.amqp._producer_pool = None


def _wait_for(condition, seconds=20):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


@pytest.mark.django_db(transaction=True)
def test_worker_sends_the_email_queued_through_the_broker(mailoutbox, tmp_path):
    with _broker_for_test(tmp_path):
        with transaction.atomic():
            email = outbox_enqueue(
                key="worker-test:1",
                to_email="dana@example.com",
                subject="Your visit is booked",
                body_text="See you on Monday.",
            )
        # Committed and handed to the broker; nothing runs it in-process.
        assert mailoutbox == []

        with start_worker(app, perform_ping_check=False, shutdown_timeout=20):
            assert _wait_for(lambda: len(mailoutbox) == 1), "the worker sent nothing"

    assert mailoutbox[0].to == ["dana@example.com"]
    assert mailoutbox[0].subject == "Your visit is booked"
    email.refresh_from_db()
    assert email.sent_at is not None
    assert OutboundEmail.objects.filter(sent_at__isnull=True).count() == 0
