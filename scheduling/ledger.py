"""Writing a visit's money: paying at booking, settling at cancellation or at the deadline.

Only scheduling services call these, inside their transaction, with the visit row locked.
Every entry has a key naming its event, so an event retried or raced writes one entry.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Sum
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from visitation.errors import DomainError

from .models import CardState, LedgerEntry, LedgerKind, Visit
from .payments import PaymentError, payment_provider
from .rules import MoneyOutcome, credit_is_due
from .templatetags.visits import dollars


def visit_label(visit: Visit) -> str:
    """ "your visit with Ana Diaz on Mar 3, 2027, 2:00 p.m. CST", in facility time."""
    local = visit.starts_at.astimezone(ZoneInfo(visit.facility.time_zone))
    return _("your visit with %(person)s on %(when)s %(zone)s") % {
        "person": visit.inmate.full_name,
        "when": date_format(local, _("N j, Y, P")),
        "zone": local.tzname(),
    }


def _entry(*, visit: Visit, kind: str, key: str, description: str, **fields) -> LedgerEntry:
    entry, _created = LedgerEntry.objects.get_or_create(
        key=key,
        defaults={
            "user_id": visit.visitor_id,
            "visit": visit,
            "kind": kind,
            "description": description[:300],
            **fields,
        },
    )
    return entry


def balance_locked(*, user: User) -> int:
    """The user's credit, with the user's row locked so two bookings cannot spend it twice."""
    list(
        User.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk=user.pk)
        .order_by()
        .values_list("pk")
    )
    return LedgerEntry.objects.filter(user=user).aggregate(total=Sum("amount_cents"))["total"] or 0


def visit_pay(*, visit: Visit, payment: str | None, now: datetime, attempt: str) -> str:
    """Pay for a held visit being booked: credit first, then the card. More than 48 hours
    ahead the card amount is held and charged when the visit enters its last 48 hours (the
    sweep); closer than that it is charged now. A declined card raises DomainError and, the
    caller's transaction rolling back, nothing is written. Returns the card's last four
    digits, or "" when no card was needed."""
    price = visit.price_cents
    credit = min(max(balance_locked(user=visit.visitor), 0), price)
    card = price - credit
    card_result = None
    hold = credit_is_due(starts_at=visit.starts_at, now=now)
    if card:
        if not payment:
            raise DomainError(
                _("Please enter a card to pay %(amount)s.") % {"amount": dollars(card)},
                field="card_number",
            )
        provider = payment_provider()
        pay = provider.authorize if hold else provider.charge
        try:
            card_result = pay(
                source=payment, amount_cents=card, idempotency_key=f"visit-{visit.pk}-{attempt}"
            )
        except PaymentError as error:
            raise DomainError(error.message, field="card_number") from None
    with translation.override(visit.visitor.language):
        label = visit_label(visit)
        if credit:
            _entry(
                visit=visit,
                kind=LedgerKind.CREDIT_USE,
                key=f"visit:{visit.pk}:credit-use",
                amount_cents=-credit,
                description=_("Credit used for %(visit)s") % {"visit": label},
            )
        if card_result and hold:
            _entry(
                visit=visit,
                kind=LedgerKind.FUNDS_HOLD,
                key=f"visit:{visit.pk}:funds-hold",
                card_amount_cents=card,
                provider_token=card_result.token,
                provider_reference=card_result.reference,
                card_last4=card_result.last4,
                description=_(
                    "Held on card ending %(last4)s for %(visit)s. It is charged 48 hours "
                    "before the visit, or released if you cancel before then."
                )
                % {"last4": card_result.last4, "visit": label},
            )
        elif card_result:
            _entry(
                visit=visit,
                kind=LedgerKind.PAYMENT,
                key=f"visit:{visit.pk}:payment",
                card_amount_cents=card,
                provider_token=card_result.token,
                provider_reference=card_result.reference,
                card_last4=card_result.last4,
                description=_("Paid with card ending %(last4)s for %(visit)s")
                % {"last4": card_result.last4, "visit": label},
            )
    visit.credit_applied_cents = credit
    visit.card_cents = card
    if not card:
        visit.card_state = CardState.NONE
    else:
        visit.card_state = CardState.HELD if hold else CardState.CHARGED
    return card_result.last4 if card_result else ""


def _hold_entry(visit: Visit) -> LedgerEntry:
    return LedgerEntry.objects.get(visit=visit, kind=LedgerKind.FUNDS_HOLD)


def visit_charge_held(*, visit: Visit) -> None:
    """Turn the visit's hold of funds into a final charge."""
    if visit.card_state != CardState.HELD:
        return
    hold = _hold_entry(visit)
    reference = payment_provider().capture(
        reference=hold.provider_reference,
        amount_cents=visit.card_cents,
        idempotency_key=f"visit-{visit.pk}-capture",
    )
    with translation.override(visit.visitor.language):
        _entry(
            visit=visit,
            kind=LedgerKind.CHARGE,
            key=f"visit:{visit.pk}:charge",
            card_amount_cents=visit.card_cents,
            provider_token=hold.provider_token,
            provider_reference=reference,
            card_last4=hold.card_last4,
            description=_("Charged to card ending %(last4)s for %(visit)s")
            % {"last4": hold.card_last4, "visit": visit_label(visit)},
        )
    visit.card_state = CardState.CHARGED


def visit_settle(*, visit: Visit, outcome: MoneyOutcome) -> None:
    """Carry out a cancellation's money outcome (see rules.cancellation_outcome)."""
    visit_credit(visit=visit, outcome=outcome)
    visit_settle_card(visit=visit, outcome=outcome)


def visit_credit(*, visit: Visit, outcome: MoneyOutcome) -> None:
    """The credit part of an outcome: database only, no call to the provider."""
    if outcome.credit_cents:
        with translation.override(visit.visitor.language):
            _entry(
                visit=visit,
                kind=LedgerKind.CREDIT,
                key=f"visit:{visit.pk}:credit",
                amount_cents=outcome.credit_cents,
                description=_("Credit for %(visit)s, which was cancelled")
                % {"visit": visit_label(visit)},
            )


def visit_settle_card(*, visit: Visit, outcome: MoneyOutcome) -> None:
    """The card part of an outcome: charge or release the hold at the provider."""
    if outcome.charged_cents:
        visit_charge_held(visit=visit)
    if outcome.released_cents:
        hold = _hold_entry(visit)
        payment_provider().release(
            reference=hold.provider_reference, idempotency_key=f"visit-{visit.pk}-release"
        )
        with translation.override(visit.visitor.language):
            _entry(
                visit=visit,
                kind=LedgerKind.RELEASE,
                key=f"visit:{visit.pk}:release",
                card_amount_cents=outcome.released_cents,
                provider_token=hold.provider_token,
                card_last4=hold.card_last4,
                description=_(
                    "Hold released on card ending %(last4)s: %(visit)s was cancelled and "
                    "you were not charged"
                )
                % {"last4": hold.card_last4, "visit": visit_label(visit)},
            )
        visit.card_state = CardState.RELEASED
