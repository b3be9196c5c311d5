"""Enrolled terminals: the one-time code, the kiosk's credential, check-in at the
terminal.

A kiosk browser becomes a terminal with a code a facility administrator shows in the
console (valid 15 minutes, once). It then holds a random token in an HttpOnly cookie; the
site keeps only a keyed hash of it, so a database copy cannot be turned into a terminal.
The token authenticates the kiosk to the site only: Janus sees the room tokens the site
mints for the kiosk's current visit, never the kiosk's credential.
"""

import hmac
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from facilities.models import Inmate, Terminal
from facilities.pins import checkin_pin_hash, checkin_pin_matches, checkin_pin_valid
from facilities.selectors import require_staff
from scheduling import services as scheduling_services
from scheduling.models import ACTIVE_STATUSES, Visit, VisitKind, VisitStatus
from visitation import keyring
from visitation.errors import DomainError

from . import outcomes, rooms
from .models import EnrolmentCode, RoomState, SessionEvent, TerminalDevice, VideoSession

ENROLMENT_VALID = timedelta(minutes=15)
COOKIE_NAME = "terminal"
COOKIE_AGE = timedelta(days=400)
CHECK_IN_ATTEMPTS = 3
LAST_SEEN_EVERY = timedelta(minutes=1)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def keyed_hash(kind: str, value: str, *, key: str | None = None) -> str:
    return keyring.keyed_hash(f"{kind}:{value}", key=key)


def keyed_hashes(kind: str, value: str) -> list[str]:
    """Under the current SECRET_KEY and each fallback (a key change under way)."""
    return keyring.keyed_hashes(f"{kind}:{value}")


def _normal_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def enrolment_code_create(*, actor: User, terminal: Terminal, now: datetime | None = None) -> str:
    """A one-time code for enrolling a kiosk as `terminal` (facility administrators)."""
    now = now or timezone.now()
    require_staff(actor, terminal.facility_id, administrator=True)
    if not terminal.in_service:
        raise DomainError(_("This terminal is out of service: put it back in service first."))
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    EnrolmentCode.objects.create(
        terminal=terminal,
        code_hash=keyed_hash("enrol", raw),
        created_by=actor,
        created_at=now,
        expires_at=now + ENROLMENT_VALID,
    )
    return f"{raw[:4]}-{raw[4:]}"


@transaction.atomic
def terminal_enrol(*, code: str, now: datetime | None = None) -> tuple[TerminalDevice, str]:
    """Trade a valid one-time code for a device credential. Returns the device and the
    token to put in the cookie (not kept anywhere else)."""
    now = now or timezone.now()
    invalid = DomainError(
        _("This code is not valid or has expired. Ask a facility administrator for a new one."),
        field="code",
    )
    found = (
        EnrolmentCode.objects.select_for_update()
        .select_related("terminal")
        .filter(code_hash__in=keyed_hashes("enrol", _normal_code(code)), used_at__isnull=True)
        .first()
    )
    if found is None or found.expires_at <= now or not found.terminal.in_service:
        raise invalid
    found.used_at = now
    found.save(update_fields=["used_at"])
    token = secrets.token_urlsafe(32)
    device = TerminalDevice.objects.create(
        terminal=found.terminal,
        token_hash=keyed_hash("device", token),
        enrolled_by=found.created_by,
        enrolled_at=now,
        last_seen_at=now,
    )
    return device, token


def device_for_token(token: str | None, *, now: datetime | None = None) -> TerminalDevice | None:
    """The enrolled, unrevoked device holding `token`; notes when it was last seen."""
    if not token:
        return None
    now = now or timezone.now()
    hashes = keyed_hashes("device", token)
    device = (
        TerminalDevice.objects.select_related("terminal__facility", "terminal__housing_unit")
        .filter(token_hash__in=hashes, revoked_at__isnull=True)
        .first()
    )
    if device is None:
        return None
    if device.token_hash != hashes[0]:  # enrolled under an earlier SECRET_KEY: move it on
        TerminalDevice.objects.filter(pk=device.pk).update(token_hash=hashes[0])
        device.token_hash = hashes[0]
    if device.last_seen_at is None or now - device.last_seen_at >= LAST_SEEN_EVERY:
        TerminalDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
    return device


def device_revoke(*, actor: User, device: TerminalDevice, now: datetime | None = None) -> None:
    now = now or timezone.now()
    require_staff(actor, device.terminal.facility_id, administrator=True)
    TerminalDevice.objects.filter(pk=device.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )


def inmate_pin_set(*, actor: User, inmate: Inmate, pin: str) -> None:
    """Staff set a person's 4-digit check-in PIN (kept only as a hash)."""
    require_staff(actor, inmate.facility_id)
    if not checkin_pin_valid(pin):
        raise DomainError(_("The PIN is 4 digits."), field="pin")
    inmate.checkin_pin = checkin_pin_hash(pin)
    inmate.save(update_fields=["checkin_pin"])


def booking_code(visit: Visit, *, key: str | None = None) -> str:
    """The code an on-site visitor types at the lobby terminal (shown on their visit page)."""
    digest = keyed_hash("booking", str(visit.pk), key=key)
    return "".join(
        CODE_ALPHABET[int(digest[i : i + 2], 16) % len(CODE_ALPHABET)] for i in range(0, 16, 2)
    )


def _open_session(visit: Visit) -> VideoSession:
    session = rooms.session_for(visit)
    if session is None or session.state != RoomState.OPEN:
        raise DomainError(_("The room for this visit is not open yet. Try again in a minute."))
    return session


def _check_in_window(visit: Visit, now: datetime) -> None:
    rule = rooms.facility_settings(visit.facility).not_produced_rule
    if not outcomes.check_in_open(
        starts_at=visit.starts_at,
        ends_at=visit.ends_at,
        opens_before=rooms.opens_before(),
        now=now,
        rule=rule,
    ):
        raise DomainError(_("Check-in for this visit is closed."))


def terminal_check_in(
    *, device: TerminalDevice, visit: Visit, id_number: str, pin: str, now: datetime | None = None
) -> Visit:
    """The incarcerated person checks in at the unit terminal with their ID number and
    PIN. Three wrong tries lock check-in for the visit; an officer then confirms it in
    the console."""
    now = now or timezone.now()
    if visit.inmate_terminal_id != device.terminal_id:
        raise DomainError(_("This visit is not on this terminal."))
    if visit.status != VisitStatus.BOOKED:
        raise DomainError(_("This visit is already checked in or is not scheduled any more."))
    session = _open_session(visit)
    if session.checkin_locked_at:
        raise DomainError(
            _("Check-in is locked for this visit. Ask an officer to confirm it in the console.")
        )
    _check_in_window(visit, now)
    inmate = visit.inmate
    matches = id_number.strip().casefold() == inmate.id_number.casefold()
    if not (matches and checkin_pin_matches(pin, inmate.checkin_pin)):
        _pin_failed(session, now=now)
    visit = scheduling_services.visit_check_in_at_terminal(visit=visit, now=now)
    SessionEvent.objects.create(
        session=session, kind=SessionEvent.Kind.CHECKED_IN, side="facility", at=now
    )
    return visit


def _pin_failed(session: VideoSession, *, now: datetime):
    with transaction.atomic():
        VideoSession.objects.filter(pk=session.pk).update(pin_failures=F("pin_failures") + 1)
        failures = VideoSession.objects.get(pk=session.pk).pin_failures
        SessionEvent.objects.create(session=session, kind=SessionEvent.Kind.PIN_FAILED, at=now)
        if failures >= CHECK_IN_ATTEMPTS:
            VideoSession.objects.filter(pk=session.pk, checkin_locked_at__isnull=True).update(
                checkin_locked_at=now
            )
            SessionEvent.objects.create(
                session=session, kind=SessionEvent.Kind.CHECKIN_LOCKED, at=now
            )
    if failures >= CHECK_IN_ATTEMPTS:
        raise DomainError(
            _(
                "The ID number or PIN is wrong. Check-in is now locked for this visit: an "
                "officer has been told and can confirm it in the console."
            )
        )
    raise DomainError(
        _("The ID number or PIN is wrong. %(left)s tries left.")
        % {"left": CHECK_IN_ATTEMPTS - failures},
        field="pin",
    )


def lobby_check_in(*, device: TerminalDevice, code: str, now: datetime | None = None) -> Visit:
    """An on-site visitor checks in at the lobby terminal with the booking code from their
    visit page."""
    now = now or timezone.now()
    wanted = _normal_code(code)
    candidates = Visit.objects.select_related("facility", "inmate").filter(
        kind=VisitKind.ONSITE,
        lobby_terminal=device.terminal,
        status__in=ACTIVE_STATUSES,
        starts_at__lte=now + rooms.opens_before(),
        ends_at__gt=now,
    )
    visit = next(
        (
            v
            for v in candidates
            for key in keyring.secret_keys()
            if hmac.compare_digest(booking_code(v, key=key), wanted)
        ),
        None,
    )
    if visit is None:
        raise DomainError(
            _(
                "No visit at this terminal now has that booking code. Check the code on your "
                "visit page."
            ),
            field="code",
        )
    session = _open_session(visit)
    if VideoSession.objects.filter(pk=session.pk, lobby_checked_in_at__isnull=True).update(
        lobby_checked_in_at=now
    ):
        SessionEvent.objects.create(
            session=session, kind=SessionEvent.Kind.LOBBY_CHECKED_IN, side="family", at=now
        )
    return visit
