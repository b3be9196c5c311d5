from celery import shared_task

from . import services


@shared_task
def visit_deadlines_enforce():
    """Make final what was paid for visits entering their last 48 hours, send 24-hour
    reminders and release lapsed holds. Safe to run twice at once: each visit is claimed."""
    run = services.visit_deadlines_enforce()
    return {
        "charged": run.charged,
        "reminded": run.reminded,
        "expired": run.expired,
        "unresolved_payments": run.unresolved_payments,
    }
