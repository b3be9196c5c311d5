from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.states import USState


class VisitKinds(models.TextChoices):
    ONSITE = "onsite", _("On-site only")
    REMOTE = "remote", _("Remote only")
    BOTH = "both", _("On-site and remote")


class Facility(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    state = models.CharField(max_length=2, choices=USState.choices, db_index=True)
    street_address = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    zip_code = models.CharField(max_length=10)
    time_zone = models.CharField(max_length=64, help_text="IANA time zone, e.g. America/Chicago")
    visit_kinds = models.CharField(
        max_length=8, choices=VisitKinds.choices, default=VisitKinds.BOTH
    )
    phone = models.CharField(max_length=30, blank=True)
    visiting_rules_url = models.URLField(
        blank=True, help_text="The facility's page of visiting rules, shown to families."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["state", "name"]
        verbose_name_plural = "facilities"

    def __str__(self):
        return self.name

    @property
    def offers_onsite(self):
        return self.visit_kinds in (VisitKinds.ONSITE, VisitKinds.BOTH)

    @property
    def offers_remote(self):
        return self.visit_kinds in (VisitKinds.REMOTE, VisitKinds.BOTH)


class TermsVersion(models.Model):
    """A version of a facility's terms and conditions. The current one is the latest whose
    effective date has come."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="terms_versions")
    version = models.CharField(max_length=20)
    text = models.TextField()
    effective_from = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facility", "-effective_from", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "version"], name="terms_version_unique"),
        ]

    def __str__(self):
        return f"{self.facility} terms v{self.version}"


class HousingUnit(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="housing_units")
    name = models.CharField(max_length=100)
    code = models.CharField(max_length=20, help_text="The unit's code in the roster export.")
    # Where a person is held can say their health or custody level (a unit called Medical),
    # so families see a unit's name only where the facility says they may.
    shown_to_families = models.BooleanField(
        default=False,
        help_text="Families looking for a person to visit see this unit's name.",
    )

    class Meta:
        ordering = ["facility", "name"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "code"], name="housing_unit_code_unique"),
        ]

    def __str__(self):
        return f"{self.name} ({self.facility})"


class Terminal(models.Model):
    class Side(models.TextChoices):
        LOBBY = "lobby", _("Lobby (visitor side)")
        INMATE = "inmate", _("Incarcerated side")

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="terminals")
    name = models.CharField(max_length=100)
    side = models.CharField(max_length=8, choices=Side.choices)
    housing_unit = models.ForeignKey(
        HousingUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="terminals",
        help_text="For an incarcerated-side terminal: the unit it stands in.",
    )
    in_service = models.BooleanField(default=True)

    class Meta:
        ordering = ["facility", "side", "name"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "name"], name="terminal_name_unique"),
            models.CheckConstraint(
                condition=(
                    Q(side="inmate", housing_unit__isnull=False)
                    | Q(side="lobby", housing_unit__isnull=True)
                ),
                name="terminal_side_matches_unit",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_side_display()})"


class Inmate(models.Model):
    """An incarcerated person on a facility's roster. Never signs in."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RELEASED = "released", _("Released")
        TRANSFERRED = "transferred", _("Transferred")

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="inmates")
    id_number = models.CharField(
        max_length=40, help_text="The facility's ID number for the person."
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    housing_unit = models.ForeignKey(HousingUnit, on_delete=models.PROTECT, related_name="inmates")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    checkin_pin = models.CharField(
        max_length=128,
        blank=True,
        help_text="The person's 4-digit check-in PIN for video visits, kept only as a hash.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["facility", "last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "id_number"], name="inmate_id_number_unique"
            ),
        ]
        indexes = [models.Index(fields=["facility", "last_name"], name="inmate_name_idx")]

    def __str__(self):
        return f"{self.last_name}, {self.first_name} ({self.id_number})"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


class StaffMembership(models.Model):
    """A user is staff of a facility with a role. Home users have none."""

    class Role(models.TextChoices):
        OFFICER = "officer", _("Officer")
        ADMINISTRATOR = "administrator", _("Facility administrator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_memberships"
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="staff_memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.OFFICER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "facility"], name="staff_membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} - {self.get_role_display()} at {self.facility}"


class AccessReason(models.TextChoices):
    """Why facility access was denied or revoked (DOMAIN.md section 2): the identity families
    plus behavioural and facility policy."""

    INVALID_PICTURE = "invalid_picture", _("Invalid picture")
    INVALID_ID = "invalid_id", _("Invalid ID")
    POLICY_VIOLATION = "policy_violation", _("Policy violation")
    SECURITY_CONCERN = "security_concern", _("Security concern")
    BEHAVIOURAL = "behavioural", _("Behavioural (account usage violation)")
    FACILITY_POLICY = "facility_policy", _("Facility policy (for example, a restricted visitor)")


class AccessStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    REVOKED = "revoked", _("Revoked")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_ACCESS_STATUSES = [AccessStatus.PENDING, AccessStatus.APPROVED]


class Relationship(models.TextChoices):
    """Who the home user is to the person they want to visit, for staff to check against
    no-contact orders."""

    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")
    SPOUSE = "spouse", _("Spouse or partner")
    SIBLING = "sibling", _("Sibling")
    OTHER_FAMILY = "other_family", _("Other family")
    FRIEND = "friend", _("Friend")
    CLERGY = "clergy", _("Clergy")
    ATTORNEY = "attorney", _("Attorney")
    OTHER = "other", _("Other")


class AccessRequest(models.Model):
    """A home user's request to visit a facility: whom they want to visit there and who they
    are to them. Asking again after a denial is a new row.

    A request made while the home user's identity is still under review has no `due_at`:
    the facility's staff do not see it, and its 24 hours start, when the identity is
    approved (facilities.services.access_requests_start_review)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_requests"
    )
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="access_requests")
    status = models.CharField(
        max_length=10, choices=AccessStatus.choices, default=AccessStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    inmate = models.ForeignKey(
        Inmate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The person the home user asked to visit (empty on requests made before "
        "the question was asked).",
    )
    relationship = models.CharField(max_length=16, choices=Relationship.choices, blank=True)
    due_at = models.DateTimeField(db_index=True, null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "facility"],
                condition=Q(status__in=["pending", "approved"]),
                name="one_open_access_request",
            ),
        ]

    def __str__(self):
        return f"{self.user} at {self.facility}: {self.status}"

    @property
    def is_late(self):
        """Still pending after its deadline."""
        return (
            self.status == AccessStatus.PENDING
            and self.due_at is not None
            and self.due_at < timezone.now()
        )

    @property
    def waits_for_identity(self):
        """Pending, and the facility does not see it yet: the identity is under review."""
        return self.status == AccessStatus.PENDING and self.due_at is None

    @property
    def last_decision(self):
        """The latest step of the trail (uses the prefetched decisions when there are)."""
        decisions = list(self.decisions.all())
        return decisions[-1] if decisions else None


class AccessDecision(models.Model):
    """One step in an access request's trail (approved, denied, revoked, withdrawn).

    Written once, never edited.
    """

    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="decisions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=AccessStatus.choices)
    reason = models.CharField(max_length=20, choices=AccessReason.choices, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.outcome} on {self.request_id}"

    @property
    def explanation(self):
        from .reasons import explanation

        return explanation(self.reason)

    @property
    def next_step(self):
        from .reasons import next_step

        return next_step(self.reason)

    @property
    def ask_again_helps(self):
        from .reasons import ask_again_helps

        return ask_again_helps(self.reason)
