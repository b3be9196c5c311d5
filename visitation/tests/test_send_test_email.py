from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from visitation.models import OutboundEmail

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("send_test_email", *args, stdout=out)
    return out.getvalue()


def test_the_test_email_goes_through_the_outbox_and_the_worker(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        output = run("ops@example.org")

    email = OutboundEmail.objects.get()
    assert output.startswith("Queued a test email to ops@example.org.\n")
    assert f"Outbox key: {email.key}\n" in output
    assert email.key.startswith("test-email:")
    assert email.sent_at is not None
    (message,) = mailoutbox
    assert message.to == ["ops@example.org"]
    assert message.subject == "Test email from the video visit site"
    assert f"Reference: {email.key}" in message.body


def test_wait_reports_when_the_worker_sent_it(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run("ops@example.org")
    sent = OutboundEmail.objects.get()
    with mock.patch("visitation.emails.outbox_enqueue", return_value=sent):
        output = run("ops@example.org", "--wait", "5")

    assert "Sent at " in output


def test_wait_fails_clearly_when_nothing_sends_it():
    """No worker: in a test transaction nothing is dispatched."""
    with pytest.raises(CommandError) as error:
        run("ops@example.org", "--wait", "1")

    assert str(error.value).startswith("Not sent after 1 s (0 attempts). Is the Celery worker")
    assert "The email stays in the outbox" in str(error.value)
    assert OutboundEmail.objects.get().sent_at is None


@pytest.mark.parametrize(
    "args, message",
    [
        (["not an address"], "not an address is not an email address."),
        (["ops@example.org", "--wait", "-1"], "--wait must be 0 or more seconds."),
    ],
)
def test_bad_input_is_refused(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)

    assert not OutboundEmail.objects.exists()


def test_help(capsys):
    with pytest.raises(SystemExit):
        call_command("send_test_email", "--help")

    assert "recorded in the outbox" in capsys.readouterr().out
