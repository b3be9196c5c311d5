"""Facility staff cancel, move, check in and close visits."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from facilities.models import Inmate, Terminal
from facilities.selectors import require_staff
from visitation import emails
from visitation.errors import DomainError

from .. import ledger, rules
from ..ics import visit_ics
from ..models import ACTIVE_STATUSES, Visit, VisitStatus
from ..reasons import CancelFamily, CancelReason, staff_reasons
from ..selectors import config_for
from ._common import (
    Cancellation,
    as_utc,
    cancel,
    close_room_after_commit,
    lock_people,
    lock_places,
    locked_visit,
    occupy,
    release_expired_holds,
    slot_for,
    terminal_choices,
)


@transaction.atomic
def visit_cancel_by_staff(
    *,
    actor: User,
    visit: Visit,
    family: str,
    reason: str,
    explanation: str,
    now: datetime | None = None,
) -> Cancellation:
    """Facility staff cancel a visit with a reason and an explanation the visitor sees.
    Behavioural: the visitor is charged. Non-behavioural: what was paid comes back. The
    facility's settings say which family a lockdown is in."""
    return _cancel_by_staff(
        actor=actor,
        visit=visit,
        family=family,
        reason=reason,
        explanation=explanation,
        now=now or timezone.now(),
        lockdown_charges=config_for(facility=visit.facility).lockdown_charges,
    )


def _cancel_by_staff(
    *,
    actor: User,
    visit: Visit,
    family: str,
    reason: str,
    explanation: str,
    now: datetime,
    lockdown_charges: bool,
) -> Cancellation:
    require_staff(actor, visit.facility_id)
    if reason not in staff_reasons(lockdown_charges=lockdown_charges).get(family, []):
        raise DomainError(_("Please choose a reason from the list."), field="reason")
    explanation = explanation.strip()
    if not explanation:
        raise DomainError(
            _("Please explain to the visitor why the visit is cancelled."), field="explanation"
        )
    locked = locked_visit(visit.pk)
    if not rules.is_active(locked):
        raise DomainError(_("This visit is not scheduled any more."))
    return cancel(
        locked,
        refund=family == CancelFamily.NON_BEHAVIOURAL,
        family=family,
        reason=reason,
        explanation=explanation,
        by=actor,
        now=now,
    )


@transaction.atomic
def visits_cancel_by_staff(
    *,
    actor: User,
    visits: list[Visit],
    family: str,
    reason: str,
    explanation: str,
    now: datetime | None = None,
) -> list[Cancellation]:
    """Cancel several visits with one reason (a terminal out of service, a lockdown)."""
    now = now or timezone.now()
    charges: dict[int, bool] = {}
    cancellations = []
    for visit in visits:
        if visit.facility_id not in charges:
            config = config_for(facility=visit.facility)
            charges[visit.facility_id] = config.lockdown_charges
        cancellations.append(
            _cancel_by_staff(
                actor=actor,
                visit=visit,
                family=family,
                reason=reason,
                explanation=explanation,
                now=now,
                lockdown_charges=charges[visit.facility_id],
            )
        )
    return cancellations


@transaction.atomic
def visit_move_by_staff(
    *,
    actor: User,
    visit: Visit,
    starts_at: datetime,
    inmate_terminal: Terminal | None = None,
    lobby_terminal: Terminal | None = None,
    now: datetime | None = None,
) -> Visit:
    """Staff move a scheduled visit to another start and/or terminal, under the same rules
    as a booking (windows, free terminals, person and visitor free, closures, lockdowns)
    except the home user's limits (notice, horizon, weekly limit): staff may move a visit
    to later today. Without a terminal, the first free one is taken. The visitor is
    emailed; money does not change."""
    now = now or timezone.now()
    require_staff(actor, visit.facility_id)
    locked = locked_visit(visit.pk)
    if not rules.is_booked(locked):
        raise DomainError(_("Only a scheduled visit that has not started can be moved."))
    starts_at = as_utc(starts_at)
    if starts_at <= now:
        raise DomainError(_("Please choose a time in the future."), field="starts_at")
    duration = locked.duration_minutes
    ends_at = starts_at + timedelta(minutes=duration)
    release_expired_holds(
        facility_id=locked.facility_id,
        visitor_id=locked.visitor_id,
        starts_at=starts_at,
        ends_at=ends_at,
        now=now,
    )
    lock_people(inmate_id=locked.inmate_id, visitor_id=locked.visitor_id)
    slot = slot_for(
        facility=locked.facility,
        inmate=locked.inmate,
        visitor=locked.visitor,
        kind=locked.kind,
        duration=duration,
        starts_at=starts_at,
        now=now,
        config=config_for(facility=locked.facility),
        exclude_visit_id=locked.pk,
        staff=True,
    )
    previous_starts_at = locked.starts_at
    choices = terminal_choices(
        slot,
        inmate_terminal=inmate_terminal.pk if inmate_terminal else None,
        lobby_terminal=lobby_terminal.pk if lobby_terminal else None,
    )

    def write(inmate_terminal_id, lobby_terminal_id):
        locked.starts_at = starts_at
        locked.ends_at = ends_at
        locked.inmate_terminal_id = inmate_terminal_id
        locked.lobby_terminal_id = lobby_terminal_id
        locked.revision += 1
        locked.reminder_sent_at = None
        locked.save(
            update_fields=[
                "starts_at",
                "ends_at",
                "inmate_terminal",
                "lobby_terminal",
                "revision",
                "reminder_sent_at",
            ]
        )
        return locked

    occupy(write, *choices)
    close_room_after_commit(locked)
    with translation.override(locked.visitor.language):
        emails.send_visit_changed(
            visit=locked,
            previous_starts_at=previous_starts_at,
            money=None,
            ics=visit_ics(locked, now=now),
            key=f"visit-moved:{locked.pk}:{locked.revision}",
        )
    return locked


@dataclass(frozen=True)
class BulkMove:
    moved: list[Visit]
    stuck: list[Visit]  # no free terminal at the same time


def visits_move_by_staff(
    *, actor: User, visits: list[Visit], now: datetime | None = None
) -> BulkMove:
    """Move each visit to another free terminal at its own time (a terminal out of
    service). Each move is its own transaction: one that finds no free terminal is left
    where it is and returned in `stuck`, for staff to move to another time or cancel."""
    moved, stuck = [], []
    for visit in visits:
        try:
            moved.append(
                visit_move_by_staff(actor=actor, visit=visit, starts_at=visit.starts_at, now=now)
            )
        except DomainError:
            stuck.append(visit)
    return BulkMove(moved=moved, stuck=stuck)


@transaction.atomic
def visit_check_in(*, actor: User, visit: Visit, now: datetime | None = None) -> Visit:
    now = now or timezone.now()
    require_staff(actor, visit.facility_id)
    locked = locked_visit(visit.pk)
    if not rules.is_booked(locked):
        raise DomainError(_("Only a scheduled visit can be checked in."))
    if not rules.check_in_is_open(locked, now):
        raise DomainError(
            _("A visit can be checked in from %(minutes)s minutes before its start.")
            % {"minutes": rules.minutes(rules.CHECK_IN_FROM)}
        )
    lock_places(locked)
    locked.status = VisitStatus.CHECKED_IN
    locked.checked_in_at = now
    locked.save(update_fields=["status", "checked_in_at"])
    return locked


@transaction.atomic
def visit_check_in_at_terminal(*, visit: Visit, now: datetime | None = None) -> Visit:
    """The incarcerated person checked in at the unit's enrolled terminal (the video app
    checked the terminal, the person's ID number and PIN, and the time)."""
    now = now or timezone.now()
    locked = locked_visit(visit.pk)
    if locked.status != VisitStatus.BOOKED:
        raise DomainError(_("Only a scheduled visit can be checked in."))
    lock_places(locked)
    locked.status = VisitStatus.CHECKED_IN
    locked.checked_in_at = now
    locked.save(update_fields=["status", "checked_in_at"])
    return locked


@transaction.atomic
def visit_finish_by_server(*, visit: Visit, status: str, now: datetime | None = None) -> Visit:
    """The video session decided how a visit ended (completed, or the visitor did not
    join): what was paid becomes final, as for a visit that took place."""
    now = now or timezone.now()
    locked = locked_visit(visit.pk)
    if locked.status not in ACTIVE_STATUSES:
        raise DomainError(_("This visit is not scheduled any more."))
    ledger.visit_charge_held(visit=locked)
    locked.status = status
    locked.finished_at = now
    locked.save(update_fields=["status", "finished_at", "card_state"])
    return locked


@transaction.atomic
def visit_cancel_by_server(
    *, visit: Visit, reason: str, explanation: str, now: datetime | None = None
) -> Cancellation:
    """The video session found the facility side at fault (the person not produced in
    time, the terminal or media server not working): cancelled as non-behavioural, what
    was paid comes back as credit, and the visitor is emailed the explanation."""
    now = now or timezone.now()
    if reason not in staff_reasons(lockdown_charges=False)[CancelFamily.NON_BEHAVIOURAL]:
        raise ValueError(f"not a non-behavioural reason: {reason}")
    locked = locked_visit(visit.pk)
    if locked.status not in ACTIVE_STATUSES:
        raise DomainError(_("This visit is not scheduled any more."))
    return cancel(
        locked,
        refund=True,
        family=CancelFamily.NON_BEHAVIOURAL,
        reason=reason,
        explanation=explanation,
        by=None,
        now=now,
    )


def _finish(actor: User, visit: Visit, *, status: str, now) -> Visit:
    require_staff(actor, visit.facility_id)
    locked = locked_visit(visit.pk)
    if not rules.may_finish_as(locked, status):
        raise DomainError(_("This visit cannot be marked that way now."))
    if now < locked.starts_at:
        raise DomainError(_("This visit has not started yet."))
    ledger.visit_charge_held(visit=locked)
    locked.status = status
    locked.finished_at = now
    locked.save(update_fields=["status", "finished_at", "card_state"])
    return locked


@transaction.atomic
def visit_complete(*, actor: User, visit: Visit, now: datetime | None = None) -> Visit:
    return _finish(
        actor,
        visit,
        status=VisitStatus.COMPLETED,
        now=now or timezone.now(),
    )


@transaction.atomic
def visit_no_show(*, actor: User, visit: Visit, now: datetime | None = None) -> Visit:
    """The visitor did not come: the visit is charged like one that took place."""
    return _finish(
        actor,
        visit,
        status=VisitStatus.NO_SHOW,
        now=now or timezone.now(),
    )


@transaction.atomic
def inmate_released_cancel_visits(*, inmate: Inmate, now: datetime | None = None) -> int:
    """A person released or transferred: their visits still to come are cancelled as
    non-behavioural, what was paid comes back, and each visitor is emailed. Returns the
    number of visits cancelled."""
    now = now or timezone.now()
    reason = (
        CancelReason.PERSON_TRANSFERRED
        if inmate.status == Inmate.Status.TRANSFERRED
        else CancelReason.PERSON_RELEASED
    )
    Visit.objects.filter(inmate=inmate).expire_holds()
    ids = list(
        Visit.objects.booked().filter(inmate=inmate, starts_at__gt=now).values_list("pk", flat=True)
    )
    cancelled = 0
    for visit_id in ids:
        visit = locked_visit(visit_id, status=VisitStatus.BOOKED)
        if visit is None:
            continue
        cancel(
            visit,
            refund=True,
            family=CancelFamily.NON_BEHAVIOURAL,
            reason=reason,
            explanation=_("The person you were to visit is no longer at this facility."),
            by=None,
            now=now,
        )
        cancelled += 1
    return cancelled
