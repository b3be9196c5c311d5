from datetime import date

import pytest
from django.urls import reverse

from accounts import services
from accounts.tests.factories import IdentityDecisionFactory, PendingSubmissionFactory
from accounts.tests.pages import field_error, text_of
from visitation.errors import DomainError

pytestmark = pytest.mark.django_db


def details_data(**overrides):
    data = {
        "first_name": "Dana",
        "last_name": "Rivera",
        "date_of_birth": "1985-06-15",
        "phone": "",
        "street_address": "12 Main Street",
        "city": "Springfield",
        "state": "IL",
        "zip_code": "62701",
        "time_zone": "America/Chicago",
    }
    data.update(overrides)
    return data


@pytest.fixture
def signed_in(client, home_user):
    client.force_login(home_user)
    return client


def test_details_page_shows_the_current_details_with_labels(signed_in):
    page = signed_in.get(reverse("accounts:details")).content.decode()
    assert '<label class="usa-label" for="id_first_name">Legal first name</label>' in page
    assert '<label class="usa-label" for="id_time_zone">Time zone</label>' in page
    assert 'value="Dana"' in page
    assert 'value="12 Main Street"' in page


def test_address_phone_and_time_zone_can_change(signed_in, home_user):
    response = signed_in.post(
        reverse("accounts:details"),
        details_data(
            street_address="9 Pine Road",
            city="Honolulu",
            state="HI",
            zip_code="96813",
            phone="808 555 0100",
            time_zone="Pacific/Honolulu",
        ),
        follow=True,
    )
    page = text_of(response)
    assert "Your details are saved." in page
    assert "9 Pine Road, Honolulu, HI 96813" in page
    assert "Times are shown in Hawaii Time" in page
    home_user.refresh_from_db()
    assert (home_user.phone, home_user.time_zone) == ("808 555 0100", "Pacific/Honolulu")


def test_legal_name_can_be_corrected_after_a_disapproval(signed_in, home_user):
    IdentityDecisionFactory(
        submission__user=home_user, reason="security_concern", sub_reason="info_mismatch"
    )
    signed_in.post(
        reverse("accounts:details"),
        details_data(first_name="Daniela", date_of_birth="1985-06-16"),
    )
    home_user.refresh_from_db()
    assert (home_user.first_name, home_user.date_of_birth) == ("Daniela", date(1985, 6, 16))


def test_legal_name_and_birth_date_are_fixed_while_under_review(signed_in, home_user):
    PendingSubmissionFactory(user=home_user)
    page = signed_in.get(reverse("accounts:details")).content.decode()
    assert "Your identity is checked against this, so it cannot change now." in page
    signed_in.post(
        reverse("accounts:details"),
        details_data(first_name="Someone", last_name="Else", city="Peoria"),
    )
    home_user.refresh_from_db()
    assert (home_user.first_name, home_user.last_name) == ("Dana", "Rivera")
    assert home_user.city == "Peoria"


def test_the_rule_holds_outside_the_form(home_user):
    IdentityDecisionFactory(submission__user=home_user, outcome="approved")
    with pytest.raises(DomainError, match="cannot change while your identity"):
        services.user_details_update(
            user=home_user,
            **{**details_data(first_name="Someone"), "date_of_birth": date(1985, 6, 15)},
        )


def test_a_birth_date_under_18_is_refused(signed_in, home_user):
    response = signed_in.post(reverse("accounts:details"), details_data(date_of_birth="2015-01-01"))
    assert field_error(response, "date_of_birth") == "You must be 18 or older to have an account."
    home_user.refresh_from_db()
    assert home_user.date_of_birth == date(1985, 6, 15)


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("accounts:details"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
