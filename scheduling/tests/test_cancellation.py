"""Cancelling and rescheduling by the visitor, and the 48-hour rule at its boundary."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from scheduling import rules, services
from scheduling.models import CardState, LedgerEntry, LedgerKind, Visit, VisitStatus
from scheduling.reasons import CancelFamily, CancelReason
from scheduling.selectors import balance_for
from scheduling.tests.factories import CreditFactory, grant_access
from visitation.errors import DomainError

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")


def chicago(month, day, hour, minute=0, second=0, year=2027):
    return datetime(year, month, day, hour, minute, second, tzinfo=CHICAGO).astimezone(UTC)


BOOKED_AT = chicago(3, 1, 8)
STARTS = chicago(3, 3, 10)  # Wednesday 10:00 CST
JUST_IN_TIME = STARTS - timedelta(hours=48, seconds=-1)  # 47:59:59 before: too late
JUST_BEFORE = STARTS - timedelta(hours=48, seconds=1)  # 48:00:01 before: credit


def book_paid_visit(user, site, starts_at=STARTS, credit=100, at=BOOKED_AT, key="k1"):
    """A $4.00 remote visit: `credit` cents from credit, the rest charged to the card."""
    if credit:
        CreditFactory(user=user, amount_cents=credit)
    with time_machine.travel(at, tick=False):
        held = services.visit_hold(
            user=user,
            facility=site.facility,
            inmate=site.inmate,
            kind="remote",
            duration=20,
            starts_at=starts_at,
        )
        return services.visit_book(
            user=user, visit_id=held.pk, idempotency_key=key, payment="4242424242424242"
        )


def entries(visit):
    return sorted(
        LedgerEntry.objects.filter(visit=visit).values_list(
            "kind", "amount_cents", "card_amount_cents"
        )
    )


def test_cancelling_48_hours_and_a_second_before_gives_back_what_was_paid(
    visitor, visit_site, mailoutbox, django_capture_on_commit_callbacks
):
    visit = book_paid_visit(visitor, visit_site)
    with (
        time_machine.travel(JUST_BEFORE, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert rules.cancellation_credit_preview(visit=visit, now=JUST_BEFORE).refunded
        result = services.visit_cancel_by_user(user=visitor, visit_id=visit.pk)
    # The $1.00 of credit and the $3.00 charged to the card both come back as credit.
    assert result.money == rules.MoneyOutcome(credit_cents=400)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CANCELLED
    assert visit.cancel_family == CancelFamily.VISITOR
    assert visit.card_state == CardState.CREDITED
    assert entries(visit) == [
        (LedgerKind.CREDIT, 400, 0),
        (LedgerKind.CREDIT_USE, -100, 0),
        (LedgerKind.FUNDS_HOLD, 0, 400),
        (LedgerKind.PAYMENT, 0, 300),
    ]
    assert balance_for(user=visitor) == 400
    body = mailoutbox[-1].body
    assert "You cancelled it." in body
    assert "You get a credit of $4.00 toward a future visit." in body


def test_cancelling_47_hours_59_minutes_59_seconds_before_gives_nothing_back(
    visitor, visit_site, mailoutbox, django_capture_on_commit_callbacks
):
    visit = book_paid_visit(visitor, visit_site)
    with (
        time_machine.travel(JUST_IN_TIME, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert not rules.cancellation_credit_preview(visit=visit, now=JUST_IN_TIME).refunded
        result = services.visit_cancel_by_user(user=visitor, visit_id=visit.pk)
    assert result.money == rules.MoneyOutcome(charged_cents=400, kept_cents=400)
    visit.refresh_from_db()
    assert visit.card_state == CardState.CHARGED
    assert entries(visit) == [
        (LedgerKind.CHARGE, 0, 400),
        (LedgerKind.CREDIT_USE, -100, 0),
        (LedgerKind.FUNDS_HOLD, 0, 400),
        (LedgerKind.PAYMENT, 0, 300),
    ]
    charge = LedgerEntry.objects.get(visit=visit, kind=LedgerKind.CHARGE)
    assert charge.description == (
        "Final charge for your visit with Ana Diaz on March 3, 2027, 10 a.m. CST, which was "
        "cancelled: what was paid does not come back"
    )
    assert balance_for(user=visitor) == 0
    assert "what you paid ($4.00) is not given back" in mailoutbox[-1].body


def test_exactly_48_hours_before_still_gives_credit():
    assert rules.credit_is_due(starts_at=STARTS, now=STARTS - timedelta(hours=48))
    assert not rules.credit_is_due(
        starts_at=STARTS, now=STARTS - timedelta(hours=48) + timedelta(microseconds=1)
    )


def test_the_48_hours_are_real_hours_across_the_spring_forward_weekend(visitor, visit_site):
    # Monday 15 March 2027, 09:00 CDT. Clocks went forward on Sunday, so 48 real hours
    # before is Saturday 08:00 CST, not 09:00 as the wall clock would suggest.
    monday_nine = chicago(3, 15, 9)
    assert monday_nine - timedelta(hours=48) == chicago(3, 13, 8)
    visit = book_paid_visit(visitor, visit_site, starts_at=monday_nine, at=chicago(3, 11, 8))
    with time_machine.travel(chicago(3, 13, 8, 30), tick=False):
        result = services.visit_cancel_by_user(user=visitor, visit_id=visit.pk)
    assert result.money.credit_cents == 0 and result.money.kept_cents == 400
    second = book_paid_visit(
        visitor,
        visit_site,
        starts_at=monday_nine + timedelta(hours=2),
        at=chicago(3, 11, 8),
        key="k2",
    )
    with time_machine.travel(chicago(3, 13, 7, 59, 59), tick=False):
        result = services.visit_cancel_by_user(user=visitor, visit_id=second.pk)
    assert result.money.credit_cents == 400 and result.money.kept_cents == 0


def test_the_48_hours_are_real_hours_across_the_fall_back_weekend(visitor, visit_site):
    # Monday 8 November 2027, 09:00 CST. Clocks went back on Sunday, so 48 real hours
    # before is Saturday 10:00 CDT, not 09:00 as the wall clock would suggest.
    monday_nine = chicago(11, 8, 9)
    assert monday_nine - timedelta(hours=48) == chicago(11, 6, 10)
    visit = book_paid_visit(visitor, visit_site, starts_at=monday_nine, at=chicago(11, 2, 8))
    with time_machine.travel(chicago(11, 6, 9, 30), tick=False):
        # 47.5 hours on the wall clock, 48.5 real hours: in time.
        result = services.visit_cancel_by_user(user=visitor, visit_id=visit.pk)
    assert result.money.credit_cents == 400 and result.money.kept_cents == 0
    second = book_paid_visit(
        visitor,
        visit_site,
        starts_at=monday_nine + timedelta(hours=2),
        at=chicago(11, 2, 8),
        key="k2",
    )
    with time_machine.travel(chicago(11, 6, 12, 0, 1), tick=False):
        result = services.visit_cancel_by_user(user=visitor, visit_id=second.pk)
    assert result.money.credit_cents == 0 and result.money.kept_cents == 400


def test_a_cancelled_visit_frees_its_time(visitor, other_home_user, visit_site):
    grant_access(other_home_user, visit_site.facility)
    visit = book_paid_visit(visitor, visit_site, credit=0)
    with time_machine.travel(BOOKED_AT + timedelta(hours=1), tick=False):
        services.visit_cancel_by_user(user=visitor, visit_id=visit.pk)
        again = services.visit_hold(
            user=other_home_user,
            facility=visit_site.facility,
            inmate=visit_site.inmate,
            kind="remote",
            duration=20,
            starts_at=STARTS,
        )
    assert again.inmate_terminal == visit.inmate_terminal


def test_only_the_visitor_may_cancel_and_only_before_the_start(
    visitor, other_home_user, visit_site
):
    visit = book_paid_visit(visitor, visit_site)
    with time_machine.travel(BOOKED_AT, tick=False), pytest.raises(DomainError, match="not found"):
        services.visit_cancel_by_user(user=other_home_user, visit_id=visit.pk)
    with time_machine.travel(STARTS, tick=False), pytest.raises(DomainError, match="no longer"):
        services.visit_cancel_by_user(user=visitor, visit_id=visit.pk)


def reschedule(user, visit, starts_at, at, key="move-1", **kw):
    with time_machine.travel(at, tick=False):
        return services.visit_reschedule(
            user=user, visit_id=visit.pk, starts_at=starts_at, idempotency_key=key, **kw
        )


def test_rescheduling_early_moves_the_money_to_the_new_visit(
    visitor, visit_site, mailoutbox, django_capture_on_commit_callbacks
):
    old = book_paid_visit(visitor, visit_site)
    thursday = chicago(3, 4, 10)
    with django_capture_on_commit_callbacks(execute=True):
        new = reschedule(visitor, old, thursday, at=JUST_BEFORE, duration=40)
    old.refresh_from_db()
    assert old.status == VisitStatus.CANCELLED and old.cancel_reason == CancelReason.RESCHEDULED
    assert old.replaced_by == new
    assert old.card_state == CardState.CREDITED
    assert LedgerEntry.objects.get(visit=old, kind=LedgerKind.CREDIT).amount_cents == 400
    assert new.status == VisitStatus.BOOKED and new.starts_at == thursday
    # All $4.00 paid for the old visit comes back as credit and pays first; the saved card
    # (no number typed again) pays the rest of the $8.00.
    assert (new.credit_applied_cents, new.card_cents, new.card_state) == (400, 400, CardState.HELD)
    payment = LedgerEntry.objects.get(visit=new, kind=LedgerKind.PAYMENT)
    assert (payment.card_amount_cents, payment.card_last4) == (400, "4242")
    assert balance_for(user=visitor) == 0
    message = mailoutbox[-1]
    assert message.subject.startswith("Your visit with Ana Diaz has moved to Thursday, March 4")
    assert "You changed your visit" in message.body
    assert "You get a credit of $4.00" in message.body
    assert "The new visit costs $8.00: $4.00 from your credit and $4.00 on your card." in (
        message.body
    )
    assert "Was (facility time): Wednesday, March 3, 2027, 10 a.m. CST" in message.body
    assert message.attachments[0][0] == "visit.ics"


def test_rescheduling_late_keeps_the_old_visit_paid_and_pays_the_new_one_in_full(
    visitor, visit_site
):
    old = book_paid_visit(visitor, visit_site)
    new = reschedule(visitor, old, chicago(3, 4, 10), at=JUST_IN_TIME)
    old.refresh_from_db()
    assert old.card_state == CardState.CHARGED
    assert LedgerEntry.objects.get(visit=old, kind=LedgerKind.CHARGE).card_amount_cents == 400
    assert not LedgerEntry.objects.filter(visit=old, kind=LedgerKind.CREDIT).exists()
    assert (new.credit_applied_cents, new.card_cents) == (0, 400)


def test_rescheduling_to_a_time_just_taken_changes_nothing(visitor, other_home_user, visit_site):
    grant_access(other_home_user, visit_site.facility)
    old = book_paid_visit(visitor, visit_site)
    thursday = chicago(3, 4, 10)
    with time_machine.travel(JUST_BEFORE - timedelta(minutes=1), tick=False):
        services.visit_hold(
            user=other_home_user,
            facility=visit_site.facility,
            inmate=visit_site.inmate,
            kind="remote",
            duration=20,
            starts_at=thursday,
        )
    before = entries(old)
    with pytest.raises(DomainError, match="just taken"):
        reschedule(visitor, old, thursday, at=JUST_BEFORE)
    old.refresh_from_db()
    assert old.status == VisitStatus.BOOKED and old.card_state == CardState.HELD
    assert entries(old) == before
    assert Visit.objects.filter(visitor=visitor).count() == 1


def test_rescheduling_may_overlap_the_old_time_and_a_repeat_moves_once(visitor, visit_site):
    old = book_paid_visit(visitor, visit_site, credit=0)
    later = STARTS + timedelta(minutes=20)
    new = reschedule(visitor, old, later, at=BOOKED_AT, duration=40)
    again = reschedule(visitor, old, later, at=BOOKED_AT)
    assert new.pk == again.pk
    assert new.ends_at == later + timedelta(minutes=40)
    # The old visit's $4.00 comes back as credit and pays half of the new $8.00.
    assert (new.price_cents, new.credit_applied_cents, new.card_cents) == (800, 400, 400)
    assert Visit.objects.filter(status=VisitStatus.BOOKED).count() == 1


# The family's calendar: a moved visit is the same event, a cancelled one is removed ------


def calendar_lines(message):
    filename, content, mimetype = message.attachments[0]
    assert filename == "visit.ics"
    return mimetype, content.replace("\r\n ", "").split("\r\n")


def field(lines, name):
    return next(line.split(":", 1)[1] for line in lines if line.startswith(f"{name}:"))


def test_a_rescheduled_visit_keeps_its_calendar_uid_and_raises_its_sequence_twice_over(
    visitor, visit_site, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = book_paid_visit(visitor, visit_site)
    _, booked = calendar_lines(mailoutbox[-1])
    with django_capture_on_commit_callbacks(execute=True):
        second = reschedule(visitor, first, chicago(3, 4, 10), at=JUST_BEFORE)
    _, moved = calendar_lines(mailoutbox[-1])
    with django_capture_on_commit_callbacks(execute=True):
        third = reschedule(visitor, second, chicago(3, 4, 11), at=JUST_BEFORE, key="move-2")
    _, moved_again = calendar_lines(mailoutbox[-1])

    assert second.pk != first.pk and third.pk != second.pk
    uid = field(booked, "UID")
    assert uid == f"visit-{first.pk}@testserver"
    assert field(moved, "UID") == field(moved_again, "UID") == uid
    assert [field(x, "SEQUENCE") for x in (booked, moved, moved_again)] == ["0", "1", "2"]
    assert "DTSTART;TZID=America/Chicago:20270304T110000" in moved_again


def test_a_cancelled_visit_sends_a_calendar_cancel_for_the_same_event(
    visitor, visit_site, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        visit = book_paid_visit(visitor, visit_site)
    _, booked = calendar_lines(mailoutbox[-1])
    with (
        time_machine.travel(JUST_BEFORE, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.visit_cancel_by_user(user=visitor, visit_id=visit.pk)
    mimetype, cancelled = calendar_lines(mailoutbox[-1])

    assert mimetype == "text/calendar; method=CANCEL"
    assert "METHOD:CANCEL" in cancelled and "METHOD:PUBLISH" not in cancelled
    assert "STATUS:CANCELLED" in cancelled
    assert field(cancelled, "UID") == field(booked, "UID")
    assert int(field(cancelled, "SEQUENCE")) > int(field(booked, "SEQUENCE"))
    assert field(cancelled, "ORGANIZER").startswith("mailto:")
