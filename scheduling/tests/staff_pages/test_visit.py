"""One visit: marking it (check-in, completed, no-show), moving it and cancelling it."""

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.tests.factories import otp_login
from scheduling.models import (
    VisitStatus,
)
from scheduling.reasons import CancelFamily, CancelReason
from scheduling.selectors import balance_for

from .helpers import THURSDAY, at, make_visit, status_of

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
