"""The 24-hour rule: overdue reviews are marked, the deciders and the home user told once."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import IdentityStatus
from accounts.tests.factories import PendingSubmissionFactory, UserFactory
from facilities.models import AccessStatus
from facilities.tests.factories import AccessRequestFactory
from review import services
from review.services import review_deadlines_enforce
from review.tasks import enforce_review_deadlines
from visitation.models import OutboundEmail

SUBMITTED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def submission(home_user):
    with time_machine.travel(SUBMITTED, tick=False):
        return PendingSubmissionFactory(user=home_user, submitted_at=timezone.now())


@pytest.fixture
def access_request(other_home_user, facility_a):
    with time_machine.travel(SUBMITTED, tick=False):
        return AccessRequestFactory(
            user=other_home_user, facility=facility_a, due_at=SUBMITTED + timedelta(hours=24)
        )


def keys():
    return sorted(OutboundEmail.objects.values_list("key", flat=True))


def test_one_second_before_24_hours_nothing_is_overdue(submission, access_request, reviewer):
    summary = review_deadlines_enforce(now=SUBMITTED + timedelta(hours=23, minutes=59, seconds=59))

    submission.refresh_from_db()
    access_request.refresh_from_db()
    assert (submission.overdue_at, access_request.overdue_at) == (None, None)
    assert (summary.identity_overdue, summary.access_overdue, summary.emails_queued) == (0, 0, 0)
    assert keys() == []


def test_exactly_24_hours_is_still_on_time(submission, reviewer):
    review_deadlines_enforce(now=SUBMITTED + timedelta(hours=24))

    submission.refresh_from_db()
    assert submission.overdue_at is None


def test_one_second_after_24_hours_an_identity_review_is_overdue(submission, reviewer):
    second_reviewer = UserFactory(is_reviewer=True, email="second.reviewer@example.com")
    UserFactory(is_reviewer=True, is_active=False, email="gone@example.com")
    now = SUBMITTED + timedelta(hours=24, seconds=1)

    summary = review_deadlines_enforce(now=now)

    submission.refresh_from_db()
    assert submission.overdue_at == now
    assert submission.status == IdentityStatus.PENDING
    assert summary.identity_overdue == 1
    recipients = sorted(OutboundEmail.objects.values_list("to_email", flat=True))
    assert recipients == ["home@example.com", "reviewer@example.com", "second.reviewer@example.com"]
    assert keys() == [
        f"identity-overdue:{submission.pk}:home-user",
        f"identity-overdue:{submission.pk}:reviewer:{reviewer.pk}",
        f"identity-overdue:{submission.pk}:reviewer:{second_reviewer.pk}",
    ]
    to_home = OutboundEmail.objects.get(to_email="home@example.com")
    assert to_home.subject == "Your identity review is taking longer than usual"
    to_reviewer = OutboundEmail.objects.get(to_email="reviewer@example.com")
    assert f"http://testserver/console/identity/{submission.pk}/" in to_reviewer.body_text
    assert "Rivera" not in to_reviewer.body_text


def test_one_second_after_24_hours_an_access_request_is_overdue_and_its_staff_told(
    access_request, staff_a, admin_a, staff_b
):
    now = SUBMITTED + timedelta(hours=24, seconds=1)

    summary = review_deadlines_enforce(now=now)

    access_request.refresh_from_db()
    assert access_request.overdue_at == now
    assert access_request.status == AccessStatus.PENDING
    assert summary.access_overdue == 1
    recipients = sorted(OutboundEmail.objects.values_list("to_email", flat=True))
    assert recipients == ["admin.a@example.com", "officer.a@example.com", "other@example.com"]
    to_staff = OutboundEmail.objects.get(to_email="officer.a@example.com")
    assert "Travis County Jail" in to_staff.subject
    assert f"http://testserver/console/access/{access_request.pk}/" in to_staff.body_text
    to_user = OutboundEmail.objects.get(to_email="other@example.com")
    assert to_user.subject == "Travis County Jail is taking longer to answer your request"


def test_running_twice_emails_once(
    submission, access_request, reviewer, staff_a, mailoutbox, django_capture_on_commit_callbacks
):
    late = SUBMITTED + timedelta(hours=24, seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        first = review_deadlines_enforce(now=late)
    with django_capture_on_commit_callbacks(execute=True):
        second = review_deadlines_enforce(now=late + timedelta(minutes=5))

    assert (first.identity_overdue, first.access_overdue, first.emails_queued) == (1, 1, 4)
    assert (second.identity_overdue, second.access_overdue, second.emails_queued) == (0, 0, 0)
    assert len(mailoutbox) == 4
    submission.refresh_from_db()
    assert submission.overdue_at == late


def test_a_sweep_that_loses_the_race_does_nothing(submission, reviewer, monkeypatch):
    """Two sweeps at once: the other one claims the row between our read and our claim."""
    late = SUBMITTED + timedelta(hours=25)
    real_ids = services._overdue_ids
    raced = {}

    def ids_then_a_rival_sweep(model, now, status):
        ids = real_ids(model, now, status)
        if ids and "rival" not in raced:
            raced["rival"] = None
            raced["rival"] = review_deadlines_enforce(now=now)
        return ids

    monkeypatch.setattr(services, "_overdue_ids", ids_then_a_rival_sweep)

    ours = review_deadlines_enforce(now=late)

    assert raced["rival"].identity_overdue == 1
    assert ours.identity_overdue == 0
    assert ours.emails_queued == 0
    assert OutboundEmail.objects.count() == 2


def test_decided_and_withdrawn_items_are_never_overdue(home_user, facility_a, reviewer, staff_a):
    with time_machine.travel(SUBMITTED, tick=False):
        PendingSubmissionFactory(
            user=home_user, submitted_at=timezone.now(), status=IdentityStatus.APPROVED
        )
        AccessRequestFactory(
            facility=facility_a, due_at=SUBMITTED + timedelta(hours=24), status="withdrawn"
        )

    summary = review_deadlines_enforce(now=SUBMITTED + timedelta(days=3))

    assert (summary.identity_overdue, summary.access_overdue) == (0, 0)
    assert keys() == []


def test_overdue_items_are_marked_in_the_history(submission, reviewer, client):
    from review.tests.factories import otp_login

    review_deadlines_enforce(now=SUBMITTED + timedelta(hours=25))
    otp_login(client, reviewer)

    page = client.get(f"/console/identity/{submission.pk}/").text

    assert "Review overdue (more than 24 hours)" in page


def test_the_command_prints_a_summary(submission, access_request, reviewer, staff_a, capsys):
    with time_machine.travel(SUBMITTED + timedelta(hours=30), tick=False):
        call_command("enforce_review_deadlines")
        call_command("enforce_review_deadlines")

    out = capsys.readouterr().out.splitlines()
    assert out == [
        "1 identity review(s) and 1 access request(s) newly overdue; 4 email(s) queued.",
        "0 identity review(s) and 0 access request(s) newly overdue; 0 email(s) queued.",
    ]


def test_the_celery_task_runs_the_sweep(submission, reviewer):
    with time_machine.travel(SUBMITTED + timedelta(hours=30), tick=False):
        enforce_review_deadlines.delay()

    submission.refresh_from_db()
    assert submission.overdue_at is not None


def test_celery_beat_runs_the_sweep_every_5_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["review-deadlines"]

    assert entry == {"task": "review.tasks.enforce_review_deadlines", "schedule": 300.0}
    assert enforce_review_deadlines.name == entry["task"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_do_the_work_once(home_user, reviewer):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers")
    submissions = [
        PendingSubmissionFactory(
            user=UserFactory(), submitted_at=SUBMITTED, due_at=SUBMITTED + timedelta(hours=24)
        )
        for _ in range(20)
    ]
    start = threading.Barrier(2)
    results = []

    def sweep():
        try:
            start.wait()
            results.append(review_deadlines_enforce(now=SUBMITTED + timedelta(hours=25)))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(result.identity_overdue for result in results) == len(submissions)
    assert OutboundEmail.objects.count() == 2 * len(submissions)
