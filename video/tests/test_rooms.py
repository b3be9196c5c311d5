"""Rooms opened and closed by the periodic task, and the visit settled from what happened
(a stand-in media server; the real one is in test_janus_integration)."""

from datetime import timedelta

import pytest
import time_machine
from django.test import TestCase

from scheduling.models import CardState, LedgerKind, VisitStatus
from scheduling.selectors import balance_for
from video import rooms
from video.models import Outcome, RoomState, SessionEvent, VideoSession

from .fixtures import at

pytestmark = pytest.mark.django_db


def tick(when):
    """One run of the periodic task at `when`; what it queues on commit (emails, room
    closing) runs too."""
    with time_machine.travel(when, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        return rooms.rooms_tick()


def session_of(visit):
    return VideoSession.objects.get(visit=visit, revision=visit.revision)


def test_the_room_opens_ten_minutes_before_the_start_once(remote_visit, fake_janus):
    assert tick(at(13, 49, 59)).opened == 0
    assert tick(at(13, 50)).opened == 1
    tick(at(13, 50, 20))
    session = session_of(remote_visit)
    assert fake_janus.created == [session.room_id]
    assert session.state == RoomState.OPEN
    assert session.opened_at == at(13, 50)
    assert len(session.pin) == 8


def test_two_workers_never_open_the_same_room_twice(remote_visit, fake_janus):
    tick(at(13, 45))
    session = session_of(remote_visit)
    with time_machine.travel(at(13, 50), tick=False):
        assert rooms.room_open(session_id=session.pk, now=at(13, 50)) is True
        assert rooms.room_open(session_id=session.pk, now=at(13, 50)) is False
    assert len(fake_janus.created) == 1


def test_a_media_server_that_does_not_answer_is_retried_with_backoff(remote_visit, fake_janus):
    fake_janus.down = True
    tick(at(13, 50))
    session = session_of(remote_visit)
    assert session.state == RoomState.PENDING
    assert session.attempts == 1
    assert "unreachable" in session.last_error
    tick(at(13, 50, 4))  # within the 5 s retry delay: not tried
    assert session_of(remote_visit).attempts == 1
    fake_janus.down = False
    tick(at(13, 50, 6))
    assert session_of(remote_visit).state == RoomState.OPEN
    assert SessionEvent.objects.filter(kind=SessionEvent.Kind.ROOM_OPEN_FAILED).count() == 1


def test_a_room_that_cannot_open_by_five_minutes_after_the_start_credits_the_family(
    remote_visit, fake_janus, mailoutbox
):
    fake_janus.down = True
    for minute in range(-10, 5):
        tick(at(14) + timedelta(minutes=minute))
    remote_visit.refresh_from_db()
    assert remote_visit.status == VisitStatus.BOOKED
    tick(at(14, 5))
    remote_visit.refresh_from_db()
    assert remote_visit.status == VisitStatus.CANCELLED
    assert remote_visit.cancel_reason == "terminal_inoperable"
    assert balance_for(user=remote_visit.visitor) == 400
    session = session_of(remote_visit)
    assert (session.state, session.outcome) == (RoomState.FAILED, Outcome.TERMINAL_INOPERABLE)
    cancelled = [m for m in mailoutbox if "cancelled" in m.subject.lower()]
    assert len(cancelled) == 1
    assert "video terminal or video service was not working" in cancelled[0].body


def test_the_room_closes_at_the_booked_end_and_a_visit_with_both_sides_is_completed(
    remote_visit, fake_janus
):
    tick(at(13, 50))
    session = session_of(remote_visit)
    fake_janus.participants[session.room_id] = ["family"]
    tick(at(13, 55))
    remote_visit.status = VisitStatus.CHECKED_IN
    remote_visit.checked_in_at = at(13, 58)
    remote_visit.save()
    fake_janus.participants[session.room_id] = ["family", "facility"]
    tick(at(13, 58))
    tick(at(14, 19, 59))
    assert fake_janus.destroyed == []
    tick(at(14, 20))
    assert fake_janus.destroyed == [session.room_id]
    remote_visit.refresh_from_db()
    assert remote_visit.status == VisitStatus.COMPLETED
    assert remote_visit.card_state == CardState.CHARGED
    session.refresh_from_db()
    assert (session.state, session.outcome) == (RoomState.CLOSED, Outcome.COMPLETED)
    tick(at(14, 20, 20))
    assert fake_janus.destroyed == [session.room_id]  # closed once
    sides = list(
        session.events.filter(kind=SessionEvent.Kind.JOINED).values_list("side", flat=True)
    )
    assert sides == ["family", "facility"]


def checked_in(visit, when):
    visit.status = VisitStatus.CHECKED_IN
    visit.checked_in_at = when
    visit.save(update_fields=["status", "checked_in_at"])


def test_no_check_in_ten_minutes_after_the_start_cancels_with_credit(
    remote_visit, fake_janus, mailoutbox
):
    tick(at(13, 50))
    fake_janus.participants[session_of(remote_visit).room_id] = ["family"]
    tick(at(14, 9, 59))
    remote_visit.refresh_from_db()
    assert remote_visit.status == VisitStatus.BOOKED
    tick(at(14, 10, 1))
    remote_visit.refresh_from_db()
    assert remote_visit.status == VisitStatus.CANCELLED
    assert remote_visit.cancel_reason == "not_produced"
    assert balance_for(user=remote_visit.visitor) == 400
    assert session_of(remote_visit).state == RoomState.CLOSED
    assert any("not brought to the video terminal" in m.body for m in mailoutbox)


def test_a_check_in_at_nine_59_after_the_start_keeps_the_visit(remote_visit, fake_janus):
    tick(at(13, 50))
    fake_janus.participants[session_of(remote_visit).room_id] = ["family"]
    checked_in(remote_visit, at(14, 9, 59))
    fake_janus.participants[session_of(remote_visit).room_id] = ["family", "facility"]
    tick(at(14, 10, 1))
    remote_visit.refresh_from_db()
    assert remote_visit.status == VisitStatus.CHECKED_IN


@pytest.mark.parametrize(
    ("back_after", "status"),
    [
        (timedelta(minutes=4, seconds=59), VisitStatus.CHECKED_IN),
        (timedelta(minutes=5, seconds=1), VisitStatus.CANCELLED),
    ],
)
def test_facility_side_lost_for_more_than_five_minutes(
    remote_visit, fake_janus, back_after, status
):
    tick(at(13, 50))
    room = session_of(remote_visit).room_id
    checked_in(remote_visit, at(13, 59))
    fake_janus.participants[room] = ["family", "facility"]
    tick(at(14, 1))
    fake_janus.participants[room] = ["family"]
    tick(at(14, 3))
    tick(at(14, 3) + back_after)
    remote_visit.refresh_from_db()
    assert remote_visit.status == status
    if status == VisitStatus.CANCELLED:
        assert remote_visit.cancel_reason == "terminal_inoperable"
        assert balance_for(user=remote_visit.visitor) == 400


def test_a_visitor_who_never_joined_is_charged_and_emailed(remote_visit, fake_janus, mailoutbox):
    tick(at(13, 50))
    checked_in(remote_visit, at(13, 59))
    fake_janus.participants[session_of(remote_visit).room_id] = ["facility"]
    tick(at(14, 0))
    tick(at(14, 20))
    remote_visit.refresh_from_db()
    assert remote_visit.status == VisitStatus.NO_SHOW
    assert remote_visit.card_state == CardState.CHARGED
    assert balance_for(user=remote_visit.visitor) == 0
    assert remote_visit.ledger_entries.filter(kind=LedgerKind.CHARGE).count() == 1
    missed = [m for m in mailoutbox if m.subject.startswith("You did not join")]
    assert len(missed) == 1


def test_a_participant_without_the_facilitys_secret_id_is_not_the_facility(
    remote_visit, fake_janus
):
    # The family's own second connection, calling itself the facility with a made-up id:
    # removed, and the visit still ends as the person not produced (credited).
    tick(at(13, 50))
    room = session_of(remote_visit).room_id
    fake_janus.participants[room] = ["family", "facility-made-up"]
    tick(at(14, 0))
    assert fake_janus.kicked == ["facility-made-up"]
    assert session_of(remote_visit).present == ["family"]
    tick(at(14, 20))
    remote_visit.refresh_from_db()
    assert session_of(remote_visit).outcome == Outcome.NOT_PRODUCED
    assert remote_visit.card_state == CardState.CREDITED


def test_each_sides_id_is_secret_and_different_for_each_room(settings):
    settings.JANUS_TOKEN_SECRET = "one secret"
    family, facility = rooms.feed_id("r1", "family"), rooms.feed_id("r1", "facility")
    assert family != facility
    assert family.startswith("family-") and len(family) == len("family-") + 24
    assert rooms.feed_id("r2", "family") != family
    settings.JANUS_TOKEN_SECRET = "another secret"
    assert rooms.feed_id("r1", "family") != family


def test_the_join_link_is_emailed_fifteen_minutes_before_once(remote_visit, fake_janus, mailoutbox):
    tick(at(13, 44, 59))
    assert mailoutbox == []
    tick(at(13, 45))
    tick(at(13, 46))
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "Your visit with Ana Diaz starts in 15 minutes"
    assert f"/visits/{remote_visit.pk}/join/" in mailoutbox[0].body


def test_a_cancelled_visit_has_its_room_closed_when_the_change_commits(
    remote_visit, fake_janus, django_capture_on_commit_callbacks
):
    from scheduling.services import visit_cancel_by_user

    tick(at(13, 50))
    room = session_of(remote_visit).room_id
    with (
        time_machine.travel(at(13, 52), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        visit_cancel_by_user(user=remote_visit.visitor, visit_id=remote_visit.pk)
    assert fake_janus.destroyed == [room]
    session = VideoSession.objects.get(room_id=room)
    assert (session.state, session.outcome) == (RoomState.CLOSED, Outcome.CANCELLED)


def test_the_sweep_closes_a_cancelled_visits_room_when_the_broker_was_down(
    remote_visit, fake_janus, monkeypatch
):
    from scheduling.services import visit_cancel_by_user
    from video import tasks

    tick(at(13, 50))
    room = session_of(remote_visit).room_id

    def broker_down(*args, **kwargs):
        raise OSError("broker down")

    monkeypatch.setattr(tasks.rooms_close_for_visit, "apply_async", broker_down)
    with time_machine.travel(at(13, 52), tick=False):
        visit_cancel_by_user(user=remote_visit.visitor, visit_id=remote_visit.pk)
    assert fake_janus.destroyed == []
    tick(at(13, 52, 20))
    assert fake_janus.destroyed == [room]


def test_a_moved_visit_closes_its_room_and_gets_a_new_one_at_the_new_time(
    remote_visit, fake_janus, staff_a, django_capture_on_commit_callbacks
):
    from scheduling.services import visit_move_by_staff

    tick(at(13, 50))
    old_room = session_of(remote_visit).room_id
    with (
        time_machine.travel(at(13, 52), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        visit_move_by_staff(actor=staff_a, visit=remote_visit, starts_at=at(15, 20))
    assert fake_janus.destroyed == [old_room]
    remote_visit.refresh_from_db()
    tick(at(15, 10))
    new = session_of(remote_visit)
    assert new.room_id != old_room
    assert new.state == RoomState.OPEN


def test_a_room_the_media_server_lost_is_made_again(remote_visit, fake_janus):
    tick(at(13, 50))
    room = session_of(remote_visit).room_id
    fake_janus.rooms.clear()  # Janus restarted
    tick(at(13, 51))
    assert fake_janus.created == [room, room]


@pytest.mark.parametrize(
    ("family", "reason", "credit"),
    [("behavioural", "behaviour", 0), ("non_behavioural", "terminal_unavailable", 400)],
)
def test_staff_end_a_visit_under_way_with_a_reason(
    remote_visit, fake_janus, staff_a, family, reason, credit, mailoutbox
):
    from scheduling.services import visit_cancel_by_staff

    tick(at(13, 50))
    room = session_of(remote_visit).room_id
    checked_in(remote_visit, at(13, 59))
    with (
        time_machine.travel(at(14, 5), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        visit_cancel_by_staff(
            actor=staff_a,
            visit=remote_visit,
            family=family,
            reason=reason,
            explanation="The visit room is needed for a search.",
        )
    assert fake_janus.destroyed == [room]
    session = VideoSession.objects.get(room_id=room)
    assert session.outcome == Outcome.ENDED_BY_STAFF
    assert balance_for(user=remote_visit.visitor) == credit
    assert "The visit room is needed for a search." in mailoutbox[-1].body
