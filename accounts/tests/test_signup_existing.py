"""Signing up with an email that has an account tells the person at the form nothing: the
answer is the same as for a new email ("check your email"), and the account's owner is
emailed instead (someone tried to sign up with your address: sign in, or choose a new
password). Sign-in and password reset answer the same way for known and unknown emails;
signup must not undo that."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import hashers
from django.urls import reverse

from accounts.models import SignupRecord, User
from accounts.tests.factories import PASSWORD, UserFactory, signup_data
from accounts.tests.pages import text_of
from visitation.models import OutboundEmail

pytestmark = pytest.mark.django_db

NOON = datetime(2027, 3, 3, 18, 0, tzinfo=UTC)


def sign_up(client, capture, email, **headers):
    client.logout()
    with capture(execute=True):
        response = client.post(
            reverse("accounts:signup"), signup_data(email=email), follow=True, **headers
        )
    return response


def visible(response):
    """The page as a person sees it, without the address they typed."""
    return (
        text_of(response)
        .replace("new.person@example.com", "EMAIL")
        .replace("HOME@Example.COM", "EMAIL")
    )


def test_a_new_and_a_registered_email_get_the_same_page(
    client, home_user, django_capture_on_commit_callbacks
):
    new = sign_up(client, django_capture_on_commit_callbacks, "new.person@example.com")
    known = sign_up(client, django_capture_on_commit_callbacks, "HOME@Example.COM")

    assert new.redirect_chain == known.redirect_chain == [(reverse("accounts:signup_sent"), 302)]
    assert new.status_code == known.status_code == 200
    assert visible(new) == visible(known)
    assert "Check your email to continue" in visible(known)
    assert "already exists" not in text_of(known)
    assert "_auth_user_id" not in client.session


def test_the_account_is_emailed_once_and_no_second_account_is_made(
    client, home_user, mailoutbox, django_capture_on_commit_callbacks
):
    sign_up(client, django_capture_on_commit_callbacks, "HOME@Example.COM")

    assert User.objects.filter(email__iexact="home@example.com").count() == 1
    assert User.objects.count() == 1
    (message,) = mailoutbox
    assert message.to == ["home@example.com"]
    assert message.subject == "Someone tried to create an account with your email address"
    assert "Hello Dana," in message.body
    assert (
        "Someone, maybe you, tried to create a new account on our video visit site with this "
        "email address. It already has an account, so no second account was made and "
        "nothing in yours has changed." in message.body
    )
    assert "sign in with the account you have:\n\nhttp://testserver/accounts/login/" in (
        message.body
    )
    assert (
        "Forgot your password? Choose a new one here:\n\n"
        "http://testserver/accounts/password-reset/" in message.body
    )
    assert "If it was not you, you can ignore this email." in message.body
    assert "/accounts/verify/" not in message.body
    home_user.refresh_from_db()
    assert home_user.check_password(PASSWORD)  # the form's password changed nothing


def test_the_email_to_the_account_is_in_its_language(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="lucia@example.com", first_name="Lucía", language="es")

    sign_up(client, django_capture_on_commit_callbacks, "lucia@example.com")

    (message,) = mailoutbox
    assert message.subject == "Alguien intentó crear una cuenta con su correo electrónico"
    assert "Hola, Lucía:" in message.body
    assert "Si no fue usted, puede ignorar este correo." in message.body


def test_trying_again_within_the_hour_sends_no_second_email(
    client, home_user, mailoutbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOON, tick=False) as clock:
        sign_up(client, django_capture_on_commit_callbacks, "home@example.com")
        clock.shift(timedelta(minutes=30))
        again = sign_up(client, django_capture_on_commit_callbacks, "home@example.com")
        assert "Check your email to continue" in text_of(again)
        assert len(mailoutbox) == 1
        clock.shift(timedelta(minutes=31))
        sign_up(client, django_capture_on_commit_callbacks, "home@example.com")
    assert len(mailoutbox) == 2


def test_a_deactivated_account_is_not_emailed(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="gone@example.com", is_active=False)

    response = sign_up(client, django_capture_on_commit_callbacks, "gone@example.com")

    assert "Check your email to continue" in text_of(response)
    assert mailoutbox == []
    assert not OutboundEmail.objects.exists()


def test_the_password_is_hashed_for_a_registered_email_too(client, home_user):
    """The time the answer takes does not tell: both hash the password once."""
    original = hashers.MD5PasswordHasher.encode
    with mock.patch.object(
        hashers.MD5PasswordHasher, "encode", autospec=True, side_effect=original
    ) as hashed:
        client.post(reverse("accounts:signup"), signup_data(email="new.person@example.com"))
        client.logout()
        new = hashed.call_count
        client.post(reverse("accounts:signup"), signup_data(email="home@example.com"))
    assert new >= 1
    assert hashed.call_count - new == new


def test_attempts_with_a_registered_email_count_against_the_address_limit(
    client, home_user, settings, django_capture_on_commit_callbacks
):
    settings.SIGNUPS_PER_ADDRESS_PER_HOUR = 2
    address = {"REMOTE_ADDR": "203.0.113.7"}
    with time_machine.travel(NOON, tick=False):
        for _ in range(2):
            sign_up(client, django_capture_on_commit_callbacks, "home@example.com", **address)
        paused = sign_up(
            client, django_capture_on_commit_callbacks, "someone@example.com", **address
        )
    assert SignupRecord.objects.count() == 2
    assert "new ones are paused" in text_of(paused)
    assert not User.objects.filter(email="someone@example.com").exists()
