from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import IdentityStatus
from accounts.tests.factories import IdentitySubmissionFactory
from facilities.models import AccessDecision, AccessReason, AccessRequest, AccessStatus
from facilities.services import access_request_decide
from facilities.tests.factories import AccessRequestFactory, FacilityFactory

MINE = reverse("facilities:mine")
ADD = reverse("facilities:add")


def _approved(user):
    IdentitySubmissionFactory(user=user, status=IdentityStatus.APPROVED)
    return user


@pytest.mark.parametrize(
    "url",
    [
        MINE,
        ADD,
        reverse("facilities:add_facility", args=["TX"]),
        reverse("facilities:add_confirm", args=["travis-county-jail"]),
        reverse("facilities:withdraw", args=[1]),
    ],
)
def test_anonymous_visitor_is_sent_to_sign_in(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_anonymous_post_asks_nothing(client, facility_a):
    response = client.post(reverse("facilities:add_confirm", args=[facility_a.slug]))

    assert response.status_code == 302
    assert not AccessRequest.objects.exists()


@pytest.mark.parametrize("identity", [None, IdentityStatus.PENDING, IdentityStatus.DISAPPROVED])
def test_user_without_approved_identity_is_told_why_and_where_to_go(
    client, home_user, facility_a, identity
):
    if identity:
        IdentitySubmissionFactory(user=home_user, status=identity)
    client.force_login(home_user)

    page = client.get(MINE)
    assert page.status_code == 200
    assert "Add a facility</a>" not in page.text
    assert "First, we need to check who you are" in page.text
    assert reverse("accounts:home") in page.text

    for url in (ADD, reverse("facilities:add_facility", args=["TX"])):
        response = client.get(url)
        assert response.status_code == 403
        assert "First, we need to check who you are" in response.text

    response = client.post(reverse("facilities:add_confirm", args=[facility_a.slug]))
    assert response.status_code == 403
    assert not AccessRequest.objects.exists()


def test_pending_identity_gets_the_pending_explanation(client, home_user):
    IdentitySubmissionFactory(user=home_user, status=IdentityStatus.PENDING)
    client.force_login(home_user)

    assert "Your identity is being reviewed" in client.get(MINE).text


def test_add_a_facility_state_then_facility_then_confirm(
    client, approved_home_user, facility_a, facility_b, mailoutbox
):
    FacilityFactory(name="Closed Jail", state="NM", is_active=False)
    client.force_login(approved_home_user)

    page = client.get(MINE)
    assert "You have not asked to visit any facility yet." in page.text

    step1 = client.get(ADD)
    assert list(step1.context["form"].fields["state"].choices)[1:] == [
        ("GA", "Georgia"),
        ("TX", "Texas"),
    ]

    step2 = client.get(ADD, {"state": "TX"})
    assert step2.url == reverse("facilities:add_facility", args=["TX"])
    facilities_page = client.get(step2.url)
    assert "Travis County Jail" in facilities_page.text
    assert "Fulton County Jail" not in facilities_page.text

    step3 = client.get(step2.url, {"facility": facility_a.slug})
    assert step3.url == reverse("facilities:add_confirm", args=[facility_a.slug])
    confirm = client.get(step3.url)
    assert "Ask to visit Travis County Jail?" in confirm.text
    assert "Facility time zone</dt><dd>Central Time" in confirm.text
    assert not AccessRequest.objects.exists()

    done = client.post(step3.url, follow=True)

    access_request = AccessRequest.objects.get()
    assert (access_request.user, access_request.facility) == (approved_home_user, facility_a)
    assert "Your request was sent to Travis County Jail" in done.text
    assert "Pending" in done.text
    assert "The facility decides by" in done.text


def test_state_without_facilities_is_not_offered(client, approved_home_user, facility_a):
    client.force_login(approved_home_user)

    response = client.get(ADD, {"state": "CA"})

    assert response.status_code == 200
    assert response.context["form"].errors["state"]


def test_facility_of_another_state_is_not_a_valid_choice(
    client, approved_home_user, facility_a, facility_b
):
    client.force_login(approved_home_user)

    response = client.get(
        reverse("facilities:add_facility", args=["TX"]), {"facility": facility_b.slug}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["facility"]


def test_unknown_state_code_goes_back_to_step_one(client, approved_home_user):
    client.force_login(approved_home_user)

    response = client.get(reverse("facilities:add_facility", args=["ZZ"]))

    assert response.url == ADD


@pytest.mark.parametrize("slug", ["no-such-jail", "closed-jail"])
def test_unknown_or_closed_facility_is_404(client, approved_home_user, slug):
    FacilityFactory(slug="closed-jail", is_active=False)
    client.force_login(approved_home_user)

    assert client.get(reverse("facilities:add_confirm", args=[slug])).status_code == 404
    assert client.post(reverse("facilities:add_confirm", args=[slug])).status_code == 404


def test_asking_twice_shows_a_clear_error(client, approved_home_user, facility_a):
    client.force_login(approved_home_user)
    url = reverse("facilities:add_confirm", args=[facility_a.slug])
    client.post(url)

    response = client.post(url)

    assert "You already asked to visit Travis County Jail" in response.text
    assert AccessRequest.objects.count() == 1


def test_home_user_sees_only_their_own_requests(
    client, approved_home_user, other_home_user, facility_a, facility_b
):
    AccessRequestFactory(user=approved_home_user, facility=facility_a)
    AccessRequestFactory(user=other_home_user, facility=facility_b)
    client.force_login(approved_home_user)

    page = client.get(MINE).text

    assert "Travis County Jail" in page
    assert "Fulton County Jail" not in page


def test_denied_request_shows_reason_note_and_next_step(
    client, approved_home_user, facility_a, staff_a
):
    access_request = AccessRequestFactory(user=approved_home_user, facility=facility_a)
    access_request_decide(
        actor=staff_a,
        access_request=access_request,
        approve=False,
        reason=AccessReason.INVALID_ID,
        note="The ID photo is cut off.",
    )
    client.force_login(approved_home_user)

    page = client.get(MINE).text

    assert "Denied" in page
    assert "Invalid ID" in page
    assert "The ID photo is cut off." in page
    assert "Check the ID on your account page" in page
    assert reverse("facilities:add_confirm", args=[facility_a.slug]) in page


def test_asking_again_after_denial_keeps_the_old_request_as_history(
    client, approved_home_user, facility_a, staff_a
):
    first = AccessRequestFactory(user=approved_home_user, facility=facility_a)
    access_request_decide(
        actor=staff_a, access_request=first, approve=False, reason=AccessReason.INVALID_PICTURE
    )
    client.force_login(approved_home_user)

    page = client.post(reverse("facilities:add_confirm", args=[facility_a.slug]), follow=True).text

    assert AccessRequest.objects.filter(user=approved_home_user).count() == 2
    assert "Earlier requests" in page
    assert "The facility denied." in page


def test_approved_and_revoked_requests_show_their_status(
    client, approved_home_user, facility_a, facility_b
):
    AccessRequestFactory(user=approved_home_user, facility=facility_a, status="approved")
    AccessRequestFactory(user=approved_home_user, facility=facility_b, status="revoked")
    client.force_login(approved_home_user)

    page = client.get(MINE).text

    assert "You can book visits at this facility." in page
    assert "Revoked" in page


def test_withdraw_asks_for_confirmation_then_withdraws(client, approved_home_user, facility_a):
    access_request = AccessRequestFactory(user=approved_home_user, facility=facility_a)
    client.force_login(approved_home_user)
    url = reverse("facilities:withdraw", args=[access_request.pk])

    confirm = client.get(url)
    assert "Withdraw your request to visit Travis County Jail?" in confirm.text
    access_request.refresh_from_db()
    assert access_request.status == AccessStatus.PENDING

    done = client.post(url, follow=True)

    access_request.refresh_from_db()
    assert access_request.status == AccessStatus.WITHDRAWN
    assert "You withdrew your request to visit Travis County Jail." in done.text
    assert "Withdrawn" in done.text


def test_withdrawing_a_decided_request_is_refused(client, approved_home_user, facility_a, staff_a):
    access_request = AccessRequestFactory(user=approved_home_user, facility=facility_a)
    access_request_decide(actor=staff_a, access_request=access_request, approve=True)
    client.force_login(approved_home_user)

    page = client.post(reverse("facilities:withdraw", args=[access_request.pk]), follow=True)

    assert "Only a request the facility has not decided yet can be withdrawn." in page.text
    access_request.refresh_from_db()
    assert access_request.status == AccessStatus.APPROVED


def test_another_users_request_is_404_on_withdraw(
    client, approved_home_user, other_home_user, facility_a
):
    access_request = AccessRequestFactory(user=other_home_user, facility=facility_a)
    client.force_login(approved_home_user)
    url = reverse("facilities:withdraw", args=[access_request.pk])

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    access_request.refresh_from_db()
    assert access_request.status == AccessStatus.PENDING
    assert not AccessDecision.objects.exists()


def test_staff_member_cannot_withdraw_a_home_users_request(
    client, approved_home_user, facility_a, staff_a
):
    access_request = AccessRequestFactory(user=approved_home_user, facility=facility_a)
    client.force_login(staff_a)

    response = client.post(reverse("facilities:withdraw", args=[access_request.pk]))

    assert response.status_code == 404


def test_nav_links_to_my_facilities(client, home_user):
    client.force_login(home_user)

    assert f'href="{MINE}"' in client.get(reverse("accounts:home")).text


@pytest.mark.parametrize("count", [1, 5])
def test_my_facilities_query_count_does_not_grow_with_requests(
    client, approved_home_user, staff_a, django_assert_num_queries, count
):
    for _ in range(count):
        access_request = AccessRequestFactory(user=approved_home_user, facility=FacilityFactory())
        AccessDecision.objects.create(
            request=access_request,
            actor=staff_a,
            outcome="denied",
            reason=AccessReason.FACILITY_POLICY,
        )
        AccessRequest.objects.filter(pk=access_request.pk).update(status="denied")
    client.force_login(approved_home_user)
    client.get(MINE)  # warm the session and user caches

    with django_assert_num_queries(6):
        response = client.get(MINE)

    assert response.content.count(b"What to do next:") == count


def test_late_pending_request_says_it_is_taking_longer(client, approved_home_user, facility_a):
    AccessRequestFactory(
        user=approved_home_user,
        facility=facility_a,
        due_at=timezone.now() - timedelta(minutes=1),
    )
    client.force_login(approved_home_user)

    page = client.get(MINE).text

    assert "This is taking longer than the 24 hours we promise." in page
    assert "The facility decides by" not in page
