import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory, otp_login
from facilities.models import AccessDecision, AccessReason
from facilities.tests.factories import (
    AccessRequestFactory,
    InmateFactory,
    LobbyTerminalFactory,
    TerminalFactory,
    TermsVersionFactory,
)

MODELS = [
    "facility",
    "termsversion",
    "housingunit",
    "terminal",
    "inmate",
    "staffmembership",
    "accessrequest",
    "accessdecision",
]


@pytest.fixture
def operator(db):
    return UserFactory(email="operator@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def some_of_everything(facility_a, staff_a, approved_home_user):
    TermsVersionFactory(facility=facility_a)
    TerminalFactory(facility=facility_a)
    LobbyTerminalFactory(facility=facility_a)
    InmateFactory(facility=facility_a, last_name="Whitaker", id_number="TX-0042")
    access_request = AccessRequestFactory(user=approved_home_user, facility=facility_a)
    AccessDecision.objects.create(
        request=access_request,
        actor=staff_a,
        outcome="denied",
        reason=AccessReason.FACILITY_POLICY,
        note="Restricted visitor list.",
    )
    return access_request


@pytest.mark.parametrize("model", MODELS)
def test_operator_gets_every_facilities_list_with_search_and_filters(
    client, operator, some_of_everything, model
):
    otp_login(client, operator)
    url = reverse(f"admin:facilities_{model}_changelist")

    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "travis"}).status_code == 200


def test_roster_search_finds_by_id_number(client, operator, some_of_everything):
    otp_login(client, operator)

    response = client.get(reverse("admin:facilities_inmate_changelist"), {"q": "TX-0042"})

    assert "Whitaker" in response.text


def test_facility_page_shows_units_terminals_and_terms_inline(
    client, operator, facility_a, some_of_everything
):
    otp_login(client, operator)

    response = client.get(reverse("admin:facilities_facility_change", args=[facility_a.pk]))

    assert response.status_code == 200
    for prefix in ("housing_units", "terminals", "terms_versions", "staff_memberships"):
        assert f'name="{prefix}-TOTAL_FORMS"' in response.text


def test_access_request_shows_its_decisions_read_only(client, operator, some_of_everything):
    otp_login(client, operator)

    response = client.get(
        reverse("admin:facilities_accessrequest_change", args=[some_of_everything.pk])
    )

    assert "Restricted visitor list." in response.text
    assert 'name="decisions-0-note"' not in response.text


@pytest.mark.parametrize("persona", ["staff_a", "admin_a", "reviewer", "home_user"])
def test_facility_staff_and_others_who_are_not_operators_get_no_admin(client, request, persona):
    user = request.getfixturevalue(persona)
    assert not user.is_staff
    client.force_login(user)

    for url in (reverse("admin:index"), reverse("admin:facilities_accessrequest_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
