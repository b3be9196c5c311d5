"""The queues and the search cost the same number of queries for 1 item as for 10."""

import pytest
from django.urls import reverse

from accounts.reasons import IdentityReason, IdentitySubReason
from accounts.tests.factories import UserFactory
from facilities.models import AccessReason
from facilities.services import access_request_decide
from review import services
from review.tests.factories import otp_login, pending_access_request, pending_submission

# session, user, OTP device, staff membership check, then the page's own queries.
IDENTITY_QUEUE_QUERIES = 6
ACCESS_QUEUE_QUERIES = 6
SEARCH_QUERIES = 6
PERSON_PAGE_QUERIES = 9


@pytest.mark.parametrize("items", [1, 10])
def test_identity_queue(client, reviewer, items, django_assert_num_queries):
    for i in range(items):
        pending_submission(user=UserFactory(last_name=f"Queue{i}"), hours_ago=30 - i)
    otp_login(client, reviewer)

    with django_assert_num_queries(IDENTITY_QUEUE_QUERIES):
        page = client.get(reverse("review:identity_queue"))

    assert page.text.count("Queue") >= items


@pytest.mark.parametrize("items", [1, 10])
def test_access_queue(client, staff_a, facility_a, items, django_assert_num_queries):
    for i in range(items):
        pending_access_request(facility=facility_a, user=UserFactory(last_name=f"Queue{i}"))
    otp_login(client, staff_a)

    with django_assert_num_queries(ACCESS_QUEUE_QUERIES):
        page = client.get(reverse("review:access_queue"))

    assert page.text.count("Queue") >= items


@pytest.mark.parametrize("items", [1, 10])
def test_user_search(client, reviewer, items, django_assert_num_queries):
    for i in range(items):
        person = UserFactory(last_name=f"Findme{i}")
        pending_submission(user=person)
    otp_login(client, reviewer)

    with django_assert_num_queries(SEARCH_QUERIES):
        page = client.get(reverse("review:user_search"), {"q": "findme"})

    assert page.text.count("Pending review") == items


@pytest.mark.parametrize("items", [1, 10])
def test_person_page_with_many_decisions(
    client, reviewer, staff_a, facility_a, home_user, items, django_assert_num_queries
):
    """A reviewer who is also staff of facility A sees both trails, whatever their length."""
    from facilities.tests.factories import StaffMembershipFactory

    StaffMembershipFactory(user=reviewer, facility=facility_a)
    other_reviewer = UserFactory(is_reviewer=True)
    for _ in range(items):
        submission = pending_submission(user=home_user)
        services.identity_decide(
            reviewer=other_reviewer,
            submission=submission,
            approve=False,
            reason=IdentityReason.INVALID_PICTURE,
            sub_reason=IdentitySubReason.PICTURE_BLURRY,
        )
        access_request = pending_access_request(facility=facility_a, user=home_user)
        access_request_decide(
            actor=staff_a,
            access_request=access_request,
            approve=False,
            reason=AccessReason.BEHAVIOURAL,
        )
    otp_login(client, reviewer)

    with django_assert_num_queries(PERSON_PAGE_QUERIES):
        page = client.get(reverse("review:user_detail", args=[home_user.pk]))

    assert page.text.count("Identity disapproved") == items
    assert page.text.count("Access denied") == items
