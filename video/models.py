"""Rooms, terminals and what happened during each video visit."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from facilities.models import Terminal
from scheduling.models import Visit


class Outcome(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    NOT_PRODUCED = "not_produced", _("The incarcerated person was not produced in time")
    TERMINAL_INOPERABLE = "terminal_inoperable", _("The facility's terminal was not working")
    VISITOR_DID_NOT_JOIN = "visitor_did_not_join", _("The visitor did not join")
    ENDED_BY_STAFF = "ended_by_staff", _("Ended by facility staff")
    CANCELLED = "cancelled", _("Cancelled or moved before it ended")


class RoomState(models.TextChoices):
    PENDING = "pending", _("Not open yet")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    FAILED = "failed", _("Could not open")


class VideoSession(models.Model):
    """The room of one visit at one time (a moved visit gets a new one: `revision`).

    Opening and closing claim the row first (`claimed_until`), like the email outbox, so
    two workers or a retry never do either twice.
    """

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="video_sessions")
    revision = models.PositiveIntegerField()
    server = models.PositiveSmallIntegerField(default=0)
    room_id = models.CharField(max_length=64, unique=True)
    pin = models.CharField(max_length=32)
    secret = models.CharField(max_length=64)
    state = models.CharField(max_length=8, choices=RoomState.choices, default=RoomState.PENDING)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    join_email_sent_at = models.DateTimeField(null=True, blank=True)
    # Who the media server last listed in the room: "family", "facility" (for diffing).
    present = models.JSONField(default=list, blank=True)
    pin_failures = models.PositiveSmallIntegerField(default=0)
    # The facility recorded visits when the session was made: the room records.
    recorded = models.BooleanField(default=False)
    checkin_locked_at = models.DateTimeField(null=True, blank=True)
    lobby_checked_in_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["opens_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "revision"], name="video_session_per_time"),
        ]
        indexes = [
            models.Index(
                fields=["opens_at"], condition=Q(state="pending"), name="video_pending_idx"
            ),
            models.Index(fields=["closes_at"], condition=Q(state="open"), name="video_open_idx"),
        ]

    def __str__(self):
        return f"Room {self.room_id} ({self.state})"


class SessionEvent(models.Model):
    """One thing that happened to a visit's room. Written once, never edited."""

    class Kind(models.TextChoices):
        ROOM_OPENED = "room_opened", _("Room opened")
        ROOM_OPEN_FAILED = "room_open_failed", _("The media server did not answer")
        ROOM_CLOSED = "room_closed", _("Room closed")
        JOINED = "joined", _("Joined")
        LEFT = "left", _("Left")
        CHECKED_IN = "checked_in", _("Checked in at the terminal")
        LOBBY_CHECKED_IN = "lobby_checked_in", _("Visitor checked in at the lobby")
        PIN_FAILED = "pin_failed", _("Wrong ID number or PIN")
        CHECKIN_LOCKED = "checkin_locked", _("Check-in locked after three wrong PINs")
        OUTCOME = "outcome", _("Outcome decided")

    class Side(models.TextChoices):
        FAMILY = "family", _("Visitor")
        FACILITY = "facility", _("Facility")

    session = models.ForeignKey(VideoSession, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    side = models.CharField(max_length=8, choices=Side.choices, blank=True)
    at = models.DateTimeField()
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.kind} {self.side} at {self.at}"


class EnrolmentCode(models.Model):
    """A one-time code shown in the console that enrols one kiosk browser as `terminal`.
    Kept only as a hash; valid for 15 minutes, once."""

    terminal = models.ForeignKey(Terminal, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Enrolment code for {self.terminal_id}"


class TerminalDevice(models.Model):
    """A kiosk browser enrolled as a terminal. Its credential (a cookie) is a random token
    kept here only as a hash; revoked, it sees only the enrolment page."""

    terminal = models.ForeignKey(Terminal, on_delete=models.CASCADE, related_name="devices")
    token_hash = models.CharField(max_length=64, unique=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    enrolled_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-enrolled_at", "pk"]

    def __str__(self):
        return f"Device of {self.terminal_id} enrolled {self.enrolled_at}"

    @property
    def is_active(self):
        return self.revoked_at is None


def default_retention_days() -> int:
    return settings.RECORDING_RETENTION_DAYS


class FacilityVideoSettings(models.Model):
    """How a facility runs its video visits. A facility without a row uses the defaults."""

    facility = models.OneToOneField(
        "facilities.Facility",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="video_settings",
    )
    not_produced_rule = models.BooleanField(
        default=True,
        help_text="Cancel with credit a visit whose person has not checked in 10 minutes "
        "after the start.",
    )
    notice = models.TextField(
        blank=True,
        help_text="Shown to the family before they join. Empty: the standard notice that the "
        "visit may be monitored and recorded.",
    )
    record_visits = models.BooleanField(
        default=False,
        help_text="Record both sides of every video visit. Families are told when they book "
        "and before they join.",
    )
    family_may_download = models.BooleanField(
        default=False,
        help_text="Let the family download the recording of their own visit.",
    )
    recording_retention_days = models.PositiveSmallIntegerField(
        default=default_retention_days,
        help_text="Days a recording is kept after the visit, unless it is held for an "
        "investigation.",
    )

    class Meta:
        verbose_name_plural = "facility video settings"

    def __str__(self):
        return f"Video settings of {self.facility_id}"


class WatchReason(models.TextChoices):
    ROUTINE = "routine", _("Routine monitoring")
    ALERT = "alert", _("Alert")
    SUPERVISOR = "supervisor", _("Request by a supervisor")


class VisitWatch(models.Model):
    """A member of facility staff watched a visit's room, silently, for a reason. Written
    once, never edited."""

    session = models.ForeignKey(VideoSession, on_delete=models.CASCADE, related_name="watches")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16, choices=WatchReason.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.staff_id} watched {self.session_id} at {self.at}"


class RecordingState(models.TextChoices):
    PENDING = "pending", _("Waiting to be converted")
    READY = "ready", _("Ready to play")
    FAILED = "failed", _("Conversion failed")
    DELETED = "deleted", _("Deleted")


class Recording(models.Model):
    """What the media server recorded of one room: the raw .mjr files in `raw_dir`, then
    one playable file in private storage (`file_name`, random, outside every URL).

    Deleted, with its files, `retention_days` after the room closed, unless held."""

    session = models.OneToOneField(VideoSession, on_delete=models.PROTECT, related_name="recording")
    state = models.CharField(
        max_length=8, choices=RecordingState.choices, default=RecordingState.PENDING
    )
    raw_dir = models.CharField(max_length=500)
    file_name = models.CharField(max_length=200, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delete_after = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)
    hold_note = models.CharField(max_length=500, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    held_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "pk"]
        indexes = [
            models.Index(
                fields=["delete_after"],
                condition=Q(deleted_at__isnull=True),
                name="recording_due_idx",
            ),
        ]

    def __str__(self):
        return f"Recording of {self.session_id} ({self.state})"

    @property
    def is_held(self):
        return self.held_at is not None


class RecordingEvent(models.Model):
    """Who did what to a recording, and when: every viewing, holds, conversions, deletion.
    Written once, never edited."""

    class Kind(models.TextChoices):
        VIEWED = "viewed", _("Viewed")
        HELD = "held", _("Kept for an investigation")
        RELEASED = "released", _("Hold lifted")
        CONVERTED = "converted", _("Converted")
        CONVERSION_FAILED = "conversion_failed", _("Conversion failed")
        DELETED = "deleted", _("Deleted")

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.kind} {self.recording_id} at {self.at}"


class RecordingViewer(models.Model):
    """An officer a facility lets see its recordings (its administrators always may)."""

    facility = models.ForeignKey(
        "facilities.Facility", on_delete=models.CASCADE, related_name="recording_viewers"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["facility", "user"], name="recording_viewer_unique"),
        ]

    def __str__(self):
        return f"{self.user_id} may see recordings of {self.facility_id}"
