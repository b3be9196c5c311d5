"""A home user books, cancels and reschedules visits."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from facilities.models import Facility, Inmate
from visitation import emails
from visitation.errors import DomainError

from .. import ledger, rules
from ..ics import visit_ics
from ..models import (
    HOLD_FOR,
    SchedulingConfig,
    TermsAcceptance,
    Visit,
    VisitStatus,
)
from ..reasons import CancelFamily, CancelReason
from ..selectors import card_for_visit, config_for, terms_current_for
from ._attempts import OpenAttempt, paying
from ._common import (
    Cancellation,
    as_utc,
    cancel,
    check_may_book,
    lock_people,
    lock_places,
    locked_visit,
    mark_cancelled,
    occupy,
    release_expired_holds,
    slot_for,
    terminal_choices,
)


def _hold(
    *,
    user: User,
    facility: Facility,
    inmate: Inmate,
    kind: str,
    duration: int,
    starts_at: datetime,
    now: datetime,
    config: SchedulingConfig | None = None,
) -> Visit:
    config = config or config_for(facility=facility)
    if duration not in config.durations:
        raise DomainError(_("Please choose one of the visit lengths offered."), field="duration")
    starts_at = as_utc(starts_at)
    ends_at = starts_at + timedelta(minutes=duration)
    # One hold at a time: picking another time gives up the previous one.
    release_expired_holds(
        facility_id=facility.pk,
        visitor_id=user.pk,
        starts_at=starts_at,
        ends_at=ends_at,
        now=now,
        visitors_holds=True,
    )
    lock_people(inmate_id=inmate.pk, visitor_id=user.pk)
    slot = slot_for(
        facility=facility,
        inmate=inmate,
        visitor=user,
        kind=kind,
        duration=duration,
        starts_at=starts_at,
        now=now,
        config=config,
    )
    price = rules.visit_price(
        duration_minutes=duration, price_per_minute_cents=config.price_per_minute_cents(kind)
    )

    def write(inmate_terminal_id, lobby_terminal_id):
        return Visit.objects.create(
            facility=facility,
            inmate=inmate,
            visitor=user,
            kind=kind,
            inmate_terminal_id=inmate_terminal_id,
            lobby_terminal_id=lobby_terminal_id,
            starts_at=starts_at,
            ends_at=ends_at,
            status=VisitStatus.HELD,
            hold_expires_at=now + HOLD_FOR,
            price_cents=price,
        )

    return occupy(write, *terminal_choices(slot))


@transaction.atomic
def visit_hold(
    *,
    user: User,
    facility: Facility,
    inmate: Inmate,
    kind: str,
    duration: int,
    starts_at: datetime,
    now: datetime | None = None,
    config: SchedulingConfig | None = None,
) -> Visit:
    """Hold a bookable start for the user for 10 minutes, on a free terminal. The hold
    counts against availability until it is booked or runs out. Gives up the user's
    previous hold, if any. `config` saves a query when the caller has the facility's."""
    now = now or timezone.now()
    check_may_book(user=user, facility=facility, inmate=inmate, kind=kind)
    return _hold(
        user=user,
        facility=facility,
        inmate=inmate,
        kind=kind,
        duration=duration,
        starts_at=starts_at,
        now=now,
        config=config,
    )


@transaction.atomic
def visit_hold_release(*, user: User, visit_id: int) -> None:
    """The user gives up a hold (went back to pick another time)."""
    Visit.objects.filter(pk=visit_id, visitor=user).expire_holds()


def _accept_terms(*, user: User, visit: Visit, accept_terms_version: int | None, now) -> None:
    today = now.astimezone(ZoneInfo(visit.facility.time_zone)).date()
    current = terms_current_for(user=user, facility=visit.facility, today=today)
    if current is None:
        return
    if not current.accepted:
        if accept_terms_version != current.pk:
            raise DomainError(
                _("Please read and accept the facility's terms and conditions."),
                field="accept_terms",
            )
        TermsAcceptance.objects.get_or_create(user=user, terms_version=current)
    visit.terms_version = current


def _book(
    *,
    user: User,
    visit: Visit,
    idempotency_key: str,
    payment: str | None,
    accept_terms_version: int | None,
    now: datetime,
    provider_key: str,
    attempt: OpenAttempt | None,
) -> str:
    """Book a held, locked visit; returns the last four digits of the card used, if any."""
    if not rules.hold_is_live(visit, now):
        raise DomainError(_("Your hold on this time ran out. Please pick a time again."))
    lock_places(visit)
    check_may_book(user=user, facility=visit.facility, inmate=visit.inmate, kind=visit.kind)
    _accept_terms(user=user, visit=visit, accept_terms_version=accept_terms_version, now=now)
    card_last4 = ledger.visit_pay(
        visit=visit, payment=payment, now=now, provider_key=provider_key, attempt=attempt
    )
    visit.status = VisitStatus.BOOKED
    visit.booked_at = now
    visit.idempotency_key = idempotency_key
    visit.save(
        update_fields=[
            "status",
            "booked_at",
            "idempotency_key",
            "terms_version",
            "credit_applied_cents",
            "card_cents",
            "card_state",
        ]
    )
    return card_last4


def visit_book(
    *,
    user: User,
    visit_id: int,
    idempotency_key: str,
    payment: str | None = None,
    accept_terms_version: int | None = None,
    now: datetime | None = None,
) -> Visit:
    """Book the user's held visit: accept the current terms if needed, pay (credit first,
    then the card: `payment` is a card number or a saved token), confirm by email.

    The same idempotency key (one per confirmation form) books once and charges once; a
    confirm of a visit already booked returns it unchanged. A declined card raises
    DomainError and leaves the hold as it was until it runs out. With a card, a payment
    attempt is recorded first, outside the booking's transaction; a charge whose booking
    then fails is refunded at once (see PaymentAttempt and _attempts.paying).
    """
    now = now or timezone.now()
    provider_key = f"visit-{visit_id}-{idempotency_key}"
    with paying(
        open_it=bool(payment), key=provider_key, user=user, visit_id=visit_id, now=now
    ) as attempt:
        done = Visit.objects.filter(idempotency_key=idempotency_key).first()
        if done is not None:
            if done.visitor_id != user.pk:
                raise DomainError(_("This form was already used. Please start again."))
            return done
        visit = locked_visit(visit_id, visitor=user)
        if visit is None:
            raise DomainError(_("This visit was not found."))
        if rules.is_scheduled(visit):
            return visit
        card_last4 = _book(
            user=user,
            visit=visit,
            idempotency_key=idempotency_key,
            payment=payment,
            accept_terms_version=accept_terms_version,
            now=now,
            provider_key=provider_key,
            attempt=attempt,
        )
        with translation.override(user.language):
            emails.send_visit_confirmed(
                visit=visit,
                ics=visit_ics(visit, now=now),
                card_last4=card_last4,
                key=f"visit-confirmed:{visit.pk}",
            )
        return visit


@transaction.atomic
def visit_cancel_by_user(*, user: User, visit_id: int, now: datetime | None = None) -> Cancellation:
    """The visitor cancels. At least 48 hours before the start what was paid comes back
    as credit, the card payment included; later, nothing comes back."""
    now = now or timezone.now()
    visit = locked_visit(visit_id, visitor=user)
    if visit is None:
        raise DomainError(_("This visit was not found."))
    if not rules.visitor_may_change(visit, now):
        raise DomainError(_("This visit can no longer be cancelled."))
    return cancel(
        visit,
        refund=rules.credit_is_due(starts_at=visit.starts_at, now=now),
        family=CancelFamily.VISITOR,
        reason=CancelReason.VISITOR_CANCELLED,
        explanation="",
        by=user,
        now=now,
    )


def visit_reschedule(
    *,
    user: User,
    visit_id: int,
    starts_at: datetime,
    idempotency_key: str,
    duration: int | None = None,
    payment: str | None = None,
    accept_terms_version: int | None = None,
    now: datetime | None = None,
) -> Visit:
    """Move the user's visit to another start, all or nothing: the old visit is released
    and the new one held and booked in one transaction; if the new time cannot be had,
    nothing changes. Money follows the 48-hour rule: at least 48 hours before the old
    start, what was paid (card included) comes back as credit and pays toward the new
    visit first; later, the old visit stays paid and the new one is paid in full. Without
    `payment`, the card used for the old visit pays any remainder, so a payment attempt is
    always recorded first.
    """
    now = now or timezone.now()
    provider_key = f"reschedule-{visit_id}-{idempotency_key}"
    with paying(open_it=True, key=provider_key, user=user, visit_id=visit_id, now=now) as attempt:
        done = Visit.objects.filter(idempotency_key=idempotency_key, visitor=user).first()
        if done is not None:
            return done
        old = locked_visit(visit_id, visitor=user)
        if old is None:
            raise DomainError(_("This visit was not found."))
        # A repeated submission may have waited on the lock while the first one rescheduled.
        done = Visit.objects.filter(idempotency_key=idempotency_key, visitor=user).first()
        if done is not None:
            return done
        if not rules.visitor_may_change(old, now):
            raise DomainError(_("This visit can no longer be changed."))
        check_may_book(user=user, facility=old.facility, inmate=old.inmate, kind=old.kind)
        outcome = rules.cancellation_credit_preview(visit=old, now=now)
        if payment is None:
            saved = card_for_visit(visit=old)
            payment = (saved and saved.provider_token) or None
        previous_starts_at = old.starts_at
        # Release the old visit first so the new time may overlap it; its credit (card money
        # included) is written before the new visit is paid, so the new one uses it first.
        # If the new time cannot be had, the whole transaction rolls back.
        mark_cancelled(
            old,
            family=CancelFamily.VISITOR,
            reason=CancelReason.RESCHEDULED,
            explanation="",
            by=user,
            now=now,
        )
        ledger.visit_credit(visit=old, outcome=outcome)
        new = _hold(
            user=user,
            facility=old.facility,
            inmate=old.inmate,
            kind=old.kind,
            duration=duration or old.duration_minutes,
            starts_at=starts_at,
            now=now,
        )
        _book(
            user=user,
            visit=new,
            idempotency_key=idempotency_key,
            payment=payment,
            accept_terms_version=accept_terms_version,
            now=now,
            provider_key=provider_key,
            attempt=attempt,
        )
        ledger.visit_settle_card(visit=old, outcome=outcome)
        old.replaced_by = new
        old.save(update_fields=["replaced_by", "card_state"])
        # The same calendar event, one step further (RFC 5545 UID and SEQUENCE).
        new.calendar_uid = old.calendar_uid or f"visit-{old.pk}"
        new.revision = old.revision + 1
        new.save(update_fields=["calendar_uid", "revision"])
        with translation.override(user.language):
            emails.send_visit_changed(
                visit=new,
                previous_starts_at=previous_starts_at,
                money=outcome,
                ics=visit_ics(new, now=now),
                key=f"visit-rescheduled:{old.pk}",
            )
        return new
