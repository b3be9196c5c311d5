from dataclasses import asdict

from celery import shared_task

from . import rooms


@shared_task
def rooms_tick():
    """Open, watch, settle and close visits' rooms (also the sweep after an outage)."""
    return asdict(rooms.rooms_tick())


@shared_task
def rooms_close_for_visit(visit_id):
    """A visit was cancelled or moved: close its room now. If the media server does not
    answer, the claim keeps the retry delay and rooms_tick closes it later."""
    return rooms.rooms_close_for_visit(visit_id=visit_id)
