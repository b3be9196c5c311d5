import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from accounts.models import IdentityStatus
from accounts.tests.factories import IdentitySubmissionFactory, UserFactory
from facilities.models import AccessDecision, AccessReason, AccessRequest, AccessStatus
from facilities.selectors import access_requests_for_staff
from facilities.services import (
    access_request_create,
    access_request_decide,
    access_request_revoke,
    access_request_withdraw,
    access_requests_start_review,
)
from facilities.tests.factories import AccessRequestFactory, FacilityFactory, InmateFactory
from visitation.errors import DomainError
from visitation.models import OutboundEmail


def ask(user, facility, relationship="sibling"):
    """Ask to visit a (new) person of the facility's roster."""
    return access_request_create(
        user=user,
        facility=facility,
        inmate=InmateFactory(facility=facility),
        relationship=relationship,
    )


def test_approved_user_asks_and_gets_a_pending_request_due_in_24_hours(
    approved_home_user, facility_a
):
    with time_machine.travel("2026-03-02 15:00:00+00:00", tick=False):
        access_request = ask(approved_home_user, facility_a)

    assert access_request.status == AccessStatus.PENDING
    assert access_request.due_at.isoformat() == "2026-03-03T15:00:00+00:00"


@pytest.mark.parametrize("identity", [None, IdentityStatus.DRAFT, IdentityStatus.DISAPPROVED])
def test_user_whose_identity_is_not_submitted_or_was_disapproved_cannot_ask(
    home_user, facility_a, identity
):
    if identity:
        IdentitySubmissionFactory(user=home_user, status=identity)

    with pytest.raises(DomainError, match="Submit your ID and photo for review first"):
        ask(home_user, facility_a)

    assert not AccessRequest.objects.exists()


def test_while_identity_is_pending_the_request_waits_unseen_until_approval_starts_its_24_hours(
    home_user, facility_a, staff_a
):
    IdentitySubmissionFactory(user=home_user, status=IdentityStatus.PENDING)
    with time_machine.travel("2026-03-02 15:00:00+00:00", tick=False):
        access_request = ask(home_user, facility_a, relationship="parent")

    assert access_request.status == AccessStatus.PENDING and access_request.due_at is None
    assert access_request.waits_for_identity
    assert not access_requests_for_staff(user=staff_a).exists()
    with pytest.raises(DomainError, match="identity has not been approved"):
        access_request_decide(actor=staff_a, access_request=access_request, approve=True)

    with time_machine.travel("2026-03-03 09:00:00+00:00", tick=False):
        assert access_requests_start_review(user=home_user, now=timezone.now()) == [facility_a.name]

    seen = access_requests_for_staff(user=staff_a).get()
    assert seen.due_at.isoformat() == "2026-03-04T09:00:00+00:00"
    assert (seen.inmate, seen.relationship) == (access_request.inmate, "parent")


def test_the_person_must_be_held_at_that_facility_and_the_relationship_one_of_the_list(
    approved_home_user, facility_a, facility_b
):
    elsewhere = InmateFactory(facility=facility_b)
    released = InmateFactory(facility=facility_a, status="released")
    for inmate in (elsewhere, released):
        with pytest.raises(DomainError, match="Choose a person held at this facility"):
            access_request_create(
                user=approved_home_user, facility=facility_a, inmate=inmate, relationship="friend"
            )
    with pytest.raises(DomainError, match="Choose who you are to this person"):
        ask(approved_home_user, facility_a, relationship="neighbour")
    assert not AccessRequest.objects.exists()


def test_inactive_facility_takes_no_requests(approved_home_user):
    facility = FacilityFactory(is_active=False)

    with pytest.raises(DomainError, match="does not take visit requests"):
        ask(approved_home_user, facility)


def test_second_request_while_pending_is_refused(approved_home_user, facility_a):
    ask(approved_home_user, facility_a)

    with pytest.raises(DomainError, match="has not decided yet"):
        ask(approved_home_user, facility_a)

    assert AccessRequest.objects.count() == 1


def test_second_request_while_approved_is_refused(approved_home_user, facility_a, staff_a):
    first = ask(approved_home_user, facility_a)
    access_request_decide(actor=staff_a, access_request=first, approve=True)

    with pytest.raises(DomainError, match="already have access"):
        ask(approved_home_user, facility_a)


@pytest.mark.parametrize("closing", ["deny", "revoke", "withdraw"])
def test_asking_again_after_a_closed_request_is_a_new_row(
    approved_home_user, facility_a, staff_a, closing
):
    first = ask(approved_home_user, facility_a)
    if closing == "deny":
        access_request_decide(
            actor=staff_a, access_request=first, approve=False, reason=AccessReason.INVALID_ID
        )
    elif closing == "revoke":
        access_request_decide(actor=staff_a, access_request=first, approve=True)
        access_request_revoke(
            actor=staff_a, access_request=first, reason=AccessReason.BEHAVIOURAL, note="Misuse"
        )
    else:
        access_request_withdraw(user=approved_home_user, access_request_id=first.pk)

    second = ask(approved_home_user, facility_a)

    assert second.pk != first.pk
    first.refresh_from_db()
    assert first.status != AccessStatus.PENDING
    assert second.status == AccessStatus.PENDING


def test_same_user_may_ask_several_facilities(approved_home_user, facility_a, facility_b):
    ask(approved_home_user, facility_a)
    ask(approved_home_user, facility_b)

    assert AccessRequest.objects.filter(user=approved_home_user).count() == 2


def test_withdraw_a_pending_request_records_it_in_the_trail(approved_home_user, facility_a):
    access_request = ask(approved_home_user, facility_a)

    access_request_withdraw(user=approved_home_user, access_request_id=access_request.pk)

    access_request.refresh_from_db()
    assert access_request.status == AccessStatus.WITHDRAWN
    assert access_request.decided_at is not None
    decision = access_request.decisions.get()
    assert (decision.outcome, decision.actor) == (AccessStatus.WITHDRAWN, approved_home_user)


def test_cannot_withdraw_a_decided_request(approved_home_user, facility_a, staff_a):
    access_request = ask(approved_home_user, facility_a)
    access_request_decide(actor=staff_a, access_request=access_request, approve=True)

    with pytest.raises(DomainError, match="not decided yet can be withdrawn"):
        access_request_withdraw(user=approved_home_user, access_request_id=access_request.pk)

    access_request.refresh_from_db()
    assert access_request.status == AccessStatus.APPROVED


def test_cannot_withdraw_someone_elses_request(approved_home_user, other_home_user, facility_a):
    access_request = ask(approved_home_user, facility_a)

    with pytest.raises(DomainError, match="not found"):
        access_request_withdraw(user=other_home_user, access_request_id=access_request.pk)

    access_request.refresh_from_db()
    assert access_request.status == AccessStatus.PENDING


def test_staff_approve_writes_a_decision_and_queues_one_email(
    approved_home_user, facility_a, staff_a
):
    access_request = ask(approved_home_user, facility_a)

    result = access_request_decide(
        actor=staff_a, access_request=access_request, approve=True, note="Welcome"
    )

    assert result.status == access_request.status == AccessStatus.APPROVED
    decision = AccessDecision.objects.get(request=access_request)
    assert (decision.actor, decision.outcome, decision.note) == (staff_a, "approved", "Welcome")
    email = OutboundEmail.objects.get()
    assert email.key == f"access-decided:{access_request.pk}"
    assert email.to_email == approved_home_user.email


def test_administrator_may_decide_too(approved_home_user, facility_a, admin_a):
    access_request = ask(approved_home_user, facility_a)

    access_request_decide(actor=admin_a, access_request=access_request, approve=True)

    assert access_request.status == AccessStatus.APPROVED


def test_staff_deny_needs_a_known_reason(approved_home_user, facility_a, staff_a):
    access_request = ask(approved_home_user, facility_a)

    for reason in ("", "not-a-reason"):
        with pytest.raises(DomainError, match="choose a reason"):
            access_request_decide(
                actor=staff_a, access_request=access_request, approve=False, reason=reason
            )

    access_request.refresh_from_db()
    assert access_request.status == AccessStatus.PENDING
    assert not OutboundEmail.objects.exists()


def test_staff_deny_records_reason_and_note(approved_home_user, facility_a, staff_a):
    access_request = ask(approved_home_user, facility_a)

    access_request_decide(
        actor=staff_a,
        access_request=access_request,
        approve=False,
        reason=AccessReason.FACILITY_POLICY,
        note="  Restricted by court order.  ",
    )

    decision = access_request.decisions.get()
    assert decision.outcome == AccessStatus.DENIED
    assert decision.reason == AccessReason.FACILITY_POLICY
    assert decision.note == "Restricted by court order."
    assert AccessRequest.objects.get().status == AccessStatus.DENIED


def test_staff_of_another_facility_cannot_decide(approved_home_user, facility_a, staff_b):
    access_request = ask(approved_home_user, facility_a)

    with pytest.raises(DomainError, match="not staff of this facility"):
        access_request_decide(actor=staff_b, access_request=access_request, approve=True)

    assert AccessRequest.objects.get().status == AccessStatus.PENDING
    assert not AccessDecision.objects.exists()


def test_reviewer_or_home_user_cannot_decide(
    approved_home_user, other_home_user, reviewer, facility_a
):
    access_request = ask(approved_home_user, facility_a)

    for actor in (reviewer, other_home_user, approved_home_user):
        with pytest.raises(DomainError):
            access_request_decide(actor=actor, access_request=access_request, approve=True)

    assert not AccessDecision.objects.exists()


def test_a_request_is_decided_once(approved_home_user, facility_a, staff_a, admin_a):
    access_request = ask(approved_home_user, facility_a)
    stale_copy = AccessRequest.objects.get(pk=access_request.pk)
    access_request_decide(actor=staff_a, access_request=access_request, approve=True)

    with pytest.raises(DomainError, match="already been decided"):
        access_request_decide(
            actor=admin_a,
            access_request=stale_copy,
            approve=False,
            reason=AccessReason.INVALID_ID,
        )

    assert AccessDecision.objects.count() == 1
    assert OutboundEmail.objects.count() == 1
    assert AccessRequest.objects.get().status == AccessStatus.APPROVED


def test_withdrawn_request_cannot_be_decided(approved_home_user, facility_a, staff_a):
    access_request = ask(approved_home_user, facility_a)
    access_request_withdraw(user=approved_home_user, access_request_id=access_request.pk)

    with pytest.raises(DomainError, match="already been decided"):
        access_request_decide(actor=staff_a, access_request=access_request, approve=True)


def test_revoke_an_approval(approved_home_user, facility_a, staff_a):
    access_request = ask(approved_home_user, facility_a)
    access_request_decide(actor=staff_a, access_request=access_request, approve=True)

    access_request_revoke(
        actor=staff_a,
        access_request=access_request,
        reason=AccessReason.BEHAVIOURAL,
        note="Shared the account.",
    )

    assert AccessRequest.objects.get().status == AccessStatus.REVOKED
    outcomes = list(access_request.decisions.values_list("outcome", "reason"))
    assert outcomes == [("approved", ""), ("revoked", "behavioural")]
    assert set(OutboundEmail.objects.values_list("key", flat=True)) == {
        f"access-decided:{access_request.pk}",
        f"access-revoked:{access_request.pk}",
    }


def test_revoke_needs_a_reason(approved_home_user, facility_a, staff_a):
    access_request = ask(approved_home_user, facility_a)
    access_request_decide(actor=staff_a, access_request=access_request, approve=True)

    with pytest.raises(DomainError, match="choose a reason"):
        access_request_revoke(actor=staff_a, access_request=access_request, reason="", note="")

    assert AccessRequest.objects.get().status == AccessStatus.APPROVED


def test_only_an_approval_can_be_revoked(approved_home_user, facility_a, staff_a):
    access_request = ask(approved_home_user, facility_a)

    with pytest.raises(DomainError, match="Only an approved request"):
        access_request_revoke(
            actor=staff_a, access_request=access_request, reason=AccessReason.BEHAVIOURAL, note=""
        )


def test_staff_of_another_facility_cannot_revoke(approved_home_user, facility_a, staff_a, staff_b):
    access_request = ask(approved_home_user, facility_a)
    access_request_decide(actor=staff_a, access_request=access_request, approve=True)

    with pytest.raises(DomainError, match="not staff of this facility"):
        access_request_revoke(
            actor=staff_b, access_request=access_request, reason=AccessReason.BEHAVIOURAL, note=""
        )

    assert AccessRequest.objects.get().status == AccessStatus.APPROVED


def test_decision_email_goes_out_once_after_commit(
    approved_home_user, facility_a, staff_a, mailoutbox, django_capture_on_commit_callbacks
):
    access_request = ask(approved_home_user, facility_a)

    with django_capture_on_commit_callbacks(execute=True):
        access_request_decide(actor=staff_a, access_request=access_request, approve=True)
        assert mailoutbox == []

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [approved_home_user.email]


def test_the_database_allows_one_open_request_per_user_and_facility(facility_a):
    from django.db import IntegrityError

    user = UserFactory()
    AccessRequestFactory(user=user, facility=facility_a)

    with pytest.raises(IntegrityError):
        AccessRequestFactory(user=user, facility=facility_a, status=AccessStatus.APPROVED)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_deciding_at_once_record_one_decision():
    """Both staff hold the request in their browser; one decision wins, the other is told."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    from facilities.models import StaffMembership

    facility = FacilityFactory()
    home = UserFactory()
    IdentitySubmissionFactory(user=home, status=IdentityStatus.APPROVED)
    officers = [UserFactory(), UserFactory()]
    for officer in officers:
        StaffMembership.objects.create(user=officer, facility=facility)
    access_request = AccessRequestFactory(
        user=home, facility=facility, due_at=timezone.now() + timedelta(hours=24)
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(officer, approve):
        try:
            barrier.wait()
            access_request_decide(
                actor=officer,
                access_request=AccessRequest.objects.get(pk=access_request.pk),
                approve=approve,
                reason="" if approve else AccessReason.INVALID_ID,
            )
            outcomes.append("decided")
        except DomainError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(officers[0], True)),
        threading.Thread(target=decide, args=(officers[1], False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["decided", "refused"]
    assert AccessDecision.objects.filter(request=access_request).count() == 1
    assert OutboundEmail.objects.filter(key=f"access-decided:{access_request.pk}").count() == 1
