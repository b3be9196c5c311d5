"""Pure money rules for visits: data in, decision out, no queries."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .models import CardState

# Cancelled at least this long before the start, what was paid comes back; later, nothing.
# Once less than this remains, a hold of funds becomes a final charge (the sweep).
CREDIT_CUTOFF = timedelta(hours=48)


def credit_is_due(*, starts_at: datetime, now: datetime) -> bool:
    return starts_at - now >= CREDIT_CUTOFF


def visit_price(*, duration_minutes: int, price_per_minute_cents: int) -> int:
    return duration_minutes * price_per_minute_cents


@dataclass(frozen=True)
class MoneyOutcome:
    """What a cancellation does with a visit's money.

    What was paid is the credit used plus card money already charged; card money only held
    was never taken, so a credited cancellation releases the hold rather than turning it
    into credit (the visitor keeps the use of it, which is better than credit).
    """

    credit_cents: int = 0  # becomes credit toward a future visit
    released_cents: int = 0  # hold on the card released, never charged
    charged_cents: int = 0  # hold on the card charged now
    kept_cents: int = 0  # paid (or charged now) and not given back

    @property
    def refunded(self) -> bool:
        return self.kept_cents == 0


NOTHING = MoneyOutcome()


def cancellation_outcome(
    *, credit_applied_cents: int, card_cents: int, card_state: str, refund: bool
) -> MoneyOutcome:
    card_charged = card_cents if card_state == CardState.CHARGED else 0
    card_held = card_cents if card_state == CardState.HELD else 0
    if refund:
        return MoneyOutcome(
            credit_cents=credit_applied_cents + card_charged, released_cents=card_held
        )
    return MoneyOutcome(
        charged_cents=card_held, kept_cents=credit_applied_cents + card_charged + card_held
    )


def cancellation_credit_preview(*, visit, now: datetime) -> MoneyOutcome:
    """What the visitor gets back if they cancel (or reschedule) `visit` at `now`: at least
    48 hours before its start everything paid, later nothing."""
    return cancellation_outcome(
        credit_applied_cents=visit.credit_applied_cents,
        card_cents=visit.card_cents,
        card_state=visit.card_state,
        refund=credit_is_due(starts_at=visit.starts_at, now=now),
    )
