"""At most SIGNUPS_PER_ADDRESS_PER_HOUR new accounts from one network address in an hour;
the address itself is never stored."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from accounts import services
from accounts.models import SignupRecord, User
from accounts.tests.factories import signup_data
from accounts.tests.pages import error_summary
from visitation.errors import DomainError
from visitation.models import OutboundEmail

pytestmark = pytest.mark.django_db

NOON = datetime(2027, 3, 3, 18, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def three_an_hour(settings):
    settings.SIGNUPS_PER_ADDRESS_PER_HOUR = 3


def sign_up(client, n, address="203.0.113.7"):
    client.logout()
    return client.post(
        reverse("accounts:signup"),
        signup_data(email=f"person{n}@example.com"),
        REMOTE_ADDR=address,
    )


def test_the_fourth_account_in_an_hour_from_one_address_is_paused_with_a_clear_message(client):
    with time_machine.travel(NOON, tick=False):
        for n in range(3):
            assert sign_up(client, n).status_code == 302
    with time_machine.travel(NOON + timedelta(minutes=20), tick=False):
        response = sign_up(client, 3)

    assert response.status_code == 200
    assert (
        "Many accounts were made from your network in the last hour, so new ones are paused. "
        "Please try again in 40 minutes." in error_summary(response)
    )
    assert not User.objects.filter(email="person3@example.com").exists()
    assert not OutboundEmail.objects.filter(to_email="person3@example.com").exists()


def test_an_hour_after_the_first_one_another_account_can_be_made(client):
    with time_machine.travel(NOON, tick=False):
        for n in range(3):
            sign_up(client, n)
    with time_machine.travel(NOON + timedelta(minutes=59, seconds=30), tick=False):
        assert error_summary(sign_up(client, 3)).endswith("Please try again in 1 minute.")
    with time_machine.travel(NOON + timedelta(hours=1, seconds=1), tick=False):
        assert sign_up(client, 4).status_code == 302
    assert User.objects.filter(email="person4@example.com").exists()


def test_other_addresses_are_not_held_back(client):
    with time_machine.travel(NOON, tick=False):
        for n in range(3):
            sign_up(client, n)
        assert sign_up(client, 3, address="198.51.100.9").status_code == 302


def test_refused_forms_do_not_count(client):
    with time_machine.travel(NOON, tick=False):
        for n in range(5):
            refused = client.post(
                reverse("accounts:signup"),
                signup_data(email=f"young{n}@example.com", date_of_birth="2015-01-01"),
                REMOTE_ADDR="203.0.113.7",
            )
            assert refused.status_code == 200
        assert sign_up(client, 0).status_code == 302


def test_the_address_is_kept_only_as_a_keyed_hash_and_old_records_go(client):
    with time_machine.travel(NOON, tick=False):
        sign_up(client, 0)
    (record,) = SignupRecord.objects.all()
    assert "203.0.113.7" not in record.address_key
    assert len(record.address_key) == 64
    with time_machine.travel(NOON + timedelta(days=1, minutes=1), tick=False):
        sign_up(client, 1, address="198.51.100.9")
    assert list(SignupRecord.objects.values_list("created_at", flat=True)) == [
        NOON + timedelta(days=1, minutes=1)
    ]


def test_behind_a_load_balancer_each_visitor_is_counted_by_their_own_address(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    with time_machine.travel(NOON, tick=False):
        for n in range(3):
            client.logout()
            client.post(
                reverse("accounts:signup"),
                signup_data(email=f"person{n}@example.com"),
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR="203.0.113.7",
            )
        client.logout()
        other = client.post(
            reverse("accounts:signup"),
            signup_data(email="neighbour@example.com"),
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="198.51.100.9",
        )
    assert other.status_code == 302


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_sign_ups_from_one_address_make_no_more_accounts_than_the_limit():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers")
    start = threading.Barrier(6)
    outcomes = []

    def sign_up_at_once(n):
        data = signup_data(email=f"burst{n}@example.com")
        data["date_of_birth"] = datetime(1990, 4, 2).date()
        try:
            start.wait()
            services.user_signup(**data, address="203.0.113.7")
            outcomes.append("made")
        except DomainError:
            outcomes.append("paused")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up_at_once, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["made"] * 3 + ["paused"] * 3
    assert User.objects.filter(email__startswith="burst").count() == 3
