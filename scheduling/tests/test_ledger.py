import pytest
from django.db import IntegrityError, transaction

from scheduling.models import LedgerEntry, LedgerKind
from scheduling.templatetags.visits import dollars, in_zone

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "amount", "card"),
    [
        (LedgerKind.CREDIT, -100, 0),  # a credit adds to the balance
        (LedgerKind.CREDIT_USE, 100, 0),  # using credit takes from it
        (LedgerKind.CHARGE, 0, 0),  # a card entry moves card money
        (LedgerKind.FUNDS_HOLD, -100, 100),  # and never the credit balance
    ],
)
def test_the_database_refuses_an_entry_whose_amounts_do_not_match_its_kind(
    home_user, kind, amount, card
):
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            user=home_user,
            kind=kind,
            amount_cents=amount,
            card_amount_cents=card,
            description="x",
            key="k",
        )


def test_one_event_writes_one_entry(home_user):
    LedgerEntry.objects.create(
        user=home_user,
        kind=LedgerKind.CREDIT,
        amount_cents=5,
        description="x",
        key="visit:1:credit",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            user=home_user,
            kind=LedgerKind.CREDIT,
            amount_cents=5,
            description="x",
            key="visit:1:credit",
        )


def test_money_and_times_are_shown_in_plain_words():
    from datetime import UTC, datetime

    assert dollars(0) == "$0.00"
    assert dollars(1250) == "$12.50"
    assert dollars(123456) == "$1,234.56"
    assert dollars(-500) == "-$5.00"
    moment = datetime(2027, 11, 7, 7, 20, tzinfo=UTC)  # the repeated hour in Chicago
    assert in_zone(moment, "America/Chicago") == "Sunday, November 7, 2027, 1:20 a.m. CST"
    assert in_zone(moment.replace(hour=6), "America/Chicago").endswith("1:20 a.m. CDT")


def test_the_migration_to_cards_charged_at_booking_stops_on_holds_of_the_old_model():
    from importlib import import_module

    from django.apps import apps

    from scheduling.tests.factories import VisitFactory

    refuse = import_module(
        "scheduling.migrations.0004_cards_charged_at_booking"
    ).refuse_card_holds_of_the_old_model
    held = VisitFactory(price_cents=400)  # today's model: card charged, money held for it
    LedgerEntry.objects.create(
        user=held.visitor,
        visit=held,
        kind=LedgerKind.FUNDS_HOLD,
        card_amount_cents=400,
        description="$4.00 held for your visit",
        key="today",
    )
    refuse(apps, None)

    VisitFactory(price_cents=400, card_state="released")
    waiting = VisitFactory(price_cents=400)
    LedgerEntry.objects.create(
        user=waiting.visitor,
        visit=waiting,
        kind=LedgerKind.FUNDS_HOLD,
        card_amount_cents=400,
        provider_reference="auth_0123",  # an authorisation the sweep would have captured
        description="Held on card ending 4242",
        key="old",
    )
    with pytest.raises(RuntimeError, match=r"1 released card hold\(s\) and 1 card authoris"):
        refuse(apps, None)
