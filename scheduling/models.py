from datetime import time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from facilities.models import Facility, HousingUnit, Inmate, Terminal, TermsVersion

from .reasons import CancelFamily, CancelReason


class VisitKind(models.TextChoices):
    ONSITE = "onsite", _("On-site")
    REMOTE = "remote", _("Remote")


DEFAULT_DURATIONS = [20, 40, 60]
DEFAULT_WINDOWS = [
    (time(9, 0), time(11, 20)),
    (time(12, 20), time(16, 20)),
    (time(17, 20), time(22, 45)),
]
HOLD_FOR = timedelta(minutes=10)
# A visit fits inside one window, and windows lie within one day (25 hours on the day
# clocks go back): no visit is longer. Queries for visits overlapping a period use it as a
# lower bound on starts_at, so they read an index range instead of a terminal's history.
LONGEST_VISIT = timedelta(hours=25)


def default_durations():
    return list(DEFAULT_DURATIONS)


class SchedulingConfig(models.Model):
    """How a facility takes bookings. A facility without a row uses these defaults (see
    `selectors.config_for`); its windows are VisitWindow rows, DEFAULT_WINDOWS until it has
    its own.

    The price cap is set by the operator (Django admin); facility administrators set the
    prices under it.
    """

    facility = models.OneToOneField(
        Facility, on_delete=models.CASCADE, primary_key=True, related_name="scheduling_config"
    )
    durations = models.JSONField(
        default=default_durations, help_text="Visit lengths offered, in minutes."
    )
    slot_step_minutes = models.PositiveSmallIntegerField(default=20)
    min_notice_minutes = models.PositiveIntegerField(default=24 * 60)
    horizon_days = models.PositiveSmallIntegerField(default=14)
    weekly_limit = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Visits per incarcerated person per week (Monday to Sunday). Empty: no limit.",
    )
    remote_price_per_minute_cents = models.PositiveIntegerField(default=20)
    onsite_price_per_minute_cents = models.PositiveIntegerField(default=0)
    price_cap_per_minute_cents = models.PositiveIntegerField(
        default=50, help_text="The highest price per minute the facility may set."
    )
    lockdown_charges = models.BooleanField(
        default=True,
        help_text="A visit cancelled for a lockdown is charged (behavioural, DOMAIN.md); "
        "off: what was paid comes back as credit.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(remote_price_per_minute_cents__lte=F("price_cap_per_minute_cents"))
                & Q(onsite_price_per_minute_cents__lte=F("price_cap_per_minute_cents")),
                name="scheduling_price_under_cap",
            ),
            models.CheckConstraint(
                condition=Q(slot_step_minutes__gt=0), name="scheduling_step_gt_0"
            ),
            models.CheckConstraint(condition=Q(horizon_days__gt=0), name="scheduling_horizon_gt_0"),
        ]

    def __str__(self):
        return f"Scheduling at {self.facility_id}"

    def clean(self):
        errors = {}
        cap = self.price_cap_per_minute_cents
        for field in ("remote_price_per_minute_cents", "onsite_price_per_minute_cents"):
            if getattr(self, field) is not None and cap is not None and getattr(self, field) > cap:
                errors[field] = _("The price may not be above %(cap)s cents a minute.") % {
                    "cap": cap
                }
        durations = self.durations
        if (
            not isinstance(durations, list)
            or not durations
            or any(
                not isinstance(d, int) or isinstance(d, bool) or not 5 <= d <= 240
                for d in durations
            )
            or len(set(durations)) != len(durations)
        ):
            errors["durations"] = _(
                "Give one or more different lengths, each between 5 and 240 minutes."
            )
        if errors:
            raise ValidationError(errors)

    def price_per_minute_cents(self, kind):
        if kind == VisitKind.REMOTE:
            return self.remote_price_per_minute_cents
        return self.onsite_price_per_minute_cents


class VisitWindow(models.Model):
    """A time of day, in the facility's own clock, when visits of a kind may take place."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="visit_windows")
    kind = models.CharField(max_length=8, choices=VisitKind.choices)
    weekday = models.PositiveSmallIntegerField(help_text="0 is Monday, 6 is Sunday.")
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["facility", "kind", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")), name="visit_window_starts_before_end"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="visit_window_weekday"),
            models.UniqueConstraint(
                fields=["facility", "kind", "weekday", "start_time"], name="visit_window_unique"
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.weekday} {self.start_time}-{self.end_time}"


class Period(models.Model):
    """A period with no visits (a closure or a lockdown), who set it, and whether staff
    ended it early."""

    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when staff end it early: ends_at is then that moment.
    ended_early_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_early_at = models.DateTimeField(null=True, blank=True)
    planned_ends_at = models.DateTimeField(null=True, blank=True)  # the end before that

    class Meta:
        abstract = True
        ordering = ["starts_at"]


def _starts_before_end(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name=name)


class Closure(Period):
    """The facility takes no visits during this period."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="closures")

    class Meta(Period.Meta):
        constraints = [_starts_before_end("closure_starts_before_end")]
        indexes = [models.Index(fields=["facility", "ends_at"], name="closure_facility_end_idx")]

    def __str__(self):
        return f"Closure of {self.facility_id} from {self.starts_at}"


# A lockdown until further notice lasts this long unless staff end it (they do, by hand):
# longer than any facility lets families book ahead.
UNTIL_FURTHER_NOTICE = timedelta(days=10 * 366)


class Lockdown(Period):
    """A housing unit is locked down: its people take no visits during this period. One set
    "until further notice" has ends_at UNTIL_FURTHER_NOTICE after its start and is ended by
    hand."""

    housing_unit = models.ForeignKey(
        HousingUnit, on_delete=models.CASCADE, related_name="lockdowns"
    )
    until_further_notice = models.BooleanField(default=False)

    class Meta(Period.Meta):
        constraints = [_starts_before_end("lockdown_starts_before_end")]
        indexes = [models.Index(fields=["housing_unit", "ends_at"], name="lockdown_unit_end_idx")]

    def __str__(self):
        return f"Lockdown of {self.housing_unit_id} from {self.starts_at}"


class VisitStatus(models.TextChoices):
    HELD = "held", _("Held for you")
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")
    EXPIRED = "expired", _("Hold ran out")


# The groups of statuses, written here only: `VisitQuerySet` filters by them and
# `rules.py` decides with them; nothing else names a set of statuses.
# Booked and not over: the visit still stands (cancel, reminders, a closed account).
ACTIVE_STATUSES = (VisitStatus.BOOKED, VisitStatus.CHECKED_IN)
# A visit in one of these occupies its terminals, its incarcerated person and its visitor.
# A hold past hold_expires_at still counts for the database constraint until it is moved to
# EXPIRED, which every booking does for the holds in its way (see services) and the
# periodic sweep does for all of them.
LIVE_STATUSES = (VisitStatus.HELD, *ACTIVE_STATUSES)
# Booked and not undone: it has a confirmation page, a calendar file, a daily-list line.
SCHEDULED_STATUSES = (*ACTIVE_STATUSES, VisitStatus.COMPLETED)
# Visits that took (or were to take) a terminal's time, for the reports.
OCCUPYING_STATUSES = (*SCHEDULED_STATUSES, VisitStatus.NO_SHOW)
# Visits that count against a person's weekly limit.
COUNTED_STATUSES = (*LIVE_STATUSES, VisitStatus.COMPLETED, VisitStatus.NO_SHOW)
# Over one way or another: the visitor's past visits (with active ones whose time passed).
FINISHED_STATUSES = (VisitStatus.COMPLETED, VisitStatus.CANCELLED, VisitStatus.NO_SHOW)


class VisitQuerySet(models.QuerySet):
    """Visits by state. The `*_q` forms are for queries that combine a state with other
    conditions in one OR."""

    @staticmethod
    def live_q(now) -> Q:
        """Occupying its places now: booked, checked in, or held and the hold not run out."""
        return Q(status__in=ACTIVE_STATUSES) | Q(status=VisitStatus.HELD, hold_expires_at__gt=now)

    @staticmethod
    def counted_q(now) -> Q:
        """Counted against the weekly limit: a lapsed hold does not count."""
        return Q(status__in=COUNTED_STATUSES) & ~Q(
            status=VisitStatus.HELD, hold_expires_at__lte=now
        )

    @staticmethod
    def past_q(now) -> Q:
        return Q(ends_at__lte=now, status__in=ACTIVE_STATUSES) | Q(status__in=FINISHED_STATUSES)

    def live(self, now):
        return self.filter(self.live_q(now))

    def active(self):
        """Booked or checked in."""
        return self.filter(status__in=ACTIVE_STATUSES)

    def scheduled(self):
        """Booked, checked in or completed."""
        return self.filter(status__in=SCHEDULED_STATUSES)

    def upcoming(self, now):
        """Booked or checked in and not over yet."""
        return self.active().filter(ends_at__gt=now)

    def past(self, now):
        return self.filter(self.past_q(now))

    def counted(self):
        """Counting against the weekly limit (a lapsed hold still held too: see counted_q)."""
        return self.filter(status__in=COUNTED_STATUSES)

    def occupying(self):
        """Took or was to take a terminal's time: scheduled or a no-show."""
        return self.filter(status__in=OCCUPYING_STATUSES)

    def booked(self):
        """Booked, not checked in."""
        return self.filter(status=VisitStatus.BOOKED)

    def holds(self):
        return self.filter(status=VisitStatus.HELD)

    def held_or_booked(self):
        """Held or booked, not checked in: what a roster change still affects."""
        return self.filter(status__in=(VisitStatus.HELD, VisitStatus.BOOKED))

    def cancelled(self):
        return self.filter(status=VisitStatus.CANCELLED)

    def lapsed_holds(self, now):
        return self.holds().filter(hold_expires_at__lte=now)

    def live_holds(self, now):
        return self.holds().filter(hold_expires_at__gt=now)

    def not_expired(self):
        return self.exclude(status=VisitStatus.EXPIRED)

    def expire_holds(self) -> int:
        """Move the holds among these to EXPIRED; how many were."""
        return self.holds().update(status=VisitStatus.EXPIRED)


class CardState(models.TextChoices):
    """Where a visit's card payment (charged at booking) stands. While HELD, what was paid
    (credit used and card) comes back as credit if the visit is cancelled at least 48 hours
    before it starts; CHARGED, it is final; CREDITED, it came back as credit."""

    NONE = "none", _("No card payment")
    HELD = "held", _("Paid by card, comes back as credit if cancelled in time")
    CHARGED = "charged", _("Paid by card, final")
    CREDITED = "credited", _("Paid by card, given back as credit")


class Visit(models.Model):
    """One visit: an incarcerated person, a visitor, a time and the terminals it occupies.

    Times are UTC instants; ends_at is exclusive, so back-to-back visits do not overlap.
    """

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="visits")
    inmate = models.ForeignKey(Inmate, on_delete=models.PROTECT, related_name="visits")
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits"
    )
    kind = models.CharField(max_length=8, choices=VisitKind.choices)
    inmate_terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="+")
    lobby_terminal = models.ForeignKey(
        Terminal, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=VisitStatus.choices, default=VisitStatus.HELD)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    price_cents = models.PositiveIntegerField(default=0)
    credit_applied_cents = models.PositiveIntegerField(default=0)
    card_cents = models.PositiveIntegerField(default=0)
    card_state = models.CharField(max_length=10, choices=CardState.choices, default=CardState.NONE)
    terms_version = models.ForeignKey(
        TermsVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    revision = models.PositiveIntegerField(
        default=0, help_text="Goes up each time the visit is moved (calendar SEQUENCE)."
    )
    calendar_uid = models.CharField(
        max_length=100,
        blank=True,
        help_text="The calendar event's UID when it is not this visit's own: a visit the "
        "family rescheduled keeps the event of the visit it replaces.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    booked_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_family = models.CharField(max_length=16, choices=CancelFamily.choices, blank=True)
    cancel_reason = models.CharField(max_length=24, choices=CancelReason.choices, blank=True)
    cancel_explanation = models.TextField(blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces"
    )

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")), name="visit_starts_before_end"
            ),
            models.CheckConstraint(
                condition=Q(kind="onsite", lobby_terminal__isnull=False)
                | Q(kind="remote", lobby_terminal__isnull=True),
                name="visit_lobby_terminal_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(card_cents=F("price_cents") - F("credit_applied_cents"))
                | Q(status__in=["held", "expired"]),
                name="visit_money_adds_up",
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(hold_expires_at__isnull=False),
                name="visit_hold_has_expiry",
            ),
        ]
        indexes = [
            models.Index(fields=["facility", "starts_at"], name="visit_facility_start_idx"),
            models.Index(fields=["inmate", "starts_at"], name="visit_inmate_start_idx"),
            models.Index(fields=["visitor", "starts_at"], name="visit_visitor_start_idx"),
            models.Index(fields=["inmate_terminal", "starts_at"], name="visit_iterm_start_idx"),
            models.Index(fields=["lobby_terminal", "starts_at"], name="visit_lterm_start_idx"),
            models.Index(
                fields=["hold_expires_at"],
                condition=Q(status="held"),
                name="visit_open_hold_idx",
            ),
            models.Index(
                fields=["starts_at"],
                condition=Q(card_state="held"),
                name="visit_card_held_idx",
            ),
            models.Index(
                fields=["starts_at"],
                condition=Q(status="booked", reminder_sent_at__isnull=True),
                name="visit_reminder_due_idx",
            ),
        ]

    def __str__(self):
        return f"Visit {self.pk} ({self.status}) at {self.starts_at}"

    @property
    def duration_minutes(self):
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def is_live(self):
        return self.status in LIVE_STATUSES


class LedgerKind(models.TextChoices):
    PAYMENT = "payment", _("Card payment")
    FUNDS_HOLD = "funds_hold", _("Held for the visit")
    CHARGE = "charge", _("Final charge")
    CREDIT = "credit", _("Credit")
    CREDIT_USE = "credit_use", _("Credit used")


CARD_KINDS = [LedgerKind.PAYMENT, LedgerKind.FUNDS_HOLD, LedgerKind.CHARGE]


class LedgerEntry(models.Model):
    """One line of a home user's money statement. Written once, never edited.

    `amount_cents` is the entry's effect on the user's credit balance (credit +, credit
    used -); the balance is the sum of it over the user's entries. The other kinds leave
    the balance alone (`amount_cents` 0) and carry an amount in `card_amount_cents`: a
    payment is the card charged at booking; a funds hold says that the visit's paid total
    (credit used and card) is held for it, to come back as credit if it is cancelled at
    least 48 hours ahead; a charge says that total became final (the 48-hour sweep, or a
    cancellation that gives nothing back). Only a payment moves money on the card. `key`
    names the event, so one event is never written twice.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    kind = models.CharField(max_length=12, choices=LedgerKind.choices)
    amount_cents = models.IntegerField(default=0)
    card_amount_cents = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=300)
    provider_token = models.CharField(max_length=80, blank=True)
    provider_reference = models.CharField(max_length=80, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="credit", amount_cents__gt=0, card_amount_cents=0)
                | Q(kind="credit_use", amount_cents__lt=0, card_amount_cents=0)
                | Q(kind__in=CARD_KINDS, amount_cents=0, card_amount_cents__gt=0),
                name="ledger_amounts_match_kind",
            ),
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="ledger_user_idx")]

    def __str__(self):
        return f"{self.kind} {self.amount_cents or self.card_amount_cents} for {self.user_id}"

    @property
    def words(self) -> str:
        """The entry in plain words, in the reader's language (ledger.describe)."""
        from .ledger import describe

        return describe(self)


class PaymentOutcome(models.TextChoices):
    STARTED = "started", _("Started")
    PAID = "paid", _("Paid")
    NOT_CHARGED = "not_charged", _("Not charged")
    REFUNDED = "refunded", _("Charged, then refunded")


class PaymentAttempt(models.Model):
    """A booking or change that may charge a card, written and committed before its
    transaction starts. That transaction marks it paid (with the provider's reference) or
    not charged; a refusal marks it not charged after the rollback. A transaction that
    fails after the card was charged rolls back, and the charge is refunded at once: the
    attempt is then marked refunded, with the charge's reference. One left "started" means
    the process never got that far (a crash, a lost connection, a refund refused, a commit
    whose outcome is unknown): the card may be charged with no visit booked. The periodic
    sweep reports each such attempt once, for an operator to check with the provider by
    `key`, the idempotency key the provider was given."""

    key = models.CharField(max_length=120, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payment_attempts"
    )
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="payment_attempts")
    outcome = models.CharField(
        max_length=12, choices=PaymentOutcome.choices, default=PaymentOutcome.STARTED
    )
    provider_reference = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(outcome="started"),
                name="payment_attempt_started_idx",
            )
        ]

    def __str__(self):
        return f"{self.key} {self.outcome}"


class TermsAcceptance(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="terms_acceptances"
    )
    terms_version = models.ForeignKey(TermsVersion, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "terms_version"], name="terms_accepted_once"),
        ]

    def __str__(self):
        return f"{self.user_id} accepted {self.terms_version_id}"
