"""Facility configuration: settings, visit windows, closures and lockdowns.

Facility administrators change these in the console; the price cap is the operator's.
"""

import logging
from datetime import datetime
from enum import StrEnum
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from facilities.models import Facility
from facilities.selectors import require_staff
from visitation.errors import DomainError

from .. import availability
from ..models import (
    UNTIL_FURTHER_NOTICE,
    Closure,
    Lockdown,
    Period,
    SchedulingConfig,
    VisitKind,
    VisitWindow,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def scheduling_config_save(
    *,
    actor: User,
    facility: Facility,
    durations: list[int],
    slot_step_minutes: int,
    min_notice_minutes: int,
    horizon_days: int,
    weekly_limit: int | None,
    remote_price_per_minute_cents: int,
    onsite_price_per_minute_cents: int,
    lockdown_charges: bool = True,
) -> SchedulingConfig:
    """Save a facility's settings (the price cap is the operator's, in the Django admin)."""
    require_staff(actor, facility, administrator=True)
    config = SchedulingConfig.objects.select_for_update().filter(facility=facility).first()
    config = config or SchedulingConfig(facility=facility)
    config.durations = sorted(durations)
    config.slot_step_minutes = slot_step_minutes
    config.min_notice_minutes = min_notice_minutes
    config.horizon_days = horizon_days
    config.weekly_limit = weekly_limit
    config.remote_price_per_minute_cents = remote_price_per_minute_cents
    config.onsite_price_per_minute_cents = onsite_price_per_minute_cents
    config.lockdown_charges = lockdown_charges
    try:
        config.full_clean(exclude=["facility"])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(messages[0], field=field) from None
    config.save()
    return config


@transaction.atomic
def visit_windows_set(
    *, actor: User, facility: Facility, kind: str, windows: list[availability.Window]
) -> None:
    """Replace a facility's windows for one kind. Windows of a day may not overlap.
    Visits already booked are kept."""
    if not windows:
        raise DomainError(_("Give at least one window."), field="windows")
    require_staff(actor, facility, administrator=True)
    if kind not in VisitKind.values:
        raise DomainError(_("Unknown kind of visit."), field="kind")
    by_day: dict[int, list[availability.Window]] = {}
    for window in windows:
        if not 0 <= window.weekday <= 6 or window.start >= window.end:
            raise DomainError(_("Each window must start before it ends."), field="windows")
        by_day.setdefault(window.weekday, []).append(window)
    for day_windows in by_day.values():
        day_windows.sort(key=lambda w: w.start)
        for earlier, later in pairwise(day_windows):
            if later.start < earlier.end:
                raise DomainError(_("Windows on the same day may not overlap."), field="windows")
    VisitWindow.objects.filter(facility=facility, kind=kind).delete()
    VisitWindow.objects.bulk_create(
        [
            VisitWindow(
                facility=facility,
                kind=kind,
                weekday=w.weekday,
                start_time=w.start,
                end_time=w.end,
            )
            for w in windows
        ]
    )


def _period_check(starts_at: datetime, ends_at: datetime, reason: str) -> str:
    if not starts_at < ends_at:
        raise DomainError(_("The period must end after it starts."), field="ends_at")
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Please give a reason."), field="reason")
    return reason


@transaction.atomic
def closure_create(
    *, actor: User, facility: Facility, starts_at: datetime, ends_at: datetime, reason: str
) -> Closure:
    """Close the facility for a period. Visits already booked then are not touched: list
    them with selectors and move or cancel them."""
    require_staff(actor, facility, administrator=True)
    reason = _period_check(starts_at, ends_at, reason)
    return Closure.objects.create(
        facility=facility, starts_at=starts_at, ends_at=ends_at, reason=reason, created_by=actor
    )


@transaction.atomic
def lockdown_create(
    *,
    actor: User,
    housing_unit,
    starts_at: datetime | None,
    ends_at: datetime | None,
    reason: str,
    now: datetime | None = None,
) -> Lockdown:
    """Lock down a housing unit for a period: from `starts_at`, or from now when it is None,
    until `ends_at`, or until further notice (staff end it by hand) when it is None. The
    visits it affects are listed by selectors.visits_affected_by_lockdown for staff to move
    or cancel."""
    require_staff(actor, housing_unit.facility_id, administrator=True)
    starts_at = starts_at or now or timezone.now()
    open_ended = ends_at is None
    if open_ended:
        ends_at = starts_at + UNTIL_FURTHER_NOTICE
    reason = _period_check(starts_at, ends_at, reason)
    return Lockdown.objects.create(
        housing_unit=housing_unit,
        starts_at=starts_at,
        ends_at=ends_at,
        until_further_notice=open_ended,
        reason=reason,
        created_by=actor,
    )


class Ending(StrEnum):
    """What ending a closure or a lockdown now does."""

    END = "end"  # in force: it ends now
    REMOVE = "remove"  # not started: it is removed, it never takes effect
    OVER = "over"  # already over: nothing to do


def period_ending(*, starts_at: datetime, ends_at: datetime, now: datetime) -> Ending:
    """A period that has not started yet (or starts this very moment) is removed rather
    than shortened: nothing of it would be left, and staff no longer see it listed."""
    if ends_at <= now:
        return Ending.OVER
    if starts_at >= now:
        return Ending.REMOVE
    return Ending.END


def _period_end(period: Period, *, actor: User, now: datetime, over: str):
    """End `period` (locked, its facility's staff checked) at `now`, or remove it; None
        when removed. The row keeps who ended it, when, and the end it had before; a removal
    (nothing of the period took effect) leaves only the log line."""
    ending = period_ending(starts_at=period.starts_at, ends_at=period.ends_at, now=now)
    if ending == Ending.OVER:
        raise DomainError(over)
    kind, pk, planned = type(period).__name__.lower(), period.pk, (period.starts_at, period.ends_at)
    if ending == Ending.REMOVE:
        period.delete()
        period, done = None, "removed before it started"
    else:
        period.planned_ends_at = period.ends_at
        period.ends_at = now
        period.ended_early_at = now
        period.ended_early_by = actor
        period.save(
            update_fields=["ends_at", "planned_ends_at", "ended_early_at", "ended_early_by"]
        )
        done = "ended early"
    transaction.on_commit(
        lambda: logger.info(
            "%s %s %s by user %s at %s (it was from %s to %s)",
            kind,
            pk,
            done,
            actor.pk,
            now.isoformat(),
            *(moment.isoformat() for moment in planned),
        )
    )
    return period


@transaction.atomic
def closure_end(*, actor: User, closure_id: int, now: datetime | None = None) -> Closure | None:
    """End a closure now, for the facility's staff: one in force ends at `now` (who and when
    are recorded), one not started yet is removed (None is returned). Visits can be booked
    after `now` again at once. One already over is refused."""
    closure = Closure.objects.select_for_update().filter(pk=closure_id).first()
    if closure is None:
        raise DomainError(_("This closure is no longer there: it was removed."))
    require_staff(actor, closure.facility_id, administrator=True)
    return _period_end(
        closure, actor=actor, now=now or timezone.now(), over=_("This closure is already over.")
    )


@transaction.atomic
def lockdown_end(*, actor: User, lockdown_id: int, now: datetime | None = None) -> Lockdown | None:
    """End a housing unit's lockdown now, for the facility's staff: one in force ends at
    `now` (who and when are recorded), one not started yet is removed (None is returned).
    The unit's people can be booked after `now` again at once. One already over is
    refused."""
    lockdown = (
        Lockdown.objects.select_for_update(of=("self",))
        .select_related("housing_unit")
        .filter(pk=lockdown_id)
        .first()
    )
    if lockdown is None:
        raise DomainError(_("This lockdown is no longer there: it was removed."))
    require_staff(actor, lockdown.housing_unit.facility_id, administrator=True)
    return _period_end(
        lockdown, actor=actor, now=now or timezone.now(), over=_("This lockdown is already over.")
    )
