from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from facilities.models import Inmate, VisitKinds
from facilities.tests.factories import InmateFactory, TermsVersionFactory
from scheduling import services
from scheduling.models import (
    CardState,
    LedgerEntry,
    LedgerKind,
    TermsAcceptance,
    Visit,
    VisitKind,
    VisitStatus,
)
from scheduling.selectors import availability_for, balance_for
from scheduling.tests.factories import CreditFactory, SchedulingConfigFactory, grant_access
from visitation.errors import DomainError

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
GOOD_CARD = "4242 4242 4242 4242"
DECLINED = "4000000000000002"
NO_FUNDS = "4000000000009995"


def chicago(month, day, hour, minute=0, year=2027):
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO).astimezone(UTC)


NOW = chicago(3, 1, 8)  # Monday 1 March 2027, 08:00 in Chicago
WEDNESDAY_10 = chicago(3, 3, 10)  # 50 hours later
TUESDAY_14 = chicago(3, 2, 14)  # 30 hours later


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def hold(visitor, site, starts_at=WEDNESDAY_10, kind=VisitKind.REMOTE, duration=20, **kw):
    return services.visit_hold(
        user=visitor,
        facility=site.facility,
        inmate=kw.pop("inmate", site.inmate),
        kind=kind,
        duration=duration,
        starts_at=starts_at,
        **kw,
    )


def book(visitor, visit, key="confirm-1", payment=GOOD_CARD, **kw):
    return services.visit_book(
        user=visitor, visit_id=visit.pk, idempotency_key=key, payment=payment, **kw
    )


def test_picking_a_time_holds_it_for_ten_minutes_on_a_free_terminal(visitor, visit_site):
    visit = hold(visitor, visit_site)
    assert visit.status == VisitStatus.HELD
    assert visit.hold_expires_at == NOW + timedelta(minutes=10)
    assert visit.inmate_terminal == visit_site.terminals[0]
    assert visit.lobby_terminal is None
    assert visit.starts_at == WEDNESDAY_10 and visit.ends_at == WEDNESDAY_10 + timedelta(minutes=20)
    assert visit.price_cents == 20 * 20  # default remote price: 20 cents a minute


def test_a_hold_counts_against_availability_and_an_expired_one_does_not(
    visitor, other_home_user, visit_site, frozen
):
    grant_access(other_home_user, visit_site.facility)
    other_person = InmateFactory(facility=visit_site.facility, housing_unit=visit_site.unit)
    hold(visitor, visit_site)
    second = hold(other_home_user, visit_site, inmate=other_person)
    assert second.inmate_terminal == visit_site.terminals[1]

    def offered():
        days = availability_for(
            facility=visit_site.facility,
            inmate=InmateFactory(facility=visit_site.facility, housing_unit=visit_site.unit),
            visitor=other_home_user,
            kind=VisitKind.REMOTE,
            duration=20,
            start_date=WEDNESDAY_10.astimezone(CHICAGO).date(),
            days=1,
        )
        return [s.starts_at for s in days[0].slots]

    assert WEDNESDAY_10 not in offered()  # both terminals held
    frozen.shift(timedelta(minutes=10))
    assert WEDNESDAY_10 in offered()  # the holds ran out


def test_an_expired_hold_never_blocks_anyone(visitor, other_home_user, visit_site, frozen):
    grant_access(other_home_user, visit_site.facility)
    first = hold(visitor, visit_site)
    frozen.shift(timedelta(minutes=11))
    taken = hold(other_home_user, visit_site)  # same person, same terminal, same time
    assert taken.inmate_terminal == first.inmate_terminal
    first.refresh_from_db()
    assert first.status == VisitStatus.EXPIRED


def test_picking_another_time_gives_up_the_previous_hold(visitor, visit_site):
    first = hold(visitor, visit_site)
    second = hold(visitor, visit_site, starts_at=WEDNESDAY_10 + timedelta(hours=1))
    first.refresh_from_db()
    assert first.status == VisitStatus.EXPIRED
    assert second.status == VisitStatus.HELD


def test_only_an_approved_visitor_may_hold(home_user, visit_site):
    with pytest.raises(DomainError, match="approved access"):
        hold(home_user, visit_site)
    assert not Visit.objects.exists()


@pytest.mark.parametrize("status", [Inmate.Status.RELEASED, Inmate.Status.TRANSFERRED])
def test_only_an_active_person_of_the_facility_can_be_visited(visitor, visit_site, status):
    visit_site.inmate.status = status
    visit_site.inmate.save()
    with pytest.raises(DomainError, match="cannot receive visits"):
        hold(visitor, visit_site)


def test_a_kind_the_facility_does_not_offer_is_refused(visitor, visit_site):
    visit_site.facility.visit_kinds = VisitKinds.ONSITE
    visit_site.facility.save()
    with pytest.raises(DomainError, match="does not offer"):
        hold(visitor, visit_site)


def test_a_length_the_facility_does_not_offer_is_refused(visitor, visit_site):
    with pytest.raises(DomainError, match="lengths offered"):
        hold(visitor, visit_site, duration=30)


def test_a_time_that_is_not_bookable_says_why(visitor, visit_site):
    with pytest.raises(DomainError, match="Too soon to book"):
        hold(visitor, visit_site, starts_at=chicago(3, 1, 13))
    with pytest.raises(DomainError, match="No visits on this day"):
        hold(visitor, visit_site, starts_at=chicago(3, 3, 11, 10))


def test_booking_more_than_48_hours_ahead_charges_the_card_and_holds_the_money_for_the_visit(
    visitor, visit_site, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        visit = book(visitor, hold(visitor, visit_site))
    assert visit.status == VisitStatus.BOOKED
    assert visit.card_state == CardState.HELD and visit.card_cents == 400
    payment, held = LedgerEntry.objects.filter(visit=visit).order_by("pk")
    assert payment.kind == LedgerKind.PAYMENT
    assert payment.card_amount_cents == 400 and payment.amount_cents == 0
    assert payment.card_last4 == "4242" and payment.provider_token.startswith("tok_sandbox_")
    assert payment.provider_reference.startswith("ch_")
    assert "4242424242424242" not in str(payment.__dict__)
    assert payment.description.startswith("Paid with card ending 4242 for your visit with Ana")
    assert held.kind == LedgerKind.FUNDS_HOLD
    assert (held.amount_cents, held.card_amount_cents) == (0, 400)
    assert held.description == (
        "$4.00 held for your visit with Ana Diaz on March 3, 2027, 10 a.m. CST: it becomes "
        "final 48 hours before the visit; cancel before then and it comes back as credit."
    )
    assert held.provider_token == held.provider_reference == ""
    assert balance_for(user=visitor) == 0
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.subject.startswith("Your visit with Ana Diaz is booked")
    assert "Wednesday, March 3, 2027, 10 a.m. CST" in message.body
    assert "When (your time): Wednesday, March 3, 2027, 11 a.m. EST" in message.body
    assert "Charged to your card ending 4242: $4.00" in message.body
    assert (
        "Cancel or change the visit by Monday, March 1, 2027, 10 a.m. CST and what you paid "
        "comes back as credit toward a future visit, not to your card." in message.body
    )
    assert f"http://testserver/visits/{visit.pk}/" in message.body
    assert message.attachments[0][0] == "visit.ics"


def test_booking_within_48_hours_charges_the_card_and_it_is_final_at_once(visitor, visit_site):
    visit = book(visitor, hold(visitor, visit_site, starts_at=TUESDAY_14))
    assert visit.card_state == CardState.CHARGED
    assert LedgerEntry.objects.get(visit=visit).kind == LedgerKind.PAYMENT


def test_credit_is_used_before_the_card(visitor, visit_site):
    CreditFactory(user=visitor, amount_cents=300)
    visit = book(visitor, hold(visitor, visit_site))
    assert (visit.credit_applied_cents, visit.card_cents) == (300, 100)
    kinds = dict(LedgerEntry.objects.filter(visit=visit).values_list("kind", "card_amount_cents"))
    assert kinds == {
        LedgerKind.CREDIT_USE: 0,
        LedgerKind.PAYMENT: 100,
        LedgerKind.FUNDS_HOLD: 400,  # the visit's whole price is held for it
    }
    assert balance_for(user=visitor) == 0


def test_enough_credit_needs_no_card(visitor, visit_site):
    CreditFactory(user=visitor, amount_cents=1000)
    visit = book(visitor, hold(visitor, visit_site), payment=None)
    assert visit.status == VisitStatus.BOOKED and visit.card_state == CardState.NONE
    assert balance_for(user=visitor) == 600


def test_a_paid_visit_without_a_card_asks_for_one(visitor, visit_site):
    visit = hold(visitor, visit_site)
    with pytest.raises(DomainError, match=r"Please enter a card to pay \$4.00"):
        book(visitor, visit, payment=None)


def test_a_free_on_site_visit_needs_no_payment(visitor, visit_site):
    visit = hold(visitor, visit_site, kind=VisitKind.ONSITE)
    assert visit.lobby_terminal == visit_site.lobby and visit.price_cents == 0
    booked = book(visitor, visit, payment=None)
    assert booked.status == VisitStatus.BOOKED
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("card", "message"),
    [
        (DECLINED, "Your card was declined. Please use another card."),
        (NO_FUNDS, "Your card does not have enough funds. Please use another card."),
        ("4242 4242 4242 4241", "This card number is not valid."),
    ],
)
def test_a_declined_card_gives_a_clear_message_and_no_visit(visitor, visit_site, card, message):
    CreditFactory(user=visitor, amount_cents=100)
    visit = hold(visitor, visit_site)
    with pytest.raises(DomainError) as caught:
        book(visitor, visit, payment=card)
    assert caught.value.message.startswith(message)
    assert caught.value.field == "card_number"
    visit.refresh_from_db()
    assert visit.status == VisitStatus.HELD  # the hold stays until it runs out
    assert LedgerEntry.objects.filter(visit=visit).count() == 0
    assert balance_for(user=visitor) == 100  # the credit was not spent
    assert book(visitor, visit, key="confirm-2").status == VisitStatus.BOOKED


def test_a_repeated_confirm_books_once_and_charges_once(
    visitor, visit_site, mailoutbox, django_capture_on_commit_callbacks
):
    visit = hold(visitor, visit_site)
    with django_capture_on_commit_callbacks(execute=True):
        first = book(visitor, visit, key="same")
        again = book(visitor, visit, key="same")
        other_key = book(visitor, visit, key="double-click-from-another-tab")
    assert first.pk == again.pk == other_key.pk
    assert Visit.objects.filter(status=VisitStatus.BOOKED).count() == 1
    assert LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT).count() == 1
    assert len(mailoutbox) == 1


def test_a_hold_that_ran_out_cannot_be_booked(visitor, visit_site, frozen):
    visit = hold(visitor, visit_site)
    frozen.shift(timedelta(minutes=10))
    with pytest.raises(DomainError, match="ran out"):
        book(visitor, visit)


def test_someone_elses_hold_cannot_be_booked(visitor, other_home_user, visit_site):
    grant_access(other_home_user, visit_site.facility)
    visit = hold(visitor, visit_site)
    with pytest.raises(DomainError, match="not found"):
        book(other_home_user, visit)


def test_current_terms_must_be_accepted_once(visitor, visit_site):
    terms = TermsVersionFactory(facility=visit_site.facility, version="3")
    visit = hold(visitor, visit_site)
    with pytest.raises(DomainError, match="accept the facility's terms") as caught:
        book(visitor, visit)
    assert caught.value.field == "accept_terms"
    booked = book(visitor, visit, accept_terms_version=terms.pk)
    assert booked.terms_version == terms
    assert TermsAcceptance.objects.filter(user=visitor, terms_version=terms).exists()
    later = hold(visitor, visit_site, starts_at=WEDNESDAY_10 + timedelta(hours=3))
    assert book(visitor, later, key="confirm-2").terms_version == terms
    newer = TermsVersionFactory(facility=visit_site.facility, version="4")
    third = hold(visitor, visit_site, starts_at=WEDNESDAY_10 + timedelta(hours=4))
    with pytest.raises(DomainError, match="accept the facility's terms"):
        book(visitor, third, key="confirm-3")
    assert (
        book(visitor, third, key="confirm-3", accept_terms_version=newer.pk).terms_version == newer
    )


def test_the_facility_price_per_kind_sets_the_price(visitor, visit_site):
    SchedulingConfigFactory(
        facility=visit_site.facility,
        remote_price_per_minute_cents=15,
        onsite_price_per_minute_cents=5,
    )
    assert hold(visitor, visit_site, duration=40).price_cents == 600
    onsite = hold(visitor, visit_site, kind=VisitKind.ONSITE, starts_at=chicago(3, 3, 13))
    assert onsite.price_cents == 100


def test_the_weekly_limit_counts_booked_visits(visitor, visit_site):
    SchedulingConfigFactory(facility=visit_site.facility, weekly_limit=1)
    book(visitor, hold(visitor, visit_site))
    with pytest.raises(DomainError, match="all the visits allowed this week"):
        hold(visitor, visit_site, starts_at=chicago(3, 4, 10))
    assert hold(visitor, visit_site, starts_at=chicago(3, 8, 10)).status == VisitStatus.HELD


def test_windows_saved_by_the_facility_replace_the_defaults(visitor, visit_site, admin_a):
    from scheduling.availability import Window

    services.visit_windows_set(
        actor=admin_a,
        facility=visit_site.facility,
        kind=VisitKind.REMOTE,
        windows=[Window(weekday=2, start=time(10), end=time(12))],
    )
    assert hold(visitor, visit_site).status == VisitStatus.HELD
    with pytest.raises(DomainError, match="No visits on this day"):
        hold(visitor, visit_site, starts_at=chicago(3, 4, 10))
    onsite = hold(visitor, visit_site, kind=VisitKind.ONSITE, starts_at=chicago(3, 4, 9))
    assert onsite.status == VisitStatus.HELD  # on-site kept the defaults
