"""Facility staff decide access requests at their facilities, and only there."""

import pytest
import time_machine
from django.urls import reverse

from accounts.models import IdentityStatus
from accounts.tests.factories import IdentitySubmissionFactory, UserFactory
from facilities.models import AccessDecision, AccessReason, AccessStatus
from facilities.services import access_request_decide
from review.tests.factories import otp_login, pending_access_request
from visitation.models import OutboundEmail

QUEUE = reverse("review:access_queue")


def detail(access_request):
    return reverse("review:access_detail", args=[access_request.pk])


def revoke(access_request):
    return reverse("review:access_revoke", args=[access_request.pk])


@pytest.fixture
def console(client, staff_a):
    otp_login(client, staff_a)
    return client


@pytest.fixture
def pending(approved_home_user, facility_a):
    return pending_access_request(facility=facility_a, user=approved_home_user, hours_ago=3)


@time_machine.travel("2026-03-02 15:00:00 +0000", tick=False)
def test_queue_lists_pending_requests_at_my_facilities_oldest_first(
    console, facility_a, facility_b
):
    pending_access_request(facility=facility_a, user=UserFactory(last_name="Newer"), hours_ago=1)
    pending_access_request(facility=facility_a, user=UserFactory(last_name="Older"), hours_ago=6)
    pending_access_request(facility=facility_a, user=UserFactory(last_name="Late"), hours_ago=25)
    pending_access_request(
        facility=facility_b, user=UserFactory(last_name="Elsewhere"), hours_ago=2
    )

    page = console.get(QUEUE).text
    overdue = console.get(QUEUE, {"overdue": "1"}).text

    assert page.index("Late") < page.index("Older") < page.index("Newer")
    assert "Elsewhere" not in page
    assert "18\xa0hours left" in page
    assert "Overdue</span> by 1\xa0hour" in page
    assert "Late" in overdue and "Older" not in overdue


def test_request_page_shows_the_person_and_a_decision_form(console, pending):
    page = console.get(detail(pending)).text

    assert "Dana Rivera asks to visit Travis County Jail" in page
    assert "home@example.com" in page
    assert "Access requested at Travis County Jail" in page
    assert 'name="outcome"' in page


def test_staff_approve_and_the_user_is_emailed(
    console, pending, staff_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(detail(pending), {"outcome": "approve", "note": "Welcome."})

    assert response.url == QUEUE
    pending.refresh_from_db()
    assert pending.status == AccessStatus.APPROVED
    decision = AccessDecision.objects.get()
    assert (decision.actor, decision.outcome, decision.note) == (staff_a, "approved", "Welcome.")
    assert mailoutbox[0].subject == "You can now visit Travis County Jail"


def test_denial_needs_a_reason_code(console, pending):
    page = console.post(detail(pending), {"outcome": "deny", "note": "No."})

    assert "Please choose a reason." in page.text
    pending.refresh_from_db()
    assert pending.status == AccessStatus.PENDING


def test_a_made_up_reason_code_is_refused(console, pending):
    page = console.post(detail(pending), {"outcome": "deny", "reason": "because"})

    assert "Select a valid choice" in page.text
    assert not AccessDecision.objects.exists()


def test_staff_deny_with_reason_and_note(
    console, pending, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        console.post(
            detail(pending),
            {"outcome": "deny", "reason": AccessReason.FACILITY_POLICY, "note": "Restricted list."},
        )

    pending.refresh_from_db()
    assert pending.status == AccessStatus.DENIED
    decision = AccessDecision.objects.get()
    assert (decision.reason, decision.note) == ("facility_policy", "Restricted list.")
    assert "Restricted list." in mailoutbox[0].body


def test_staff_revoke_an_approval_later_with_a_reason(
    console, pending, staff_a, mailoutbox, django_capture_on_commit_callbacks
):
    access_request_decide(actor=staff_a, access_request=pending, approve=True)
    page = console.get(detail(pending)).text
    assert "Revoke access" in page

    missing = console.post(revoke(pending), {"reason": "", "note": ""})
    assert "This field is required." in missing.text

    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(
            revoke(pending), {"reason": AccessReason.BEHAVIOURAL, "note": "Shared the account."}
        )

    assert response.url == detail(pending)
    pending.refresh_from_db()
    assert pending.status == AccessStatus.REVOKED
    trail = console.get(detail(pending)).text.split('id="trail-heading"')[1]
    assert trail.index("Access approved") < trail.index("Access revoked")
    assert "Shared the account." in trail
    assert "Behavioural (account usage violation)" in trail
    assert OutboundEmail.objects.filter(key=f"access-revoked:{pending.pk}").exists()


def test_a_decided_request_cannot_be_decided_again(console, pending, staff_a):
    access_request_decide(actor=staff_a, access_request=pending, approve=True)

    page = console.post(detail(pending), {"outcome": "deny", "reason": AccessReason.BEHAVIOURAL})

    assert "This request has already been decided." in page.text
    assert AccessDecision.objects.count() == 1


def test_revoking_a_pending_request_is_refused(console, pending):
    page = console.post(revoke(pending), {"reason": AccessReason.BEHAVIOURAL})

    assert "Only an approved request can be revoked." in page.text
    pending.refresh_from_db()
    assert pending.status == AccessStatus.PENDING


def test_staff_of_both_facilities_see_both(client, staff_a, facility_b, facility_a):
    from facilities.tests.factories import StaffMembershipFactory

    StaffMembershipFactory(user=staff_a, facility=facility_b)
    pending_access_request(facility=facility_a, user=UserFactory(last_name="Atown"))
    pending_access_request(facility=facility_b, user=UserFactory(last_name="Btown"))
    otp_login(client, staff_a)

    page = client.get(QUEUE).text

    assert "Atown" in page and "Btown" in page


@pytest.mark.parametrize("approved_first", [False, True])
def test_form_tampering_with_another_facilitys_request_is_not_found(
    client, staff_b, pending, staff_a, approved_first
):
    if approved_first:
        access_request_decide(actor=staff_a, access_request=pending, approve=True)
    before = AccessDecision.objects.count()
    otp_login(client, staff_b)
    form = {"outcome": "deny", "reason": AccessReason.BEHAVIOURAL, "note": "tampered"}

    decide = client.post(detail(pending), form)
    revoked = client.post(revoke(pending), form)

    assert (decide.status_code, revoked.status_code) == (404, 404)
    assert AccessDecision.objects.count() == before
    pending.refresh_from_db()
    assert pending.status == (AccessStatus.APPROVED if approved_first else AccessStatus.PENDING)


def test_identity_status_of_the_person_is_shown(console, facility_a):
    person = UserFactory(last_name="Pending")
    IdentitySubmissionFactory(user=person, status=IdentityStatus.APPROVED)
    access_request = pending_access_request(facility=facility_a, user=person)

    assert 'bg-green">Approved' in console.get(detail(access_request)).text
