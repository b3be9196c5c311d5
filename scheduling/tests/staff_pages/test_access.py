"""Who may reach the staff console's visit pages: anonymous visitors sign in, home users
and reviewers get a 404, staff of another facility a 404 for facility A's objects, staff
without the second factor set it up first, officers a 404 on administrators' pages.
"""

import pytest
from django.urls import reverse

from accounts.tests.factories import otp_login, totp_device
from facilities.models import StaffMembership
from scheduling.models import (
    Closure,
    Lockdown,
    SchedulingConfig,
    VisitStatus,
)

from .helpers import THURSDAY, at, status_of

# Who may reach the pages -------------------------------------------------------------


def staff_urls(place, visits, facility):
    """(url, method, data, administrators only) for every page, on facility A's objects."""
    lockdown = Lockdown.objects.create(
        housing_unit=place["north"], starts_at=at(13), ends_at=at(18), reason="Search"
    )
    closure = Closure.objects.create(
        facility=facility, starts_at=at(20), ends_at=at(22), reason="Storm"
    )
    visit = visits["ana"].pk
    cancel = {"reason": "not_produced", "explanation": "Sorry."}
    bulk = {"visits": [visit], "action": "cancel", **cancel}
    return [
        (reverse("console_visits:board", args=[facility.pk]), "get", None, False),
        (reverse("console_visits:daily_list", args=[facility.pk]), "get", None, False),
        (reverse("console_visits:daily_list_csv", args=[facility.pk]), "get", None, False),
        (reverse("console_visits:visit", args=[visit]), "get", None, False),
        (reverse("console_visits:visit_move", args=[visit]), "get", None, False),
        (
            reverse("console_visits:visit_move", args=[visit]),
            "post",
            {"starts_at": at(9, day=13).isoformat()},
            False,
        ),
        (reverse("console_visits:visit_cancel", args=[visit]), "get", None, False),
        (reverse("console_visits:visit_cancel", args=[visit]), "post", cancel, False),
        (reverse("console_visits:visit_check_in", args=[visit]), "post", {}, False),
        (reverse("console_visits:visit_complete", args=[visit]), "post", {}, False),
        (reverse("console_visits:visit_no_show", args=[visit]), "post", {}, False),
        (reverse("console_visits:config", args=[facility.pk]), "get", None, True),
        (reverse("console_visits:windows", args=[facility.pk, "remote"]), "get", None, True),
        (reverse("console_visits:closures", args=[facility.pk]), "get", None, True),
        (reverse("console_visits:closure", args=[closure.pk]), "get", None, True),
        (reverse("console_visits:closure", args=[closure.pk]), "post", bulk, True),
        (reverse("console_visits:closure_end", args=[facility.pk, closure.pk]), "post", {}, True),
        (reverse("console_visits:lockdowns", args=[facility.pk]), "get", None, True),
        (reverse("console_visits:lockdown", args=[lockdown.pk]), "get", None, True),
        (reverse("console_visits:lockdown", args=[lockdown.pk]), "post", bulk, True),
        (
            reverse("console_visits:lockdown_end", args=[facility.pk, lockdown.pk]),
            "post",
            {},
            True,
        ),
        (reverse("console_visits:terminals", args=[facility.pk]), "get", None, True),
        (reverse("console_visits:terminal", args=[place["t1"].pk]), "get", None, True),
        (reverse("console_visits:terminal", args=[place["t1"].pk]), "post", bulk, True),
        (
            reverse("console_visits:terminal_service", args=[place["t1"].pk]),
            "post",
            {"in_service": "0"},
            True,
        ),
    ]


def call(client, url, method, data):
    return client.post(url, data) if method == "post" else client.get(url)


def nothing_changed(place, visits):
    assert {status_of(v) for v in visits.values()} == {VisitStatus.BOOKED}
    visits["ana"].refresh_from_db()
    assert visits["ana"].starts_at == at(14)
    place["t1"].refresh_from_db()
    assert place["t1"].in_service
    assert not SchedulingConfig.objects.exists()
    assert Lockdown.objects.exists() and Closure.objects.exists()  # neither removed


def test_anonymous_visitor_is_sent_to_sign_in(client, place, visits, facility_a):
    for url, method, data, _admin in staff_urls(place, visits, facility_a):
        response = call(client, url, method, data)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login") + "?next=/console/visits/"), url
    nothing_changed(place, visits)


@pytest.mark.parametrize("persona", ["home_user", "reviewer"])
def test_home_users_and_reviewers_get_not_found(
    client, place, visits, facility_a, persona, request
):
    otp_login(client, request.getfixturevalue(persona))
    for url, method, data, _admin in [
        (reverse("console_visits:facilities"), "get", None, False),
        *staff_urls(place, visits, facility_a),
    ]:
        assert call(client, url, method, data).status_code == 404, url
    nothing_changed(place, visits)


def test_staff_of_another_facility_get_not_found_for_everything_of_facility_a(
    client, place, visits, facility_a, facility_b, staff_b
):
    StaffMembership.objects.filter(user=staff_b).update(role=StaffMembership.Role.ADMINISTRATOR)
    otp_login(client, staff_b)
    for url, method, data, _admin in staff_urls(place, visits, facility_a):
        assert call(client, url, method, data).status_code == 404, url
    nothing_changed(place, visits)

    board = client.get(reverse("console_visits:board", args=[facility_b.pk]), {"day": THURSDAY})
    assert "Becker" in board.text
    assert "Diaz" not in board.text


def test_staff_without_the_second_factor_are_sent_to_set_it_up_then_to_enter_it(
    client, place, visits, facility_a, admin_a
):
    client.force_login(admin_a)
    for url, method, data, _admin in staff_urls(place, visits, facility_a):
        response = call(client, url, method, data)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("review:otp_setup") + "?next="), url

    totp_device(admin_a)
    for url, method, data, _admin in staff_urls(place, visits, facility_a):
        response = call(client, url, method, data)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("review:otp_verify") + "?next="), url
    nothing_changed(place, visits)


def test_officers_get_not_found_on_administrator_pages(client, place, visits, facility_a, staff_a):
    otp_login(client, staff_a)
    for url, method, data, admin in staff_urls(place, visits, facility_a):
        if admin:
            assert call(client, url, method, data).status_code == 404, url
    nothing_changed(place, visits)
    assert client.get(reverse("console_visits:board", args=[facility_a.pk])).status_code == 200
