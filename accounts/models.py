from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from visitation.storage import private_storage

from .reasons import HOW_TO_FIX, IdentityReason, IdentitySubReason
from .states import USState


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def _create_user(self, email, password, **extra):
        email = self.normalize_email(email)
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: home users, reviewers, facility staff and operators.

    The email is the login and is unique whatever its case. `is_staff` keeps Django's
    meaning (operators, who use the Django admin); reviewers and facility staff are roles
    of their own.
    """

    email = models.EmailField(_("email"), unique=True)
    first_name = models.CharField(_("legal first name"), max_length=100)
    last_name = models.CharField(_("legal last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=2, choices=USState.choices, blank=True)
    zip_code = models.CharField(_("ZIP code"), max_length=10, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    time_zone = models.CharField(_("time zone"), max_length=64, default="America/New_York")
    email_verified_at = models.DateTimeField(null=True, blank=True)
    # The rate limit on verification links: see rules.verify_email_next_at.
    verify_email_sent_at = models.DateTimeField(null=True, blank=True)
    verify_email_day_started_at = models.DateTimeField(null=True, blank=True)
    verify_email_day_count = models.PositiveSmallIntegerField(default=0)
    is_reviewer = models.BooleanField(
        default=False, help_text=_("Reviews identity submissions for every facility.")
    )
    is_staff = models.BooleanField(
        default=False, help_text=_("Operator: may use the Django admin.")
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the person closed the account: their personal data was removed."),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.first_name


class IdType(models.TextChoices):
    DRIVERS_LICENSE = "drivers_license", _("Driver's license")
    STATE_ID = "state_id", _("State ID card")
    PASSPORT = "passport", _("Passport")
    OTHER = "other", _("Other government photo ID")


class IdentityStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending review")
    APPROVED = "approved", _("Approved")
    DISAPPROVED = "disapproved", _("Disapproved")


class IdentitySubmission(models.Model):
    """One submission of an ID photo and a selfie. Never overwritten: a resubmission after a
    disapproval is a new row, so the whole history stays."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="identity_submissions")
    status = models.CharField(
        max_length=12, choices=IdentityStatus.choices, default=IdentityStatus.DRAFT
    )
    id_type = models.CharField(_("type of ID"), max_length=20, choices=IdType.choices, blank=True)
    id_expiry = models.DateField(_("ID expiry date"), null=True, blank=True)
    id_image = models.FileField(storage=private_storage, upload_to="identity/", blank=True)
    selfie_image = models.FileField(storage=private_storage, upload_to="identity/", blank=True)
    documents_purged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status__in=["draft", "pending"]),
                name="one_open_identity_submission_per_user",
            ),
        ]

    def __str__(self):
        return f"Identity submission {self.pk} ({self.status})"


class IdentityDecision(models.Model):
    """A reviewer's decision on a submission. Written once, never edited."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        DISAPPROVED = "disapproved", _("Disapproved")

    submission = models.OneToOneField(
        IdentitySubmission, on_delete=models.CASCADE, related_name="decision"
    )
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    reason = models.CharField(max_length=30, choices=IdentityReason.choices, blank=True)
    sub_reason = models.CharField(max_length=30, choices=IdentitySubReason.choices, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.outcome} by {self.reviewer_id} on {self.submission_id}"

    @property
    def how_to_fix(self):
        return HOW_TO_FIX.get(self.sub_reason, "")


class SignupRecord(models.Model):
    """An account made from a network address, for the limit on new accounts per address
    (accounts.services.user_signup). The address is kept only as a keyed hash, and records
    older than a day are deleted as new ones are written."""

    address_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["address_key", "created_at"])]

    def __str__(self):
        return f"signup at {self.created_at:%Y-%m-%d %H:%M}"
