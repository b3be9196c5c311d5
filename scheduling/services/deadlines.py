"""The periodic sweep: payments made final at 48 hours, 24-hour reminders, lapsed holds,
unresolved payment attempts reported."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from visitation import emails

from .. import ledger
from ..models import CardState, Visit
from ..rules import CREDIT_CUTOFF
from ._attempts import payment_attempts_report
from ._common import lock_places

REMIND_BEFORE = timedelta(hours=24)
SWEEP_BATCH = 500


def holds_expire(*, now: datetime | None = None) -> int:
    """Release every hold past its expiry. Safe to run any number of times at once."""
    now = now or timezone.now()
    return Visit.objects.lapsed_holds(now).expire_holds()


@dataclass(frozen=True)
class DeadlineRun:
    charged: int
    reminded: int
    expired: int
    unresolved_payments: int = 0


def _charge_one(visit_id: int, now: datetime) -> bool:
    with transaction.atomic():
        visit = (
            Visit.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("facility", "inmate", "visitor")
            .active()
            .filter(pk=visit_id, card_state=CardState.HELD, starts_at__lt=now + CREDIT_CUTOFF)
            .first()
        )
        if visit is None:
            return False
        lock_places(visit)
        ledger.visit_charge_held(visit=visit)
        visit.save(update_fields=["card_state"])
        return True


def _remind_one(visit_id: int, now: datetime) -> bool:
    with transaction.atomic():
        visit = (
            Visit.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("facility", "inmate", "visitor", "inmate_terminal", "lobby_terminal")
            .booked()
            .filter(pk=visit_id, reminder_sent_at__isnull=True)
            .first()
        )
        if visit is None:
            return False
        lock_places(visit)
        visit.reminder_sent_at = now
        visit.save(update_fields=["reminder_sent_at"])
        with translation.override(visit.visitor.language):
            emails.send_visit_reminder(
                visit=visit, key=f"visit-reminder:{visit.pk}:{visit.revision}"
            )
        return True


def visit_deadlines_enforce(*, now: datetime | None = None) -> DeadlineRun:
    """The periodic sweep. A visit entering its last 48 hours has what was paid for it made
    final (a final charge in the ledger; the card was charged at booking); a visit entering
    its last 24 hours gets a reminder (unless booked within them); lapsed holds are
    released; payment attempts left unresolved are reported once each (an error in the
    log). Each visit is claimed in its own transaction (a row lock skipped by other
    workers, or a conditional update), so two runs at once do nothing twice."""
    now = now or timezone.now()
    to_charge = (
        Visit.objects.active()
        .filter(card_state=CardState.HELD, starts_at__lt=now + CREDIT_CUTOFF)
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    charged = sum(_charge_one(visit_id, now) for visit_id in list(to_charge))
    to_remind = (
        Visit.objects.booked()
        .filter(
            reminder_sent_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + REMIND_BEFORE,
            booked_at__lte=F("starts_at") - REMIND_BEFORE,
        )
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    reminded = sum(_remind_one(visit_id, now) for visit_id in list(to_remind))
    return DeadlineRun(
        charged=charged,
        reminded=reminded,
        expired=holds_expire(now=now),
        unresolved_payments=payment_attempts_report(now=now),
    )
