"""A request body over settings.MAX_REQUEST_BYTES is refused with a page that says so,
before anything reads it."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_default_limit_takes_two_photos_of_the_largest_size(settings):
    assert settings.MAX_REQUEST_BYTES > 2 * settings.IDENTITY_UPLOAD_MAX_BYTES


def test_a_body_declared_larger_than_the_limit_gets_a_clear_413_page(client, settings):
    settings.MAX_REQUEST_BYTES = 21 * 1_048_576
    settings.IDENTITY_UPLOAD_MAX_BYTES = 10 * 1_048_576
    response = client.post(
        reverse("accounts:login"),
        data=b"x",
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(2 * 1024**3),
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "What you sent is too large" in page
    assert "at most 21 MB at a time" in page
    assert "each ID photo or selfie can be up to 10 MB" in page
    assert "Nothing was saved" in page
    assert response["Connection"] == "close"
    assert "Content-Security-Policy" in response


def test_a_form_just_under_the_limit_goes_through_and_just_over_does_not(
    client, home_user, settings
):
    body = urlencode({"username": home_user.email, "password": PASSWORD})
    form = "application/x-www-form-urlencoded"
    settings.MAX_REQUEST_BYTES = len(body)
    assert client.post(reverse("accounts:login"), body, content_type=form).status_code == 302
    client.logout()
    settings.MAX_REQUEST_BYTES = len(body) - 1
    assert client.post(reverse("accounts:login"), body, content_type=form).status_code == 413


def test_a_content_length_that_is_not_a_number_is_left_to_django(client):
    response = client.get(reverse("accounts:login"), CONTENT_LENGTH="lots")
    assert response.status_code == 200


def test_the_page_is_in_the_visitors_language(client, settings):
    settings.MAX_REQUEST_BYTES = 10
    response = client.post(
        reverse("accounts:login"),
        {"username": "someone@example.com", "password": "long enough"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert 'lang="es"' in page and "Lo que envió es demasiado grande" in page
