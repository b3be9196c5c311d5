from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    data = {
        "email": "new.person@example.com",
        "password": "a long unusual passphrase 42",
        "first_name": "Ana",
        "last_name": "Torres",
        "date_of_birth": "1990-04-02",
        "street_address": "5 Oak Lane",
        "city": "El Paso",
        "state": "TX",
        "zip_code": "79901",
        "phone": "",
    }
    data.update(overrides)
    return data


def test_signup_creates_account_and_sends_verification_link_after_commit(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), signup_data())
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert user.email_verified_at is None
    assert user.time_zone == "America/Chicago"
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["new.person@example.com"]
    link = next(line for line in message.body.splitlines() if "/accounts/verify/" in line)
    response = client.get(link.strip().replace("http://testserver", ""))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_under_18_is_refused_with_a_clear_message(client):
    today = timezone.localdate()
    seventeen = date(today.year - 17, today.month, min(today.day, 28))
    response = client.post(
        reverse("accounts:signup"), signup_data(date_of_birth=seventeen.isoformat())
    )
    assert response.status_code == 200
    assert "You must be 18 or older to create an account." in response.content.decode()
    assert not User.objects.exists()


def test_duplicate_email_in_other_case_is_refused(client, home_user):
    response = client.post(reverse("accounts:signup"), signup_data(email="HOME@Example.COM"))
    assert response.status_code == 200
    assert "An account with this email already exists." in response.content.decode()
    assert User.objects.filter(email__iexact="home@example.com").count() == 1
