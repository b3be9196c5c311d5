import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory, otp_login
from scheduling.models import SchedulingConfig
from scheduling.tests.factories import (
    ClosureFactory,
    CreditFactory,
    LockdownFactory,
    SchedulingConfigFactory,
    VisitFactory,
)

MODELS = [
    "schedulingconfig",
    "visitwindow",
    "closure",
    "lockdown",
    "visit",
    "ledgerentry",
    "termsacceptance",
]


@pytest.fixture
def operator(db):
    return UserFactory(email="operator@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def some_of_everything(visit_site, visitor):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    SchedulingConfigFactory(facility=visit_site.facility)
    ClosureFactory(facility=visit_site.facility, starts_at=now, ends_at=now + timedelta(hours=2))
    LockdownFactory(housing_unit=visit_site.unit, starts_at=now, ends_at=now + timedelta(hours=2))
    CreditFactory(user=visitor)
    return VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        visitor=visitor,
        inmate_terminal=visit_site.terminals[0],
    )


@pytest.mark.parametrize("model", MODELS)
def test_operator_gets_every_scheduling_list_with_search(
    client, operator, some_of_everything, model
):
    otp_login(client, operator)
    url = reverse(f"admin:scheduling_{model}_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "travis"}).status_code == 200


def test_visits_and_money_cannot_be_changed_in_the_admin(client, operator, some_of_everything):
    otp_login(client, operator)
    url = reverse("admin:scheduling_visit_change", args=[some_of_everything.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.get(reverse("admin:scheduling_ledgerentry_add")).status_code == 403


def test_the_operator_sets_the_price_cap_and_a_price_above_it_is_refused(
    client, operator, some_of_everything
):
    otp_login(client, operator)
    config = SchedulingConfig.objects.get()
    url = reverse("admin:scheduling_schedulingconfig_change", args=[config.pk])
    form = {
        "facility": config.facility_id,
        "durations": "[20, 40, 60]",
        "slot_step_minutes": 20,
        "min_notice_minutes": 1440,
        "horizon_days": 14,
        "weekly_limit": "",
        "remote_price_per_minute_cents": 30,
        "onsite_price_per_minute_cents": 0,
        "price_cap_per_minute_cents": 25,
    }
    page = client.post(url, form)
    assert page.status_code == 200
    assert b"The price may not be above 25 cents a minute." in page.content
    form["price_cap_per_minute_cents"] = 30
    assert client.post(url, form).status_code == 302
    config.refresh_from_db()
    assert (config.remote_price_per_minute_cents, config.price_cap_per_minute_cents) == (30, 30)
