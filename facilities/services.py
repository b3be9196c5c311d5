from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import identity_is_approved, identity_submitted
from visitation import emails
from visitation.errors import DomainError

from .models import (
    AccessDecision,
    AccessReason,
    AccessRequest,
    AccessStatus,
    Facility,
    Inmate,
    Relationship,
    StaffMembership,
    Terminal,
)
from .selectors import require_staff

REVIEW_WITHIN = timedelta(hours=24)


@transaction.atomic
def access_request_create(
    *, user: User, facility: Facility, inmate: Inmate, relationship: str
) -> AccessRequest:
    """Ask to visit a person at a facility, saying who they are to you. One may ask while
    the identity review is pending: the facility sees the request, and its 24 hours start,
    once the identity is approved (access_requests_start_review). One open request per
    user and facility. Asking again after a denial, revocation or withdrawal is a new row."""
    if not identity_submitted(user=user):
        raise DomainError(
            _(
                "Submit your ID and photo for review first. You can ask to visit a facility "
                "while the review is pending."
            )
        )
    if not facility.is_active:
        raise DomainError(_("This facility does not take visit requests at the moment."))
    if inmate.facility_id != facility.pk or inmate.status != Inmate.Status.ACTIVE:
        raise DomainError(_("Choose a person held at this facility."), field="person")
    if relationship not in Relationship.values:
        raise DomainError(_("Choose who you are to this person."), field="relationship")
    now = timezone.now()
    try:
        with transaction.atomic():
            return AccessRequest.objects.create(
                user=user,
                facility=facility,
                inmate=inmate,
                relationship=relationship,
                due_at=now + REVIEW_WITHIN if identity_is_approved(user=user) else None,
            )
    except IntegrityError:
        open_request = AccessRequest.objects.filter(
            user=user, facility=facility, status__in=[AccessStatus.PENDING, AccessStatus.APPROVED]
        ).first()
        if open_request and open_request.status == AccessStatus.APPROVED:
            message = _("You already have access to %(facility)s.")
        else:
            message = _(
                "You already asked to visit %(facility)s. The facility has not decided yet."
            )
        raise DomainError(message % {"facility": facility.name}) from None


def access_requests_start_review(*, user: User, now: datetime) -> list[str]:
    """The home user's identity was just approved: their requests made meanwhile reach the
    facilities, each with 24 hours from now. Returns those facilities' names. Runs inside
    the caller's transaction (the identity decision)."""
    waiting = AccessRequest.objects.filter(
        user=user, status=AccessStatus.PENDING, due_at__isnull=True
    )
    names = list(waiting.order_by("facility__name").values_list("facility__name", flat=True))
    waiting.update(due_at=now + REVIEW_WITHIN)
    return names


def _locked(access_request_id: int, **filters) -> AccessRequest | None:
    return (
        AccessRequest.objects.select_for_update()
        .select_related("user", "facility")
        .filter(pk=access_request_id, **filters)
        .first()
    )


def _close(access_request: AccessRequest, *, status: str, actor: User, reason="", note=""):
    now = timezone.now()
    access_request.status = status
    access_request.decided_at = now
    access_request.save(update_fields=["status", "decided_at"])
    return AccessDecision.objects.create(
        request=access_request, actor=actor, outcome=status, reason=reason, note=note.strip()
    )


@transaction.atomic
def access_request_withdraw(*, user: User, access_request_id: int) -> AccessRequest:
    """The home user takes back a request the facility has not decided yet."""
    access_request = _locked(access_request_id, user=user)
    if access_request is None:
        raise DomainError(_("This request was not found."))
    if access_request.status != AccessStatus.PENDING:
        raise DomainError(_("Only a request the facility has not decided yet can be withdrawn."))
    _close(access_request, status=AccessStatus.WITHDRAWN, actor=user)
    return access_request


def _sync(stale: AccessRequest, fresh: AccessRequest) -> None:
    """Let the caller's copy show the outcome too."""
    stale.status, stale.decided_at = fresh.status, fresh.decided_at


def _check_reason(reason: str) -> None:
    if reason not in AccessReason.values:
        raise DomainError(_("Please choose a reason."), field="reason")


@transaction.atomic
def access_request_decide(
    *,
    actor: User,
    access_request: AccessRequest,
    approve: bool,
    reason: str = "",
    note: str = "",
) -> AccessRequest:
    """Facility staff approve or deny a pending request. The user is emailed either way.

    The row is locked first, so when two staff decide at once one decision is recorded and
    the other is told it was already decided.
    """
    require_staff(actor, access_request.facility_id)
    if not approve:
        _check_reason(reason)
    locked = _locked(access_request.pk)
    if locked is None or locked.status != AccessStatus.PENDING:
        raise DomainError(_("This request has already been decided."))
    if locked.due_at is None:
        raise DomainError(_("This person's identity has not been approved yet."))
    if approve:
        decision = _close(locked, status=AccessStatus.APPROVED, actor=actor, note=note)
        emails.send_access_approved(
            access_request=locked, decision=decision, key=f"access-decided:{locked.pk}"
        )
    else:
        decision = _close(locked, status=AccessStatus.DENIED, actor=actor, reason=reason, note=note)
        emails.send_access_denied(
            access_request=locked, decision=decision, key=f"access-decided:{locked.pk}"
        )
    _sync(access_request, locked)
    return locked


@transaction.atomic
def access_request_revoke(
    *, actor: User, access_request: AccessRequest, reason: str, note: str = ""
) -> AccessRequest:
    """Facility staff take back an approval, with a reason. The user is emailed."""
    require_staff(actor, access_request.facility_id)
    _check_reason(reason)
    locked = _locked(access_request.pk)
    if locked is None or locked.status != AccessStatus.APPROVED:
        raise DomainError(_("Only an approved request can be revoked."))
    decision = _close(locked, status=AccessStatus.REVOKED, actor=actor, reason=reason, note=note)
    emails.send_access_revoked(
        access_request=locked, decision=decision, key=f"access-revoked:{locked.pk}"
    )
    _sync(access_request, locked)
    return locked


@transaction.atomic
def terminal_service_set(*, actor: User, terminal: Terminal, in_service: bool) -> Terminal:
    """A facility administrator takes a terminal out of service (no visit is offered on it
    from then on) or puts it back. Visits already on it are kept: the console lists them
    for staff to move or cancel."""
    require_staff(actor, terminal.facility_id, administrator=True)
    Terminal.objects.filter(pk=terminal.pk).update(in_service=in_service)
    terminal.in_service = in_service
    return terminal


@dataclass
class StaffInvitation:
    """What staff_account_invite did, for the operator."""

    user: User
    created: bool
    # (membership, what happened: "added", "role changed from ...", "unchanged")
    memberships: list[tuple[StaffMembership, str]] = field(default_factory=list)
    reviewer: str = ""  # "added", "unchanged" or "" when not asked
    invitation: object = None  # the queued OutboundEmail, if a link was sent


def _is_home_user(user: User) -> bool:
    return (
        user.identity_submissions.exists() or user.access_requests.exists() or user.visits.exists()
    )


def _set_password_url(user: User) -> str:
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.SITE_URL + path


@transaction.atomic
def staff_account_invite(
    *,
    email: str,
    facilities: list[Facility],
    role: str | None,
    reviewer: bool,
    first_name: str = "",
    last_name: str = "",
) -> StaffInvitation:
    """An operator makes a facility staff or reviewer account, or gives an existing one more.

    A new account has no usable password (never a default one): its owner is emailed a
    one-time link to choose it, Django's password reset token on the reset page. An
    account still without a password gets a fresh link; one with a password is only told
    nothing new. Home users' accounts are refused: staff work from their own account.
    """
    email = User.objects.normalize_email(email.strip())
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(_("%(email)s is not an email address.") % {"email": email}) from None
    if facilities and role not in StaffMembership.Role.values:
        raise DomainError(_("Choose a role: officer or administrator."))
    if not facilities and not reviewer:
        raise DomainError(_("Give at least one facility with a role, or make a reviewer."))
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(
            email=email,
            password=None,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            time_zone=facilities[0].time_zone if facilities else "America/New_York",
            # The operator vouches for the address, and the account cannot be used before
            # its owner opens the link sent to it.
            email_verified_at=timezone.now(),
        )
    elif not user.is_active:
        raise DomainError(_("The account %(email)s is closed.") % {"email": user.email})
    elif _is_home_user(user):
        raise DomainError(
            _(
                "%(email)s is a home user's account (identity, facility access or visits). "
                "Staff need an account of their own."
            )
            % {"email": user.email}
        )
    result = StaffInvitation(user=user, created=created)
    for facility in facilities:
        membership, added = StaffMembership.objects.get_or_create(
            user=user, facility=facility, defaults={"role": role}
        )
        if added:
            outcome = "added"
        elif membership.role != role:
            outcome = f"role changed from {membership.role}"
            membership.role = role
            membership.save(update_fields=["role"])
        else:
            outcome = "unchanged"
        result.memberships.append((membership, outcome))
    if reviewer:
        result.reviewer = "unchanged" if user.is_reviewer else "added"
        if not user.is_reviewer:
            user.is_reviewer = True
            user.save(update_fields=["is_reviewer"])
    if not user.has_usable_password():
        result.invitation = emails.send_staff_invitation(
            user=user,
            memberships=list(StaffMembership.objects.filter(user=user).select_related("facility")),
            reviewer=user.is_reviewer,
            set_password_url=_set_password_url(user),
            valid_hours=settings.PASSWORD_RESET_TIMEOUT // 3600,
            key=f"staff-invitation:{user.pk}:{timezone.now().timestamp()}",
        )
    return result


def access_requests_close_for_user(*, user: User) -> int:
    """A home user closed their account: their open requests (pending or approved) are
    withdrawn, each with its step in the trail, so no facility keeps them in its queue.
    Returns how many. Runs inside the caller's transaction."""
    now = timezone.now()
    open_requests = list(
        AccessRequest.objects.select_for_update().filter(
            user=user, status__in=[AccessStatus.PENDING, AccessStatus.APPROVED]
        )
    )
    AccessRequest.objects.filter(pk__in=[r.pk for r in open_requests]).update(
        status=AccessStatus.WITHDRAWN, decided_at=now
    )
    AccessDecision.objects.bulk_create(
        AccessDecision(
            request=access_request,
            actor=user,
            outcome=AccessStatus.WITHDRAWN,
            note="The account was closed.",
        )
        for access_request in open_requests
    )
    return len(open_requests)
