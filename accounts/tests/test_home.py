"""The account page: the status of the person's identity review, in every state."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import IdentityDecision, IdentityStatus, IdentitySubmission
from accounts.reasons import IdentityReason, IdentitySubReason
from accounts.tests.factories import (
    IdentityDecisionFactory,
    IdentitySubmissionFactory,
    PendingSubmissionFactory,
    photo_upload,
)
from accounts.tests.pages import text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, home_user):
    client.force_login(home_user)
    return client


def account_page(client) -> str:
    return text_of(client.get(reverse("accounts:home")))


def test_before_any_upload(signed_in):
    response = signed_in.get(reverse("accounts:home"))
    assert "Status: Not started" in text_of(response)
    assert f'href="{reverse("accounts:identity")}"' in response.content.decode()


def test_draft_shows_the_photos_and_the_submit_button(signed_in, home_user):
    draft = IdentitySubmissionFactory(user=home_user, id_type="passport")
    response = signed_in.get(reverse("accounts:home"))
    page = response.content.decode()
    assert "Status: Draft, not yet submitted" in text_of(response)
    assert "Type of ID Passport" in text_of(response)
    assert reverse("accounts:identity_document", args=[draft.pk, "id"]) in page
    assert reverse("accounts:identity_document", args=[draft.pk, "selfie"]) in page
    assert "Submit for review" in page


def test_pending_shows_when_it_was_submitted_and_when_the_decision_is_due(signed_in, home_user):
    PendingSubmissionFactory(user=home_user)
    page = account_page(signed_in)
    assert "Status: Pending review" in page
    assert "Submitted " in page
    assert "Decision due by " in page
    assert "Submit for review" not in page


def test_approved(signed_in, home_user):
    IdentityDecisionFactory(
        submission__user=home_user,
        outcome=IdentityDecision.Outcome.APPROVED,
        reason="",
        sub_reason="",
        note="",
    )
    page = account_page(signed_in)
    assert "Status: Approved" in page
    assert "You can now ask to visit a facility." in page
    assert "Why it was not approved" not in page


def test_disapproved_shows_the_reason_the_note_and_what_to_do(signed_in, home_user):
    IdentityDecisionFactory(
        submission__user=home_user,
        reason=IdentityReason.SECURITY_CONCERN,
        sub_reason=IdentitySubReason.INFO_MISMATCH,
        note="The date of birth on the ID is 1985-06-16.",
    )
    response = signed_in.get(reverse("accounts:home"))
    page = text_of(response)
    assert "Status: Not approved" in page
    assert "Security concern: Information does not match the ID" in page
    assert "Reviewer's note: The date of birth on the ID is 1985-06-16." in page
    assert (
        "What to do: Check that your legal name and date of birth in your account match your "
        "ID exactly, correct them, and submit again."
    ) in page
    assert f'href="{reverse("accounts:identity")}"' in response.content.decode()


def test_resubmitting_after_a_disapproval_keeps_the_first_submission_and_its_decision(
    signed_in, home_user
):
    decision = IdentityDecisionFactory(submission__user=home_user)
    first = decision.submission

    upload_page = text_of(signed_in.get(reverse("accounts:identity")))
    assert "Invalid picture: Picture is too blurry" in upload_page
    assert "What to do: Take a new, sharp photo of your face in good light" in upload_page

    signed_in.post(
        reverse("accounts:identity"),
        {
            "id_type": "state_id",
            "id_expiry": (timezone.localdate() + timedelta(days=300)).isoformat(),
            "id_image": photo_upload("id.jpg"),
            "selfie_image": photo_upload("me.jpg"),
        },
    )
    response = signed_in.post(reverse("accounts:identity_submit"), follow=True)

    second = IdentitySubmission.objects.exclude(pk=first.pk).get(user=home_user)
    assert second.status == IdentityStatus.PENDING
    assert second.id_type == "state_id"
    first.refresh_from_db()
    assert first.status == IdentityStatus.DISAPPROVED
    assert first.decision == decision
    assert first.decision.note == "The photo of you is too dark to compare with the ID."
    assert first.id_image.name != second.id_image.name

    page = text_of(response)
    assert "Status: Pending review" in page
    assert "Earlier submissions" in page
    assert "Disapproved, Picture is too blurry" in page


def test_account_page_queries_do_not_grow_with_history(
    signed_in, home_user, django_assert_num_queries
):
    for _ in range(4):
        IdentityDecisionFactory(submission__user=home_user)
    PendingSubmissionFactory(user=home_user)
    # session, user, submissions with their decisions
    with django_assert_num_queries(3):
        response = signed_in.get(reverse("accounts:home"))
    assert text_of(response).count("Disapproved, Picture is too blurry") == 4


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={reverse('accounts:home')}"
