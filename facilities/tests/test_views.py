from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import IdentityStatus
from accounts.tests.factories import IdentitySubmissionFactory
from facilities.models import AccessDecision, AccessReason, AccessRequest, AccessStatus
from facilities.services import access_request_decide
from facilities.tests.factories import AccessRequestFactory, FacilityFactory, InmateFactory
from review.tests.factories import otp_login

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


@pytest.mark.parametrize("identity", [None, IdentityStatus.DRAFT, IdentityStatus.DISAPPROVED])
def test_user_without_a_submitted_identity_is_told_why_and_where_to_go(
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


def test_while_identity_is_pending_the_family_asks_and_comes_back_once(
    client, home_user, facility_a, staff_a, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    from review.services import identity_decide

    submission = IdentitySubmissionFactory(user=home_user, status=IdentityStatus.PENDING)
    ana = InmateFactory(facility=facility_a, first_name="Ana", last_name="Diaz")
    client.force_login(home_user)
    assert "Add a facility</a>" in client.get(MINE).text
    url = reverse("facilities:add_confirm", args=[facility_a.slug])

    confirm = client.get(url, {"person": ana.pk})
    assert "Your identity is still being reviewed. You can ask now" in confirm.text
    done = client.post(f"{url}?person={ana.pk}", {"person": ana.pk, "relationship": "child"})
    page = client.get(done.url).text

    assert "Your request to visit Travis County Jail is saved" in page
    assert "Waiting for your identity review." in page
    assert "You do not need to ask again." in page
    assert "Your relationship: Child" in page
    assert "The facility decides by" not in page
    # The facility does not see it yet; the identity's approval sends it on.
    staff_client = Client()
    otp_login(staff_client, staff_a)
    assert "Diaz" not in staff_client.get(reverse("review:access_queue")).text
    with django_capture_on_commit_callbacks(execute=True):
        identity_decide(reviewer=reviewer, submission=submission, approve=True)
    assert "Your request to visit Travis County Jail is now with the facility" in (
        mailoutbox[-1].body
    )
    queue = staff_client.get(reverse("review:access_queue")).text
    assert f"Ana Diaz ({ana.id_number})" in queue
    assert "<strong>Child</strong>" in queue
    assert "The facility decides by" in client.get(MINE).text


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
    assert "Ask to visit someone at Travis County Jail" in confirm.text
    assert "Facility time zone</dt><dd>Central Time" in confirm.text
    assert "Whom do you want to visit?" in confirm.text
    # Found as in booking: the same search, active people of this facility only.
    ana = InmateFactory(facility=facility_a, first_name="Ana", last_name="Diaz")
    InmateFactory(facility=facility_a, first_name="Ann", last_name="Diaz", status="released")
    InmateFactory(facility=facility_b, first_name="Ana", last_name="Diaz")
    found = client.get(step3.url, {"q": "Diaz"})
    assert found.context["people"] == [ana]
    chosen = client.get(found.context["request"].path, {"person": ana.pk})
    assert f"ID number {ana.id_number}" in chosen.text
    assert "Who are you to this person?" in chosen.text
    for label in ("Parent", "Child", "Spouse or partner", "Sibling", "Other family", "Friend"):
        assert f">{label}</label>" in chosen.text
    for label in ("Clergy", "Attorney", "Other"):
        assert f">{label}</label>" in chosen.text
    assert not AccessRequest.objects.exists()

    missing = client.post(f"{step3.url}?person={ana.pk}", {"person": ana.pk})
    assert "Please correct the following" in missing.text
    assert not AccessRequest.objects.exists()

    done = client.post(
        f"{step3.url}?person={ana.pk}", {"person": ana.pk, "relationship": "spouse"}, follow=True
    )

    access_request = AccessRequest.objects.get()
    assert (access_request.user, access_request.facility) == (approved_home_user, facility_a)
    assert (access_request.inmate, access_request.relationship) == (ana, "spouse")
    assert "Your request was sent to Travis County Jail" in done.text
    assert "Pending" in done.text
    assert "The facility decides by" in done.text
    assert "Your relationship: Spouse or partner" in done.text


def test_a_person_of_another_facility_cannot_be_posted(
    client, approved_home_user, facility_a, facility_b
):
    client.force_login(approved_home_user)
    elsewhere = InmateFactory(facility=facility_b)
    url = reverse("facilities:add_confirm", args=[facility_a.slug])

    response = client.post(url, {"person": elsewhere.pk, "relationship": "friend"})

    assert response.status_code == 200
    assert "Choose a person held at this facility." in response.text
    assert "Whom do you want to visit?" in response.text  # back to the search
    assert not AccessRequest.objects.exists()


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
    ana = InmateFactory(facility=facility_a)
    client.post(url, {"person": ana.pk, "relationship": "friend"})

    response = client.post(url, {"person": ana.pk, "relationship": "friend"})

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

    page = client.post(
        reverse("facilities:add_confirm", args=[facility_a.slug]),
        {"person": InmateFactory(facility=facility_a).pk, "relationship": "other_family"},
        follow=True,
    ).text

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


def test_a_denial_that_asking_again_cannot_change_offers_no_ask_again_and_the_contact(
    client, approved_home_user, facility_a, staff_a, mailoutbox, django_capture_on_commit_callbacks
):
    facility_a.phone = "(512) 555-0100"
    facility_a.visiting_rules_url = "https://example.org/travis/visiting"
    facility_a.save()
    access_request = AccessRequestFactory(user=approved_home_user, facility=facility_a)
    with django_capture_on_commit_callbacks(execute=True):
        access_request_decide(
            actor=staff_a,
            access_request=access_request,
            approve=False,
            reason=AccessReason.FACILITY_POLICY,
        )
    client.force_login(approved_home_user)

    page = client.get(MINE).text

    assert "Asking again will not change this decision" in page
    assert "Asking again with nothing new gets the same answer." in page
    assert ">Ask again</a>" not in page
    assert "Contact Travis County Jail" in page
    assert 'href="tel:5125550100"' in page
    assert 'href="https://example.org/travis/visiting"' in page
    email = mailoutbox[-1]
    assert "Phone: (512) 555-0100" in email.body
    assert "https://example.org/travis/visiting" in email.body


def test_a_denial_the_family_can_fix_says_asking_again_helps_once_fixed(
    client, approved_home_user, facility_a, staff_a
):
    access_request = AccessRequestFactory(user=approved_home_user, facility=facility_a)
    access_request_decide(
        actor=staff_a,
        access_request=access_request,
        approve=False,
        reason=AccessReason.INVALID_PICTURE,
    )
    client.force_login(approved_home_user)

    page = client.get(MINE).text

    assert "Asking again helps once you have fixed this" in page
    assert ">Ask again</a>" in page
