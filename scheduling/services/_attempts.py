"""Payment attempts (models.PaymentAttempt): recorded before a booking's transaction, so a
card charged by a booking that then never committed is refunded at once or, if the process
could not, found and reported."""

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from visitation.errors import DomainError

from ..models import PaymentAttempt, PaymentOutcome, Visit
from ..payments import CardPayment, payment_provider

logger = logging.getLogger(__name__)

# Longer than any provider call and the transaction around it.
UNRESOLVED_AFTER = timedelta(minutes=15)


@dataclass
class OpenAttempt:
    """A payment attempt in progress; ledger.visit_pay notes the charge once the card is
    charged, so that a transaction failing after it can give the money back."""

    key: str
    charge: CardPayment | None = None
    amount_cents: int = 0


@contextmanager
def paying(*, open_it: bool, key: str, user: User, visit_id: int, now: datetime):
    """A booking's transaction, with a payment attempt under `key` recorded and committed
    before it when `open_it`; yields the OpenAttempt (or None) inside the transaction.

    Any error raised inside the transaction after the card was charged rolls it back and
    the charge is refunded at once. A DomainError before any charge (a refused card, a
    hold that ran out) marks the attempt not charged. An error at the commit itself is not
    refunded: the booking may have been written, so the attempt stays "started" for the
    sweep to report.
    """
    attempt = OpenAttempt(key=key) if open_it else None
    if attempt:
        earlier = payment_attempt_open(key=key, user=user, visit_id=visit_id, now=now)
        if earlier == PaymentOutcome.REFUNDED:
            # The provider would answer this key with the charge it refunded: a confirm sent
            # again after that failure needs a new form (the view gives it a new key).
            raise DomainError(
                _(
                    "Something went wrong with this confirmation and what was charged went "
                    "back to your card. Nothing is booked yet: please confirm again."
                )
            )
    rolled_back = False
    try:
        with transaction.atomic():
            try:
                yield attempt
            except BaseException:
                rolled_back = True
                raise
    except Exception as error:
        if attempt and attempt.charge and rolled_back:
            _refund(attempt, now=now)
        elif attempt and isinstance(error, DomainError):
            PaymentAttempt.objects.filter(key=key, outcome=PaymentOutcome.STARTED).update(
                outcome=PaymentOutcome.NOT_CHARGED, resolved_at=now
            )
        raise


def _refund(attempt: OpenAttempt, *, now: datetime) -> None:
    """Give back a charge whose booking rolled back; never raises, so the error that rolled
    the booking back is the one the caller sees. What could not be done is logged, and the
    attempt, still "started", is reported by the sweep."""
    charge = attempt.charge
    try:
        refund = payment_provider().refund(
            reference=charge.reference,
            amount_cents=attempt.amount_cents,
            idempotency_key=f"refund-{attempt.key}",
        )
    except Exception:  # whatever the provider raises, the booking's own error comes first
        logger.exception(
            "payment attempt %s: the booking failed after charge %s and the refund failed; "
            "left for the sweep to report",
            attempt.key,
            charge.reference,
        )
        return
    logger.warning(
        "payment attempt %s: the booking failed after charge %s of %s cents, refunded as %s",
        attempt.key,
        charge.reference,
        attempt.amount_cents,
        refund,
    )
    try:
        PaymentAttempt.objects.filter(key=attempt.key, outcome=PaymentOutcome.STARTED).update(
            outcome=PaymentOutcome.REFUNDED,
            provider_reference=charge.reference,
            resolved_at=now,
        )
    except DatabaseError:
        logger.exception(
            "payment attempt %s: refunded as %s, but could not be marked refunded",
            attempt.key,
            refund,
        )


def payment_attempt_open(*, key: str, user: User, visit_id: int, now: datetime) -> str | None:
    """Record a payment attempt under `key` for the user's own visit, in one statement
    committed on its own (call it outside any transaction). Nothing is recorded for a visit
    that is not the user's; a key already recorded (a repeated confirm) is left as it is,
    and its outcome is returned (None when a new attempt was recorded, or none could be)."""
    attempt, visit = PaymentAttempt._meta, Visit._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {attempt.db_table}
                (key, user_id, visit_id, outcome, provider_reference, created_at)
            SELECT %s, %s, id, %s, '', %s FROM {visit.db_table}
            WHERE id = %s AND visitor_id = %s
            ON CONFLICT (key) DO NOTHING
            """,  # noqa: S608 (table names from the models)
            [key, user.pk, PaymentOutcome.STARTED, now, visit_id, user.pk],
        )
        if cursor.rowcount:
            return None
    return PaymentAttempt.objects.filter(key=key).values_list("outcome", flat=True).first()


def payment_attempts_report(*, now: datetime) -> int:
    """Log, once each, the attempts still "started" long after their booking's transaction
    should have ended: the card may have been charged with no visit booked. An operator
    checks with the provider by the key (admin: Payment attempts, outcome Started).
    Returns how many were reported now."""
    reported = 0
    stale = PaymentAttempt.objects.filter(
        outcome=PaymentOutcome.STARTED,
        reported_at__isnull=True,
        created_at__lt=now - UNRESOLVED_AFTER,
    ).values_list("pk", "key", "visit_id", "user_id")[:500]
    for pk, key, visit_id, user_id in list(stale):
        claimed = PaymentAttempt.objects.filter(pk=pk, reported_at__isnull=True).update(
            reported_at=now
        )
        if claimed:
            reported += 1
            logger.error(
                "payment attempt %s unresolved: the card may have been charged with no visit "
                "booked; check with the payment provider by this key (visit %s, user %s)",
                key,
                visit_id,
                user_id,
            )
    return reported
