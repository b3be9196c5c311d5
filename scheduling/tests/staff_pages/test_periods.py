"""Closures and lockdowns: the visits they affect, cancelled in one action, and ending
them early.
"""

from datetime import date

from django.urls import reverse

from accounts.tests.factories import otp_login
from facilities.models import StaffMembership
from scheduling.models import (
    Closure,
    Lockdown,
    VisitKind,
)
from scheduling.reasons import CancelFamily
from scheduling.selectors import availability_for, balance_for

from .helpers import NOW, THURSDAY, at


def test_lockdown_lists_the_units_visits_then_cancels_them_charged(
    client, administrator, facility_a, place, visits, mailoutbox, django_capture_on_commit_callbacks
):
    response = client.post(
        reverse("console_visits:lockdowns", args=[facility_a.pk]),
        {
            "housing_unit": place["north"].pk,
            "starts_on": THURSDAY,
            "starts_time": "13:00",
            "ends_on": THURSDAY,
            "ends_time": "14:30",
            "reason": "Search of the unit",
        },
        follow=True,
    )

    lockdown = Lockdown.objects.get()
    assert (lockdown.housing_unit, lockdown.starts_at, lockdown.ends_at) == (
        place["north"],
        at(13),
        at(14, 30),
    )
    assert lockdown.created_by == administrator
    text = response.text
    assert "1 scheduled visit affected" in text  # Ana at 14:00; Ben at 15:00 is after it
    assert "Ana Diaz" in text
    assert "Ben Okafor" not in text
    assert "Cal Moreno" not in text  # unit South

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("console_visits:lockdown", args=[lockdown.pk]),
            {
                "visits": [visits["ana"].pk],
                "action": "cancel",
                "reason": "lockdown",
                "explanation": "The unit is locked down for a search.",
            },
        )
    visits["ana"].refresh_from_db()
    assert visits["ana"].cancel_family == CancelFamily.BEHAVIOURAL
    assert balance_for(user=visits["ana"].visitor) == 0
    assert len(mailoutbox) == 1


def test_lockdown_of_another_facilitys_unit_is_not_found(client, administrator, facility_b, place):
    b_unit = place["b_person"].housing_unit
    response = client.post(
        reverse(
            "console_visits:lockdowns", args=[administrator.staff_memberships.get().facility_id]
        ),
        {
            "housing_unit": b_unit.pk,
            "starts_on": THURSDAY,
            "starts_time": "13:00",
            "ends_on": THURSDAY,
            "ends_time": "14:30",
            "reason": "Search",
        },
    )
    assert response.status_code == 404
    assert not Lockdown.objects.exists()


def test_closure_lists_the_facilitys_visits_then(client, administrator, facility_a, visits):
    response = client.post(
        reverse("console_visits:closures", args=[facility_a.pk]),
        {
            "starts_on": THURSDAY,
            "starts_time": "14:10",
            "ends_on": THURSDAY,
            "ends_time": "23:00",
            "reason": "Power cut",
        },
        follow=True,
    )

    closure = Closure.objects.get()
    assert (closure.starts_at, closure.ends_at) == (at(14, 10), at(23))
    assert "3 scheduled visits affected" in response.text  # Ana, Ben, Cal; not facility B's
    assert "Becker" not in response.text
    assert "Move each to another free terminal" not in response.text
    assert "Power cut" in client.get(reverse("console_visits:closures", args=[facility_a.pk])).text


def test_a_closure_time_the_clocks_skip_is_refused(client, administrator, facility_a):
    response = client.post(
        reverse("console_visits:closures", args=[facility_a.pk]),
        {
            "starts_on": "2026-03-08",
            "starts_time": "02:30",
            "ends_on": "2026-03-08",
            "ends_time": "09:00",
            "reason": "Drill",
        },
    )

    assert "02:30 does not exist on 2026-03-08: the clocks go forward then." in response.text
    assert not Closure.objects.exists()


def test_a_closure_ending_before_it_starts_is_refused(client, administrator, facility_a):
    response = client.post(
        reverse("console_visits:closures", args=[facility_a.pk]),
        {
            "starts_on": THURSDAY,
            "starts_time": "14:00",
            "ends_on": THURSDAY,
            "ends_time": "13:00",
            "reason": "Drill",
        },
    )

    assert "The period must end after it starts." in response.text
    assert not Closure.objects.exists()


# Ending a lockdown or a closure early ------------------------------------------------


def thursday_starts(person, visitor):
    """The remote starts a family is offered on Thursday for `person`."""
    day = availability_for(
        facility=person.facility,
        inmate=person,
        visitor=visitor,
        kind=VisitKind.REMOTE,
        duration=20,
        start_date=date.fromisoformat(THURSDAY),
        days=1,
    )[0]
    return [slot.starts_at for slot in day.slots]


def end_url(period):
    if isinstance(period, Lockdown):
        return reverse(
            "console_visits:lockdown_end", args=[period.housing_unit.facility_id, period.pk]
        )
    return reverse("console_visits:closure_end", args=[period.facility_id, period.pk])


def test_a_lockdown_in_force_ended_from_its_page_gives_the_units_times_back(
    client, administrator, facility_a, place, visits, home_user
):
    lockdown = Lockdown.objects.create(
        housing_unit=place["north"],
        starts_at=at(8, day=10),
        ends_at=at(18, day=13),
        reason="Search",
    )
    page = client.get(reverse("console_visits:lockdown", args=[lockdown.pk])).text
    assert "The unit is locked down now. Ending the lockdown now (10 a.m. CDT)" in page
    assert "End this lockdown now" in page
    assert f'action="{end_url(lockdown)}"' in page
    assert "2 scheduled visits affected" in page  # Ana and Ben on Thursday
    assert thursday_starts(place["ben"], home_user) == []

    response = client.post(end_url(lockdown), follow=True)

    assert response.redirect_chain == [
        (reverse("console_visits:lockdown", args=[lockdown.pk]), 302)
    ]
    text = response.text
    assert (
        "The lockdown of North ended at 10 a.m. CDT. Its people can be booked for visits from "
        "then on." in text
    )
    assert (
        f"Tuesday, March 10, 2026, 10 a.m. CDT, by {administrator.full_name} (it was to end "
        "Friday, March 13, 2026, 6 p.m. CDT)" in text
    )
    assert "End this lockdown now" not in text
    assert "No scheduled visit is affected." in text
    lockdown.refresh_from_db()
    assert (lockdown.ends_at, lockdown.ended_early_by) == (NOW, administrator)
    assert lockdown.planned_ends_at == at(18, day=13)
    assert at(9) in thursday_starts(place["ben"], home_user)
    listed = client.get(reverse("console_visits:lockdowns", args=[facility_a.pk])).text
    assert "Search" not in listed

    again = client.post(end_url(lockdown), follow=True)  # a second submit
    assert again.status_code == 200
    assert "This lockdown is already over." in again.text
    lockdown.refresh_from_db()
    assert lockdown.ends_at == NOW


def test_a_lockdown_not_started_is_removed_and_a_second_submit_says_so(
    client, administrator, facility_a, place, visits, home_user
):
    lockdown = Lockdown.objects.create(
        housing_unit=place["north"], starts_at=at(13), ends_at=at(18), reason="Search"
    )
    page = client.get(reverse("console_visits:lockdown", args=[lockdown.pk])).text
    assert "The lockdown has not started. Removing it keeps its times open to bookings." in page
    assert "Remove this lockdown" in page
    assert "End this lockdown now" not in page
    assert at(13, 20) not in thursday_starts(place["ben"], home_user)

    response = client.post(end_url(lockdown), follow=True)

    lockdowns = reverse("console_visits:lockdowns", args=[facility_a.pk])
    assert response.redirect_chain == [(lockdowns, 302)]
    assert "The lockdown of North is removed: it had not started." in response.text
    assert not Lockdown.objects.exists()
    assert at(13, 20) in thursday_starts(place["ben"], home_user)

    again = client.post(end_url(lockdown), follow=True)
    assert again.redirect_chain == [(lockdowns, 302)]
    assert "This lockdown is no longer there: it was removed." in again.text


def test_a_closure_in_force_ended_gives_the_times_back_and_a_second_submit_says_it_is_over(
    client, administrator, facility_a, place, home_user
):
    closure = Closure.objects.create(
        facility=facility_a, starts_at=at(6, day=10), ends_at=at(23), reason="Flooding"
    )
    page = client.get(reverse("console_visits:closure", args=[closure.pk])).text
    assert "The facility is closed now. Ending the closure now (10 a.m. CDT)" in page
    assert thursday_starts(place["cal"], home_user) == []

    response = client.post(end_url(closure), follow=True)

    assert "The closure ended at 10 a.m. CDT. Visits can be booked from then on." in response.text
    assert (
        f"Tuesday, March 10, 2026, 10 a.m. CDT, by {administrator.full_name} (it was to end "
        "Thursday, March 12, 2026, 11 p.m. CDT)" in response.text
    )
    assert "End this closure now" not in response.text
    assert at(9) in thursday_starts(place["cal"], home_user)

    again = client.post(end_url(closure), follow=True)
    assert again.status_code == 200
    assert "This closure is already over." in again.text


def test_a_closure_not_started_is_removed(client, administrator, facility_a, place, home_user):
    closure = Closure.objects.create(
        facility=facility_a, starts_at=at(12), ends_at=at(22), reason="Flooding"
    )
    assert (
        "Remove this closure"
        in client.get(reverse("console_visits:closure", args=[closure.pk])).text
    )

    response = client.post(end_url(closure), follow=True)

    assert "The closure is removed: it had not started." in response.text
    assert not Closure.objects.exists()
    assert at(13) in thursday_starts(place["cal"], home_user)


def test_one_already_over_offers_nothing_and_is_refused(client, administrator, place):
    lockdown = Lockdown.objects.create(
        housing_unit=place["north"], starts_at=at(8, day=9), ends_at=at(9, day=10), reason="Search"
    )
    page = client.get(reverse("console_visits:lockdown", args=[lockdown.pk])).text
    assert "End this lockdown now" not in page
    assert "Remove this lockdown" not in page

    response = client.post(end_url(lockdown), follow=True)

    assert response.redirect_chain == [
        (reverse("console_visits:lockdown", args=[lockdown.pk]), 302)
    ]
    assert "This lockdown is already over." in response.text
    lockdown.refresh_from_db()
    assert (lockdown.ends_at, lockdown.ended_early_at) == (at(9, day=10), None)


def test_another_facilitys_lockdown_cannot_be_ended_through_ones_own_facility(
    client, place, facility_a, facility_b, staff_b
):
    StaffMembership.objects.filter(user=staff_b).update(role=StaffMembership.Role.ADMINISTRATOR)
    otp_login(client, staff_b)
    lockdown = Lockdown.objects.create(
        housing_unit=place["north"], starts_at=at(8, day=10), ends_at=at(18), reason="Search"
    )

    assert client.post(end_url(lockdown)).status_code == 404
    through_b = reverse("console_visits:lockdown_end", args=[facility_b.pk, lockdown.pk])
    response = client.post(through_b, follow=True)

    # The same answer as for a lockdown that does not exist.
    assert "This lockdown is no longer there: it was removed." in response.text
    lockdown.refresh_from_db()
    assert (lockdown.ends_at, lockdown.ended_early_at) == (at(18), None)


def test_ending_is_a_post_only(client, administrator, place):
    lockdown = Lockdown.objects.create(
        housing_unit=place["north"], starts_at=at(8, day=10), ends_at=at(18), reason="Search"
    )
    assert client.get(end_url(lockdown)).status_code == 405
    lockdown.refresh_from_db()
    assert lockdown.ends_at == at(18)
