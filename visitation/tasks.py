from smtplib import SMTPException

from celery import shared_task

from . import outbox, sessions


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=int(outbox.RETRY_BACKOFF.total_seconds()),
    retry_backoff_max=int(outbox.RETRY_BACKOFF_MAX.total_seconds()),
    # No jitter: the retry then comes due when the lease held after the failure ends.
    retry_jitter=False,
    max_retries=8,
)
def deliver_email(email_id):
    outbox.outbox_send(email_id=email_id)


@shared_task
def outbox_sweep():
    return outbox.outbox_sweep()


@shared_task
def session_cache_leftovers_clear():
    """Sessions signed out while the shared cache was down: delete their cached copies."""
    return sessions.session_cache_leftovers_clear()
