from smtplib import SMTPException

from celery import shared_task

from . import outbox


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
)
def deliver_email(email_id):
    outbox.outbox_send(email_id=email_id)


@shared_task
def outbox_sweep():
    return outbox.outbox_sweep()
