"""The magnifying glass: find a person by name or email, open them, see their trail."""

import pytest
from django.urls import reverse

from accounts.models import IdentityStatus
from accounts.reasons import IdentityReason, IdentitySubReason
from accounts.tests.factories import IdentitySubmissionFactory, UserFactory
from facilities.models import AccessReason
from facilities.services import access_request_decide
from review import services
from review.tests.factories import otp_login, pending_access_request, pending_submission

SEARCH = reverse("review:user_search")


def person_page(user):
    return reverse("review:user_detail", args=[user.pk])


@pytest.mark.parametrize("query", ["rivera", "DANA", "home@example", "dana riv"])
def test_reviewers_find_people_by_name_or_email(
    client, reviewer, home_user, other_home_user, query
):
    otp_login(client, reviewer)

    page = client.get(SEARCH, {"q": query}).text

    assert person_page(home_user) in page
    assert person_page(other_home_user) not in page


def test_an_empty_search_lists_nobody(client, reviewer, home_user):
    otp_login(client, reviewer)

    page = client.get(SEARCH, {"q": "  "}).text

    assert person_page(home_user) not in page
    assert "Nobody matches" not in page


def test_staff_find_only_people_who_asked_to_visit_their_facilities(
    client, staff_a, facility_a, facility_b, home_user, other_home_user
):
    pending_access_request(facility=facility_a, user=home_user)
    pending_access_request(facility=facility_b, user=other_home_user)
    otp_login(client, staff_a)

    page = client.get(SEARCH, {"q": "example.com"}).text

    assert person_page(home_user) in page
    assert person_page(other_home_user) not in page
    assert client.get(person_page(other_home_user)).status_code == 404


def test_search_results_are_paginated_and_keep_the_query(client, reviewer):
    for i in range(26):
        UserFactory(last_name=f"Smith{i:02d}", first_name="Pat")
    otp_login(client, reviewer)

    first = client.get(SEARCH, {"q": "smith"}).text
    second = client.get(SEARCH, {"q": "smith", "page": "2"}).text

    assert "26 people found" in first
    assert "?q=smith&amp;page=2" in first
    assert "Smith25" in second and "Smith00" not in second


def test_reviewer_sees_identity_status_and_history_as_a_timeline(client, reviewer, home_user):
    first = pending_submission(user=home_user, hours_ago=50)
    services.identity_decide(
        reviewer=reviewer,
        submission=first,
        approve=False,
        reason=IdentityReason.INVALID_PICTURE,
        sub_reason=IdentitySubReason.PICTURE_FILTERS,
        note="A dog filter.",
    )
    second = pending_submission(user=home_user, hours_ago=3)
    otp_login(client, reviewer)

    page = client.get(person_page(home_user)).text

    assert "Pending review" in page
    assert page.count("Identity submitted for review") == 2
    assert "Invalid picture: Picture has filters or effects" in page
    assert "A dog filter." in page
    assert reverse("review:identity_detail", args=[first.pk]) in page
    assert reverse("review:identity_detail", args=[second.pk]) in page
    assert "Access requests at your facilities" not in page


def test_staff_see_the_requests_at_their_facilities_only_with_their_trail(
    client, staff_a, staff_b, facility_a, facility_b, home_user
):
    IdentitySubmissionFactory(user=home_user, status=IdentityStatus.APPROVED)
    at_a = pending_access_request(facility=facility_a, user=home_user)
    at_b = pending_access_request(facility=facility_b, user=home_user)
    access_request_decide(
        actor=staff_a,
        access_request=at_a,
        approve=False,
        reason=AccessReason.FACILITY_POLICY,
        note="Restricted until June.",
    )
    access_request_decide(actor=staff_b, access_request=at_b, approve=True, note="Fine in B.")
    otp_login(client, staff_a)

    page = client.get(person_page(home_user)).text

    assert "Approved" in page
    assert "Travis County Jail" in page
    assert "Access denied" in page
    assert "Restricted until June." in page
    assert "Fulton County Jail" not in page
    assert "Fine in B." not in page
    assert reverse("review:access_detail", args=[at_a.pk]) in page
    assert reverse("review:access_detail", args=[at_b.pk]) not in page
    assert "Identity submitted for review" not in page
