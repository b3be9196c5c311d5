"""The card fields of the confirmation form as a phone fills them: a number pad has no
slash, and card numbers are printed in groups of four."""

from datetime import UTC, datetime

import pytest
import time_machine

from scheduling.forms import PaymentForm

KEY = "0" * 32


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2027, 3, 1, 14, tzinfo=UTC), tick=False):
        yield


def filled(**card):
    data = {
        "idempotency_key": KEY,
        "card_number": "4242424242424242",
        "card_expiry": "04/29",
        "card_cvc": "123",
        **card,
    }
    return PaymentForm(data, card_needed=True)


@pytest.mark.parametrize(
    "typed", ["04/29", "0429", "04 29", "04-29", "04/2029", "4/29", " 04 / 29 ", "042029"]
)
def test_every_way_of_typing_the_expiry_is_april_2029(typed):
    form = filled(card_expiry=typed)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["card_expiry"] == (4, 2029)


@pytest.mark.parametrize("typed", ["13/29", "00/29", "4/2", "0429x", "April 2029", "04/290"])
def test_an_expiry_that_is_not_a_month_and_year_is_refused_with_an_example(typed):
    form = filled(card_expiry=typed)

    assert not form.is_valid()
    assert form.errors["card_expiry"] == ["Enter the month and year as on the card, like 04/29."]


@pytest.mark.parametrize("typed", ["02/27", "0227", "02-2027"])
def test_an_expiry_in_the_past_is_refused_whatever_its_format(typed):
    form = filled(card_expiry=typed)

    assert not form.is_valid()
    assert form.errors["card_expiry"] == ["This card has expired. Please use another card."]


@pytest.mark.parametrize(
    "typed",
    ["4242424242424242", "4242 4242 4242 4242", " 4242 4242 4242 4242 ", "4242-4242-4242-4242"],
)
def test_the_card_number_is_read_with_or_without_spaces(typed):
    form = filled(card_number=typed)

    assert form.is_valid(), form.errors
    assert form.payment() == "4242424242424242"


def test_a_card_number_with_letters_is_refused():
    form = filled(card_number="4242 4242 4242 424O")

    assert not form.is_valid()
    assert form.errors["card_number"] == ["Enter only the digits of the card number."]
