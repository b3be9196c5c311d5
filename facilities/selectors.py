from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from visitation.errors import DomainError

from .models import (
    AccessDecision,
    AccessRequest,
    AccessStatus,
    Facility,
    Inmate,
    StaffMembership,
    TermsVersion,
)

# Who is staff where: every console page and staff service asks these two, so a facility's
# objects are reached and changed only by its own staff (and, where it says so, only by
# its administrators).


def staff_facilities(*, user: User, administrator: bool = False) -> QuerySet[Facility]:
    """The facilities the user is staff of, or with `administrator` the ones they are an
    administrator of (none for anonymous visitors and home users). Console pages reach a
    facility with get_object_or_404(staff_facilities(...), pk=...)."""
    if not user.is_authenticated:
        return Facility.objects.none()
    if administrator:
        return Facility.objects.filter(
            staff_memberships__user=user,
            staff_memberships__role=StaffMembership.Role.ADMINISTRATOR,
        )
    return Facility.objects.filter(staff_memberships__user=user).distinct()


def require_staff(actor: User, facility: Facility | int, *, administrator: bool = False) -> None:
    """Refuse (DomainError) unless `actor` is staff of the facility (given or its pk), or
    with `administrator` one of its administrators. Every staff service starts with it."""
    facility_id = getattr(facility, "pk", facility)
    role = None
    if actor.is_authenticated:
        role = (
            StaffMembership.objects.filter(user=actor, facility_id=facility_id)
            .values_list("role", flat=True)
            .first()
        )
    if role is None:
        raise DomainError(_("You are not staff of this facility."))
    if administrator and role != StaffMembership.Role.ADMINISTRATOR:
        raise DomainError(
            _(
                "You are not staff of this facility in a role that may do this: ask a "
                "facility administrator."
            )
        )


def is_facility_staff(*, user: User) -> bool:
    return user.is_authenticated and user.staff_memberships.exists()


def access_requests_for_staff(*, user: User) -> QuerySet[AccessRequest]:
    """Every access request a staff member may see: those at their facilities, no others,
    and not those of home users whose identity is still under review (no `due_at` yet):
    staff never decide on an unverified person.

    The one way staff code reaches access requests; fetch single ones with
    get_object_or_404(access_requests_for_staff(user=...), pk=...).
    """
    if not user.is_authenticated:
        return AccessRequest.objects.none()
    return AccessRequest.objects.filter(
        facility__in=Facility.objects.filter(staff_memberships__user=user), due_at__isnull=False
    ).select_related("user", "facility", "inmate")


def access_requests_for_user(*, user: User) -> QuerySet[AccessRequest]:
    """A home user's own requests, newest first, each with its decision trail."""
    return (
        AccessRequest.objects.filter(user=user)
        .select_related("facility")
        .prefetch_related(Prefetch("decisions", queryset=AccessDecision.objects.all()))
    )


def access_is_approved(*, user: User, facility: Facility) -> bool:
    return AccessRequest.objects.filter(
        user=user, facility=facility, status=AccessStatus.APPROVED
    ).exists()


def person_asked_for(*, user: User, facility: Facility) -> Inmate | None:
    """The person named in the user's approved access request at the facility, if still
    held there: booking offers them first."""
    access_request = (
        AccessRequest.objects.filter(
            user=user,
            facility=facility,
            status=AccessStatus.APPROVED,
            inmate__status=Inmate.Status.ACTIVE,
        )
        .select_related("inmate__housing_unit")
        .first()
    )
    return access_request.inmate if access_request else None


def facilities_open() -> QuerySet[Facility]:
    """Facilities home users may ask to visit."""
    return Facility.objects.filter(is_active=True)


def facilities_in_state(*, state: str) -> QuerySet[Facility]:
    return facilities_open().filter(state=state).order_by("name")


def states_with_facilities() -> list[str]:
    """USPS codes of the states that have at least one active facility, in order."""
    return list(facilities_open().order_by("state").values_list("state", flat=True).distinct())


def terms_in_effect(*, facility: Facility, today: date) -> QuerySet[TermsVersion]:
    """The facility's terms in effect on `today` (its local date), the one in force first."""
    return TermsVersion.objects.filter(facility=facility, effective_from__lte=today).order_by(
        "-effective_from", "-pk"
    )


def terms_current(*, facility: Facility, today: date) -> TermsVersion | None:
    """The facility's terms in force on `today` (its local date): the latest in effect."""
    return terms_in_effect(facility=facility, today=today).first()
