"""Writes for the staff console: identity decisions, the log of who looked at an ID and the
24-hour review sweep. Facility access decisions are facilities.services; the second
factor is accounts.second_factor."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import IdentityDecision, IdentityStatus, IdentitySubmission, User
from facilities.models import AccessRequest, AccessStatus
from facilities.services import access_requests_start_review
from visitation import emails
from visitation.errors import DomainError

from . import rules, selectors
from .models import DocumentView

logger = logging.getLogger(__name__)


@transaction.atomic
def identity_decide(
    *,
    reviewer: User,
    submission: IdentitySubmission,
    approve: bool,
    reason: str = "",
    sub_reason: str = "",
    note: str = "",
) -> IdentityDecision:
    """Approve or disapprove a pending identity submission and email the home user.

    The submission row is locked first, so when two reviewers decide at once one decision
    is written and the other is told it was already decided.
    """
    if not reviewer.is_reviewer:
        raise DomainError(_("Only reviewers can decide on identities."))
    problem = rules.identity_decision_problem(
        approve=approve, reason=reason, sub_reason=sub_reason, note=note
    )
    if problem is not None:
        raise problem
    locked = (
        IdentitySubmission.objects.select_for_update()
        .select_related("user")
        .filter(pk=submission.pk)
        .first()
    )
    if locked is None or locked.status != IdentityStatus.PENDING:
        raise DomainError(_("This submission has already been decided."))
    if locked.user_id == reviewer.pk:
        raise DomainError(_("You cannot review your own identity."))
    now = timezone.now()
    decision = IdentityDecision.objects.create(
        submission=locked,
        reviewer=reviewer,
        outcome=(
            IdentityDecision.Outcome.APPROVED if approve else IdentityDecision.Outcome.DISAPPROVED
        ),
        reason="" if approve else reason,
        sub_reason="" if approve else sub_reason,
        note=note.strip(),
    )
    locked.status = IdentityStatus.APPROVED if approve else IdentityStatus.DISAPPROVED
    locked.decided_at = now
    locked.save(update_fields=["status", "decided_at"])
    key = f"identity-decided:{locked.pk}"
    if approve:
        sent_to = access_requests_start_review(user=locked.user, now=now)
        emails.send_identity_approved(submission=locked, sent_to=sent_to, key=key)
    else:
        emails.send_identity_disapproved(submission=locked, decision=decision, key=key)
    submission.status, submission.decided_at = locked.status, locked.decided_at
    return decision


def document_view_record(
    *, viewer: User, submission: IdentitySubmission, document: str
) -> DocumentView:
    """Log one look at an identity photo."""
    return DocumentView.objects.create(viewer=viewer, submission=submission, document=document)


@dataclass
class SweepSummary:
    identity_overdue: int = 0
    access_overdue: int = 0
    emails_queued: int = 0

    def __str__(self):
        return (
            f"{self.identity_overdue} identity review(s) and {self.access_overdue} access "
            f"request(s) newly overdue; {self.emails_queued} email(s) queued."
        )


SWEEP_BATCH = 200


def _claim(model, pk: int, now: datetime, status: str) -> bool:
    """Mark one row overdue unless another sweep did already: a conditional UPDATE, so of
    two sweeps at once exactly one gets the row."""
    return (
        model.objects.filter(pk=pk, status=status, overdue_at__isnull=True).update(overdue_at=now)
        == 1
    )


def _overdue_ids(model, now: datetime, status: str) -> list[int]:
    return list(
        model.objects.filter(status=status, overdue_at__isnull=True, due_at__lt=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def review_deadlines_enforce(*, now: datetime) -> SweepSummary:
    """The 24-hour rule. Mark every identity review and access request past its deadline
    overdue, tell the people who can decide (reviewers; that facility's staff), and tell the
    home user once that it is taking longer.

    Each item is claimed and its emails recorded in one transaction of its own, so a sweep
    stopped halfway keeps what it did, and two sweeps at once do each item once.
    """
    summary = SweepSummary()
    reviewers = list(selectors.reviewers_active())
    while ids := _overdue_ids(IdentitySubmission, now, IdentityStatus.PENDING):
        for pk in ids:
            with transaction.atomic():
                if not _claim(IdentitySubmission, pk, now, IdentityStatus.PENDING):
                    continue
                submission = IdentitySubmission.objects.select_related("user").get(pk=pk)
                summary.identity_overdue += 1
                for reviewer in reviewers:
                    summary.emails_queued += bool(
                        emails.send_review_overdue_identity(
                            reviewer=reviewer,
                            submission=submission,
                            key=f"identity-overdue:{pk}:reviewer:{reviewer.pk}",
                        )
                    )
                summary.emails_queued += bool(
                    emails.send_review_delayed_identity(
                        submission=submission, key=f"identity-overdue:{pk}:home-user"
                    )
                )
    while ids := _overdue_ids(AccessRequest, now, AccessStatus.PENDING):
        for pk in ids:
            with transaction.atomic():
                if not _claim(AccessRequest, pk, now, AccessStatus.PENDING):
                    continue
                access_request = AccessRequest.objects.select_related("user", "facility").get(pk=pk)
                summary.access_overdue += 1
                for staff in selectors.staff_colleagues_for(facility_id=access_request.facility_id):
                    summary.emails_queued += bool(
                        emails.send_review_overdue_access(
                            staff=staff,
                            access_request=access_request,
                            key=f"access-overdue:{pk}:staff:{staff.pk}",
                        )
                    )
                summary.emails_queued += bool(
                    emails.send_review_delayed_access(
                        access_request=access_request, key=f"access-overdue:{pk}:home-user"
                    )
                )
    if summary.identity_overdue or summary.access_overdue:
        logger.info("review deadlines: %s", summary)
    return summary
