"""The facility staff's visit pages in the console: who may reach them, the board, moving,
cancelling and marking visits, terminals out of service, lockdowns, closures, the daily
list and the facility administrators' settings.

Facility A is in Chicago. The clock is Tuesday 10 March 2026, 10:00 CDT (15:00 UTC); the
visits are on Thursday 12 March.
"""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory, otp_login, totp_device
from facilities.models import StaffMembership, Terminal
from facilities.tests.factories import (
    HousingUnitFactory,
    InmateFactory,
    LobbyTerminalFactory,
    StaffMembershipFactory,
    TerminalFactory,
)
from scheduling.models import (
    CardState,
    Closure,
    Lockdown,
    SchedulingConfig,
    Visit,
    VisitKind,
    VisitStatus,
    VisitWindow,
)
from scheduling.reasons import CancelFamily, CancelReason
from scheduling.selectors import availability_for, balance_for

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # Tuesday, 10:00 CDT in Chicago
THURSDAY = "2026-03-12"


def at(hour, minute=0, day=12):
    """A UTC instant in March 2026 from Chicago wall-clock time (CDT, UTC-5)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) + timedelta(hours=5)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def place(facility_a, facility_b):
    """Facility A: two terminals in unit North, one in unit South, a lobby terminal and
    three people. Facility B: a unit, a terminal and a person."""
    north = HousingUnitFactory(facility=facility_a, name="North", code="N")
    south = HousingUnitFactory(facility=facility_a, name="South", code="S")
    b_unit = HousingUnitFactory(facility=facility_b, name="East", code="E")
    return {
        "north": north,
        "south": south,
        "t1": TerminalFactory(facility=facility_a, housing_unit=north, name="N-1"),
        "t2": TerminalFactory(facility=facility_a, housing_unit=north, name="N-2"),
        "s1": TerminalFactory(facility=facility_a, housing_unit=south, name="S-1"),
        "lobby": LobbyTerminalFactory(facility=facility_a, name="Lobby-1"),
        "ana": InmateFactory(
            facility=facility_a, housing_unit=north, first_name="Ana", last_name="Diaz"
        ),
        "ben": InmateFactory(
            facility=facility_a, housing_unit=north, first_name="Ben", last_name="Okafor"
        ),
        "cal": InmateFactory(
            facility=facility_a, housing_unit=south, first_name="Cal", last_name="Moreno"
        ),
        "b_terminal": TerminalFactory(facility=facility_b, housing_unit=b_unit, name="E-1"),
        "b_person": InmateFactory(
            facility=facility_b, housing_unit=b_unit, first_name="Bo", last_name="Becker"
        ),
    }


def make_visit(*, inmate, terminal, starts_at, visitor=None, minutes=20, lobby=None, paid=800):
    """A booked visit paid with credit (so a credited cancellation gives the credit back)."""
    return Visit.objects.create(
        facility=inmate.facility,
        inmate=inmate,
        visitor=visitor or UserFactory(),
        kind=VisitKind.ONSITE if lobby else VisitKind.REMOTE,
        inmate_terminal=terminal,
        lobby_terminal=lobby,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        status=VisitStatus.BOOKED,
        booked_at=NOW - timedelta(days=1),
        price_cents=paid,
        credit_applied_cents=paid,
        card_cents=0,
        card_state=CardState.NONE,
    )


@pytest.fixture
def visits(place, home_user):
    """Thursday at facility A: Ana 14:00 on N-1 (visitor: the home user), Ben 15:00 on N-1,
    Cal 14:00 on S-1 on-site; at facility B: Bo 14:00 Eastern."""
    return {
        "ana": make_visit(
            inmate=place["ana"], terminal=place["t1"], starts_at=at(14), visitor=home_user
        ),
        "ben": make_visit(inmate=place["ben"], terminal=place["t1"], starts_at=at(15)),
        "cal": make_visit(
            inmate=place["cal"], terminal=place["s1"], starts_at=at(14), lobby=place["lobby"]
        ),
        "b": make_visit(inmate=place["b_person"], terminal=place["b_terminal"], starts_at=at(13)),
    }


def status_of(visit):
    visit.refresh_from_db()
    return visit.status


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


# The board --------------------------------------------------------------------------------


@pytest.fixture
def officer(client, staff_a):
    otp_login(client, staff_a)
    return staff_a


@pytest.fixture
def administrator(client, admin_a):
    otp_login(client, admin_a)
    return admin_a


def test_officer_of_one_facility_goes_straight_to_its_board(client, officer, facility_a):
    response = client.get(reverse("console_visits:facilities"))

    assert response.status_code == 302
    assert response.url == reverse("console_visits:board", args=[facility_a.pk])


def test_board_shows_the_days_visits_by_terminal_in_time_order_on_the_facility_clock(
    client, officer, facility_a, place, visits
):
    page = client.get(reverse("console_visits:board", args=[facility_a.pk]), {"day": THURSDAY})

    text = page.text
    assert "Visits at Travis County Jail on Thursday, March 12, 2026" in text
    assert "3 visits on this day." in text
    # Row N-1 holds Ana at 14:00 then Ben at 15:00; row S-1 holds Cal, on-site in Lobby-1.
    n1, n2, s1 = text.index("N-1"), text.index("N-2"), text.index("S-1")
    assert n1 < text.index("Ana Diaz") < text.index("Ben Okafor") < n2 < s1
    assert s1 < text.index("Cal Moreno")
    assert "2 p.m. CDT" in text
    assert "On-site (Lobby-1)" in text
    assert f"visitor {visits['ana'].visitor.full_name}" in text
    assert "Booked" in text
    assert "Becker" not in text  # facility B's visit
    assert "Times on this page are on the facility's clock: America/Chicago." in text


def test_board_moves_from_day_to_day(client, officer, facility_a, visits):
    url = reverse("console_visits:board", args=[facility_a.pk])

    today = client.get(url)
    assert "Tuesday, March 10, 2026" in today.text
    assert "0 visits on this day." in today.text
    assert 'href="?day=2026-03-11"' in today.text

    wednesday = client.get(url, {"day": "2026-03-11"})
    assert 'href="?day=2026-03-12"' in wednesday.text
    assert 'href="?day=2026-03-10"' in wednesday.text

    assert "Ana Diaz" in client.get(url, {"day": THURSDAY}).text
    assert "Tuesday, March 10, 2026" in client.get(url, {"day": "not-a-date"}).text


def count_queries(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_board_and_daily_list_make_as_many_queries_for_many_visits_as_for_few(
    client, officer, facility_a, place, visits, django_assert_num_queries
):
    urls = [
        reverse("console_visits:board", args=[facility_a.pk]),
        reverse("console_visits:daily_list", args=[facility_a.pk]),
        reverse("console_visits:daily_list_csv", args=[facility_a.pk]),
    ]
    few = {url: count_queries(client, url, {"day": THURSDAY}) for url in urls}

    for unit in (place["north"], place["south"]):
        for n in range(3):
            terminal = TerminalFactory(facility=facility_a, housing_unit=unit)
            for hour in (9, 10, 12, 13, 16, 17):
                make_visit(
                    inmate=InmateFactory(facility=facility_a, housing_unit=unit),
                    terminal=terminal,
                    starts_at=at(hour, 20 * (n % 2)),
                    lobby=place["lobby"] if (hour, n, unit) == (9, 0, place["north"]) else None,
                )
    assert Visit.objects.filter(facility=facility_a).count() == 39

    for url in urls:
        with django_assert_num_queries(few[url]):
            client.get(url, {"day": THURSDAY})


# Marking a visit: check-in, completed, no-show ---------------------------------------------


def test_check_in_then_completed(client, officer, facility_a, visits, clock):
    ana = visits["ana"]
    board = reverse("console_visits:board", args=[facility_a.pk]) + f"?day={THURSDAY}"

    too_early = client.post(reverse("console_visits:visit_check_in", args=[ana.pk]))
    assert too_early.url == board
    assert status_of(ana) == VisitStatus.BOOKED
    assert "from 30 minutes before its start" in client.get(board).text

    clock.move_to(at(13, 45))
    otp_login(client, officer)  # a console session lasts 8 hours
    assert "Check in" in client.get(board).text
    response = client.post(reverse("console_visits:visit_check_in", args=[ana.pk]), follow=True)
    assert status_of(ana) == VisitStatus.CHECKED_IN
    assert "Ana Diaz is checked in." in response.text

    clock.move_to(at(14, 20))
    otp_login(client, officer)
    response = client.post(reverse("console_visits:visit_complete", args=[ana.pk]), follow=True)
    assert status_of(ana) == VisitStatus.COMPLETED
    assert "The visit of Ana Diaz is marked completed." in response.text


def test_no_show_only_once_the_visit_started(client, officer, visits, clock):
    ben = visits["ben"]
    client.post(reverse("console_visits:visit_no_show", args=[ben.pk]))
    assert status_of(ben) == VisitStatus.BOOKED

    clock.move_to(at(15, 10))
    otp_login(client, officer)
    client.post(reverse("console_visits:visit_no_show", args=[ben.pk]))
    assert status_of(ben) == VisitStatus.NO_SHOW


def test_marking_needs_a_post(client, officer, visits):
    response = client.get(reverse("console_visits:visit_check_in", args=[visits["ana"].pk]))
    assert response.status_code == 405


# Moving a visit ---------------------------------------------------------------------------


def test_move_lists_the_free_times_of_a_day_on_the_facility_clock(client, officer, place, visits):
    url = reverse("console_visits:visit_move", args=[visits["ben"].pk])

    page = client.get(url, {"day": THURSDAY})

    assert "Free times on Thursday, March 12, 2026" in page.text
    assert "9 a.m. CDT" in page.text
    # Ben's own 15:00 is free for him (on N-1 or N-2); 14:00 keeps N-2 free.
    assert f'value="{at(14).isoformat()}"' in page.text
    assert f'value="{at(15).isoformat()}"' in page.text
    # A 20-minute visit must end by the window's end: 11:00 and 22:20 are offered, 11:20
    # (the end of the 09:00-11:20 window) and 22:40 (ending 23:00, after 22:45) are not.
    for offered in (at(11), at(22, 20)):
        assert f'value="{offered.isoformat()}"' in page.text
    for refused in (at(11, 20), at(22, 40)):
        assert f'value="{refused.isoformat()}"' not in page.text


def test_staff_move_a_visit_and_the_visitor_is_emailed(
    client,
    officer,
    facility_a,
    place,
    visits,
    home_user,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    ana = visits["ana"]
    new_start = at(9, day=13)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("console_visits:visit_move", args=[ana.pk]) + "?day=2026-03-13",
            {"starts_at": new_start.isoformat(), "inmate_terminal": place["t2"].pk},
        )

    assert response.status_code == 302
    assert response.url.endswith("?day=2026-03-13")
    ana.refresh_from_db()
    assert (ana.starts_at, ana.ends_at, ana.inmate_terminal) == (
        new_start,
        new_start + timedelta(minutes=20),
        place["t2"],
    )
    assert ana.status == VisitStatus.BOOKED
    assert [m.to for m in mailoutbox] == [[home_user.email]]
    board = client.get(response.url)
    assert "The visit of Ana Diaz is moved. The visitor will get an email." in board.text
    assert "Ana Diaz" in board.text


def test_move_to_a_time_the_person_is_busy_is_refused_with_the_page(
    client, officer, place, visits, mailoutbox
):
    ana = visits["ana"]
    make_visit(inmate=place["ana"], terminal=place["t2"], starts_at=at(9, day=13))

    response = client.post(
        reverse("console_visits:visit_move", args=[ana.pk]),
        {"starts_at": at(9, day=13).isoformat()},
    )

    assert response.status_code == 200
    assert "That time was just taken, please pick another." in response.text
    assert "Free times on Friday, March 13, 2026" in response.text
    ana.refresh_from_db()
    assert ana.starts_at == at(14)
    assert mailoutbox == []


def test_move_to_a_busy_terminal_is_refused(client, officer, place, visits):
    ben = visits["ben"]
    make_visit(inmate=place["cal"], terminal=place["t2"], starts_at=at(9, day=13))

    response = client.post(
        reverse("console_visits:visit_move", args=[ben.pk]),
        {"starts_at": at(9, day=13).isoformat(), "inmate_terminal": place["t2"].pk},
    )

    assert "That terminal is busy at that time." in response.text
    ben.refresh_from_db()
    assert ben.starts_at == at(15)


def test_move_with_another_facilitys_terminal_is_not_found(client, officer, place, visits):
    ana = visits["ana"]
    for terminal in (place["b_terminal"], place["s1"]):
        response = client.post(
            reverse("console_visits:visit_move", args=[ana.pk]),
            {"starts_at": at(9, day=13).isoformat(), "inmate_terminal": terminal.pk},
        )
        assert response.status_code == 404
    ana.refresh_from_db()
    assert (ana.starts_at, ana.inmate_terminal) == (at(14), place["t1"])


def test_a_visit_that_started_cannot_be_moved(client, officer, visits, clock):
    clock.move_to(at(14, 5))
    otp_login(client, officer)
    page = client.get(reverse("console_visits:visit_move", args=[visits["ana"].pk]))
    assert "Only a scheduled visit that has not started can be moved." in page.text
    assert 'name="starts_at"' not in page.text


# Cancelling a visit -----------------------------------------------------------------------


def test_cancel_page_says_what_each_family_does_with_the_money(client, officer, visits):
    page = client.get(reverse("console_visits:visit_cancel", args=[visits["ana"].pk]))

    assert "With a behavioural reason: The visitor is charged $8.00." in page.text
    assert "With a non-behavioural reason: $8.00 comes back to the visitor as credit." in (
        page.text
    )
    assert '<optgroup label="Behavioural (the visitor is charged)">' in page.text
    assert '<optgroup label="Non-behavioural (the visitor gets a credit)">' in page.text


def test_non_behavioural_cancel_credits_the_visitor_and_shows_the_explanation(
    client, officer, visits, home_user, mailoutbox, django_capture_on_commit_callbacks
):
    ana = visits["ana"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("console_visits:visit_cancel", args=[ana.pk]),
            {"reason": "terminal_inoperable", "explanation": "The screen in North is broken."},
            follow=True,
        )

    ana.refresh_from_db()
    assert ana.status == VisitStatus.CANCELLED
    assert (ana.cancel_family, ana.cancel_reason) == (
        CancelFamily.NON_BEHAVIOURAL,
        CancelReason.TERMINAL_INOPERABLE,
    )
    assert ana.cancelled_by == officer
    assert balance_for(user=home_user) == 800
    assert "$8.00 comes back to the visitor as credit." in response.text
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [home_user.email]
    assert "The screen in North is broken." in mailoutbox[0].body
    detail = client.get(reverse("console_visits:visit", args=[ana.pk]))
    assert "The screen in North is broken." in detail.text


def test_behavioural_cancel_charges_the_visitor(client, officer, visits, home_user):
    ana = visits["ana"]

    client.post(
        reverse("console_visits:visit_cancel", args=[ana.pk]),
        {"reason": "account_violation", "explanation": "The account was shared."},
    )

    ana.refresh_from_db()
    assert (ana.status, ana.cancel_family) == (VisitStatus.CANCELLED, CancelFamily.BEHAVIOURAL)
    assert balance_for(user=home_user) == 0


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"reason": "behaviour", "explanation": "  "}, "This field is required."),
        ({"reason": "", "explanation": "Why"}, "This field is required."),
        ({"reason": "visitor_cancelled", "explanation": "Why"}, "Select a valid choice."),
    ],
)
def test_cancel_needs_a_staff_reason_and_an_explanation(client, officer, visits, data, error):
    response = client.post(reverse("console_visits:visit_cancel", args=[visits["ana"].pk]), data)

    assert response.status_code == 200
    assert error in response.text
    assert status_of(visits["ana"]) == VisitStatus.BOOKED


# Terminals out of service, lockdowns, closures: the visits they affect ------------------


def test_terminal_out_of_service_then_its_visits_moved_to_another_terminal(
    client,
    administrator,
    place,
    visits,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    t1, t2 = place["t1"], place["t2"]
    make_visit(inmate=place["cal"], terminal=t2, starts_at=at(15))  # N-2 busy at 15:00
    url = reverse("console_visits:terminal", args=[t1.pk])
    before = client.get(url)
    assert "2 scheduled visits affected" in before.text
    assert "Move each to another free terminal" not in before.text

    response = client.post(
        reverse("console_visits:terminal_service", args=[t1.pk]), {"in_service": "0"}, follow=True
    )
    t1.refresh_from_db()
    assert not t1.in_service
    assert "N-1 is out of service" in response.text
    assert "Move each to another free terminal at the same time" in response.text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"visits": [visits["ana"].pk, visits["ben"].pk], "action": "move"},
            follow=True,
        )

    visits["ana"].refresh_from_db()
    visits["ben"].refresh_from_db()
    assert (visits["ana"].inmate_terminal, visits["ana"].starts_at) == (t2, at(14))
    assert visits["ben"].inmate_terminal == t1  # N-2 was busy at 15:00
    assert "1 visits moved to another terminal" in response.text
    assert "No free terminal at the same time for: Ben Okafor" in response.text
    assert [m.to for m in mailoutbox] == [[visits["ana"].visitor.email]]
    assert "1 scheduled visit affected" in response.text


def test_terminal_visits_cancelled_in_one_action_with_a_credit_and_an_email_each(
    client, administrator, place, visits, mailoutbox, django_capture_on_commit_callbacks
):
    url = reverse("console_visits:terminal", args=[place["t1"].pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "visits": [visits["ana"].pk, visits["ben"].pk],
                "action": "cancel",
                "reason": "terminal_unavailable",
                "explanation": "The terminal in North is being replaced.",
            },
            follow=True,
        )

    assert "2 visits cancelled. Each visitor will get an email." in response.text
    for name in ("ana", "ben"):
        assert status_of(visits[name]) == VisitStatus.CANCELLED
        assert balance_for(user=visits[name].visitor) == 800
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [visits["ana"].visitor.email, visits["ben"].visitor.email]
    )
    assert all("The terminal in North is being replaced." in m.body for m in mailoutbox)


def test_bulk_cancel_needs_a_reason_and_an_explanation(client, administrator, place, visits):
    response = client.post(
        reverse("console_visits:terminal", args=[place["t1"].pk]),
        {"visits": [visits["ana"].pk], "action": "cancel", "reason": "", "explanation": ""},
    )

    assert "Please choose a reason to cancel." in response.text
    assert "Please explain to the visitors why their visits are cancelled." in response.text
    assert status_of(visits["ana"]) == VisitStatus.BOOKED


def test_bulk_action_with_another_facilitys_visit_is_not_found(
    client, administrator, place, visits
):
    response = client.post(
        reverse("console_visits:terminal", args=[place["t1"].pk]),
        {
            "visits": [visits["ana"].pk, visits["b"].pk],
            "action": "cancel",
            "reason": "terminal_unavailable",
            "explanation": "Broken.",
        },
    )

    assert response.status_code == 404
    assert status_of(visits["ana"]) == VisitStatus.BOOKED
    assert status_of(visits["b"]) == VisitStatus.BOOKED


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


# The daily list per housing unit -------------------------------------------------------


def test_daily_list_by_housing_unit_is_printable(client, officer, facility_a, visits):
    visits["cal"].status = VisitStatus.CANCELLED
    visits["cal"].save(update_fields=["status"])

    page = client.get(reverse("console_visits:daily_list", args=[facility_a.pk]), {"day": THURSDAY})

    text = page.text
    assert "North (N) &middot; Thursday, March 12, 2026" in text
    assert text.index("Diaz, Ana") < text.index("Okafor, Ben")
    assert visits["ana"].inmate.id_number in text
    assert visits["ana"].visitor.full_name in text
    assert "Moreno" not in text  # cancelled
    assert "Becker" not in text  # facility B
    assert 'class="site-section site-print-unit"' in text
    assert "Download as CSV" in text


def test_daily_list_csv_for_one_unit(client, officer, facility_a, place, visits):
    visits["ben"].visitor.first_name = "=HYPERLINK(1)"
    visits["ben"].visitor.save(update_fields=["first_name"])

    response = client.get(
        reverse("console_visits:daily_list_csv", args=[facility_a.pk]),
        {"day": THURSDAY, "unit": place["north"].pk},
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="visits-travis-county-jail-2026-03-12-N.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Housing unit", "Incarcerated person", "ID number", "Starts"]
    assert [(r[0], r[1], r[3], r[6], r[7]) for r in rows[1:]] == [
        ("North", "Ana Diaz", "2 p.m. CDT", "Remote", "N-1"),
        ("North", "Ben Okafor", "3 p.m. CDT", "Remote", "N-1"),
    ]
    assert rows[2][9].startswith("'=HYPERLINK(1)")


# Facility administrators: settings and windows ------------------------------------------


def test_administrator_saves_the_settings_with_prices_in_dollars(client, administrator, facility_a):
    url = reverse("console_visits:config", args=[facility_a.pk])
    page = client.get(url)
    assert "This facility uses the default settings until you save your own." in page.text
    assert 'value="20, 40, 60"' in page.text
    assert "At most $0.50 a minute (set by the operator)." in page.text

    response = client.post(
        url,
        {
            "durations": "30, 15",
            "slot_step_minutes": "15",
            "min_notice_minutes": "120",
            "horizon_days": "21",
            "weekly_limit": "3",
            "remote_price_per_minute_cents": "0.25",
            "onsite_price_per_minute_cents": "0",
        },
        follow=True,
    )

    config = SchedulingConfig.objects.get(facility=facility_a)
    assert config.durations == [15, 30]
    assert (config.slot_step_minutes, config.min_notice_minutes, config.horizon_days) == (
        15,
        120,
        21,
    )
    assert config.weekly_limit == 3
    assert (config.remote_price_per_minute_cents, config.onsite_price_per_minute_cents) == (25, 0)
    assert "The visit settings of Travis County Jail are saved." in response.text


def test_a_price_above_the_operators_cap_is_refused(client, administrator, facility_a):
    response = client.post(
        reverse("console_visits:config", args=[facility_a.pk]),
        {
            "durations": "20",
            "slot_step_minutes": "20",
            "min_notice_minutes": "1440",
            "horizon_days": "14",
            "weekly_limit": "",
            "remote_price_per_minute_cents": "0.75",
            "onsite_price_per_minute_cents": "0",
        },
    )

    assert response.status_code == 200
    assert "The price may not be above 50 cents a minute." in response.text
    assert not SchedulingConfig.objects.exists()


def test_administrator_sets_the_remote_windows(client, administrator, facility_a):
    url = reverse("console_visits:windows", args=[facility_a.pk, "remote"])
    assert 'value="09:00-11:20, 12:20-16:20, 17:20-22:45"' in client.get(url).text

    data = {f"day_{d}": "" for d in range(7)}
    data["day_0"] = "08:00-12:00, 13:30-17:00"
    data["day_5"] = "10:00 - 14:00"
    response = client.post(url, data, follow=True)

    remote = VisitWindow.objects.filter(facility=facility_a, kind="remote")
    assert sorted((w.weekday, f"{w.start_time:%H:%M}", f"{w.end_time:%H:%M}") for w in remote) == [
        (0, "08:00", "12:00"),
        (0, "13:30", "17:00"),
        (5, "10:00", "14:00"),
    ]
    assert not VisitWindow.objects.filter(facility=facility_a, kind="onsite").exists()
    assert "The remote visit windows are saved." in response.text


@pytest.mark.parametrize(
    ("monday", "error"),
    [
        ("9am-noon", "Write each window as start-end on a 24-hour clock"),
        ("12:00-09:00", "12:00-09:00 ends before it starts."),
        ("09:00-12:00, 11:00-13:00", "Windows on the same day may not overlap."),
    ],
)
def test_bad_windows_are_refused(client, administrator, facility_a, monday, error):
    data = {f"day_{d}": "" for d in range(7)}
    data["day_0"] = monday

    response = client.post(reverse("console_visits:windows", args=[facility_a.pk, "remote"]), data)

    assert response.status_code == 200
    assert error in response.text
    assert not VisitWindow.objects.exists()


def test_unknown_kind_of_window_is_not_found(client, administrator, facility_a):
    url = reverse("console_visits:windows", args=[facility_a.pk, "teleport"])
    assert client.get(url).status_code == 404


def test_administrator_of_two_facilities_chooses_one(client, administrator, facility_b):
    StaffMembershipFactory(user=administrator, facility=facility_b)

    page = client.get(reverse("console_visits:facilities"))

    assert "Travis County Jail" in page.text
    assert "Fulton County Jail" in page.text
    assert page.text.count("Visit settings and windows") == 1


def test_console_navigation_links_to_the_visits(client, officer):
    page = client.get(reverse("review:home"))
    assert f'href="{reverse("console_visits:facilities")}"' in page.text


def test_terminal_list_shows_who_is_out_of_service(client, administrator, facility_a, place):
    Terminal.objects.filter(pk=place["t2"].pk).update(in_service=False)
    page = client.get(reverse("console_visits:terminals", args=[facility_a.pk]))
    assert "Lobby-1" in page.text
    assert "E-1" not in page.text
    assert page.text.count("Out of service") == 1


def test_terminal_page_lists_a_weeks_visits_unless_asked_for_more(
    client, administrator, place, visits
):
    later = make_visit(inmate=place["cal"], terminal=place["t1"], starts_at=at(10, day=30))
    url = reverse("console_visits:terminal", args=[place["t1"].pk])

    week = client.get(url)
    assert "2 scheduled visits affected" in week.text
    assert "1 more scheduled visit after March 17, 2026." in week.text
    assert f'value="{later.pk}"' not in week.text

    month = client.get(url, {"until": "2026-03-30"})
    assert "3 scheduled visits affected" in month.text
    assert f'value="{later.pk}"' in month.text
    assert "more scheduled visit" not in month.text
