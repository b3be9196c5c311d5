from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts import tasks
from accounts.models import IdentityDecision, IdentityStatus, IdentitySubmission
from accounts.tests.factories import (
    IdentityDecisionFactory,
    IdentitySubmissionFactory,
    PendingSubmissionFactory,
    UserFactory,
    stored_path,
)
from accounts.tests.pages import text_of
from visitation.celery import app as celery_app

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def decided(days_ago, outcome=IdentityDecision.Outcome.APPROVED, **fields):
    decision = IdentityDecisionFactory(outcome=outcome, **fields)
    submission = decision.submission
    IdentitySubmission.objects.filter(pk=submission.pk).update(
        decided_at=NOW - timedelta(days=days_ago)
    )
    submission.refresh_from_db()
    return submission


def files_of(submission) -> list[Path]:
    return [stored_path(submission.id_image), stored_path(submission.selfie_image)]


def purge(*args):
    out = StringIO()
    call_command("purge_identity_documents", *args, stdout=out)
    return out.getvalue()


def test_photos_of_decisions_older_than_30_days_are_deleted_and_the_decisions_kept():
    old_approval = decided(31)
    old_refusal = decided(45, outcome=IdentityDecision.Outcome.DISAPPROVED)
    recent = decided(29)
    old_files = files_of(old_approval) + files_of(old_refusal)
    assert all(path.exists() for path in old_files)

    output = purge()

    assert output == (
        "Deleted 4 photo files of 2 identity submissions (decided more than 30 days ago, "
        "or of closed accounts). Their decisions are kept.\n"
    )
    assert not any(path.exists() for path in old_files)
    for submission in (old_approval, old_refusal):
        submission.refresh_from_db()
        assert not submission.id_image and not submission.selfie_image
        assert submission.documents_purged_at == NOW
        assert submission.decision.outcome in ("approved", "disapproved")
    assert old_approval.status == IdentityStatus.APPROVED
    recent.refresh_from_db()
    assert all(path.exists() for path in files_of(recent))
    assert recent.documents_purged_at is None


def test_undecided_submissions_keep_their_photos_unless_the_account_is_closed():
    pending = PendingSubmissionFactory()
    draft = IdentitySubmissionFactory()
    closed = PendingSubmissionFactory(user=UserFactory(is_active=False, closed_at=NOW))
    closed_files = files_of(closed)

    purge()

    assert all(path.exists() for path in files_of(pending) + files_of(draft))
    assert not any(path.exists() for path in closed_files)
    closed.refresh_from_db()
    assert closed.documents_purged_at == NOW


def test_running_it_again_deletes_nothing_more():
    decided(31)
    purge()

    assert purge().startswith("Deleted 0 photo files of 0 identity submissions")


def test_days_can_be_given_and_default_from_the_setting():
    decided(8)
    assert purge().startswith("Deleted 0 photo files")

    assert purge("--days", "7").startswith("Deleted 2 photo files of 1 identity submissions")


def test_dry_run_counts_and_deletes_nothing():
    submission = decided(31)

    output = purge("--dry-run")

    assert output == (
        "Would delete 2 photo files of 1 identity submissions (decided more than 30 days ago, "
        "or of closed accounts).\nDry run: nothing was deleted.\n"
    )
    assert all(path.exists() for path in files_of(submission))
    submission.refresh_from_db()
    assert submission.documents_purged_at is None


def test_a_submission_storage_refuses_to_delete_is_left_and_reported():
    refused, purged = decided(40), decided(35)
    real_delete = type(refused.id_image.storage).delete

    def delete(storage, name):
        if name == refused.id_image.name:
            raise PermissionError("read-only file system")
        return real_delete(storage, name)

    with (
        mock.patch.object(type(refused.id_image.storage), "delete", delete),
        pytest.raises(CommandError) as error,
    ):
        purge()

    assert str(error.value) == (
        f"Storage refused to delete the photos of 1 submissions (ids {refused.pk}); they are "
        "left as they were. See the log, then run again."
    )
    refused.refresh_from_db()
    assert refused.documents_purged_at is None and refused.id_image
    purged.refresh_from_db()
    assert purged.documents_purged_at == NOW


def test_negative_days_are_refused():
    with pytest.raises(CommandError, match="--days must be 0 or more"):
        purge("--days", "-1")


def test_the_daily_task_purges_with_the_setting():
    submission = decided(31)

    result = tasks.identity_documents_purge.delay().get()

    assert result == {"submissions": 1, "files": 2, "failed": 0}
    submission.refresh_from_db()
    assert submission.documents_purged_at == NOW
    entry = settings.CELERY_BEAT_SCHEDULE["identity-documents-purge"]
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == 24 * 60 * 60


def test_help(capsys):
    with pytest.raises(SystemExit):
        call_command("purge_identity_documents", "--help")

    help_text = " ".join(capsys.readouterr().out.split())
    assert "decided more than --days days ago" in help_text
    assert "Safe to run again" in help_text


@pytest.mark.parametrize("outcome", IdentityDecision.Outcome.values)
def test_the_family_sees_their_photos_until_the_purge_then_when_they_were_deleted(client, outcome):
    submission = decided(31, outcome=outcome)
    client.force_login(submission.user)
    before = client.get(reverse("accounts:home"))
    assert 'alt="The photo of your ID"' in before.content.decode()
    assert "were deleted" not in text_of(before)

    purge()
    after = client.get(reverse("accounts:home"))
    assert (
        "Your ID photo and the photo of you were deleted on March 1, 2027, after the "
        "decision, as our privacy rules require." in text_of(after)
    )
    assert "No ID photo yet." not in text_of(after)
    assert "No photo of you yet." not in text_of(after)
    assert 'alt="The photo of your ID"' not in after.content.decode()


def test_the_console_says_when_the_photos_were_deleted(client, reviewer):
    from accounts.tests.factories import otp_login

    submission = decided(31)
    otp_login(client, reviewer)
    page = reverse("review:identity_detail", args=[submission.pk])
    assert "under the retention rule" not in text_of(client.get(page))

    purge()
    text = text_of(client.get(page))
    assert "ID photo deleted on March 1, 2027 under the retention rule." in text
    assert "Photo of the person deleted on March 1, 2027 under the retention rule." in text
