"""Writes for visit scheduling. Import them from here: `from scheduling.services import
visit_book`. The modules behind are booking (home users), staff, deadlines (the periodic
sweep) and config; _common holds what they share (placing a visit on a terminal)."""

from ._common import Cancellation
from .booking import (
    visit_book,
    visit_cancel_by_user,
    visit_hold,
    visit_hold_release,
    visit_reschedule,
)
from .config import (
    Ending,
    closure_create,
    closure_end,
    lockdown_create,
    lockdown_end,
    period_ending,
    scheduling_config_save,
    visit_windows_set,
)
from .deadlines import DeadlineRun, holds_expire, visit_deadlines_enforce
from .staff import (
    BulkMove,
    inmate_released_cancel_visits,
    visit_cancel_by_server,
    visit_cancel_by_staff,
    visit_check_in,
    visit_check_in_at_terminal,
    visit_complete,
    visit_finish_by_server,
    visit_move_by_staff,
    visit_no_show,
    visits_cancel_by_staff,
    visits_move_by_staff,
)

__all__ = [
    "BulkMove",
    "Cancellation",
    "DeadlineRun",
    "Ending",
    "closure_create",
    "closure_end",
    "holds_expire",
    "inmate_released_cancel_visits",
    "lockdown_create",
    "lockdown_end",
    "period_ending",
    "scheduling_config_save",
    "visit_book",
    "visit_cancel_by_server",
    "visit_cancel_by_staff",
    "visit_cancel_by_user",
    "visit_check_in",
    "visit_check_in_at_terminal",
    "visit_complete",
    "visit_deadlines_enforce",
    "visit_finish_by_server",
    "visit_hold",
    "visit_hold_release",
    "visit_move_by_staff",
    "visit_no_show",
    "visit_reschedule",
    "visit_windows_set",
    "visits_cancel_by_staff",
    "visits_move_by_staff",
]
