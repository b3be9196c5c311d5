"""The email outbox: record in the caller's transaction, send after commit, exactly once."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import OutboundEmail

logger = logging.getLogger(__name__)

CLAIM_FOR = timedelta(minutes=5)
SWEEP_AFTER = timedelta(minutes=1)


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
        logger.warning("outbox: broker unavailable, email %s left for the sweep", email_id)


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
    """Send one claimed email. Raises on a mail server error after releasing the claim."""
    if not outbox_claim(email_id=email_id):
        return False
    email = OutboundEmail.objects.get(pk=email_id)
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
    try:
        message.send()
    except Exception as exc:
        OutboundEmail.objects.filter(pk=email_id).update(
            claimed_until=None, attempts=email.attempts + 1, last_error=str(exc)[:2000]
        )
        raise
    OutboundEmail.objects.filter(pk=email_id).update(
        sent_at=timezone.now(), claimed_until=None, attempts=email.attempts + 1, last_error=""
    )
    return True


def outbox_sweep(*, now=None) -> int:
    """Dispatch again every email left unsent (broker down, worker lost). Returns a count."""
    now = now or timezone.now()
    ids = list(
        OutboundEmail.objects.filter(sent_at__isnull=True, created_at__lt=now - SWEEP_AFTER)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .values_list("pk", flat=True)[:500]
    )
    for email_id in ids:
        outbox_dispatch(email_id=email_id)
    return len(ids)
