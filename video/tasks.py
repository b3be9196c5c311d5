from dataclasses import asdict

from celery import shared_task

from . import recordings, rooms


@shared_task
def rooms_tick():
    """Open, watch, settle and close visits' rooms (also the sweep after an outage)."""
    return asdict(rooms.rooms_tick())


@shared_task
def rooms_close_for_visit(visit_id):
    """A visit was cancelled or moved: close its room now. If the media server does not
    answer, the claim keeps the retry delay and rooms_tick closes it later."""
    return rooms.rooms_close_for_visit(visit_id=visit_id)


@shared_task(bind=True, max_retries=0)
def recording_convert(self, recording_id):
    """Convert a closed room's recording into one playable file. A failure is retried by
    `recordings_convert_due` after a growing delay, then reported."""
    return recordings.recording_convert(recording_id=recording_id)


@shared_task
def recordings_convert_due():
    """The sweep for conversions a lost task or a failure left undone."""
    return recordings.recordings_convert_due()


@shared_task
def recordings_purge():
    """Daily: delete recordings past their facility's retention, unless held."""
    return len(recordings.recordings_purge())
