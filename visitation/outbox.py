"""The email outbox: record in the caller's transaction, send after commit, exactly once.

A row is claimed before it is sent: `claimed_until` is a lease that only one sender can
hold. After a failed attempt the lease is kept for the retry delay, so the task's own retry
and the periodic sweep never send in parallel and a mail server outage is retried with
backoff instead of on every sweep.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboundEmail

logger = logging.getLogger(__name__)

# Longer than the task's hard time limit, so a live sender never loses its lease.
CLAIM_FOR = timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
SWEEP_AFTER = timedelta(minutes=1)
# Delay after the n-th failed attempt: RETRY_BACKOFF * 2**(n-1), at most RETRY_BACKOFF_MAX.
# The task's Celery retry uses the same numbers (visitation.tasks.deliver_email).
RETRY_BACKOFF = timedelta(seconds=30)
RETRY_BACKOFF_MAX = timedelta(minutes=30)


def retry_delay(*, attempts: int) -> timedelta:
    return min(RETRY_BACKOFF * 2 ** max(attempts - 1, 0), RETRY_BACKOFF_MAX)


def outbox_enqueue(
    *,
    key: str,
    to_email: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    attachments: list[dict] | None = None,
) -> OutboundEmail | None:
    """Record an email for `key`; returns None if that event already has one."""
    try:
        with transaction.atomic():
            email = OutboundEmail.objects.create(
                key=key,
                to_email=to_email,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                attachments=attachments or [],
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: outbox_dispatch(email_id=email.pk))
    return email


def outbox_dispatch(*, email_id: int) -> None:
    """Hand an email to the worker. A broker that is down is not the caller's problem: the
    row stays unsent and the periodic sweep dispatches it again."""
    from .tasks import deliver_email

    try:
        deliver_email.apply_async(args=[email_id], retry=False)
    except Exception:
        logger.warning(
            "outbox: broker unavailable, email %s left for the sweep", email_id, exc_info=True
        )


def outbox_claim(*, email_id: int, now=None) -> bool:
    """Claim an unsent email for one sender; False if sent already or claimed by another."""
    now = now or timezone.now()
    claimed = (
        OutboundEmail.objects.filter(pk=email_id, sent_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM_FOR)
    )
    return claimed == 1


def outbox_send(*, email_id: int) -> bool:
    """Send one email if this caller wins the claim; False if there was nothing to do.

    On any error the attempt is recorded, the lease is held for the retry delay, and the
    error is raised again for the task to retry.
    """
    if not outbox_claim(email_id=email_id):
        return False
    email = OutboundEmail.objects.get(pk=email_id)
    try:
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to_email],
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        for attachment in email.attachments:
            message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
        message.send()
    except Exception as exc:
        OutboundEmail.objects.filter(pk=email_id).update(
            claimed_until=timezone.now() + retry_delay(attempts=email.attempts + 1),
            attempts=F("attempts") + 1,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    OutboundEmail.objects.filter(pk=email_id).update(
        sent_at=timezone.now(), claimed_until=None, attempts=F("attempts") + 1, last_error=""
    )
    return True


def outbox_sweep(*, now=None) -> int:
    """Dispatch again every email left unsent whose lease is free (broker down, worker
    lost, retry delay over). Returns how many were dispatched."""
    now = now or timezone.now()
    ids = list(
        OutboundEmail.objects.filter(sent_at__isnull=True, created_at__lt=now - SWEEP_AFTER)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .values_list("pk", flat=True)[:500]
    )
    for email_id in ids:
        outbox_dispatch(email_id=email_id)
    return len(ids)
