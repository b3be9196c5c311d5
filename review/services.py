"""Writes for the staff console: identity decisions, the log of who looked at an ID, the
staff second factor (authenticator app and backup codes), and the 24-hour review sweep.
Facility access decisions are facilities.services."""

import logging
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime, timedelta

import django_otp
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import IdentityDecision, IdentityStatus, IdentitySubmission, User
from facilities.models import AccessRequest, AccessStatus
from visitation import emails
from visitation.errors import DomainError

from . import rules, selectors
from .models import DocumentView

logger = logging.getLogger(__name__)

DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10
BACKUP_CODE_SALT = "review.backup-code"


def backup_code_digest(code: str) -> str:
    """What is kept of a backup code: a keyed hash (HMAC-SHA256 with the site's secret key)
    in 16 base32 characters, so that a copy of the database gives no code away and its
    codes cannot be guessed offline. A new SECRET_KEY makes the codes stop working (staff
    then sign in with their app and make a new set). Migration review 0002 holds a copy."""
    digest = salted_hmac(BACKUP_CODE_SALT, code.strip().lower(), algorithm="sha256").digest()
    return b32encode(digest[:10]).decode().lower()


ENROLMENT_WINDOW = timedelta(minutes=settings.SECOND_FACTOR_ENROLMENT_MINUTES)


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
        emails.send_identity_approved(submission=locked, key=key)
    else:
        emails.send_identity_disapproved(submission=locked, decision=decision, key=key)
    submission.status, submission.decided_at = locked.status, locked.decided_at
    return decision


def document_view_record(
    *, viewer: User, submission: IdentitySubmission, document: str
) -> DocumentView:
    """Log one look at an identity photo."""
    return DocumentView.objects.create(viewer=viewer, submission=submission, document=document)


def second_factor_enrolment_start(*, user: User, session, now: datetime) -> None:
    """A console user just chose their password through a link emailed to them: this
    session may set up an authenticator for the next 30 minutes. Set-ups begun before are
    dropped, since whoever saw their secret may not have owned the mailbox."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    session[selectors.ENROLMENT_SESSION_KEY] = {
        "user": user.pk,
        "until": (now + ENROLMENT_WINDOW).timestamp(),
    }


def second_factor_device_pending(*, user: User) -> TOTPDevice:
    """The authenticator being set up for a console user who has none confirmed yet: the
    same one on every visit until confirmed, so the QR code does not change under them."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@dataclass
class Enrolment:
    device: TOTPDevice
    backup_codes: list[str]


def second_factor_confirm(*, user: User, token: str, session) -> Enrolment:
    """Confirm the pending authenticator with a code it shows, make the first set of backup
    codes and close the session's enrolment window. A wrong code counts toward the
    device's throttling, so the check is committed before the refusal is raised."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        accepted = device is not None and device.verify_token(token)
        if accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            backup_codes = second_factor_backup_codes_new(user=user)
    if not accepted:
        raise DomainError(_("That code did not match. Enter the 6-digit code your app shows now."))
    session.pop(selectors.ENROLMENT_SESSION_KEY, None)
    return Enrolment(device=device, backup_codes=backup_codes)


@transaction.atomic
def second_factor_backup_codes_new(*, user: User) -> list[str]:
    """A new set of single-use backup codes for a console user; every code made before
    stops working. The codes are returned to be shown once."""
    device, _created = StaticDevice.objects.select_for_update().get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    StaticToken.objects.filter(device__user=user).delete()
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=backup_code_digest(code)) for code in codes
    )
    return codes


def second_factor_verify(*, user: User, token: str) -> Device:
    """Check a code against the user's confirmed authenticators, or a backup code against
    their backup codes (a used one is gone); returns the device that accepted it, for
    django_otp.login. Repeated failures are throttled by the device."""
    backup = not (len(token) == 6 and token.isdigit())
    model = StaticDevice if backup else TOTPDevice
    if backup:
        token = backup_code_digest(token)
    for device in model.objects.filter(user=user, confirmed=True).order_by("pk"):
        verified = django_otp.verify_token(user, device.persistent_id, token)
        if verified is not None:
            return verified
    if backup:
        raise DomainError(
            _(
                "That backup code did not work. Each code works once. "
                "After several wrong codes you must wait a little before you try again."
            )
        )
    raise DomainError(
        _(
            "That code did not work. Wait for the next code in your app and enter it. "
            "After several wrong codes you must wait a little before you try again."
        )
    )


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
