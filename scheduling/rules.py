"""Pure rules for visits: what state a visit is in, what may happen to it now, and what
happens to its money. Data in, decision out, no queries.

The services raise when a rule here says no; the views offer what it allows; the templates
show `visit_display`. A new state is added to `VisitStatus` and its groups (models.py),
then to the functions below.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from .models import ACTIVE_STATUSES, SCHEDULED_STATUSES, CardState, VisitStatus
from .reasons import CancelFamily, CancelReason

# Cancelled at least this long before the start, what was paid comes back as credit; later,
# nothing. Once less than this remains, the visit's paid money is final (the sweep).
CREDIT_CUTOFF = timedelta(hours=48)
# Staff may check a visitor in from this long before the start.
CHECK_IN_FROM = timedelta(minutes=30)


def hours(span: timedelta) -> int:
    return int(span.total_seconds() // 3600)


def minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


# States ---------------------------------------------------------------------------------


def status_is_live(*, status: str, hold_expires_at: datetime | None, now: datetime) -> bool:
    """Occupying its places now: booked, checked in, or held and the hold not run out."""
    return status in ACTIVE_STATUSES or (
        status == VisitStatus.HELD and hold_expires_at is not None and hold_expires_at > now
    )


def hold_is_live(visit, now: datetime) -> bool:
    """A hold the visitor may still confirm."""
    return visit.status == VisitStatus.HELD and visit.hold_expires_at > now


def is_held(visit) -> bool:
    """Held (live or lapsed, not yet swept): not booked yet."""
    return visit.status == VisitStatus.HELD


def is_active(visit) -> bool:
    """Booked or checked in: the visit stands and is not finished."""
    return visit.status in ACTIVE_STATUSES


def is_scheduled(visit) -> bool:
    """Booked and not undone (booked, checked in or completed)."""
    return visit.status in SCHEDULED_STATUSES


def is_booked(visit) -> bool:
    """Booked and not checked in."""
    return visit.status == VisitStatus.BOOKED


def is_cancelled(visit) -> bool:
    return visit.status == VisitStatus.CANCELLED


# What may happen now --------------------------------------------------------------------


def visitor_may_change(visit, now: datetime) -> bool:
    """The visitor may cancel or reschedule: booked and not started."""
    return visit.status == VisitStatus.BOOKED and visit.starts_at > now


def staff_may_move(visit, now: datetime) -> bool:
    return visit.status == VisitStatus.BOOKED and visit.starts_at > now


def check_in_is_open(visit, now: datetime) -> bool:
    return visit.starts_at - CHECK_IN_FROM <= now < visit.ends_at


def may_finish_as(visit, status: str) -> bool:
    """Whether staff may mark the visit `status` (completed after check-in, no-show while
    only booked), the start time aside."""
    allowed_from = {
        VisitStatus.COMPLETED: VisitStatus.CHECKED_IN,
        VisitStatus.NO_SHOW: VisitStatus.BOOKED,
    }
    return visit.status == allowed_from[status]


def staff_actions(visit, now: datetime) -> frozenset[str]:
    """What staff may do with a visit now; the services enforce the same conditions."""
    actions = set()
    if visit.status == VisitStatus.BOOKED:
        if check_in_is_open(visit, now):
            actions.add("check_in")
        if now >= visit.starts_at:
            actions.add("no_show")
        if staff_may_move(visit, now):
            actions.add("move")
        actions.add("cancel")
    elif visit.status == VisitStatus.CHECKED_IN:
        if now >= visit.starts_at:
            actions.add("complete")
        actions.add("cancel")
    return frozenset(actions)


# The visit board's status filter: a word in the address and the statuses it shows.
BOARD_FILTERS = {
    "scheduled": (VisitStatus.HELD, VisitStatus.BOOKED),
    "checked_in": (VisitStatus.CHECKED_IN,),
    "completed": (VisitStatus.COMPLETED,),
    "no_show": (VisitStatus.NO_SHOW,),
    "cancelled": (VisitStatus.CANCELLED,),
}


# What a person is shown -----------------------------------------------------------------


@dataclass(frozen=True)
class VisitDisplay:
    """A visit's status as a page shows it. `tag` names the colour (site-tag--<tag>)."""

    label: str
    tag: str
    cancelled: bool = False
    cancelled_by_facility: bool = False
    scheduled: bool = False


def visit_display(visit, now: datetime | None = None, *, staff: bool = False) -> VisitDisplay:
    """The status shown for a visit: to staff the status itself (a hold is "being
    booked"); to the visitor who cancelled or moved it, and a booked visit whose time
    passed without a check-in."""
    status = visit.status
    common = {
        "tag": status,
        "cancelled": status == VisitStatus.CANCELLED,
        "cancelled_by_facility": (
            status == VisitStatus.CANCELLED and visit.cancel_family != CancelFamily.VISITOR
        ),
        "scheduled": status in SCHEDULED_STATUSES,
    }
    if staff:
        if status == VisitStatus.HELD:
            return VisitDisplay(label=_("Being booked"), **common)
        return VisitDisplay(label=visit.get_status_display(), **common)
    if status == VisitStatus.CANCELLED:
        if visit.cancel_family != CancelFamily.VISITOR:
            label = _("Cancelled by the facility")
        elif visit.cancel_reason == CancelReason.RESCHEDULED:
            label = _("Moved to another time")
        else:
            label = _("Cancelled by you")
        return VisitDisplay(label=label, **common)
    if status == VisitStatus.NO_SHOW:
        return VisitDisplay(label=_("You did not join, so it was charged"), **common)
    if status == VisitStatus.BOOKED and now is not None and visit.ends_at <= now:
        return VisitDisplay(label=_("Time has passed"), **common)
    return VisitDisplay(label=visit.get_status_display(), **common)


# Money ----------------------------------------------------------------------------------


def credit_is_due(*, starts_at: datetime, now: datetime) -> bool:
    return starts_at - now >= CREDIT_CUTOFF


def visit_price(*, duration_minutes: int, price_per_minute_cents: int) -> int:
    return duration_minutes * price_per_minute_cents


@dataclass(frozen=True)
class MoneyOutcome:
    """What a cancellation does with a visit's money.

    What was paid is the credit used plus the card payment, both taken at booking. It comes
    back as credit toward a future visit, never to the card.
    """

    credit_cents: int = 0  # comes back as credit toward a future visit
    charged_cents: int = 0  # held for the visit (see CardState.HELD), made final now
    kept_cents: int = 0  # paid and not given back

    @property
    def refunded(self) -> bool:
        return self.kept_cents == 0


NOTHING = MoneyOutcome()


def cancellation_outcome(
    *, credit_applied_cents: int, card_cents: int, card_state: str, refund: bool
) -> MoneyOutcome:
    paid = credit_applied_cents + card_cents
    if refund:
        return MoneyOutcome(credit_cents=paid)
    held = paid if card_state == CardState.HELD else 0
    return MoneyOutcome(charged_cents=held, kept_cents=paid)


def cancellation_credit_preview(*, visit, now: datetime) -> MoneyOutcome:
    """What the visitor gets back if they cancel (or reschedule) `visit` at `now`: at least
    48 hours before its start everything paid, as credit; later nothing."""
    return cancellation_outcome(
        credit_applied_cents=visit.credit_applied_cents,
        card_cents=visit.card_cents,
        card_state=visit.card_state,
        refund=credit_is_due(starts_at=visit.starts_at, now=now),
    )


def facility_cancellation_outcome(*, visit) -> MoneyOutcome:
    """What the facility's cancellation of `visit` did with what was paid for it: all of it
    back as credit for a reason that is not the family's fault, none of it otherwise."""
    return cancellation_outcome(
        credit_applied_cents=visit.credit_applied_cents,
        card_cents=visit.card_cents,
        card_state=visit.card_state,
        refund=visit.cancel_family == CancelFamily.NON_BEHAVIOURAL,
    )


@dataclass(frozen=True)
class MoneyTotals:
    """What cancelling several visits does with their money, counted."""

    charged: int = 0  # visits whose payment is kept
    charged_cents: int = 0
    credited: int = 0  # visits whose payment comes back as credit
    credited_cents: int = 0
    free: int = 0  # visits nobody paid for


def money_totals(outcomes: Iterable[MoneyOutcome]) -> MoneyTotals:
    charged = charged_cents = credited = credited_cents = free = 0
    for outcome in outcomes:
        if outcome.credit_cents:
            credited, credited_cents = credited + 1, credited_cents + outcome.credit_cents
        elif outcome.kept_cents:
            charged, charged_cents = charged + 1, charged_cents + outcome.kept_cents
        else:
            free += 1
    return MoneyTotals(charged, charged_cents, credited, credited_cents, free)
