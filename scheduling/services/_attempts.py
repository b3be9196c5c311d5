"""Payment attempts (models.PaymentAttempt): recorded before a booking's transaction, so a
card charged by a booking that then never committed is found and reported."""

import logging
from datetime import datetime, timedelta

from django.db import connection

from accounts.models import User

from ..models import PaymentAttempt, PaymentOutcome, Visit

logger = logging.getLogger(__name__)

# Longer than any provider call and the transaction around it.
UNRESOLVED_AFTER = timedelta(minutes=15)


def payment_attempt_open(*, key: str, user: User, visit_id: int, now: datetime) -> None:
    """Record a payment attempt under `key` for the user's own visit, in one statement
    committed on its own (call it outside any transaction). Nothing is recorded for a visit
    that is not the user's; a key already recorded (a repeated confirm) is left as it is."""
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
