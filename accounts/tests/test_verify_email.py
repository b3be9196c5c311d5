import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory, signup_data
from accounts.tests.pages import text_of
from visitation.models import OutboundEmail

pytestmark = pytest.mark.django_db


def verify_link(message) -> str:
    """The path of the verification link in an email's text."""
    match = re.search(r"http://testserver(/accounts/verify/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_verification_email_is_sent_only_after_the_signup_commits(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("accounts:signup"), signup_data())
        assert OutboundEmail.objects.filter(to_email="new.person@example.com").exists()
    assert mailoutbox == []
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["new.person@example.com"]
    assert message.subject == "Confirm your email address"
    assert "The link works for 3 days." in message.body
    assert verify_link(message) in message.alternatives[0][0]
    assert OutboundEmail.objects.get().sent_at is not None


def test_following_the_link_confirms_the_email(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), signup_data())
    response = client.get(verify_link(mailoutbox[0]), follow=True)
    assert "Thank you, your email address new.person@example.com is confirmed." in text_of(response)
    assert "Please confirm your email address" not in text_of(response)
    assert User.objects.get().email_verified_at is not None


def test_the_link_works_without_being_signed_in(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), signup_data())
    client.logout()
    client.get(verify_link(mailoutbox[0]))
    assert User.objects.get().email_verified_at is not None


def test_an_expired_link_says_so_clearly(client, mailoutbox, django_capture_on_commit_callbacks):
    with time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("accounts:signup"), signup_data())
        clock.shift(timedelta(days=3, minutes=1))
        response = client.get(verify_link(mailoutbox[0]))
    assert response.status_code == 400
    assert "This link has expired. Sign in and ask for a new one from your account page." in (
        text_of(response)
    )
    assert User.objects.get().email_verified_at is None


def test_a_link_still_works_just_before_it_expires(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("accounts:signup"), signup_data())
        clock.shift(timedelta(days=3, minutes=-1))
        client.get(verify_link(mailoutbox[0]))
    assert User.objects.get().email_verified_at is not None


def test_a_damaged_link_says_so_clearly(client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), signup_data())
    response = client.get(verify_link(mailoutbox[0])[:-6] + "xxxxx/")
    assert response.status_code == 400
    assert "This link is not valid. Please copy the whole link from the email." in text_of(response)
    assert User.objects.get().email_verified_at is None


def test_resend_sends_a_new_link_that_works(client, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email_verified_at=None)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:resend_verification"), follow=True)
    assert f"We sent a new link to {user.email}." in text_of(response)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    client.get(verify_link(mailoutbox[0]))
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_resend_is_offered_while_the_email_is_unconfirmed(client):
    client.force_login(UserFactory(email_verified_at=None))
    page = client.get(reverse("accounts:home")).content.decode()
    assert f'action="{reverse("accounts:resend_verification")}"' in page
    assert "Send the link again" in page


def test_resend_sends_nothing_once_confirmed(
    client, home_user, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(home_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:resend_verification"))
    assert mailoutbox == []
