"""Closures and lockdowns: the visits they affect, cancelled in one action, and ending
them early.
"""

import re
from datetime import date, timedelta

from django.urls import reverse

from accounts.tests.factories import otp_login
from accounts.tests.pages import field_error, text_of
from facilities.models import StaffMembership
from scheduling.models import (
    Closure,
    Lockdown,
    VisitKind,
)
from scheduling.reasons import CancelFamily
from scheduling.selectors import availability_for, balance_for
from scheduling.tests.factories import SchedulingConfigFactory

from .helpers import NOW, THURSDAY, at, make_visit


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


def lockdown_of_north(place):
    return Lockdown.objects.create(
        housing_unit=place["north"], starts_at=at(13), ends_at=at(16), reason="Search"
    )


def test_a_lockdown_is_charged_by_default_and_the_cancel_forms_say_so(
    client, administrator, place, visits
):
    lockdown = lockdown_of_north(place)
    make_visit(inmate=place["ben"], terminal=place["t2"], starts_at=at(14), paid=0)

    page = client.get(reverse("console_visits:lockdown", args=[lockdown.pk]))
    one = client.get(reverse("console_visits:visit_cancel", args=[visits["ana"].pk]))

    for text in (page.text, one.text):
        behavioural = re.search(r'<optgroup label="Behavioural[^"]*">(.*?)</optgroup>', text, re.S)
        assert '<option value="lockdown"' in behavioural[1]
    assert "With a behavioural reason: 2 visits charged, $16.00 in all; 1 free visit." in text_of(
        page
    )
    response = client.post(
        reverse("console_visits:lockdown", args=[lockdown.pk]),
        {
            "visits": [visits["ana"].pk, visits["ben"].pk],
            "action": "cancel",
            "reason": "lockdown",
            "explanation": "The unit is locked down.",
        },
        follow=True,
    )
    assert (
        "2 visits cancelled: 2 visits charged, $16.00 in all. Each visitor will get an email."
        in text_of(response)
    )
    assert balance_for(user=visits["ana"].visitor) == 0


def test_a_facility_that_does_not_charge_for_lockdowns_lists_it_with_the_credited_reasons(
    client, administrator, facility_a, place, visits
):
    SchedulingConfigFactory(facility=facility_a, lockdown_charges=False)
    lockdown = lockdown_of_north(place)

    page = client.get(reverse("console_visits:lockdown", args=[lockdown.pk])).text
    non = re.search(r'<optgroup label="Non-behavioural[^"]*">(.*?)</optgroup>', page, re.S)
    assert '<option value="lockdown"' in non[1]
    response = client.post(
        reverse("console_visits:lockdown", args=[lockdown.pk]),
        {
            "visits": [visits["ana"].pk],
            "action": "cancel",
            "reason": "lockdown",
            "explanation": "The unit is locked down.",
        },
        follow=True,
    )

    assert (
        "1 visit cancelled: 1 visit credited, $8.00 back as credit in all. The visitor will get "
        "an email." in text_of(response)
    )
    visits["ana"].refresh_from_db()
    assert visits["ana"].cancel_family == CancelFamily.NON_BEHAVIOURAL
    assert balance_for(user=visits["ana"].visitor) == 800


def test_a_lockdown_starting_now_until_further_notice_lasts_until_ended_by_hand(
    client, administrator, facility_a, place, visits, clock
):
    url = reverse("console_visits:lockdowns", args=[facility_a.pk])
    form = client.get(url).text
    assert 'value="now" checked' in form  # a lockdown starts now unless staff say when

    response = client.post(
        url,
        {
            "housing_unit": place["north"].pk,
            "starts": "now",
            "ends": "notice",
            "reason": "Fight in the unit",
        },
        follow=True,
    )

    lockdown = Lockdown.objects.get()
    assert lockdown.starts_at == NOW and lockdown.until_further_notice
    assert lockdown.ends_at > NOW + timedelta(days=365)  # past any booking horizon
    text = text_of(response)
    assert "From Tuesday, March 10, 2026, 10 a.m. CDT Until until further notice" in text
    assert "2 scheduled visits affected" in text  # Ana at 14:00 and Ben at 15:00, North
    listed = text_of(client.get(url))
    assert "North: Tuesday, March 10, 2026, 10 a.m. CDT – until further notice" in listed

    clock.move_to(NOW + timedelta(hours=3))
    client.post(reverse("console_visits:lockdown_end", args=[facility_a.pk, lockdown.pk]))
    lockdown.refresh_from_db()
    assert lockdown.ends_at == NOW + timedelta(hours=3)
    page = text_of(client.get(reverse("console_visits:lockdown", args=[lockdown.pk])))
    assert "until further notice" not in page
    assert "Until Tuesday, March 10, 2026, 1 p.m. CDT" in page


def test_a_lockdown_with_a_chosen_time_needs_the_date_and_time_and_no_mixed_answer(
    client, administrator, facility_a, place
):
    url = reverse("console_visits:lockdowns", args=[facility_a.pk])
    base = {"housing_unit": place["north"].pk, "reason": "Search"}

    missing = client.post(url, {**base, "starts": "at", "ends": "at"})
    mixed = client.post(
        url,
        {**base, "starts": "now", "starts_on": THURSDAY, "starts_time": "13:00", "ends": "notice"},
    )

    assert field_error(missing, "starts_on") == "This field is required."
    assert field_error(missing, "ends_time") == "This field is required."
    assert field_error(mixed, "starts_on").startswith(
        'You gave a date and a time but chose Now: clear them, or choose "On the date'
    )
    assert not Lockdown.objects.exists()
