"""The email outbox: sent after commit, once per event, retried with backoff, and never
lost when the broker is down while the caller's transaction runs."""

from datetime import date, timedelta
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
import time_machine
from celery.exceptions import Retry
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts import services as account_services
from accounts.models import User
from visitation import outbox, tasks
from visitation.models import OutboundEmail
from visitation.outbox import outbox_enqueue

pytestmark = pytest.mark.django_db

SMTP_DOWN = mock.patch(
    "django.core.mail.backends.locmem.EmailBackend.send_messages",
    side_effect=SMTPServerDisconnected("Connection unexpectedly closed"),
)


def _enqueue(key="visit-booked:1", to_email="dana@example.com"):
    """Record an email. In a `db` test the transaction never commits, so it is dispatched
    only where the test captures on_commit callbacks and runs them."""
    return outbox_enqueue(
        key=key,
        to_email=to_email,
        subject="Your visit is booked",
        body_text="See you on Monday.",
        body_html="<p>See you on Monday.</p>",
    )


def _at(start, *, seconds):
    return time_machine.travel(start + timedelta(seconds=seconds), tick=False)


def test_email_is_sent_only_after_the_transaction_commits(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _enqueue()
        assert mailoutbox == []

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["dana@example.com"]
    assert message.subject == "Your visit is booked"
    assert message.alternatives[0][0] == "<p>See you on Monday.</p>"
    assert OutboundEmail.objects.get().sent_at is not None


def test_rolled_back_transaction_sends_nothing(mailoutbox, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _enqueue()
        raise RuntimeError("the booking failed")

    assert mailoutbox == []
    assert not OutboundEmail.objects.exists()


def test_same_event_enqueued_twice_gives_one_email(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = _enqueue(key="identity-decided:7")
        second = _enqueue(key="identity-decided:7")

    assert first is not None
    assert second is None
    assert len(mailoutbox) == 1
    assert OutboundEmail.objects.count() == 1


def test_delivering_the_same_email_twice_sends_it_once(mailoutbox):
    email = _enqueue()

    tasks.deliver_email.delay(email.pk)
    tasks.deliver_email.delay(email.pk)

    assert len(mailoutbox) == 1
    email.refresh_from_db()
    assert email.sent_at is not None
    assert email.attempts == 1


def test_email_is_not_sent_while_another_sender_holds_it(mailoutbox):
    start = timezone.now()
    email = _enqueue()
    assert outbox.outbox_claim(email_id=email.pk)  # another worker is sending it

    tasks.deliver_email.delay(email.pk)
    with _at(start, seconds=120):
        assert tasks.outbox_sweep.delay().get() == 0
    assert mailoutbox == []

    # That worker died mid-send: once its lease runs out, the sweep sends the email.
    with _at(start, seconds=360):
        assert tasks.outbox_sweep.delay().get() == 1
    assert len(mailoutbox) == 1


def test_smtp_error_leaves_the_email_unsent_and_records_the_attempt(
    mailoutbox, django_capture_on_commit_callbacks
):
    with SMTP_DOWN, django_capture_on_commit_callbacks(execute=True):
        email = _enqueue()

    email.refresh_from_db()
    assert mailoutbox == []
    assert email.sent_at is None
    assert email.attempts == 1
    assert "Connection unexpectedly closed" in email.last_error


def test_after_an_smtp_error_the_sweep_waits_for_the_retry_delay(mailoutbox):
    start = timezone.now()
    email = _enqueue()
    with SMTP_DOWN, _at(start, seconds=300):
        assert tasks.outbox_sweep.delay().get() == 1
    email.refresh_from_db()
    assert (email.attempts, email.sent_at) == (1, None)

    # Within the 30 s retry delay the sweep leaves the email alone...
    with _at(start, seconds=320):
        assert tasks.outbox_sweep.delay().get() == 0
    assert mailoutbox == []

    # ...and once it is over, the mail server has recovered and the email goes out.
    with _at(start, seconds=340):
        assert tasks.outbox_sweep.delay().get() == 1
    email.refresh_from_db()
    assert len(mailoutbox) == 1
    assert email.sent_at is not None
    assert email.attempts == 2
    assert email.last_error == ""


def test_smtp_error_makes_the_task_retry_with_growing_backoff():
    email = _enqueue()

    countdowns = []
    for retries in range(3):
        OutboundEmail.objects.filter(pk=email.pk).update(claimed_until=None)
        tasks.deliver_email.push_request(
            id=f"attempt-{retries}", retries=retries, called_directly=False
        )
        try:
            with (
                SMTP_DOWN,
                mock.patch.object(tasks.deliver_email, "apply_async") as requeue,
                pytest.raises(Retry),
            ):
                tasks.deliver_email.run(email.pk)
        finally:
            tasks.deliver_email.pop_request()
        countdowns.append(requeue.call_args.kwargs["countdown"])

    assert countdowns == [30, 60, 120]
    email.refresh_from_db()
    assert email.attempts == 3
    assert email.sent_at is None


def test_retry_comes_due_when_the_lease_after_a_failure_ends():
    for attempts in range(1, 10):
        countdown = min(
            tasks.deliver_email.retry_backoff * 2 ** (attempts - 1),
            tasks.deliver_email.retry_backoff_max,
        )
        assert outbox.retry_delay(attempts=attempts) == timedelta(seconds=countdown)


def test_a_live_sender_never_loses_its_lease():
    assert outbox.CLAIM_FOR.total_seconds() > settings.CELERY_TASK_TIME_LIMIT


def test_broker_down_during_signup_keeps_the_account_and_the_sweep_sends_later(
    mailoutbox, django_capture_on_commit_callbacks
):
    broker_down = mock.patch.object(
        tasks.deliver_email,
        "apply_async",
        side_effect=OperationalError("[Errno 111] Connection refused"),
    )
    with broker_down, django_capture_on_commit_callbacks(execute=True):
        account_services.user_signup(
            email="kim@example.com",
            password="a long and unusual passphrase",
            first_name="Kim",
            last_name="Nguyen",
            date_of_birth=date(1990, 1, 2),
            street_address="5 Oak Avenue",
            city="Austin",
            state="TX",
            zip_code="73301",
        )

    assert User.objects.filter(email="kim@example.com").exists()
    assert mailoutbox == []
    assert OutboundEmail.objects.get().sent_at is None

    # The broker is back; the next sweep after SWEEP_AFTER sends the email.
    start = timezone.now()
    assert tasks.outbox_sweep.delay().get() == 0
    with _at(start, seconds=90):
        assert tasks.outbox_sweep.delay().get() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["kim@example.com"]
    assert "/accounts/verify/" in mailoutbox[0].body
