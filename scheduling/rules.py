"""Pure money rules for visits: data in, decision out, no queries."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .models import CardState

# Cancelled at least this long before the start, what was paid comes back as credit; later,
# nothing. Once less than this remains, the visit's paid money is final (the sweep).
CREDIT_CUTOFF = timedelta(hours=48)


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
