"""Facility administrators' settings, visit windows and terminals (out of service, with
their visits moved or cancelled in one action).
"""

import pytest
from django.urls import reverse

from accounts.tests.pages import text_of
from facilities.models import Terminal
from facilities.tests.factories import (
    StaffMembershipFactory,
)
from scheduling.models import (
    SchedulingConfig,
    VisitStatus,
    VisitWindow,
)
from scheduling.selectors import balance_for

from .helpers import at, make_visit, status_of

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
    assert "1 visit moved to another terminal." in response.text
    assert "1 visit could not be moved" in response.text
    # The result lists each chosen visit once, with its time and where it went.
    result = response.text[response.text.index("What the move did") :]
    result = result[: result.index("</section>")]
    ana, ben = visits["ana"].inmate, visits["ben"].inmate
    assert f"Thursday, March 12, 2026, 2 p.m. CDT, Ana Diaz ({ana.id_number}): from N-1 to N-2" in (
        result
    )
    assert f"Thursday, March 12, 2026, 3 p.m. CDT, Ben Okafor ({ben.id_number}): still on N-1" in (
        result
    )
    assert result.count("Ana Diaz") == result.count("Ben Okafor") == 1
    # Shown once: the next visit to the page no longer has it.
    assert "What the move did" not in client.get(url).text
    assert [m.to for m in mailoutbox] == [[visits["ana"].visitor.email]]
    assert "1 scheduled visit affected" in response.text


def test_terminal_visits_cancelled_in_one_action_with_a_credit_and_an_email_each(
    client, administrator, place, visits, mailoutbox, django_capture_on_commit_callbacks
):
    url = reverse("console_visits:terminal", args=[place["t1"].pk])
    before = text_of(client.get(url))
    assert (
        "Cancelling all the visits listed: With a behavioural reason: 2 visits charged, $16.00 "
        "in all. With a non-behavioural reason: 2 visits credited, $16.00 back as credit in all."
    ) in before
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

    assert (
        "2 visits cancelled: 2 visits credited, $16.00 back as credit in all. Each visitor will "
        "get an email."
    ) in text_of(response)
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


# Facility administrators: settings and windows ------------------------------------------


def test_administrator_saves_the_settings_with_prices_in_dollars(client, administrator, facility_a):
    url = reverse("console_visits:config", args=[facility_a.pk])
    page = client.get(url)
    assert "This facility uses the default settings until you save your own." in page.text
    assert 'value="20, 40, 60"' in page.text
    assert "Minimum notice, in hours" in page.text and 'value="24"' in page.text
    assert "At most $0.50 a minute (set by the operator)." in page.text

    response = client.post(
        url,
        {
            "durations": "30, 15",
            "slot_step_minutes": "15",
            "min_notice_hours": "1.5",
            "horizon_days": "21",
            "weekly_limit": "3",
            "remote_price_per_minute_cents": "0.25",
            "onsite_price_per_minute_cents": "0",
            "lockdown_charges": "no",
        },
        follow=True,
    )

    config = SchedulingConfig.objects.get(facility=facility_a)
    assert config.lockdown_charges is False
    assert config.durations == [15, 30]
    assert (config.slot_step_minutes, config.min_notice_minutes, config.horizon_days) == (
        15,
        90,
        21,
    )
    assert 'value="1.5"' in client.get(url).text
    assert config.weekly_limit == 3
    assert (config.remote_price_per_minute_cents, config.onsite_price_per_minute_cents) == (25, 0)
    assert "The visit settings of Travis County Jail are saved." in response.text


def test_a_price_above_the_operators_cap_is_refused(client, administrator, facility_a):
    response = client.post(
        reverse("console_visits:config", args=[facility_a.pk]),
        {
            "durations": "20",
            "slot_step_minutes": "20",
            "min_notice_hours": "24",
            "lockdown_charges": "yes",
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
