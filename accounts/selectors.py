from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from .models import IdentityStatus, IdentitySubmission, User


def identity_submissions_for(*, user: User) -> QuerySet[IdentitySubmission]:
    return IdentitySubmission.objects.filter(user=user).select_related("decision")


def identity_current(*, user: User) -> IdentitySubmission | None:
    """The user's latest submission (a draft, pending, or decided), or None."""
    return identity_submissions_for(user=user).first()


def identity_last_disapproved(*, user: User) -> IdentitySubmission | None:
    """The latest disapproved submission, whose decision says what to correct."""
    return identity_submissions_for(user=user).filter(status=IdentityStatus.DISAPPROVED).first()


def identity_status_for(*, user: User) -> str:
    """One of IdentityStatus, or "none" before the first upload."""
    current = identity_current(user=user)
    return current.status if current else "none"


def identity_is_approved(*, user: User) -> bool:
    return IdentitySubmission.objects.filter(user=user, status=IdentityStatus.APPROVED).exists()


def identity_submitted(*, user: User) -> bool:
    """Under review or approved: enough to ask for facility access (the facility sees the
    request once the identity is approved)."""
    return IdentitySubmission.objects.filter(
        user=user, status__in=[IdentityStatus.PENDING, IdentityStatus.APPROVED]
    ).exists()


def identity_details_locked(*, user: User) -> bool:
    """True while the legal name and date of birth are under review or approved."""
    return IdentitySubmission.objects.filter(
        user=user, status__in=[IdentityStatus.PENDING, IdentityStatus.APPROVED]
    ).exists()


def identity_documents_due(*, days: int, now: datetime) -> QuerySet[IdentitySubmission]:
    """Submissions whose ID photo and selfie are to be deleted under the retention rule:
    decided more than `days` ago, or of a closed account; not yet purged."""
    return IdentitySubmission.objects.filter(documents_purged_at__isnull=True).filter(
        Q(
            status__in=[IdentityStatus.APPROVED, IdentityStatus.DISAPPROVED],
            decided_at__lte=now - timedelta(days=days),
        )
        | Q(user__closed_at__isnull=False)
    )
