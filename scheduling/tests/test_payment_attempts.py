"""A card payment is recorded as an attempt before the booking's transaction, so a card
charged by a booking that never committed (a crash, a lost connection) is found: the
periodic sweep reports it once, for an operator to check with the provider by its key."""

import logging
from datetime import timedelta

import pytest
import time_machine

from scheduling import services
from scheduling.models import PaymentAttempt, PaymentOutcome, Visit, VisitStatus
from scheduling.tests.factories import CreditFactory
from scheduling.tests.test_booking import DECLINED, NOW, WEDNESDAY_10, book, hold
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


def test_a_booking_that_fails_after_the_charge_is_reported_once_by_the_sweep(
    visitor, visit_site, monkeypatch, caplog, frozen
):
    def crash(**kwargs):
        raise ConnectionError("the database went away")

    monkeypatch.setattr(emails, "send_visit_confirmed", crash)
    visit = hold(visitor, visit_site)
    with pytest.raises(ConnectionError):
        book(visitor, visit, key="k1")
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.HELD  # rolled back
    assert attempt().outcome == PaymentOutcome.STARTED  # recorded before: still there

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


def test_a_reschedule_records_its_attempt_under_the_old_visit(visitor, visit_site):
    old = book(visitor, hold(visitor, visit_site))
    new = services.visit_reschedule(
        user=visitor,
        visit_id=old.pk,
        starts_at=WEDNESDAY_10 + timedelta(hours=2, minutes=20),
        idempotency_key="r1",
        duration=40,
        payment="4242424242424242",
    )
    rescheduled = PaymentAttempt.objects.get(key=f"reschedule-{old.pk}-r1")
    assert rescheduled.visit == old
    assert rescheduled.outcome == PaymentOutcome.PAID  # 40 minutes cost more than the credit
    assert new.ledger_entries.get(kind="payment").provider_reference == (
        rescheduled.provider_reference
    )
