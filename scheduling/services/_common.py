"""What the scheduling services share: placing a visit on a terminal, cancelling it.

No double booking. On PostgreSQL, exclusion constraints (migration 0002) refuse a second
live visit on a terminal, person or visitor at an overlapping time; a booking that loses a
race on a terminal tries the next free one, and on the person or visitor gets "That time
was just taken". Expired holds still count for those constraints until released, so a
booking first releases the expired holds in its way, inside its transaction. On SQLite
every transaction begins IMMEDIATE (settings), so the availability check made inside the
transaction is the re-check no other writer can race.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from facilities.models import Facility, Inmate, Terminal
from visitation import emails
from visitation.errors import DomainError

from .. import availability, ledger, rules
from ..ics import visit_ics
from ..models import SchedulingConfig, Visit, VisitKind, VisitStatus
from ..rules import MoneyOutcome
from ..selectors import availability_request, may_book_at

INMATE_TERMINAL_TAKEN = "visit_no_overlap_inmate_terminal"
LOBBY_TERMINAL_TAKEN = "visit_no_overlap_lobby_terminal"
PERSON_TAKEN = {"visit_no_overlap_inmate", "visit_no_overlap_visitor"}


def taken_error() -> DomainError:
    return DomainError(_("That time was just taken, please pick another."))


def _violated_constraint(error: IntegrityError) -> str | None:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def as_utc(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        raise ValueError("starts_at must be an aware datetime")
    return moment.astimezone(UTC)


def check_may_book(*, user: User, facility: Facility, inmate: Inmate, kind: str) -> None:
    if not may_book_at(user=user, facility=facility):
        raise DomainError(_("You need approved access to this facility to book a visit."))
    if not facility.is_active:
        raise DomainError(_("This facility does not take visits at the moment."))
    offered = facility.offers_onsite if kind == VisitKind.ONSITE else facility.offers_remote
    if kind not in VisitKind.values or not offered:
        raise DomainError(_("This facility does not offer this kind of visit."), field="kind")
    if inmate.facility_id != facility.pk or inmate.status != Inmate.Status.ACTIVE:
        raise DomainError(_("This person cannot receive visits at this facility."))


def release_expired_holds(
    *, facility_id: int, visitor_id: int, starts_at, ends_at, now, visitors_holds: bool = False
):
    """Release the lapsed holds in the way of a visit at starts_at-ends_at and, with
    `visitors_holds`, every hold of the visitor too (one hold at a time), in one UPDATE."""
    stale = (Q(facility_id=facility_id) | Q(visitor_id=visitor_id)) & Q(
        hold_expires_at__lte=now, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if visitors_holds:
        stale |= Q(visitor_id=visitor_id)
    Visit.objects.filter(stale).expire_holds()


def slot_for(
    *,
    facility: Facility,
    inmate: Inmate,
    visitor: User,
    kind: str,
    duration: int,
    starts_at: datetime,
    now: datetime,
    config: SchedulingConfig,
    exclude_visit_id: int | None = None,
    staff: bool = False,
) -> availability.Slot:
    day = starts_at.astimezone(ZoneInfo(facility.time_zone)).date()
    request = availability_request(
        facility=facility,
        inmate=inmate,
        visitor=visitor,
        kind=kind,
        duration=duration,
        start_date=day,
        days=1,
        now=now,
        config=config,
        exclude_visit_id=exclude_visit_id,
        staff=staff,
        only=(starts_at, starts_at + timedelta(minutes=duration)),
    )
    found = availability.slot_at(request, starts_at=starts_at)
    if found == availability.DayReason.FULLY_BOOKED:
        raise taken_error()
    if isinstance(found, availability.DayReason):
        raise DomainError(
            _("That time cannot be booked: %(reason)s Please pick another.")
            % {"reason": found.message}
        )
    return found


def terminal_choices(slot: availability.Slot, *, inmate_terminal=None, lobby_terminal=None):
    """(inmate-side, lobby) pairs to try in order, restricted to the ones asked for."""
    inmate_side = list(slot.inmate_terminals)
    lobbies = list(slot.lobby_terminals) or [None]
    if inmate_terminal is not None:
        if inmate_terminal not in inmate_side:
            raise DomainError(_("That terminal is busy at that time."), field="inmate_terminal")
        inmate_side = [inmate_terminal]
    if lobby_terminal is not None and slot.lobby_terminals:
        if lobby_terminal not in lobbies:
            raise DomainError(
                _("That lobby terminal is busy at that time."), field="lobby_terminal"
            )
        lobbies = [lobby_terminal]
    return inmate_side, lobbies


def lock_people(*, inmate_id: int, visitor_id: int) -> None:
    """Queue bookings for the same person or visitor one behind the other.

    Two transactions inserting rows that conflict on two exclusion constraints at once can
    deadlock (each waits for the other's row); PostgreSQL then aborts one after a second.
    Row locks taken in one order everywhere (visits, then the person, then the visitor,
    then terminals) make them wait in line instead. No-ops on SQLite, which has one writer.
    """
    for model, pk in ((Inmate, inmate_id), (User, visitor_id)):
        _lock_row(model, pk)


def lock_places(visit: Visit) -> None:
    """Before changing a live visit in place (booking it, checking it in, making its payment
    final, marking its reminder sent): lock its person, visitor and terminals, in the
    order the holds take them. PostgreSQL re-checks the exclusion constraints when such a
    row is updated; without these locks a hold being written on the same terminal or for
    the same person could wait on the update while the update waits on it (a deadlock)."""
    lock_people(inmate_id=visit.inmate_id, visitor_id=visit.visitor_id)
    _lock_row(Terminal, visit.inmate_terminal_id)
    _lock_row(Terminal, visit.lobby_terminal_id)


def _lock_row(model, pk: int | None) -> None:
    """SELECT ... FOR NO KEY UPDATE of one row, written out: these run several times per
    booking, and the ORM's query building cost more than the statement. Nothing to do on
    SQLite (one writer at a time)."""
    if pk is not None and connection.vendor == "postgresql":
        meta = model._meta
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {meta.db_table} WHERE {meta.pk.column} = %s FOR NO KEY UPDATE",  # noqa: S608 (names from the model)
                [pk],
            )


def _is_deadlock(error: Exception) -> bool:
    return getattr(error.__cause__, "pgcode", None) == "40P01"


def occupy(write, inmate_side: list[int], lobbies: list[int | None]):
    """Run write(inmate_terminal_id, lobby_terminal_id) on the first free pair. A conflict
    on a terminal (a race lost on PostgreSQL) moves on to the next; one on the person or
    the visitor means the time is gone. Call lock_people first."""
    for inmate_terminal_id in inmate_side:
        _lock_row(Terminal, inmate_terminal_id)
        for lobby_terminal_id in lobbies:
            _lock_row(Terminal, lobby_terminal_id)
            written, refused_by = _try_write(write, inmate_terminal_id, lobby_terminal_id)
            if written is not None:
                return written
            if refused_by == INMATE_TERMINAL_TAKEN:
                break
    raise taken_error()


def _try_write(write, inmate_terminal_id, lobby_terminal_id):
    """(the row written, None) or (None, the terminal constraint that refused it)."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return write(inmate_terminal_id, lobby_terminal_id), None
        except OperationalError as error:
            if not _is_deadlock(error):
                raise
            # The other transaction went on; the same pair is tried again.
        except IntegrityError as error:
            constraint = _violated_constraint(error)
            if constraint in (INMATE_TERMINAL_TAKEN, LOBBY_TERMINAL_TAKEN):
                return None, constraint
            if constraint in PERSON_TAKEN:
                raise taken_error() from None
            raise
    raise taken_error()


def locked_visit(visit_id: int, **filters) -> Visit | None:
    return (
        Visit.objects.select_for_update(of=("self",))
        .select_related("facility", "inmate", "visitor")
        .filter(pk=visit_id, **filters)
        .first()
    )


@dataclass(frozen=True)
class Cancellation:
    visit: Visit
    money: MoneyOutcome


def mark_cancelled(
    visit: Visit, *, family: str, reason: str, explanation: str, by: User | None, now
) -> None:
    visit.status = VisitStatus.CANCELLED
    visit.cancel_family = family
    visit.cancel_reason = reason
    visit.cancel_explanation = explanation
    visit.cancelled_by = by
    visit.cancelled_at = now
    visit.save(
        update_fields=[
            "status",
            "cancel_family",
            "cancel_reason",
            "cancel_explanation",
            "cancelled_by",
            "cancelled_at",
            "card_state",
        ]
    )
    close_room_after_commit(visit)


def close_room_after_commit(visit: Visit) -> None:
    """A cancelled or moved visit's video room closes as soon as the change commits."""
    from video.rooms import visit_room_close_on_commit

    visit_room_close_on_commit(visit_id=visit.pk)


def cancel(
    visit: Visit, *, refund: bool, family: str, reason: str, explanation: str, by, now
) -> Cancellation:
    outcome = rules.cancellation_outcome(
        credit_applied_cents=visit.credit_applied_cents,
        card_cents=visit.card_cents,
        card_state=visit.card_state,
        refund=refund,
    )
    ledger.visit_settle(visit=visit, outcome=outcome)
    mark_cancelled(visit, family=family, reason=reason, explanation=explanation, by=by, now=now)
    with translation.override(visit.visitor.language):
        emails.send_visit_cancelled(
            visit=visit,
            money=outcome,
            ics=visit_ics(visit, now=now, cancel=True),
            key=f"visit-cancelled:{visit.pk}",
        )
    return Cancellation(visit=visit, money=outcome)
