"""Pure rules: what makes an identity decision complete, and the decision timelines."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import IdentityDecision, IdentitySubmission, User
from accounts.reasons import NOTE_REQUIRED, SUB_REASONS, IdentityReason, IdentitySubReason
from facilities.models import AccessDecision, AccessRequest, Facility
from review.rules import identity_decision_problem
from review.timeline import access_timeline, identity_timeline

ALL_PAIRS = [(reason, sub) for reason in IdentityReason.values for sub in IdentitySubReason.values]


def test_an_approval_needs_nothing_more():
    assert identity_decision_problem(approve=True, reason="", sub_reason="", note="") is None


@pytest.mark.parametrize(("reason", "sub_reason"), ALL_PAIRS)
def test_a_disapproval_needs_a_sub_reason_of_its_reason(reason, sub_reason):
    problem = identity_decision_problem(
        approve=False, reason=reason, sub_reason=sub_reason, note="A note."
    )

    if sub_reason in SUB_REASONS[reason]:
        assert problem is None
    else:
        assert problem.field == "sub_reason"


@pytest.mark.parametrize("reason", ["", "made_up"])
def test_a_disapproval_needs_a_known_reason(reason):
    problem = identity_decision_problem(
        approve=False, reason=reason, sub_reason=IdentitySubReason.PICTURE_BLURRY, note=""
    )

    assert problem.field == "reason"


@pytest.mark.parametrize("reason", IdentityReason.values)
def test_only_some_reasons_need_a_note(reason):
    sub_reason = SUB_REASONS[reason][0]

    problem = identity_decision_problem(
        approve=False, reason=reason, sub_reason=sub_reason, note=" \n "
    )

    if reason in NOTE_REQUIRED:
        assert problem.field == "note"
    else:
        assert problem is None


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_identity_timeline_orders_submissions_overdue_marks_and_decisions():
    person = User(first_name="Dana", last_name="Rivera", email="home@example.com")
    reviewer = User(first_name="Robin", last_name="Reviewer", email="r@example.com")
    first = IdentitySubmission(
        user=person, submitted_at=T0, overdue_at=T0 + timedelta(hours=24, minutes=5)
    )
    first.decision = IdentityDecision(
        reviewer=reviewer,
        outcome="disapproved",
        reason=IdentityReason.INVALID_PICTURE,
        sub_reason=IdentitySubReason.PICTURE_BLURRY,
        note="Too dark.",
        created_at=T0 + timedelta(hours=26),
    )
    second = IdentitySubmission(user=person, submitted_at=T0 + timedelta(days=2))
    draft = IdentitySubmission(user=person)

    events = identity_timeline([second, draft, first])

    assert [event.what for event in events] == [
        "Identity submitted for review",
        "Review overdue (more than 24 hours)",
        "Identity disapproved",
        "Identity submitted for review",
    ]
    decided = events[2]
    assert (decided.who, decided.tone, decided.note) == ("Robin Reviewer", "error", "Too dark.")
    assert decided.reason == "Invalid picture: Picture is too blurry"
    assert "sharp photo" in decided.how_to_fix


def test_access_timeline_shows_each_step_with_who_and_why():
    facility = Facility(name="Travis County Jail")
    person = User(first_name="Dana", last_name="Rivera")
    officer = User(first_name="Alex", last_name="Officer")
    access_request = AccessRequest(pk=1, user=person, facility=facility, created_at=T0)
    decisions = [
        AccessDecision(actor=officer, outcome="approved", created_at=T0 + timedelta(hours=2)),
        AccessDecision(
            actor=officer,
            outcome="revoked",
            reason="behavioural",
            note="Shared the account.",
            created_at=T0 + timedelta(days=9),
        ),
    ]
    access_request._prefetched_objects_cache = {"decisions": decisions}

    events = access_timeline(access_request)

    assert [(event.what, event.who) for event in events] == [
        ("Access requested at Travis County Jail", "Dana Rivera"),
        ("Access approved", "Alex Officer"),
        ("Access revoked", "Alex Officer"),
    ]
    assert events[2].reason == "Behavioural (account usage violation)"
    assert events[2].note == "Shared the account."
