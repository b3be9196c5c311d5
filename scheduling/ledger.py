"""Writing a visit's money: paying at booking, settling at cancellation or at the deadline.

The card is charged at booking, and money goes back to a card only when that booking fails
to commit (services._attempts): a visit cancelled in time gives back what was paid as
credit toward a future visit. Only scheduling services call these, inside their
transaction, with the visit row locked. Every entry has a key naming its event, so an event
retried or raced writes one entry.
"""

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import Sum
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from visitation.errors import DomainError
from visitation.formatting import dollars

from .models import (
    CardState,
    LedgerEntry,
    LedgerKind,
    PaymentAttempt,
    PaymentOutcome,
    Visit,
    VisitStatus,
)
from .payments import PaymentError, payment_provider
from .rules import CREDIT_CUTOFF, MoneyOutcome, credit_is_due, hours

if TYPE_CHECKING:
    from .services._attempts import OpenAttempt


def visit_label(visit: Visit) -> str:
    """ "your visit with Ana Diaz on Mar 3, 2027, 2:00 p.m. CST", in facility time."""
    local = visit.starts_at.astimezone(ZoneInfo(visit.facility.time_zone))
    return _("your visit with %(person)s on %(when)s %(zone)s") % {
        "person": visit.inmate.full_name,
        "when": date_format(local, _("N j, Y, P")),
        "zone": local.tzname(),
    }


def entry_words(
    *, kind: str, visit: Visit, card_amount_cents: int = 0, card_last4: str = "", cancelled=False
) -> str:
    """A visit's ledger entry in plain words, in the active language."""
    label = visit_label(visit)
    if kind == LedgerKind.CREDIT_USE:
        return _("Credit used for %(visit)s") % {"visit": label}
    if kind == LedgerKind.PAYMENT:
        return _("Paid with card ending %(last4)s for %(visit)s") % {
            "last4": card_last4,
            "visit": label,
        }
    if kind == LedgerKind.FUNDS_HOLD:
        return _(
            "%(amount)s held for %(visit)s: it becomes final %(hours)s hours before "
            "the visit; cancel before then and it comes back as credit."
        ) % {"amount": dollars(card_amount_cents), "visit": label, "hours": hours(CREDIT_CUTOFF)}
    if kind == LedgerKind.CREDIT:
        return _("Credit for %(visit)s, which was cancelled") % {"visit": label}
    if cancelled:
        return _(
            "Final charge for %(visit)s, which was cancelled: what was paid does not come back"
        ) % {"visit": label}
    return _(
        "Final charge for %(visit)s: less than %(hours)s hours to go, so this is no "
        "longer refundable"
    ) % {"visit": label, "hours": hours(CREDIT_CUTOFF)}


def describe(entry: LedgerEntry) -> str:
    """An entry in words for the person reading now, in their language: a visit's entries
    are worded again (the stored description is in the language of the day it was
    written); an entry of no visit (a credit given by an operator) keeps its own words."""
    if entry.visit_id is None:
        return entry.description
    return entry_words(
        kind=entry.kind,
        visit=entry.visit,
        card_amount_cents=entry.card_amount_cents,
        card_last4=entry.card_last4,
        cancelled=entry.visit.status == VisitStatus.CANCELLED,
    )


def _entry(*, visit: Visit, kind: str, key: str, cancelled=False, **fields) -> LedgerEntry:
    """An entry for `visit`, not yet written (see _write), its description in the
    visitor's language."""
    with translation.override(visit.visitor.language):
        description = entry_words(
            kind=kind,
            visit=visit,
            card_amount_cents=fields.get("card_amount_cents", 0),
            card_last4=fields.get("card_last4", ""),
            cancelled=cancelled,
        )
    return LedgerEntry(
        key=key,
        user_id=visit.visitor_id,
        visit=visit,
        kind=kind,
        description=description[:300],
        **fields,
    )


def _write(*entries: LedgerEntry) -> None:
    """Write the entries in one INSERT; one whose key is already there (the event retried
    or raced) is skipped by the database, so each event is written once. (PostgreSQL skips
    only that conflict; SQLite's INSERT OR IGNORE would also skip a failed CHECK, so the
    ledger's checks are proven by the PostgreSQL test pass.)"""
    if entries:
        LedgerEntry.objects.bulk_create(entries, ignore_conflicts=True)


def balance_locked(*, user: User) -> int:
    """The user's credit, with the user's row locked so two bookings cannot spend it twice."""
    list(
        User.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk=user.pk)
        .order_by()
        .values_list("pk")
    )
    return LedgerEntry.objects.filter(user=user).aggregate(total=Sum("amount_cents"))["total"] or 0


def visit_pay(
    *,
    visit: Visit,
    payment: str | None,
    now: datetime,
    provider_key: str,
    attempt: "OpenAttempt | None",
) -> str:
    """Pay for a held visit being booked: credit first, then the card, charged now. Booked
    at least 48 hours ahead, what was paid is held for the visit until it enters its last
    48 hours (the sweep makes it final); cancelled before then, it comes back as credit.
    Booked later, it is final at once. A declined card raises DomainError and, the caller's
    transaction rolling back, nothing is written. Returns the card's last four digits, or ""
    when no card was needed.

    `provider_key` is the idempotency key the provider is given; with `attempt`, the payment
    attempt the service opened under that key is marked paid or not charged here, in the
    caller's transaction, and the charge is noted on it so that it is refunded if that
    transaction fails, whatever the error (services._attempts.paying)."""
    price = visit.price_cents
    credit = min(max(balance_locked(user=visit.visitor), 0), price)
    card = price - credit
    card_result = None
    if card:
        if not payment:
            raise DomainError(
                _("Please enter a card to pay %(amount)s.") % {"amount": dollars(card)},
                field="card_number",
            )
        try:
            card_result = payment_provider().charge(
                source=payment, amount_cents=card, idempotency_key=provider_key
            )
        except PaymentError as error:
            raise DomainError(error.message, field="card_number") from None
        if attempt:
            attempt.charge, attempt.amount_cents = card_result, card
    if attempt:
        PaymentAttempt.objects.filter(key=provider_key).update(
            outcome=PaymentOutcome.PAID if card_result else PaymentOutcome.NOT_CHARGED,
            provider_reference=card_result.reference if card_result else "",
            resolved_at=now,
        )
    held = bool(card) and credit_is_due(starts_at=visit.starts_at, now=now)
    entries = []
    if credit:
        entries.append(
            _entry(
                visit=visit,
                kind=LedgerKind.CREDIT_USE,
                key=f"visit:{visit.pk}:credit-use",
                amount_cents=-credit,
            )
        )
    if card_result:
        entries.append(
            _entry(
                visit=visit,
                kind=LedgerKind.PAYMENT,
                key=f"visit:{visit.pk}:payment",
                card_amount_cents=card,
                provider_token=card_result.token,
                provider_reference=card_result.reference,
                card_last4=card_result.last4,
            )
        )
    if held:
        entries.append(
            _entry(
                visit=visit,
                kind=LedgerKind.FUNDS_HOLD,
                key=f"visit:{visit.pk}:funds-hold",
                card_amount_cents=price,
            )
        )
    _write(*entries)
    visit.credit_applied_cents = credit
    visit.card_cents = card
    if not card:
        visit.card_state = CardState.NONE
    else:
        visit.card_state = CardState.HELD if held else CardState.CHARGED
    return card_result.last4 if card_result else ""


def _make_final(*, visit: Visit, cancelled: bool) -> None:
    _write(
        _entry(
            visit=visit,
            kind=LedgerKind.CHARGE,
            key=f"visit:{visit.pk}:charge",
            card_amount_cents=visit.credit_applied_cents + visit.card_cents,
            cancelled=cancelled,
        )
    )
    visit.card_state = CardState.CHARGED


def visit_charge_held(*, visit: Visit) -> None:
    """The visit enters its last 48 hours (or takes place): what was paid and held for it
    becomes final. Database only: the card was charged at booking."""
    if visit.card_state != CardState.HELD:
        return
    _make_final(visit=visit, cancelled=False)


def visit_settle(*, visit: Visit, outcome: MoneyOutcome) -> None:
    """Carry out a cancellation's money outcome (see rules.cancellation_outcome)."""
    visit_credit(visit=visit, outcome=outcome)
    visit_settle_card(visit=visit, outcome=outcome)


def visit_credit(*, visit: Visit, outcome: MoneyOutcome) -> None:
    """The credit part of an outcome: what was paid, credit and card, comes back as credit."""
    if not outcome.credit_cents:
        return
    _write(
        _entry(
            visit=visit,
            kind=LedgerKind.CREDIT,
            key=f"visit:{visit.pk}:credit",
            amount_cents=outcome.credit_cents,
        )
    )
    if visit.card_state in (CardState.HELD, CardState.CHARGED):
        visit.card_state = CardState.CREDITED


def visit_settle_card(*, visit: Visit, outcome: MoneyOutcome) -> None:
    """The rest of an outcome: money held for the visit becomes final, nothing comes back."""
    if not outcome.charged_cents:
        return
    _make_final(visit=visit, cancelled=True)
