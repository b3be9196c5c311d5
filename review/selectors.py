"""Reads for the staff console. Every object a console page shows is reached through one
of the scoped querysets here (or facilities.selectors.access_requests_for_staff), so what
another facility owns is a 404, like what does not exist."""

from datetime import datetime
from functools import reduce
from operator import and_

from django.db.models import (
    BooleanField,
    Case,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from accounts.models import IdentityStatus, IdentitySubmission, User
from facilities.models import AccessDecision, AccessRequest, AccessStatus, StaffMembership
from facilities.selectors import access_requests_for_staff


def with_overdue(queryset: QuerySet, *, now: datetime) -> QuerySet:
    """Mark each row `overdue` once its 24-hour deadline has passed (at 24:00:00 it is
    still on time)."""
    return queryset.annotate(
        overdue=Case(
            When(due_at__lt=now, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def identity_submissions_for_reviewer(*, user: User) -> QuerySet[IdentitySubmission]:
    """Every submitted identity a reviewer may see; nothing for anyone else. Drafts are the
    home user's own business until submitted."""
    if not user.is_authenticated or not user.is_reviewer:
        return IdentitySubmission.objects.none()
    return IdentitySubmission.objects.exclude(status=IdentityStatus.DRAFT).select_related(
        "user", "decision__reviewer"
    )


def identity_queue(
    *, user: User, now: datetime, overdue_only: bool = False
) -> QuerySet[IdentitySubmission]:
    """Pending submissions, oldest first, each marked `overdue` when past its deadline."""
    queue = with_overdue(
        identity_submissions_for_reviewer(user=user).filter(status=IdentityStatus.PENDING),
        now=now,
    ).order_by("submitted_at", "pk")
    if overdue_only:
        queue = queue.filter(due_at__lt=now)
    return queue


def identity_history(*, user: User, person: User) -> list[IdentitySubmission]:
    """A person's submitted identities with their decisions, oldest first (reviewers only)."""
    return list(
        identity_submissions_for_reviewer(user=user)
        .filter(user=person)
        .order_by("submitted_at", "pk")
    )


def access_queue(
    *, user: User, now: datetime, overdue_only: bool = False
) -> QuerySet[AccessRequest]:
    """Pending requests at the staff member's facilities, oldest first, marked `overdue`."""
    queue = with_overdue(
        access_requests_for_staff(user=user).filter(status=AccessStatus.PENDING), now=now
    ).order_by("created_at", "pk")
    if overdue_only:
        queue = queue.filter(due_at__lt=now)
    return queue


def access_requests_with_trail(*, user: User) -> QuerySet[AccessRequest]:
    """The staff member's requests, each with its decisions and who made them."""
    return access_requests_for_staff(user=user).prefetch_related(
        Prefetch("decisions", queryset=AccessDecision.objects.select_related("actor"))
    )


def users_for_console(*, user: User) -> QuerySet[User]:
    """The people a console user may look up: reviewers, anyone; facility staff, the
    people who asked to visit one of their facilities; anyone else, no one."""
    if not user.is_authenticated or not user.is_active:
        return User.objects.none()
    if user.is_reviewer:
        return User.objects.all()
    return User.objects.filter(
        access_requests__facility__staff_memberships__user=user,
        access_requests__due_at__isnull=False,  # identity approved (see access_requests_for_staff)
    ).distinct()


def users_search(*, user: User, query: str) -> QuerySet[User]:
    """People matching every word of `query` in their name or email, by last name, each
    with `identity_status` (their latest submission's status, None before the first)."""
    words = query.split()
    if not words:
        return User.objects.none()
    match = reduce(
        and_,
        (
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
            for word in words
        ),
    )
    latest = IdentitySubmission.objects.filter(user=OuterRef("pk")).order_by("-created_at", "-pk")
    return (
        users_for_console(user=user)
        .filter(match)
        .annotate(identity_status=Subquery(latest.values("status")[:1]))
        .order_by("last_name", "first_name", "pk")
    )


def staff_colleagues_for(*, facility_id: int) -> QuerySet[User]:
    """The active staff of one facility: the people who can decide its requests."""
    return User.objects.filter(
        pk__in=StaffMembership.objects.filter(facility_id=facility_id).values("user_id"),
        is_active=True,
    )


def reviewers_active() -> QuerySet[User]:
    return User.objects.filter(is_reviewer=True, is_active=True)
