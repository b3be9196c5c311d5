"""Facility configuration: settings, visit windows, closures and lockdowns.

Facility administrators change these in the console; the price cap is the operator's.
"""

from datetime import datetime
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from facilities.models import Facility
from visitation.errors import DomainError

from .. import availability
from ..models import Closure, Lockdown, SchedulingConfig, VisitKind, VisitWindow
from ._common import require_staff


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
) -> SchedulingConfig:
    """Save a facility's settings (the price cap is the operator's, in the Django admin)."""
    require_staff(actor, facility.pk, administrator=True)
    config = SchedulingConfig.objects.select_for_update().filter(facility=facility).first()
    config = config or SchedulingConfig(facility=facility)
    config.durations = sorted(durations)
    config.slot_step_minutes = slot_step_minutes
    config.min_notice_minutes = min_notice_minutes
    config.horizon_days = horizon_days
    config.weekly_limit = weekly_limit
    config.remote_price_per_minute_cents = remote_price_per_minute_cents
    config.onsite_price_per_minute_cents = onsite_price_per_minute_cents
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
    require_staff(actor, facility.pk, administrator=True)
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
    require_staff(actor, facility.pk)
    reason = _period_check(starts_at, ends_at, reason)
    return Closure.objects.create(
        facility=facility, starts_at=starts_at, ends_at=ends_at, reason=reason, created_by=actor
    )


@transaction.atomic
def lockdown_create(
    *, actor: User, housing_unit, starts_at: datetime, ends_at: datetime, reason: str
) -> Lockdown:
    """Lock down a housing unit for a period. The visits it affects are listed by
    selectors.visits_affected_by_lockdown for staff to move or cancel."""
    require_staff(actor, housing_unit.facility_id)
    reason = _period_check(starts_at, ends_at, reason)
    return Lockdown.objects.create(
        housing_unit=housing_unit,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        created_by=actor,
    )
