import pytest

from scheduling.payments import PaymentError, SandboxProvider, payment_provider


def test_the_sandbox_turns_a_test_card_into_a_token_and_the_last_four_digits():
    payment = SandboxProvider().charge(
        source="4242 4242 4242 4242", amount_cents=400, idempotency_key="a"
    )
    assert payment.last4 == "4242"
    assert payment.token.startswith("tok_sandbox_")
    assert "4242424242424242" not in payment.token
    assert payment.reference.startswith("ch_")


def test_the_same_idempotency_key_gives_the_same_reference():
    provider = SandboxProvider()
    first = provider.charge(source="4242424242424242", amount_cents=400, idempotency_key="k")
    again = provider.charge(source="4242424242424242", amount_cents=400, idempotency_key="k")
    other = provider.charge(source="4242424242424242", amount_cents=400, idempotency_key="j")
    assert first.reference == again.reference != other.reference


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("4000000000000002", "declined"),
        ("4000000000009995", "insufficient_funds"),
        ("4000000000000069", "expired_card"),
        ("4242424242424241", "invalid_number"),
        ("not a card", "invalid_number"),
        ("4111111111111111", "test_mode"),
    ],
)
def test_test_cards_that_fail_fail_like_a_processor_would(number, code):
    with pytest.raises(PaymentError) as caught:
        SandboxProvider().charge(source=number, amount_cents=100, idempotency_key="x")
    assert caught.value.code == code
    assert caught.value.message


def test_a_saved_token_behaves_like_the_card_it_came_from():
    provider = SandboxProvider()
    good = provider.charge(source="4242424242424242", amount_cents=1, idempotency_key="a")
    assert provider.charge(source=good.token, amount_cents=5, idempotency_key="b").last4 == "4242"
    with pytest.raises(PaymentError) as caught:
        provider.charge(source="tok_sandbox_nonsense", amount_cents=5, idempotency_key="c")
    assert caught.value.code == "invalid_token"


def test_the_provider_comes_from_the_settings(settings):
    assert isinstance(payment_provider(), SandboxProvider)
    settings.PAYMENT_PROVIDER = "scheduling.tests.test_payments.RefusingProvider"
    assert isinstance(payment_provider(), RefusingProvider)


class RefusingProvider(SandboxProvider):
    pass


def test_the_sandbox_refunds_a_charge_once_per_key():
    provider = SandboxProvider()
    charge = provider.charge(source="4242424242424242", amount_cents=400, idempotency_key="k")

    refund = provider.refund(reference=charge.reference, amount_cents=400, idempotency_key="r")

    assert refund.startswith("re_")
    again = provider.refund(reference=charge.reference, amount_cents=400, idempotency_key="r")
    assert again == refund


@pytest.mark.parametrize(
    ("reference", "amount"), [("", 400), ("tok_sandbox_s4242", 400), ("ch_1", 0)]
)
def test_the_sandbox_refuses_to_refund_what_is_not_a_charge(reference, amount):
    with pytest.raises(ValueError):
        SandboxProvider().refund(reference=reference, amount_cents=amount, idempotency_key="r")
