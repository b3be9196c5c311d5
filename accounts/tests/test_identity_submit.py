from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import IdentityStatus, IdentitySubmission
from accounts.tests.factories import IdentitySubmissionFactory, PendingSubmissionFactory
from accounts.tests.pages import text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, home_user):
    home_user.time_zone = "America/Chicago"
    home_user.save(update_fields=["time_zone"])
    client.force_login(home_user)
    return client


def submit(client):
    return client.post(reverse("accounts:identity_submit"), follow=True)


def test_submitting_puts_the_identity_in_pending_review_due_24_hours_later(signed_in, home_user):
    draft = IdentitySubmissionFactory(user=home_user)
    with time_machine.travel(datetime(2026, 3, 10, 15, 0, tzinfo=UTC), tick=False):
        response = submit(signed_in)
    draft.refresh_from_db()
    assert draft.status == IdentityStatus.PENDING
    assert draft.submitted_at == datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    assert draft.due_at == datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
    page = text_of(response)
    assert "Submitted. We will review your identity within 24 hours." in page
    assert "Status: Pending review" in page
    assert "Submitted March 10, 2026, 10 a.m. (CDT)" in page
    assert "Decision due by March 11, 2026, 10 a.m. (CDT)" in page
    assert "Times are in your time zone, Central Time." in page


def test_an_unconfirmed_email_cannot_submit(signed_in, home_user):
    home_user.email_verified_at = None
    home_user.save(update_fields=["email_verified_at"])
    draft = IdentitySubmissionFactory(user=home_user)
    response = submit(signed_in)
    assert "Please confirm your email address before you submit." in text_of(response)
    draft.refresh_from_db()
    assert draft.status == IdentityStatus.DRAFT
    assert draft.submitted_at is None


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("id_image", "Please upload a photo of your ID before you submit."),
        ("selfie_image", "Please upload a photo of yourself before you submit."),
    ],
)
def test_both_photos_are_needed(signed_in, home_user, missing, message):
    draft = IdentitySubmissionFactory(user=home_user, **{missing: None})
    response = submit(signed_in)
    assert message in text_of(response)
    draft.refresh_from_db()
    assert draft.status == IdentityStatus.DRAFT


def test_the_submit_button_appears_only_with_both_photos(signed_in, home_user):
    draft = IdentitySubmissionFactory(user=home_user, selfie_image=None)
    action = f'action="{reverse("accounts:identity_submit")}"'
    assert action not in signed_in.get(reverse("accounts:home")).content.decode()
    IdentitySubmission.objects.filter(pk=draft.pk).update(selfie_image="identity/me.jpg")
    assert action in signed_in.get(reverse("accounts:home")).content.decode()


def test_nothing_to_submit_without_a_draft(signed_in):
    response = submit(signed_in)
    assert "There is nothing to submit. Please upload your ID and a selfie." in text_of(response)
    assert not IdentitySubmission.objects.exists()


def test_an_id_that_expired_since_it_was_saved_cannot_be_submitted(signed_in, home_user):
    draft = IdentitySubmissionFactory(
        user=home_user, id_expiry=timezone.localdate() - timedelta(days=2)
    )
    response = submit(signed_in)
    assert "Your ID has expired. Please upload an ID that has not expired." in text_of(response)
    draft.refresh_from_db()
    assert draft.status == IdentityStatus.DRAFT


def test_a_pending_review_is_not_submitted_again(signed_in, home_user):
    pending = PendingSubmissionFactory(user=home_user)
    submitted_at = pending.submitted_at
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        submit(signed_in)
    pending.refresh_from_db()
    assert pending.submitted_at == submitted_at
    assert IdentitySubmission.objects.count() == 1


def test_submit_is_a_post(signed_in, home_user):
    IdentitySubmissionFactory(user=home_user)
    assert signed_in.get(reverse("accounts:identity_submit")).status_code == 405
    assert IdentitySubmission.objects.get().status == IdentityStatus.DRAFT


def test_anonymous_is_sent_to_sign_in(client):
    response = client.post(reverse("accounts:identity_submit"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
