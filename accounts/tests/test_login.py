from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from accounts.tests.pages import error_summary, text_of

pytestmark = pytest.mark.django_db

LOCKOUT_TEXT = (
    "To protect your account, signing in with this email from here is paused for 15 minutes "
    "after 5 wrong passwords. Please wait, then try again."
)


def sign_in(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def signed_in_as(client):
    """The person the next page is shown to, or None if nobody is signed in."""
    response = client.get(reverse("accounts:home"))
    return response.context["user"] if response.status_code == 200 else None


def test_login_page_is_at_accounts_login(client):
    assert reverse("accounts:login") == "/accounts/login/"
    page = client.get("/accounts/login/").content.decode()
    assert '<label class="usa-label" for="id_username">Email</label>' in page
    assert '<label class="usa-label" for="id_password">Password</label>' in page


@pytest.mark.parametrize("typed", ["home@example.com", "HOME@Example.com", " Home@EXAMPLE.COM "])
def test_sign_in_with_the_email_in_any_case(client, home_user, typed):
    response = sign_in(client, typed, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("accounts:home")
    assert signed_in_as(client) == home_user


def test_wrong_password_is_refused_with_a_clear_message(client, home_user):
    response = sign_in(client, "home@example.com", "not the password at all")
    assert response.status_code == 200
    assert "The email or password is not right. Please check both and try again." in (
        error_summary(response)
    )
    assert signed_in_as(client) is None


def test_sign_out_is_a_post(client, home_user):
    client.force_login(home_user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert signed_in_as(client) == home_user
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert signed_in_as(client) is None


def test_every_page_offers_sign_out_as_a_form(client, home_user):
    client.force_login(home_user)
    page = client.get(reverse("accounts:home")).content.decode()
    assert f'<form method="post" action="{reverse("accounts:logout")}"' in page


def test_five_wrong_passwords_lock_the_email_out_with_a_clear_message(client, home_user):
    for _ in range(4):
        response = sign_in(client, "home@example.com", "wrong password here")
        assert response.status_code == 200
    response = sign_in(client, "home@example.com", "wrong password here")
    assert response.status_code == 429
    assert "Too many sign-in attempts" in text_of(response)
    assert LOCKOUT_TEXT in text_of(response)


def test_the_right_password_is_refused_during_the_lockout(client, home_user):
    for _ in range(5):
        sign_in(client, "home@example.com", "wrong password here")
    response = sign_in(client, "home@example.com", PASSWORD)
    assert response.status_code == 429
    assert LOCKOUT_TEXT in text_of(response)
    assert signed_in_as(client) is None


def test_changing_the_case_of_the_email_does_not_escape_the_lockout(client, home_user):
    for typed in ["home@example.com", "Home@example.com", "HOME@example.com", "hOme@example.com"]:
        sign_in(client, typed, "wrong password here")
    response = sign_in(client, "HOME@EXAMPLE.COM", "wrong password here")
    assert response.status_code == 429
    response = sign_in(client, "home@example.com", PASSWORD)
    assert response.status_code == 429
    assert signed_in_as(client) is None


def test_a_lockout_on_one_email_leaves_others_alone(client, home_user, other_home_user):
    for _ in range(5):
        sign_in(client, "home@example.com", "wrong password here")
    response = sign_in(client, "other@example.com", PASSWORD)
    assert response.status_code == 302
    assert signed_in_as(client) == other_home_user


def test_the_lockout_ends_after_15_minutes(client, home_user):
    with time_machine.travel("2026-03-01 12:00Z", tick=False) as clock:
        for _ in range(5):
            sign_in(client, "home@example.com", "wrong password here")
        clock.shift(timedelta(minutes=14))
        assert sign_in(client, "home@example.com", PASSWORD).status_code == 429
        clock.shift(timedelta(minutes=16))
        response = sign_in(client, "home@example.com", PASSWORD)
        assert response.status_code == 302
        assert signed_in_as(client) == home_user
