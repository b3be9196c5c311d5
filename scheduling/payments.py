"""Card payments behind one small interface.

The site never keeps a card number: a provider turns it into a token and the last four
digits, and only those are stored (in the ledger). `settings.PAYMENT_PROVIDER` names the
provider class; the default is the sandbox, which behaves like common processors' test
modes with their published test card numbers.
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from visitation import keyring


class PaymentError(Exception):
    """The provider said no. `message` is for the person paying (translated)."""

    def __init__(self, message, *, code):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class CardPayment:
    token: str  # reusable reference to the card at the provider
    last4: str
    reference: str  # the charge at the provider


class PaymentProvider(Protocol):
    def charge(self, *, source: str, amount_cents: int, idempotency_key: str) -> CardPayment:
        """Take funds from a card (a number or a token) now. Money goes back to the card only
        when the booking that took it did not go through (refund); a visit cancelled in
        time gives credit instead."""

    def refund(self, *, reference: str, amount_cents: int, idempotency_key: str) -> str:
        """Give a charge back to its card in full; returns the refund's reference. The same
        key refunds once. Raises PaymentError if the provider refuses."""


def payment_provider() -> PaymentProvider:
    path = getattr(settings, "PAYMENT_PROVIDER", "scheduling.payments.SandboxProvider")
    return import_string(path)()


SUCCEEDS = "succeeds"
DECLINED = "declined"
INSUFFICIENT_FUNDS = "insufficient_funds"
EXPIRED = "expired_card"

# The test cards of common processors' test modes.
SANDBOX_CARDS = {
    "4242424242424242": SUCCEEDS,
    "5555555555554444": SUCCEEDS,
    "4000000000000002": DECLINED,
    "4000000000009995": INSUFFICIENT_FUNDS,
    "4000000000000069": EXPIRED,
}
TOKEN_PREFIX = "tok_sandbox_"
TOKEN_OUTCOMES = {"s": SUCCEEDS, "d": DECLINED, "f": INSUFFICIENT_FUNDS, "e": EXPIRED}


def _luhn_valid(number: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


class SandboxProvider:
    """Takes no money. The outcome depends on the test card number; a token carries the
    card's outcome with it, so a saved card behaves as the number it came from."""

    def charge(self, *, source, amount_cents, idempotency_key):
        if amount_cents <= 0:
            raise ValueError("amount_cents must be positive")
        token, last4, outcome = self._card(source)
        if outcome == DECLINED:
            raise PaymentError(_("Your card was declined. Please use another card."), code=DECLINED)
        if outcome == INSUFFICIENT_FUNDS:
            raise PaymentError(
                _("Your card does not have enough funds. Please use another card."),
                code=INSUFFICIENT_FUNDS,
            )
        if outcome == EXPIRED:
            raise PaymentError(_("Your card has expired. Please use another card."), code=EXPIRED)
        return CardPayment(
            token=token, last4=last4, reference="ch_" + self._digest(idempotency_key)
        )

    def refund(self, *, reference, amount_cents, idempotency_key):
        if amount_cents <= 0 or not reference.startswith("ch_"):
            raise ValueError("a refund needs a charge reference and a positive amount")
        return "re_" + self._digest(idempotency_key)

    def _card(self, source: str) -> tuple[str, str, str]:
        source = "".join(source.split()).replace("-", "")
        if source.startswith(TOKEN_PREFIX):
            body = source[len(TOKEN_PREFIX) :]
            outcome = TOKEN_OUTCOMES.get(body[:1])
            if outcome is None or len(body) != 17 or not body[1:5].isdigit():
                raise PaymentError(_("This saved card is no longer valid."), code="invalid_token")
            return source, body[1:5], outcome
        if not source.isdigit() or not 12 <= len(source) <= 19 or not _luhn_valid(source):
            raise PaymentError(
                _("This card number is not valid. Please check it and try again."),
                code="invalid_number",
            )
        outcome = SANDBOX_CARDS.get(source)
        if outcome is None:
            raise PaymentError(
                _(
                    "This site is in test mode and takes only test cards, for example "
                    "4242 4242 4242 4242."
                ),
                code="test_mode",
            )
        last4 = source[-4:]
        code = next(c for c, o in TOKEN_OUTCOMES.items() if o == outcome)
        return f"{TOKEN_PREFIX}{code}{last4}{self._digest(source)[:12]}", last4, outcome

    @staticmethod
    def _digest(value: str) -> str:
        return keyring.keyed_hash(value)[:24]
