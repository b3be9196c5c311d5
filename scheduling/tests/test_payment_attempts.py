"""A card payment is recorded as an attempt before the booking's transaction. A booking that
fails after the card was charged gives the charge back at once; one whose process could
not (a crash, a refused refund, a commit whose answer was lost) is found: the periodic
sweep reports it once, for an operator to check with the provider by its key."""

import logging
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.db import OperationalError
from django.test import Client

from accounts.tests.pages import text_of
from scheduling import ledger, services
from scheduling.models import LedgerEntry, PaymentAttempt, PaymentOutcome, Visit, VisitStatus
from scheduling.payments import PaymentError, SandboxProvider
from scheduling.services import _attempts
from scheduling.tests.factories import CreditFactory
from scheduling.tests.test_booking import DECLINED, NOW, WEDNESDAY_10, book, hold
from scheduling.tests.test_views_family import card, confirm_data, iso, time_url
from visitation import emails
from visitation.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def attempt():
    (only,) = PaymentAttempt.objects.all()
    return only


def reschedule_longer(visitor, old):
    """Move the visit to 12:20 the same day, 40 minutes long, paid by card (key "r1")."""
    return services.visit_reschedule(
        user=visitor,
        visit_id=old.pk,
        starts_at=WEDNESDAY_10 + timedelta(hours=2, minutes=20),
        idempotency_key="r1",
        duration=40,
        payment="4242424242424242",
    )


def test_a_card_booking_records_its_attempt_as_paid_with_the_providers_reference(
    visitor, visit_site
):
    visit = book(visitor, hold(visitor, visit_site), key="k1")

    paid = attempt()
    assert paid.key == f"visit-{visit.pk}-k1"
    assert (paid.user, paid.visit, paid.outcome) == (visitor, visit, PaymentOutcome.PAID)
    assert paid.provider_reference.startswith("ch_")
    assert paid.provider_reference == visit.ledger_entries.get(kind="payment").provider_reference
    assert paid.resolved_at == NOW


def test_a_declined_card_leaves_the_attempt_not_charged(visitor, visit_site):
    visit = hold(visitor, visit_site)
    with pytest.raises(DomainError):
        book(visitor, visit, payment=DECLINED)
    assert attempt().outcome == PaymentOutcome.NOT_CHARGED


def test_credit_paying_everything_leaves_the_attempt_not_charged(visitor, visit_site):
    CreditFactory(user=visitor, amount_cents=5000)
    book(visitor, hold(visitor, visit_site))
    assert attempt().outcome == PaymentOutcome.NOT_CHARGED


def test_no_attempt_is_recorded_for_someone_elses_visit(visitor, other_home_user, visit_site):
    visit = hold(visitor, visit_site)
    with pytest.raises(DomainError):
        book(other_home_user, visit)
    assert not PaymentAttempt.objects.exists()


def test_a_repeated_confirm_records_one_attempt(visitor, visit_site):
    visit = hold(visitor, visit_site)
    book(visitor, visit, key="same")
    book(visitor, visit, key="same")
    assert attempt().outcome == PaymentOutcome.PAID


@pytest.fixture
def refunds(monkeypatch):
    """The sandbox's refunds, as (reference, amount, key) in the order asked."""
    asked = []
    refund = SandboxProvider.refund

    def spy(self, **kwargs):
        asked.append((kwargs["reference"], kwargs["amount_cents"], kwargs["idempotency_key"]))
        return refund(self, **kwargs)

    monkeypatch.setattr(SandboxProvider, "refund", spy)
    return asked


def failing(error):
    """A stand-in for a function that raises `error` whatever it is given."""

    def fail(*args, **kwargs):
        raise error

    return fail


def lost():
    return ConnectionError("the database went away")


@pytest.fixture
def email_fails(monkeypatch):
    """The confirmation email fails after the card was charged, inside the transaction."""
    monkeypatch.setattr(emails, "send_visit_confirmed", failing(lost()))


def test_a_booking_that_fails_after_the_charge_is_refunded_at_once(
    visitor, visit_site, email_fails, refunds, frozen
):
    visit = hold(visitor, visit_site)
    with pytest.raises(ConnectionError):  # the error that failed the booking, not hidden
        book(visitor, visit, key="k1")

    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.HELD  # rolled back
    assert not LedgerEntry.objects.exists()
    refunded = attempt()
    assert refunded.outcome == PaymentOutcome.REFUNDED
    assert refunded.provider_reference.startswith("ch_")
    assert refunds == [(refunded.provider_reference, 400, f"refund-visit-{visit.pk}-k1")]
    frozen.shift(timedelta(minutes=16))
    assert services.visit_deadlines_enforce().unresolved_payments == 0  # nothing to report


def test_a_refusal_after_the_charge_is_refunded_too(visitor, visit_site, monkeypatch, refunds):
    monkeypatch.setattr(emails, "send_visit_confirmed", failing(DomainError("No.")))
    visit = hold(visitor, visit_site)
    with pytest.raises(DomainError):
        book(visitor, visit, key="k1")

    assert attempt().outcome == PaymentOutcome.REFUNDED
    assert len(refunds) == 1


def test_a_booking_that_fails_before_any_charge_refunds_nothing(
    visitor, visit_site, monkeypatch, refunds
):
    monkeypatch.setattr(ledger, "balance_locked", failing(lost()))
    visit = hold(visitor, visit_site)
    with pytest.raises(ConnectionError):
        book(visitor, visit, key="k1")

    assert refunds == []
    assert attempt().outcome == PaymentOutcome.STARTED


def test_a_failure_at_the_commit_is_not_refunded_but_reported(
    visitor, visit_site, monkeypatch, refunds, caplog, frozen
):
    """The booking may have been written by a commit whose answer was lost: giving the
    money back could leave a booked visit unpaid, so an operator checks instead."""

    @contextmanager
    def commit_lost():
        yield
        raise OperationalError("server closed the connection unexpectedly")

    visit = hold(visitor, visit_site)
    monkeypatch.setattr(_attempts, "transaction", SimpleNamespace(atomic=commit_lost))
    with pytest.raises(OperationalError):
        book(visitor, visit, key="k1")

    assert refunds == []
    assert attempt().outcome == PaymentOutcome.PAID  # as this process wrote it
    PaymentAttempt.objects.update(outcome=PaymentOutcome.STARTED)  # the commit was lost
    frozen.shift(timedelta(minutes=16))
    with caplog.at_level(logging.ERROR):
        assert services.visit_deadlines_enforce().unresolved_payments == 1


def test_a_refund_the_provider_refuses_is_reported_once_by_the_sweep(
    visitor, visit_site, email_fails, monkeypatch, caplog, frozen
):
    refused = PaymentError("The refund was refused.", code="refund_refused")
    monkeypatch.setattr(SandboxProvider, "refund", failing(refused))
    visit = hold(visitor, visit_site)
    with caplog.at_level(logging.ERROR), pytest.raises(ConnectionError):
        book(visitor, visit, key="k1")
    assert attempt().outcome == PaymentOutcome.STARTED  # recorded before: still there
    assert any("the refund failed" in r.getMessage() for r in caplog.records)
    caplog.clear()

    frozen.shift(timedelta(minutes=14))
    assert services.visit_deadlines_enforce().unresolved_payments == 0  # may still finish
    frozen.shift(timedelta(minutes=2))
    with caplog.at_level(logging.ERROR):
        assert services.visit_deadlines_enforce().unresolved_payments == 1
        assert services.visit_deadlines_enforce().unresolved_payments == 0  # once
    (line,) = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert line.startswith(f"payment attempt visit-{visit.pk}-k1 unresolved: the card may")
    assert f"(visit {visit.pk}, user {visitor.pk})" in line
    assert attempt().reported_at is not None


def test_a_reschedule_that_fails_after_the_charge_is_refunded_at_once(
    visitor, visit_site, monkeypatch, refunds
):
    old = book(visitor, hold(visitor, visit_site))

    monkeypatch.setattr(emails, "send_visit_changed", failing(lost()))
    with pytest.raises(ConnectionError):
        reschedule_longer(visitor, old)

    failed = PaymentAttempt.objects.get(key=f"reschedule-{old.pk}-r1")
    assert failed.outcome == PaymentOutcome.REFUNDED
    assert refunds == [(failed.provider_reference, 400, f"refund-reschedule-{old.pk}-r1")]
    assert Visit.objects.get(pk=old.pk).status == VisitStatus.BOOKED  # nothing changed


def test_a_reschedule_records_its_attempt_under_the_old_visit(visitor, visit_site):
    old = book(visitor, hold(visitor, visit_site))
    new = reschedule_longer(visitor, old)
    rescheduled = PaymentAttempt.objects.get(key=f"reschedule-{old.pk}-r1")
    assert rescheduled.visit == old
    assert rescheduled.outcome == PaymentOutcome.PAID  # 40 minutes cost more than the credit
    assert new.ledger_entries.get(kind="payment").provider_reference == (
        rescheduled.provider_reference
    )


def test_a_confirm_sent_again_after_a_refund_asks_for_a_new_confirmation(
    visitor, visit_site, monkeypatch, refunds
):
    """The provider answers a key it has seen with that charge, refunded since: the same
    form must not book on it. A new confirmation charges anew."""
    visit = hold(visitor, visit_site)
    with monkeypatch.context() as patched:
        patched.setattr(emails, "send_visit_confirmed", failing(ZeroDivisionError()))
        with pytest.raises(ZeroDivisionError):
            book(visitor, visit, key="k1")

    with pytest.raises(DomainError, match=r"went back to your card\. Nothing is booked yet"):
        book(visitor, visit, key="k1")
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.HELD
    assert len(refunds) == 1

    booked = book(visitor, visit, key="k2")

    assert booked.status == VisitStatus.BOOKED
    outcomes = dict(PaymentAttempt.objects.values_list("key", "outcome"))
    assert outcomes == {
        f"visit-{visit.pk}-k1": PaymentOutcome.REFUNDED,
        f"visit-{visit.pk}-k2": PaymentOutcome.PAID,
    }


def test_the_family_is_told_the_money_went_back_and_can_confirm_again(
    visitor, visit_site, monkeypatch, refunds, django_capture_on_commit_callbacks
):
    client = Client(raise_request_exception=False)
    client.force_login(visitor)
    checkout = client.get(client.post(time_url(visit_site), {"starts_at": iso(WEDNESDAY_10)}).url)
    data = confirm_data(checkout, **card())
    with monkeypatch.context() as patched:
        patched.setattr(emails, "send_visit_confirmed", failing(ZeroDivisionError()))
        assert client.post(checkout.request["PATH_INFO"], data).status_code == 500

    again = client.post(checkout.request["PATH_INFO"], data)  # the same form, sent again

    assert again.status_code == 200
    assert (
        "Something went wrong with this confirmation and what was charged went back to your "
        "card. Nothing is booked yet: please confirm again." in text_of(again)
    )
    renewed = confirm_data(again, **card())
    assert renewed["idempotency_key"] != data["idempotency_key"]
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(checkout.request["PATH_INFO"], renewed)
    assert "/booked/" in done.url
    assert len(refunds) == 1
