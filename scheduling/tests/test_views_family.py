"""The home user's visit pages: who may see what, the booking journey from the facility to
the confirmation, the money on each page, cancelling at the 48-hour boundary, moving a
visit, the calendar file, and a bounded number of queries on the availability view."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import IdentityStatus
from accounts.tests.factories import IdentitySubmissionFactory, UserFactory
from accounts.tests.pages import field_error, text_of
from facilities.models import AccessStatus, Inmate, VisitKinds
from facilities.tests.factories import (
    AccessRequestFactory,
    FacilityFactory,
    HousingUnitFactory,
    InmateFactory,
    TerminalFactory,
    TermsVersionFactory,
)
from scheduling import services
from scheduling.models import (
    CardState,
    LedgerEntry,
    LedgerKind,
    TermsAcceptance,
    Visit,
    VisitStatus,
)
from scheduling.reasons import CancelFamily, CancelReason, family_of
from scheduling.selectors import balance_for
from scheduling.tests.factories import (
    ClosureFactory,
    CreditFactory,
    LockdownFactory,
    SchedulingConfigFactory,
    VisitFactory,
    grant_access,
)

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000000000000002"


def chicago(month, day, hour, minute=0, second=0, year=2027):
    return datetime(year, month, day, hour, minute, second, tzinfo=CHICAGO).astimezone(UTC)


NOW = chicago(3, 1, 8)  # Monday 1 March 2027, 08:00 in Chicago
WEDNESDAY_10 = chicago(3, 3, 10)  # 50 hours ahead: paid now, final 48 hours before
TUESDAY_14 = chicago(3, 2, 14)  # 30 hours ahead: paid now and final at once
THURSDAY_10 = chicago(3, 4, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def iso(moment):
    return moment.astimezone(UTC).isoformat()


def book_url(site, *more, kind="remote"):
    if not more:
        return reverse("visits:book_person", args=[site.facility.slug, kind])
    name = {1: "book_duration", 2: "book_date", 3: "book_time"}[len(more)]
    return reverse(f"visits:{name}", args=[site.facility.slug, kind, *more])


def time_url(site, day="2027-03-03", duration=20):
    return book_url(site, site.inmate.pk, duration, day)


def card(number=GOOD_CARD, **extra):
    return {"card_number": number, "card_expiry": "12/30", "card_cvc": "123", **extra}


def confirm_data(response, **fields):
    """What the confirmation form sends: its hidden fields as rendered, and what the
    person typed."""
    page = response.content.decode()
    data = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    data.pop("csrfmiddlewaretoken", None)
    data.update(fields)
    return data


def hold(user, site, starts_at=WEDNESDAY_10, duration=20, kind="remote"):
    return services.visit_hold(
        user=user,
        facility=site.facility,
        inmate=site.inmate,
        kind=kind,
        duration=duration,
        starts_at=starts_at,
    )


def booked_visit(user, site, starts_at=WEDNESDAY_10, key="k" * 32, **pay):
    visit = hold(user, site, starts_at=starts_at)
    return services.visit_book(
        user=user, visit_id=visit.pk, idempotency_key=key, payment=GOOD_CARD, **pay
    )


def day_rows(response):
    """Each line of the day list, as a person reads it: the date, then what it says."""
    rows = re.findall(r'<li class="site-day[^"]*">(.*?)</li>', response.content.decode(), re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in rows]


def day_text(response, date_label):
    for row in day_rows(response):
        if row.startswith(date_label):
            return row
    raise AssertionError(f"{date_label} not in the day list")


# Who may see what.

VISIT_PAGES = ["detail", "booked", "cancel", "reschedule", "calendar", "checkout"]


@pytest.mark.parametrize(
    "url",
    [
        reverse("visits:mine"),
        reverse("visits:money"),
        reverse("visits:book"),
        reverse("visits:book_kind", args=["travis-county-jail"]),
        reverse("visits:book_person", args=["travis-county-jail", "remote"]),
        reverse("visits:book_duration", args=["travis-county-jail", "remote", 1]),
        reverse("visits:book_date", args=["travis-county-jail", "remote", 1, 20]),
        reverse("visits:book_time", args=["travis-county-jail", "remote", 1, 20, "2027-03-03"]),
        reverse("visits:reschedule_time", args=[1, "2027-03-03"]),
        reverse("visits:reschedule_confirm", args=[1]),
        *[reverse(f"visits:{name}", args=[1]) for name in VISIT_PAGES],
    ],
)
def test_anonymous_visitor_is_sent_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_anonymous_cannot_hold_or_cancel(client, visitor, visit_site):
    visit = booked_visit(visitor, visit_site)

    client.post(time_url(visit_site), {"starts_at": iso(THURSDAY_10)})
    client.post(reverse("visits:cancel", args=[visit.pk]))

    assert Visit.objects.filter(status=VisitStatus.HELD).count() == 0
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.BOOKED


def test_without_an_approved_identity_the_booking_page_says_what_to_do(
    client, home_user, visit_site
):
    IdentitySubmissionFactory(user=home_user, status=IdentityStatus.PENDING)
    client.force_login(home_user)

    page = text_of(client.get(reverse("visits:book")))

    assert "First, we need to check who you are" in page
    assert "Your identity is being reviewed" in page
    assert (
        client.get(reverse("visits:book_kind", args=[visit_site.facility.slug])).status_code == 404
    )


@pytest.mark.parametrize("status", [None, AccessStatus.PENDING, AccessStatus.DENIED])
def test_without_approved_access_the_booking_page_points_to_my_facilities(
    client, approved_home_user, visit_site, status
):
    if status:
        AccessRequestFactory(user=approved_home_user, facility=visit_site.facility, status=status)
    client.force_login(approved_home_user)

    response = client.get(reverse("visits:book"))

    assert "No facility has approved you yet" in text_of(response)
    assert f'href="{reverse("facilities:mine")}"' in response.text
    assert "Travis County Jail" not in text_of(response)
    slug = visit_site.facility.slug
    for url in (
        reverse("visits:book_kind", args=[slug]),
        book_url(visit_site),
        book_url(visit_site, visit_site.inmate.pk),
        time_url(visit_site),
    ):
        assert client.get(url).status_code == 404, url
    client.post(time_url(visit_site), {"starts_at": iso(WEDNESDAY_10)})
    assert not Visit.objects.exists()


def test_approved_at_one_facility_is_a_stranger_at_another(client, visitor, facility_b):
    client.force_login(visitor)
    other_person = InmateFactory(facility=facility_b)

    assert client.get(reverse("visits:book_kind", args=[facility_b.slug])).status_code == 404
    url = reverse("visits:book_duration", args=[facility_b.slug, "remote", other_person.pk])
    assert client.get(url).status_code == 404


def test_the_url_cannot_pick_what_the_facility_does_not_offer(client, visitor, visit_site):
    client.force_login(visitor)
    released = InmateFactory(
        facility=visit_site.facility, housing_unit=visit_site.unit, status=Inmate.Status.RELEASED
    )
    elsewhere = InmateFactory()

    assert client.get(book_url(visit_site, kind="video")).status_code == 404
    assert client.get(book_url(visit_site, released.pk)).status_code == 404
    assert client.get(book_url(visit_site, elsewhere.pk)).status_code == 404
    assert client.get(book_url(visit_site, visit_site.inmate.pk, 25)).status_code == 404
    visit_site.facility.visit_kinds = VisitKinds.REMOTE
    visit_site.facility.save()
    assert client.get(book_url(visit_site, kind="onsite")).status_code == 404


@pytest.mark.parametrize("persona", ["other_home_user", "staff_a", "reviewer"])
@pytest.mark.parametrize("name", VISIT_PAGES)
def test_another_users_visit_is_not_found(client, visitor, visit_site, name, persona, request):
    visit = booked_visit(visitor, visit_site)
    held = hold(visitor, visit_site, starts_at=THURSDAY_10)
    someone = request.getfixturevalue(persona)
    if persona == "other_home_user":
        grant_access(someone, visit_site.facility)
    client.force_login(someone)

    target = held if name == "checkout" else visit
    assert client.get(reverse(f"visits:{name}", args=[target.pk])).status_code == 404


def test_another_user_cannot_cancel_move_or_release(client, visitor, other_home_user, visit_site):
    visit = booked_visit(visitor, visit_site)
    held = hold(visitor, visit_site, starts_at=THURSDAY_10)
    grant_access(other_home_user, visit_site.facility)
    client.force_login(other_home_user)

    assert client.post(reverse("visits:cancel", args=[visit.pk])).status_code == 404
    assert client.post(reverse("visits:release", args=[held.pk])).status_code == 404
    response = client.post(
        reverse("visits:reschedule_confirm", args=[visit.pk]), {"starts_at": iso(THURSDAY_10)}
    )
    assert response.status_code == 404
    assert client.post(reverse("visits:checkout", args=[held.pk]), card()).status_code == 404
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.BOOKED
    assert Visit.objects.get(pk=held.pk).status == VisitStatus.HELD


# The booking journey.


def test_booking_steps_carry_the_choices_in_the_url(client, visitor, visit_site):
    client.force_login(visitor)
    slug = visit_site.facility.slug

    page = client.get(reverse("visits:book"))
    assert "Travis County Jail" in text_of(page)
    response = client.get(reverse("visits:book"), {"facility": slug})
    assert response.url == reverse("visits:book_kind", args=[slug])

    page = text_of(client.get(response.url))
    assert "Remote: from your phone or computer" in page
    assert "On-site: at a video terminal" in page
    response = client.get(reverse("visits:book_kind", args=[slug]), {"kind": "remote"})
    assert response.url == book_url(visit_site)

    response = client.get(book_url(visit_site, visit_site.inmate.pk), {"duration": "40"})
    assert response.url == book_url(visit_site, visit_site.inmate.pk, 40)


def test_a_facility_with_one_kind_skips_the_question(client, visitor, visit_site):
    visit_site.facility.visit_kinds = VisitKinds.ONSITE
    visit_site.facility.save()
    client.force_login(visitor)

    response = client.get(reverse("visits:book_kind", args=[visit_site.facility.slug]))

    assert response.url == book_url(visit_site, kind="onsite")


def test_finding_the_person_shows_name_id_number_and_unit_only(client, visitor, visit_site):
    visit_site.unit.shown_to_families = True
    visit_site.unit.save(update_fields=["shown_to_families"])
    InmateFactory(
        facility=visit_site.facility,
        housing_unit=visit_site.unit,
        first_name="Ana",
        last_name="Diaz-Released",
        status=Inmate.Status.RELEASED,
    )
    InmateFactory(first_name="Ana", last_name="Diaz", id_number="GA-77")  # another facility
    client.force_login(visitor)

    by_name = client.get(book_url(visit_site), {"q": "ana diaz"})
    by_number = client.get(book_url(visit_site), {"q": "tx-1001"})

    for response in (by_name, by_number):
        page = text_of(response)
        assert "Ana Diaz ID number TX-1001, housing unit North" in page
        assert "Released" not in page
        assert "GA-77" not in page
        assert "1990" not in page  # no date of birth
        assert book_url(visit_site, visit_site.inmate.pk) in response.text
    nobody = text_of(client.get(book_url(visit_site), {"q": "Nobody"}))
    assert "No one at Travis County Jail matches this" in nobody


def test_a_housing_unit_is_hidden_from_families_unless_the_facility_shows_it(
    client, visitor, visit_site
):
    medical = HousingUnitFactory(facility=visit_site.facility, name="Medical", code="MED")
    InmateFactory(
        facility=visit_site.facility, housing_unit=medical, first_name="Ana", last_name="Ortiz"
    )
    client.force_login(visitor)

    page = text_of(client.get(book_url(visit_site), {"q": "ana"}))

    assert "Ana Diaz ID number TX-1001" in page
    assert "Ana Ortiz ID number" in page
    assert "Medical" not in page
    assert "North" not in page  # a new unit is hidden until the facility says otherwise
    assert "housing unit" not in page


@pytest.mark.parametrize("query", ["a", "an", "D", "a d", "di az", "12"])
def test_fewer_than_three_letters_of_a_name_find_nobody(client, visitor, visit_site, query):
    client.force_login(visitor)

    response = client.get(book_url(visit_site), {"q": query})

    page = text_of(response)
    assert "Visit Ana Diaz" not in page
    assert "TX-1001" not in page
    assert "Type at least three letters of the person's name, or their whole ID number." in page


def test_three_letters_of_a_name_or_the_whole_id_number_find_the_person(
    client, visitor, visit_site
):
    client.force_login(visitor)

    for query in ("dia", "Ana", "an diaz", "TX-1001"):
        assert "Visit Ana Diaz" in text_of(client.get(book_url(visit_site), {"q": query})), query
    part_of_number = text_of(client.get(book_url(visit_site), {"q": "TX-100"}))
    assert "Visit Ana Diaz" not in part_of_number


def test_a_search_shows_at_most_twenty_people(client, visitor, visit_site):
    for n in range(25):
        InmateFactory(
            facility=visit_site.facility,
            housing_unit=visit_site.unit,
            first_name="Sam",
            last_name=f"Garcia{n:02d}",
        )
    client.force_login(visitor)

    page = text_of(client.get(book_url(visit_site), {"q": "garcia"}))

    assert len(re.findall(r"Visit Sam Garcia\d\d", page)) == 20
    assert "Sam Garcia19" in page and "Sam Garcia20" not in page
    assert "Only the first 20 are shown. Type more of the name, or the ID number." in page


def test_lengths_show_the_price_of_the_visit_and_per_minute(client, visitor, visit_site):
    SchedulingConfigFactory(
        facility=visit_site.facility, durations=[15, 30], remote_price_per_minute_cents=25
    )
    client.force_login(visitor)

    page = text_of(client.get(book_url(visit_site, visit_site.inmate.pk)))

    assert "Remote visits here cost $0.25 a minute" in page
    assert "15 minutes: $3.75" in page
    assert "30 minutes: $7.50" in page
    onsite = text_of(client.get(book_url(visit_site, visit_site.inmate.pk, kind="onsite")))
    assert "On-site visits here are free" in onsite
    assert "15 minutes: free" in onsite


def test_the_day_list_says_why_a_day_has_no_time(client, visitor, visit_site, other_home_user):
    facility, unit = visit_site.facility, visit_site.unit
    SchedulingConfigFactory(facility=facility, weekly_limit=1)
    ClosureFactory(facility=facility, starts_at=chicago(3, 4, 0), ends_at=chicago(3, 5, 0))
    LockdownFactory(housing_unit=unit, starts_at=chicago(3, 6, 0), ends_at=chicago(3, 7, 0))
    for terminal in visit_site.terminals:  # both terminals of the unit busy all Friday
        VisitFactory(
            facility=facility,
            inmate=InmateFactory(facility=facility, housing_unit=unit),
            inmate_terminal=terminal,
            starts_at=chicago(3, 5, 9),
            ends_at=chicago(3, 5, 23),
        )
    VisitFactory(  # the person's one visit of the week of Monday 8 March
        facility=facility,
        inmate=visit_site.inmate,
        visitor=other_home_user,
        inmate_terminal=visit_site.terminals[0],
        starts_at=chicago(3, 8, 10),
    )
    client.force_login(visitor)

    response = client.get(book_url(visit_site, visit_site.inmate.pk, 20))

    assert day_text(response, "Monday, March 1") == "Monday, March 1 No times: Too soon to book."
    assert day_text(response, "Tuesday, March 2") == "Tuesday, March 2 35 times free"
    assert "The facility is closed." in day_text(response, "Thursday, March 4")
    assert "Fully booked." in day_text(response, "Friday, March 5")
    assert "housing unit is locked down" in day_text(response, "Saturday, March 6")
    assert "35 times free" in day_text(response, "Sunday, March 7")
    for day in ("Monday, March 8", "Sunday, March 14"):
        assert "had all the visits allowed this week" in day_text(response, day)
    assert "35 times free" in day_text(response, "Monday, March 15")
    assert len(day_rows(response)) == 15  # today and the 14 days ahead
    link = time_url(visit_site, "2027-03-02")
    assert f'href="{link}"' in response.text
    assert time_url(visit_site, "2027-03-04") not in response.text


def test_times_are_on_the_facility_clock_and_the_visitors_own(client, visitor, visit_site):
    client.force_login(visitor)

    page = text_of(client.get(time_url(visit_site)))

    assert "Times on Wednesday, March 3" in page
    assert "9 a.m. CST (10 a.m. EST your time)" in page
    assert "10:20 p.m. CST (11:20 p.m. EST your time)" in page
    assert "10:40 p.m. CST" not in page  # would end after the 22:45 window
    visitor.time_zone = "America/Chicago"
    visitor.save()
    page = text_of(client.get(time_url(visit_site)))
    assert "9 a.m. CST" in page and "your time" not in page


def test_a_9_oclock_window_opens_at_9_on_both_sides_of_the_clock_change(
    client, visitor, visit_site
):
    client.force_login(visitor)

    saturday = text_of(client.get(time_url(visit_site, "2027-03-13")))
    sunday = text_of(client.get(time_url(visit_site, "2027-03-14")))  # clocks go forward

    assert "9 a.m. CST (10 a.m. EST your time)" in saturday
    assert "9 a.m. CDT (10 a.m. EDT your time)" in sunday


def test_book_a_paid_visit_end_to_end_repeated_confirm_books_and_holds_once(
    client, visitor, visit_site, django_capture_on_commit_callbacks, mailoutbox
):
    terms = TermsVersionFactory(facility=visit_site.facility, text="No recording by visitors.")
    client.force_login(visitor)

    response = client.post(time_url(visit_site), {"starts_at": iso(WEDNESDAY_10)})
    visit = Visit.objects.get(visitor=visitor)
    assert visit.status == VisitStatus.HELD
    assert response.url == reverse("visits:checkout", args=[visit.pk])

    checkout = client.get(response.url)
    page = text_of(checkout)
    assert "We are holding this time for you until 8:10 a.m. CST, for 10 minutes." in page
    assert "(9:10 a.m. EST your time)" in page
    assert "Wednesday, March 3, 2027, 10 a.m. CST" in page
    assert "Price $4.00" in page and "On your card $4.00" in page
    assert (
        "$4.00 is charged to your card now. Cancel or change the visit by Monday, March 1, "
        "2027, 10 a.m. CST and what you paid comes back as credit toward a future visit, not "
        "to your card. After that, nothing comes back." in page
    )
    assert "No recording by visitors." in page
    assert "Confirm and pay $4.00" in page

    unaccepted = client.post(response.url, confirm_data(checkout, **card()))
    assert "Please accept the terms and conditions" in field_error(unaccepted, "accept_terms")
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.HELD

    data = confirm_data(checkout, accept_terms="on", **card())
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(response.url, data)
        second = client.post(response.url, data)

    assert first.url == second.url == reverse("visits:booked", args=[visit.pk])
    visit.refresh_from_db()
    assert visit.status == VisitStatus.BOOKED
    assert Visit.objects.filter(visitor=visitor).count() == 1
    assert visit.card_state == CardState.HELD and visit.card_cents == 400
    money = LedgerEntry.objects.filter(user=visitor)
    assert [entry.kind for entry in money] == [LedgerKind.PAYMENT, LedgerKind.FUNDS_HOLD]
    assert money.get(kind=LedgerKind.PAYMENT).card_last4 == "4242"
    assert TermsAcceptance.objects.filter(user=visitor, terms_version=terms).count() == 1
    assert [m.subject for m in mailoutbox if "booked" in m.subject.lower()] != []

    done = text_of(client.get(first.url))
    assert "Your visit is booked" in done
    assert "On your card $4.00 charged to the card ending 4242" in done
    assert (
        "Cancel or change the visit by Monday, March 1, 2027, 10 a.m. CST and what you paid "
        "comes back as credit toward a future visit, not to your card." in done
    )
    assert reverse("visits:calendar", args=[visit.pk]) in client.get(first.url).text
    # Back to the confirmation form after booking: the booked visit, not a second one.
    assert client.get(response.url).url == first.url


def test_a_repeated_confirm_inside_48_hours_charges_once(client, visitor, visit_site):
    client.force_login(visitor)
    response = client.post(time_url(visit_site, "2027-03-02"), {"starts_at": iso(TUESDAY_14)})
    checkout = client.get(response.url)
    assert "$4.00 is charged to your card now" in text_of(checkout)

    data = confirm_data(checkout, **card())
    client.post(response.url, data)
    client.post(response.url, data)

    assert Visit.objects.get(visitor=visitor).card_state == CardState.CHARGED
    assert LedgerEntry.objects.filter(user=visitor, kind=LedgerKind.PAYMENT).count() == 1
    assert LedgerEntry.objects.filter(user=visitor).count() == 1


NOTHING_BACK = (
    "The visit starts in less than 48 hours: if you cancel or change it, what you paid does "
    "not come back."
)


def test_booked_less_than_48_hours_ahead_every_page_and_the_email_say_nothing_comes_back(
    client, visitor, visit_site, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(visitor)
    response = client.post(time_url(visit_site, "2027-03-02"), {"starts_at": iso(TUESDAY_14)})
    checkout = client.get(response.url)
    with django_capture_on_commit_callbacks(execute=True):
        booked = client.post(response.url, confirm_data(checkout, **card()))
    visit = Visit.objects.get(visitor=visitor)

    pages = {
        "checkout": text_of(checkout),
        "booked": text_of(client.get(booked.url)),
        "visit": text_of(client.get(reverse("visits:detail", args=[visit.pk]))),
        "email": " ".join(mailoutbox[-1].body.split()),
    }

    for name, text in pages.items():
        assert NOTHING_BACK in text, name
        assert "comes back as credit" not in text, name


def test_a_declined_card_says_so_and_books_nothing(client, visitor, visit_site):
    client.force_login(visitor)
    visit = hold(visitor, visit_site)
    url = reverse("visits:checkout", args=[visit.pk])
    checkout = client.get(url)

    response = client.post(url, confirm_data(checkout, **card(DECLINED_CARD)))

    assert response.status_code == 200
    assert "Your card was declined. Please use another card." in field_error(
        response, "card_number"
    )
    assert DECLINED_CARD not in response.text  # the card number is not written back
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.HELD
    assert not LedgerEntry.objects.exists()
    # The next try is a new attempt with a new key, and it books.
    retry = confirm_data(response, **card())
    assert retry["idempotency_key"] != confirm_data(checkout)["idempotency_key"]
    assert client.post(url, retry).url == reverse("visits:booked", args=[visit.pk])


def test_card_details_are_checked_before_anything_is_charged(client, visitor, visit_site):
    client.force_login(visitor)
    visit = hold(visitor, visit_site)
    url = reverse("visits:checkout", args=[visit.pk])
    data = confirm_data(client.get(url))

    missing = client.post(url, data)
    expired = client.post(url, {**data, **card(card_expiry="01/27")})

    assert "This field is required" in field_error(missing, "card_number")
    assert "This card has expired" in field_error(expired, "card_expiry")
    assert not LedgerEntry.objects.exists()


def test_credit_is_used_before_the_card_and_shown_first(client, visitor, visit_site):
    CreditFactory(user=visitor, amount_cents=300)
    client.force_login(visitor)
    visit = hold(visitor, visit_site)
    url = reverse("visits:checkout", args=[visit.pk])

    checkout = client.get(url)
    page = text_of(checkout)
    assert "Price $4.00 From your credit $3.00 On your card $1.00" in page

    client.post(url, confirm_data(checkout, **card()))
    visit.refresh_from_db()
    assert (visit.credit_applied_cents, visit.card_cents) == (300, 100)
    assert balance_for(user=visitor) == 0


def test_enough_credit_needs_no_card(client, visitor, visit_site):
    CreditFactory(user=visitor, amount_cents=500)
    client.force_login(visitor)
    visit = hold(visitor, visit_site)
    url = reverse("visits:checkout", args=[visit.pk])

    checkout = client.get(url)
    assert "Your credit pays for all of this visit" in text_of(checkout)
    assert 'name="card_number"' not in checkout.text

    assert client.post(url, confirm_data(checkout)).url == reverse("visits:booked", args=[visit.pk])
    assert balance_for(user=visitor) == 100


def test_the_loser_of_a_race_is_told_and_sees_the_times_again(
    client, visitor, other_home_user, visit_site
):
    grant_access(other_home_user, visit_site.facility)
    hold(other_home_user, visit_site)  # took 10:00 for the same person a moment before
    client.force_login(visitor)

    response = client.post(time_url(visit_site), {"starts_at": iso(WEDNESDAY_10)})

    assert response.status_code == 200
    assert "That time was just taken, please pick another." in text_of(response)
    assert iso(WEDNESDAY_10) not in response.text  # no longer offered
    assert iso(WEDNESDAY_10 + timedelta(minutes=20)) in response.text
    assert not Visit.objects.filter(visitor=visitor).exists()


def test_a_time_that_is_not_bookable_is_refused_with_a_reason(client, visitor, visit_site):
    client.force_login(visitor)

    off_grid = client.post(time_url(visit_site), {"starts_at": iso(chicago(3, 3, 10, 5))})
    garbage = client.post(time_url(visit_site), {"starts_at": "tomorrow at ten"})
    nothing = client.post(time_url(visit_site), {})

    assert "That time cannot be booked" in text_of(off_grid)
    assert "Please choose a time from the list" in text_of(garbage)
    assert "Please choose a time" in text_of(nothing)
    assert not Visit.objects.exists()


def test_a_hold_that_ran_out_sends_back_to_the_times(client, visitor, visit_site, frozen):
    client.force_login(visitor)
    visit = hold(visitor, visit_site)
    frozen.shift(timedelta(minutes=10, seconds=1))

    response = client.get(reverse("visits:checkout", args=[visit.pk]), follow=True)

    assert response.redirect_chain[-1][0] == time_url(visit_site)
    assert "Your hold on this time ran out" in text_of(response)


def test_giving_up_a_hold_frees_the_time(client, visitor, visit_site):
    client.force_login(visitor)
    visit = hold(visitor, visit_site)

    response = client.post(reverse("visits:release", args=[visit.pk]))

    assert response.url == time_url(visit_site)
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.EXPIRED
    assert iso(WEDNESDAY_10) in client.get(time_url(visit_site)).text


def test_the_calendar_file_is_in_the_facility_zone(client, visitor, visit_site):
    visit = booked_visit(visitor, visit_site)
    client.force_login(visitor)

    response = client.get(reverse("visits:calendar", args=[visit.pk]))

    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert "DTSTART;TZID=America/Chicago:20270303T100000" in body
    assert "TZID:America/Chicago" in body


# My visits, a visit, money.


def test_my_visits_lists_upcoming_and_past_on_both_clocks(
    client, visitor, visit_site, staff_a, frozen
):
    upcoming = booked_visit(visitor, visit_site)
    cancelled = booked_visit(visitor, visit_site, starts_at=THURSDAY_10, key="c" * 32)
    services.visit_cancel_by_staff(
        actor=staff_a,
        visit=cancelled,
        family=CancelFamily.NON_BEHAVIOURAL,
        reason=CancelReason.TERMINAL_INOPERABLE,
        explanation="The terminal in North is broken.",
    )
    held = hold(visitor, visit_site, starts_at=chicago(3, 5, 10))
    client.force_login(visitor)

    page = text_of(client.get(reverse("visits:mine")))

    upcoming_part, past_part = page.split("Past and cancelled visits")
    assert "Visit with Ana Diaz" in upcoming_part
    assert "Wednesday, March 3, 2027, 10 a.m. CST" in upcoming_part
    assert "Wednesday, March 3, 2027, 11 a.m. EST your time" in upcoming_part
    assert "Ana Diaz, Thursday, March 4, 2027, 10 a.m. CST : Cancelled by the facility" in past_part
    assert "You are holding a time to visit Ana Diaz on Friday, March 5" in upcoming_part
    assert reverse("visits:checkout", args=[held.pk]) in client.get(reverse("visits:mine")).text
    assert "Your credit: $4.00" in page  # the facility's fault: the card payment as credit

    detail = text_of(client.get(reverse("visits:detail", args=[cancelled.pk])))
    assert "Cancelled by the facility" in detail
    assert "Reason: Terminal inoperable." in detail
    assert "The terminal in North is broken." in detail
    assert "$4.00 charged to the card ending 4242, given back to you as credit" in detail
    assert (
        "Credit for your visit with Ana Diaz on March 4, 2027, 10 a.m. CST, which was cancelled"
        in detail
    )
    detail = text_of(client.get(reverse("visits:detail", args=[upcoming.pk])))
    assert "Change the time" in detail and "Cancel the visit" in detail
    frozen.move_to(chicago(3, 3, 11))
    over = text_of(client.get(reverse("visits:detail", args=[upcoming.pk])))
    assert "Cancel the visit" not in over


def test_money_page_has_one_line_per_visit_with_its_entries_behind_it(client, visitor, visit_site):
    CreditFactory(user=visitor, amount_cents=300, description="Goodwill credit")
    booked_visit(visitor, visit_site)
    client.force_login(visitor)

    response = client.get(reverse("visits:money"))
    page = text_of(response)

    assert "Your credit: $0.00" in page
    assert (
        "Visit with Ana Diaz Wednesday, March 3, 2027, 10 a.m. CST · Booked Paid $4.00 ($3.00 "
        "from your credit, $1.00 by the card ending 4242) What it cost you $4.00 (held for the "
        "visit until 48 hours before it: cancelled before then, it comes back as credit) "
        "Receipt of the card payment 3 entries behind this line"
    ) in page
    entries = re.search(r"<details[^>]*>(.*?)</details>", response.text, re.S)[1]
    assert "Credit used for your visit with Ana Diaz on March 3, 2027, 10 a.m. CST" in entries
    assert "Paid with card ending 4242 for your visit with Ana Diaz" in entries
    assert "$4.00 held for your visit with Ana Diaz" in entries
    assert "Goodwill credit" in page and "+$3.00 added" in page
    assert "Nothing" not in page


def test_the_statement_is_worded_in_the_readers_language_whatever_it_was_written_in(
    client, visitor, visit_site
):
    booked_visit(visitor, visit_site)  # written in English
    client.force_login(visitor)

    page = text_of(client.get(reverse("visits:money"), headers={"accept-language": "es"}))

    assert "Visita con Ana Diaz" in page
    assert "Pagado con la tarjeta que termina en 4242 para su visita con Ana Diaz" in page
    assert "miércoles 3 de marzo de 2027" in page
    assert "Paid with card" not in page and "What it cost you" not in page


def test_a_card_payment_has_a_printable_receipt_for_its_owner_only(
    client, visitor, other_home_user, visit_site
):
    visit = booked_visit(visitor, visit_site)
    payment = LedgerEntry.objects.get(visit=visit, kind=LedgerKind.PAYMENT)
    url = reverse("visits:receipt", args=[payment.pk])
    client.force_login(visitor)

    page = text_of(client.get(url))

    assert (
        "Amount charged to your card $4.00 Card ending 4242 Paid on Monday, March 1, 2027, "
        "8 a.m. CST"
    ) in page
    assert "For A remote visit with Ana Diaz (ID TX-1001)" in page
    assert "Visit time Wednesday, March 3, 2027, 10 a.m. CST" in page
    assert visit_site.facility.name in page
    hold_entry = LedgerEntry.objects.get(visit=visit, kind=LedgerKind.FUNDS_HOLD)
    assert client.get(reverse("visits:receipt", args=[hold_entry.pk])).status_code == 404
    client.force_login(other_home_user)
    assert client.get(url).status_code == 404


# Cancelling: at least 48 hours before, what was paid comes back as credit.


@pytest.fixture
def paid_visit(visitor, visit_site):
    """Wednesday 10:00, $4.00: $3.00 from credit and $1.00 charged to the card."""
    CreditFactory(user=visitor, amount_cents=300)
    return booked_visit(visitor, visit_site)


def test_cancel_48_hours_and_a_second_ahead_gives_the_money_back(
    client, visitor, paid_visit, frozen
):
    frozen.move_to(WEDNESDAY_10 - timedelta(hours=48, seconds=1))
    client.force_login(visitor)
    url = reverse("visits:cancel", args=[paid_visit.pk])

    page = text_of(client.get(url))
    assert "$4.00 comes back to you as credit toward a future visit, not to your card." in page
    assert "This holds if you cancel by Monday, March 1, 2027, 10 a.m. CST." in page
    assert "does not come back" not in page

    response = client.post(url, follow=True)

    assert "Your visit is cancelled" in text_of(response)
    assert "Status: Cancelled by you" in text_of(response)
    assert "$1.00 charged to the card ending 4242, given back to you as credit" in text_of(response)
    assert balance_for(user=visitor) == 400
    assert not LedgerEntry.objects.filter(visit=paid_visit, kind=LedgerKind.CHARGE).exists()


def test_cancel_47_hours_59_minutes_59_seconds_ahead_gives_nothing_back(
    client, visitor, paid_visit, frozen
):
    frozen.move_to(WEDNESDAY_10 - timedelta(hours=47, minutes=59, seconds=59))
    client.force_login(visitor)
    url = reverse("visits:cancel", args=[paid_visit.pk])

    page = text_of(client.get(url))
    assert "No credit: the $4.00 you paid does not come back" in page
    assert "comes back to you as credit" not in page

    detail = text_of(client.post(url, follow=True))

    assert Visit.objects.get(pk=paid_visit.pk).status == VisitStatus.CANCELLED
    assert balance_for(user=visitor) == 0
    assert "On your card $1.00 charged to the card ending 4242" in detail
    assert "given back" not in detail
    assert "which was cancelled: what was paid does not come back" in detail


def book_with_the_sandbox_card(client, site):
    """The family books Wednesday 10:00 ($4.00) on the pages, paying with 4242..."""
    response = client.post(time_url(site), {"starts_at": iso(WEDNESDAY_10)})
    checkout = client.get(response.url)
    client.post(response.url, confirm_data(checkout, **card()))
    return Visit.objects.get(status=VisitStatus.BOOKED)


def test_the_card_payment_comes_back_as_credit_when_the_family_cancels_in_time(
    client, visitor, visit_site, frozen
):
    client.force_login(visitor)
    visit = book_with_the_sandbox_card(client, visit_site)
    assert (visit.credit_applied_cents, visit.card_cents) == (0, 400)
    assert "Your credit: $0.00" in text_of(client.get(reverse("visits:mine")))

    frozen.move_to(WEDNESDAY_10 - timedelta(hours=48, seconds=1))
    cancel_url = reverse("visits:cancel", args=[visit.pk])
    assert "$4.00 comes back to you as credit toward a future visit" in text_of(
        client.get(cancel_url)
    )
    client.post(cancel_url)

    assert "Your credit: $4.00" in text_of(client.get(reverse("visits:mine")))
    money = text_of(client.get(reverse("visits:money")))
    assert "Your credit: $4.00" in money
    # One line for the visit: paid by card once (never refunded), back as credit.
    assert (
        "Visit with Ana Diaz Wednesday, March 3, 2027, 10 a.m. CST · Cancelled by you Paid "
        "$4.00 (by the card ending 4242) Back as credit $4.00 What it cost you $0.00"
    ) in money


def test_too_late_the_card_payment_does_not_come_back_and_the_visit_shows_charged(
    client, visitor, visit_site, frozen
):
    client.force_login(visitor)
    visit = book_with_the_sandbox_card(client, visit_site)

    frozen.move_to(WEDNESDAY_10 - timedelta(hours=47, minutes=59, seconds=59))
    cancel_url = reverse("visits:cancel", args=[visit.pk])
    assert "No credit: the $4.00 you paid does not come back" in text_of(client.get(cancel_url))
    detail = text_of(client.post(cancel_url, follow=True))

    assert "On your card $4.00 charged to the card ending 4242" in detail
    assert "Final charge for your visit with Ana Diaz" in detail
    assert "Your credit: $0.00" in text_of(client.get(reverse("visits:mine")))
    assert balance_for(user=visitor) == 0


def test_once_the_sweep_makes_the_payment_final_cancelling_gives_no_credit(
    client, visitor, visit_site, frozen
):
    client.force_login(visitor)
    visit = book_with_the_sandbox_card(client, visit_site)
    assert (
        services.visit_deadlines_enforce(now=WEDNESDAY_10 - timedelta(hours=48, seconds=1)).charged
        == 0
    )  # 48:00:01 before: still comes back as credit

    frozen.move_to(WEDNESDAY_10 - timedelta(hours=47, minutes=59, seconds=59))
    assert services.visit_deadlines_enforce().charged == 1
    detail = text_of(client.get(reverse("visits:detail", args=[visit.pk])))
    assert (
        "Final charge for your visit with Ana Diaz on March 3, 2027, 10 a.m. CST: less than 48 "
        "hours to go, so this is no longer refundable" in detail
    )
    assert "what you paid does not come back" in detail

    client.post(reverse("visits:cancel", args=[visit.pk]))

    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.CANCELLED
    assert "Your credit: $0.00" in text_of(client.get(reverse("visits:mine")))
    assert not LedgerEntry.objects.filter(kind=LedgerKind.CREDIT).exists()


def test_a_free_visit_cancel_page_says_there_is_nothing_to_give_back(client, visitor, visit_site):
    visit = services.visit_book(
        user=visitor,
        visit_id=hold(visitor, visit_site, kind="onsite").pk,
        idempotency_key="f" * 32,
    )
    client.force_login(visitor)

    page = text_of(client.get(reverse("visits:cancel", args=[visit.pk])))

    assert "This visit was free: there is no money to give back." in page


def test_a_visit_already_cancelled_cannot_be_cancelled_again(client, visitor, paid_visit):
    services.visit_cancel_by_user(user=visitor, visit_id=paid_visit.pk)
    client.force_login(visitor)

    response = client.post(reverse("visits:cancel", args=[paid_visit.pk]), follow=True)

    assert "This visit can no longer be cancelled." in text_of(response)
    assert LedgerEntry.objects.filter(visit=paid_visit, kind=LedgerKind.CREDIT).count() == 1


# Rescheduling.


def test_reschedule_shows_the_money_then_moves_the_visit_once(client, visitor, visit_site):
    old = booked_visit(visitor, visit_site)
    client.force_login(visitor)

    dates = client.get(reverse("visits:reschedule", args=[old.pk]))
    thursday = reverse("visits:reschedule_time", args=[old.pk, "2027-03-04"])
    assert f'href="{thursday}"' in dates.text
    times = client.get(thursday)
    assert iso(THURSDAY_10) in times.text
    confirm_url = reverse("visits:reschedule_confirm", args=[old.pk])
    confirm = client.get(confirm_url, {"starts_at": iso(THURSDAY_10)})

    page = text_of(confirm)
    assert "New time Thursday, March 4, 2027, 10 a.m. CST" in page
    # The $4.00 charged to the card comes back as credit and pays for the new time.
    assert "$4.00 comes back to you as credit toward a future visit, not to your card." in page
    assert "Price $4.00 From your credit $4.00 On your card $0.00" in page
    assert "Card number" not in page

    data = confirm_data(confirm)
    first = client.post(confirm_url, data)
    second = client.post(confirm_url, data)

    new = Visit.objects.get(visitor=visitor, status=VisitStatus.BOOKED)
    assert first.url == second.url == reverse("visits:booked", args=[new.pk])
    assert new.starts_at == THURSDAY_10 and new.card_state == CardState.NONE
    assert (new.credit_applied_cents, new.card_cents) == (400, 0)
    assert LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT).count() == 1  # the old one
    assert balance_for(user=visitor) == 0
    old.refresh_from_db()
    assert old.status == VisitStatus.CANCELLED and old.replaced_by == new
    assert old.card_state == CardState.CREDITED
    assert Visit.objects.filter(visitor=visitor).count() == 2
    assert "Moved to another time" in text_of(client.get(reverse("visits:detail", args=[old.pk])))


def test_reschedule_inside_48_hours_says_nothing_comes_back(client, visitor, visit_site, frozen):
    old = booked_visit(visitor, visit_site)
    frozen.move_to(WEDNESDAY_10 - timedelta(hours=47))
    client.force_login(visitor)

    page = text_of(
        client.get(
            reverse("visits:reschedule_confirm", args=[old.pk]), {"starts_at": iso(THURSDAY_10)}
        )
    )

    assert "No credit: the $4.00 you paid does not come back" in page
    assert "Price $4.00 On your card $4.00" in page
    assert "Cancel or change the visit by Tuesday, March 2, 2027, 10 a.m. CST" in page


def test_reschedule_to_a_time_taken_meanwhile_goes_back_to_the_times(
    client, visitor, other_home_user, visit_site
):
    old = booked_visit(visitor, visit_site)
    grant_access(other_home_user, visit_site.facility)
    hold(other_home_user, visit_site, starts_at=THURSDAY_10)
    client.force_login(visitor)

    response = client.post(
        reverse("visits:reschedule_confirm", args=[old.pk]),
        {"starts_at": iso(THURSDAY_10), "idempotency_key": "a" * 32},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse(
        "visits:reschedule_time", args=[old.pk, "2027-03-04"]
    )
    assert "That time was just taken, please pick another." in text_of(response)
    assert Visit.objects.get(pk=old.pk).status == VisitStatus.BOOKED


# A bounded number of queries, whatever the data.


def _grow(site, users):
    """Many terminals, people, visits of other visitors, closures and lockdowns."""
    facility = site.facility
    for n in range(8):
        TerminalFactory(facility=facility, housing_unit=site.unit, name=f"Extra {n}")
    people = [InmateFactory(facility=facility, housing_unit=site.unit) for _ in range(6)]
    for day in range(2, 15):
        for n, person in enumerate(people):
            VisitFactory(
                facility=facility,
                inmate=person,
                visitor=users[n % len(users)],
                inmate_terminal=site.terminals[n % 2],
                starts_at=chicago(3, day, 9) + timedelta(minutes=40 * n),
            )
        ClosureFactory(
            facility=facility, starts_at=chicago(3, day, 12), ends_at=chicago(3, day, 12, 30)
        )
        LockdownFactory(
            housing_unit=site.unit, starts_at=chicago(3, day, 18), ends_at=chicago(3, day, 18, 20)
        )


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_14_day_view_makes_the_same_few_queries_whatever_the_data(
    client, visitor, visit_site, django_assert_num_queries
):
    client.force_login(visitor)
    url = book_url(visit_site, visit_site.inmate.pk, 20)
    client.get(url)  # warm the session

    with django_assert_num_queries(9):
        client.get(url)
    _grow(visit_site, [UserFactory() for _ in range(3)])
    with django_assert_num_queries(9):
        response = client.get(url)
    assert "times free" in text_of(response)


@pytest.mark.parametrize("name", ["visits:mine", "visits:money"])
def test_my_visits_and_money_pages_make_the_same_queries_whatever_the_data(
    client, visitor, visit_site, name
):
    client.force_login(visitor)
    booked_visit(visitor, visit_site)
    # One visit in each list: an empty list makes no query for its page.
    cancelled = booked_visit(visitor, visit_site, starts_at=chicago(3, 3, 14), key="c" * 32)
    services.visit_cancel_by_user(user=visitor, visit_id=cancelled.pk)
    small = _queries(client, reverse(name))

    CreditFactory(user=visitor, amount_cents=5000)
    for n, day in enumerate(range(4, 12)):
        visit = booked_visit(visitor, visit_site, starts_at=chicago(3, day, 10), key=f"{n:032x}")
        if n % 2:
            services.visit_cancel_by_user(user=visitor, visit_id=visit.pk)

    assert _queries(client, reverse(name)) == small


def test_every_approved_facility_is_offered_and_no_other(client, visitor, visit_site):
    second = FacilityFactory(name="Bexar County Jail")
    grant_access(visitor, second)
    AccessRequestFactory(
        user=visitor, facility=FacilityFactory(name="Hidden"), status=AccessStatus.DENIED
    )
    client.force_login(visitor)

    page = text_of(client.get(reverse("visits:book")))

    assert "Travis County Jail" in page and "Bexar County Jail" in page
    assert "Hidden" not in page


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        (
            CancelReason.LOCKDOWN,
            "You were charged $4.00, because visits cancelled for this reason are charged: it "
            "does not come back. Reason: Lockdown.",
        ),
        (
            CancelReason.TERMINAL_INOPERABLE,
            "$4.00 is back as credit toward a future visit, because the reason is not your "
            "fault. Reason: Terminal inoperable.",
        ),
    ],
)
def test_a_visit_the_facility_cancelled_says_what_happened_to_the_money_in_its_alert(
    client, visitor, paid_visit, staff_a, reason, said
):
    services.visit_cancel_by_staff(
        actor=staff_a,
        visit=paid_visit,
        family=family_of(reason, lockdown_charges=True),
        reason=reason,
        explanation="The unit is being searched.",
    )
    client.force_login(visitor)

    response = client.get(reverse("visits:detail", args=[paid_visit.pk]))

    alert = re.search(r'aria-labelledby="why-heading">(.*?)</div>\s*</div>', response.text, re.S)
    assert said in " ".join(unescape(re.sub(r"<[^>]+>", " ", alert[1])).split())


def test_booking_in_spanish_with_an_account_saved_in_english_sends_the_email_in_spanish(
    client, visitor, visit_site, django_capture_on_commit_callbacks, mailoutbox
):
    assert visitor.language == "en"
    client.force_login(visitor)
    spanish = {"accept-language": "es"}  # the browser's choice; the switch was never used

    response = client.post(time_url(visit_site), {"starts_at": iso(WEDNESDAY_10)}, headers=spanish)
    checkout = client.get(response.url, headers=spanish)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url, confirm_data(checkout, **card()), headers=spanish)

    visitor.refresh_from_db()
    assert visitor.language == "es"
    message = mailoutbox[-1]
    assert message.subject.startswith("Su visita con Ana Diaz está reservada")
    assert "miércoles 3 de marzo de 2027" in message.body


def test_the_language_last_used_wins_over_the_one_saved_before(client, visitor):
    visitor.language = "es"
    visitor.save(update_fields=["language"])
    client.force_login(visitor)

    client.get(reverse("visits:mine"), headers={"accept-language": "en"})

    visitor.refresh_from_db()
    assert visitor.language == "en"


def test_spanish_pages_name_the_clock_count_times_and_write_days_as_spanish_does(
    client, visitor, visit_site
):
    client.force_login(visitor)
    spanish = {"accept-language": "es"}

    days = text_of(client.get(book_url(visit_site, visit_site.inmate.pk, 20), headers=spanish))
    times = text_of(client.get(time_url(visit_site), headers=spanish))
    visit = booked_visit(visitor, visit_site)
    page = text_of(client.get(reverse("visits:detail", args=[visit.pk]), headers=spanish))

    assert "reloj del centro penitenciario (hora del centro)" in days
    assert re.search(r"\b\d+ horarios disponibles\b", days)
    assert "America/Chicago" not in days + times
    assert "Su propia hora (hora del este)" in times
    # Mid-sentence, weekday and month in lower case.
    assert "a más tardar el lunes 1 de marzo de 2027, 10 a.m. CST" in page
    assert "Lunes" not in page


def test_a_facility_cancellation_states_the_money_in_spanish(client, visitor, paid_visit, staff_a):
    services.visit_cancel_by_staff(
        actor=staff_a,
        visit=paid_visit,
        family=CancelFamily.BEHAVIOURAL,
        reason=CancelReason.LOCKDOWN,
        explanation="Registro de la unidad.",
    )
    client.force_login(visitor)

    page = text_of(
        client.get(
            reverse("visits:detail", args=[paid_visit.pk]), headers={"accept-language": "es"}
        )
    )

    assert (
        "Se le cobraron $4.00, porque las visitas canceladas por este motivo se cobran: no se "
        "devuelve."
    ) in page


def test_booking_offers_first_the_person_named_in_the_access_request(client, visitor, visit_site):
    from facilities.models import AccessRequest

    AccessRequest.objects.filter(user=visitor, facility=visit_site.facility).update(
        inmate=visit_site.inmate, relationship="parent"
    )
    client.force_login(visitor)

    page = client.get(book_url(visit_site)).text

    offer = page[page.index("The person you asked to visit") : page.index("Or someone else")]
    assert visit_site.inmate.full_name in offer
    assert book_url(visit_site, visit_site.inmate.pk) in offer
    assert page.index("The person you asked to visit") < page.index('role="search"')

    # Released since: not offered, the search is all there is.
    Inmate.objects.filter(pk=visit_site.inmate.pk).update(status=Inmate.Status.RELEASED)
    assert "The person you asked to visit" not in client.get(book_url(visit_site)).text


def test_a_visit_page_and_its_cancellation_email_say_how_to_contact_the_facility(
    client, visitor, visit_site, mailoutbox, django_capture_on_commit_callbacks
):
    facility = visit_site.facility
    facility.phone = "(512) 555-0199"
    facility.visiting_rules_url = "https://example.org/rules"
    facility.save()
    visit = booked_visit(visitor, visit_site)
    client.force_login(visitor)

    page = client.get(reverse("visits:detail", args=[visit.pk])).text

    assert f"Contact {facility.name}" in page
    assert 'href="tel:5125550199"' in page
    assert f"{facility.street_address}, {facility.city}" in page
    assert 'href="https://example.org/rules"' in page
    with django_capture_on_commit_callbacks(execute=True):
        services.visit_cancel_by_user(user=visitor, visit_id=visit.pk)
    email = mailoutbox[-1]
    assert "Phone: (512) 555-0199" in email.body
    html = email.alternatives[0][0]
    assert "https://example.org/rules" in html and "(512) 555-0199" in html
