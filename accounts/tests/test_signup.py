from datetime import date

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import signup_data
from accounts.tests.pages import error_summary, error_summary_links, field_error, text_of
from visitation import settings as project_settings

pytestmark = pytest.mark.django_db


def test_signup_page_asks_for_every_detail_with_a_label(client):
    response = client.get(reverse("accounts:signup"))
    page = response.content.decode()
    for name, label in [
        ("email", "Email"),
        ("password", "Password"),
        ("first_name", "Legal first name"),
        ("last_name", "Legal last name"),
        ("date_of_birth", "Date of birth"),
        ("street_address", "Street address"),
        ("city", "City"),
        ("state", "State"),
        ("zip_code", "ZIP code"),
        ("phone", "Phone (optional)"),
    ]:
        assert f'<label class="usa-label" for="id_{name}">{label}</label>' in page
        assert f'id="id_{name}"' in page
    for territory in ("District of Columbia", "Puerto Rico", "Guam", "U.S. Virgin Islands"):
        assert f">{territory}</option>" in page


def test_signup_creates_the_account_and_asks_to_check_the_email(client):
    response = client.post(reverse("accounts:signup"), signup_data(phone="512 555 0100"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:signup_sent")
    user = User.objects.get(email="new.person@example.com")
    assert (user.first_name, user.last_name, user.date_of_birth) == (
        "Ana",
        "Torres",
        date(1990, 4, 2),
    )
    assert (user.street_address, user.city, user.state, user.zip_code, user.phone) == (
        "5 Oak Lane",
        "El Paso",
        "TX",
        "79901",
        "512 555 0100",
    )
    assert user.time_zone == "America/Chicago"
    assert user.email_verified_at is None
    assert user.check_password("a long unusual passphrase 42")
    page = text_of(client.get(response.url))
    assert "Check your email to continue" in page
    assert "We sent an email to new.person@example.com" in page
    assert "_auth_user_id" not in client.session


def test_password_shorter_than_12_characters_is_refused(client):
    response = client.post(reverse("accounts:signup"), signup_data(password="short pass1"))
    assert "at least 12 characters" in field_error(response, "password")
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password1234", "This password is too common."),
        ("739184620573", "This password is entirely numeric."),
        ("new.person@example.org", "The password is too similar to the email."),
    ],
)
def test_password_is_checked_by_django_validators(client, password, message):
    response = client.post(reverse("accounts:signup"), signup_data(password=password))
    assert message in field_error(response, "password")
    assert not User.objects.exists()


def test_passwords_are_stored_with_argon2_outside_tests():
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_argon2_hasher_is_installed(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = User(email="x@example.com")
    user.set_password("a long unusual passphrase 42")
    assert identify_hasher(user.password).algorithm == "argon2"


def test_under_18_is_refused_with_a_clear_message_before_any_upload(client):
    response = client.post(reverse("accounts:signup"), signup_data(date_of_birth="2015-01-01"))
    assert response.status_code == 200
    assert "You must be 18 or older to create an account." in field_error(response, "date_of_birth")
    assert "Date of birth: You must be 18 or older" in error_summary(response)
    assert not User.objects.exists()
    assert "Upload" not in text_of(response)


def test_invalid_form_lists_every_error_at_the_top_linking_to_its_field(client):
    response = client.post(
        reverse("accounts:signup"),
        signup_data(email="not-an-email", zip_code="7990", state="", first_name=""),
    )
    summary = error_summary(response)
    assert "Email: Enter a valid email address." in summary
    assert "ZIP code: Enter a ZIP code like 12345 or 12345-6789." in summary
    assert "State: This field is required." in summary
    assert "Legal first name: This field is required." in summary
    assert set(error_summary_links(response)) == {
        "id_email",
        "id_zip_code",
        "id_state",
        "id_first_name",
    }
    assert not User.objects.exists()


def test_signed_in_person_is_sent_to_their_account(client, home_user):
    client.force_login(home_user)
    response = client.get(reverse("accounts:signup"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:home")
