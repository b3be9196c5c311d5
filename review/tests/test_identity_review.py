"""Reviewers work the identity queue: compare photos with typed details, decide, confirm."""

import threading
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import IdentityDecision, IdentityStatus, IdentitySubmission, IdType
from accounts.reasons import HOW_TO_FIX, IdentityReason, IdentitySubReason
from accounts.tests.factories import UserFactory
from review import services
from review.models import DocumentView
from review.tests.factories import otp_login, pending_submission
from visitation.errors import DomainError
from visitation.models import OutboundEmail

QUEUE = reverse("review:identity_queue")


def detail(submission):
    return reverse("review:identity_detail", args=[submission.pk])


@pytest.fixture
def console(client, reviewer):
    otp_login(client, reviewer)
    return client


@pytest.fixture
def submission(home_user):
    home_user.date_of_birth = date(1990, 8, 20)
    home_user.save(update_fields=["date_of_birth"])
    return pending_submission(
        user=home_user, id_type=IdType.PASSPORT, id_expiry=date(2031, 5, 4), hours_ago=2
    )


@time_machine.travel("2026-03-02 15:00:00 +0000", tick=False)
def test_queue_lists_pending_submissions_oldest_first_with_time_left(console):
    newer = pending_submission(user=UserFactory(last_name="Newer"), hours_ago=1)
    older = pending_submission(user=UserFactory(last_name="Older"), hours_ago=5)
    decided = pending_submission(user=UserFactory(last_name="Decided"), hours_ago=9)
    decided.status = IdentityStatus.APPROVED
    decided.save()

    page = console.get(QUEUE).text

    assert page.index("Older") < page.index("Newer")
    assert "Decided" not in page
    assert "19\xa0hours left" in page
    assert "23\xa0hours left" in page
    assert "Overdue" not in page.split("</thead>")[1]
    assert reverse("review:identity_detail", args=[newer.pk]) in page
    assert reverse("review:identity_detail", args=[older.pk]) in page


@time_machine.travel("2026-03-02 15:00:00 +0000", tick=False)
def test_overdue_submissions_are_marked_and_can_be_shown_alone(console):
    pending_submission(user=UserFactory(last_name="Late"), hours_ago=26)
    pending_submission(user=UserFactory(last_name="Early"), hours_ago=2)

    everything = console.get(QUEUE).text
    overdue_only = console.get(QUEUE, {"overdue": "1"}).text

    assert 'class="site-row--overdue"' in everything
    assert "by 2\xa0hours" in everything
    assert "Late" in overdue_only
    assert "Early" not in overdue_only


def test_queue_is_paginated_by_25(console):
    for i in range(26):
        pending_submission(user=UserFactory(last_name=f"Person{i:02d}"), hours_ago=30 - i)

    first = console.get(QUEUE).text
    second = console.get(QUEUE, {"page": "2"}).text

    assert "Person00" in first and "Person24" in first and "Person25" not in first
    assert "Person25" in second and "Person00" not in second
    assert "Page 2 of 2" in second
    for number in ("0", "-1", "abc"):
        assert "Person00" in console.get(QUEUE, {"page": number}).text  # the first page
    assert "Person25" in console.get(QUEUE, {"page": "9"}).text  # the last


def test_overdue_filter_is_kept_across_pages(console):
    for i in range(26):
        pending_submission(user=UserFactory(last_name=f"Late{i:02d}"), hours_ago=60 - i)

    page = console.get(QUEUE, {"overdue": "1"}).text

    assert "?overdue=1&amp;page=2" in page


def test_detail_shows_both_photos_side_by_side_and_the_typed_details(console, submission):
    with time_machine.travel(timezone.make_aware(datetime(2026, 8, 19, 12)), tick=False):
        page = console.get(detail(submission)).text

    assert reverse("review:identity_document", args=[submission.pk, "id"]) in page
    assert reverse("review:identity_document", args=[submission.pk, "selfie"]) in page
    assert "Dana Rivera" in page
    assert "(age 35)" in page  # one day before the 36th birthday
    assert "Passport" in page
    assert "May 4, 2031" in page


def test_expired_id_is_flagged(console, home_user):
    submission = pending_submission(user=home_user, id_expiry=timezone.localdate() - timedelta(1))

    assert "Expired</span>" in console.get(detail(submission)).text


def test_disapproving_asks_for_a_reason_and_a_matching_sub_reason(console, submission):
    no_reason = console.post(detail(submission), {"outcome": "disapprove"})
    wrong_family = console.post(
        detail(submission),
        {
            "outcome": "disapprove",
            "reason": IdentityReason.INVALID_PICTURE,
            "sub_reason": IdentitySubReason.ID_EXPIRED,
        },
    )

    assert "Please choose a reason." in no_reason.text
    assert "Please choose a sub-reason that belongs to the reason" in wrong_family.text
    assert not IdentityDecision.objects.exists()


def test_security_concern_needs_a_note(console, submission):
    page = console.post(
        detail(submission),
        {
            "outcome": "disapprove",
            "reason": IdentityReason.SECURITY_CONCERN,
            "sub_reason": IdentitySubReason.PHOTO_MISMATCH,
            "note": "  ",
            "proceed": "1",
        },
    )

    assert "Please write a note: it is required for a security concern." in page.text
    assert not IdentityDecision.objects.exists()


def test_a_valid_decision_is_shown_for_confirmation_before_anything_is_written(console, submission):
    form = {
        "outcome": "disapprove",
        "reason": IdentityReason.INVALID_ID,
        "sub_reason": IdentitySubReason.ID_NOT_LEGIBLE,
        "note": "The date of birth is cut off.",
    }

    page = console.post(detail(submission), form)

    assert "Check your decision" in page.text
    assert "Invalid ID" in page.text
    assert "ID is not legible or blurry" in page.text
    assert str(HOW_TO_FIX[IdentitySubReason.ID_NOT_LEGIBLE]) in page.text
    assert 'name="proceed"' in page.text and "Proceed" in page.text
    assert 'type="hidden" name="sub_reason" value="id_not_legible"' in page.text
    assert not IdentityDecision.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_proceed_writes_the_disapproval_and_emails_how_to_fix(
    console, submission, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(
            detail(submission),
            {
                "outcome": "disapprove",
                "reason": IdentityReason.INVALID_ID,
                "sub_reason": IdentitySubReason.ID_NOT_LEGIBLE,
                "note": "The date of birth is cut off.",
                "proceed": "1",
            },
        )

    assert response.url == QUEUE
    decision = IdentityDecision.objects.get()
    assert (decision.reviewer, decision.outcome) == (reviewer, "disapproved")
    assert (decision.reason, decision.sub_reason) == ("invalid_id", "id_not_legible")
    submission.refresh_from_db()
    assert submission.status == IdentityStatus.DISAPPROVED
    assert submission.decided_at is not None
    email = OutboundEmail.objects.get()
    assert email.key == f"identity-decided:{submission.pk}"
    assert [message.to for message in mailoutbox] == [["home@example.com"]]
    body = mailoutbox[0].body
    assert "Invalid ID: ID is not legible or blurry." in body
    assert "The date of birth is cut off." in body
    assert str(HOW_TO_FIX[IdentitySubReason.ID_NOT_LEGIBLE]) in body
    assert "http://testserver/accounts/identity/" in body
    assert 'href="http://testserver/accounts/identity/"' in email.body_html


def test_proceed_writes_the_approval_and_emails_it(
    console, submission, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        console.post(detail(submission), {"outcome": "approve", "proceed": "1"})

    submission.refresh_from_db()
    assert submission.status == IdentityStatus.APPROVED
    assert IdentityDecision.objects.get().reason == ""
    assert mailoutbox[0].subject == "Your identity is approved"
    assert "http://testserver/facilities/" in mailoutbox[0].body


def test_a_decided_submission_shows_its_timeline_and_no_form(console, submission, reviewer):
    services.identity_decide(
        reviewer=reviewer,
        submission=submission,
        approve=False,
        reason=IdentityReason.INVALID_PICTURE,
        sub_reason=IdentitySubReason.PICTURE_BLURRY,
        note="Too dark.",
    )

    page = console.get(detail(submission)).text

    assert "Review my decision" not in page
    assert "Identity submitted for review" in page
    assert "Identity disapproved" in page
    assert "Invalid picture: Picture is too blurry" in page
    assert "Too dark." in page
    again = console.post(detail(submission), {"outcome": "approve", "proceed": "1"}, follow=True)
    assert "This submission has already been decided." in again.text
    assert IdentityDecision.objects.count() == 1


def test_deciding_twice_writes_one_decision_and_one_email(submission, reviewer):
    other = UserFactory(is_reviewer=True)
    services.identity_decide(reviewer=reviewer, submission=submission, approve=True)

    with pytest.raises(DomainError, match="already been decided"):
        services.identity_decide(
            reviewer=other,
            submission=submission,
            approve=False,
            reason=IdentityReason.INVALID_PICTURE,
            sub_reason=IdentitySubReason.PICTURE_BLURRY,
        )

    assert IdentityDecision.objects.get().reviewer == reviewer
    assert OutboundEmail.objects.count() == 1


def test_a_reviewer_cannot_decide_their_own_identity(reviewer):
    own = pending_submission(user=reviewer)

    with pytest.raises(DomainError, match="your own identity"):
        services.identity_decide(reviewer=reviewer, submission=own, approve=True)


def test_only_reviewers_decide(submission, staff_a):
    with pytest.raises(DomainError, match="Only reviewers"):
        services.identity_decide(reviewer=staff_a, submission=submission, approve=True)
    assert not IdentityDecision.objects.exists()


def test_each_photo_view_is_logged_and_served_privately(console, submission, reviewer):
    response = console.get(reverse("review:identity_document", args=[submission.pk, "id"]))
    console.get(reverse("review:identity_document", args=[submission.pk, "selfie"]))
    console.get(reverse("review:identity_document", args=[submission.pk, "id"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    views = list(
        DocumentView.objects.order_by("pk").values_list("viewer", "submission", "document")
    )
    assert views == [
        (reviewer.pk, submission.pk, "id"),
        (reviewer.pk, submission.pk, "selfie"),
        (reviewer.pk, submission.pk, "id"),
    ]


def test_a_missing_photo_is_not_found_and_not_logged(console, home_user):
    submission = pending_submission(user=home_user, selfie_image="")

    response = console.get(reverse("review:identity_document", args=[submission.pk, "selfie"]))

    assert response.status_code == 404
    assert not DocumentView.objects.exists()


def test_operators_see_the_photo_view_log_in_the_admin(client, console, submission, reviewer):
    console.get(reverse("review:identity_document", args=[submission.pk, "id"]))
    operator = UserFactory(is_staff=True, is_superuser=True)
    otp_login(client, operator)

    page = client.get(reverse("admin:review_documentview_changelist"))

    assert page.status_code == 200
    assert "reviewer@example.com" in page.text
    assert "home@example.com" in page.text
    assert "ID photo" in page.text
    view = DocumentView.objects.get()
    assert (
        client.post(reverse("admin:review_documentview_delete", args=[view.pk])).status_code == 403
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_at_once_write_one_decision(home_user, reviewer):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers")
    submission = pending_submission(user=home_user)
    other = UserFactory(is_reviewer=True)
    start = threading.Barrier(2)
    outcomes = []

    def decide(who, approve):
        try:
            start.wait()
            services.identity_decide(
                reviewer=who,
                submission=IdentitySubmission.objects.get(pk=submission.pk),
                approve=approve,
                reason="" if approve else IdentityReason.INVALID_PICTURE,
                sub_reason="" if approve else IdentitySubReason.PICTURE_BLURRY,
            )
            outcomes.append("decided")
        except DomainError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(reviewer, True)),
        threading.Thread(target=decide, args=(other, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["decided", "refused"]
    assert IdentityDecision.objects.count() == 1
    assert OutboundEmail.objects.count() == 1
