"""`/healthz` for load balancers and monitoring.

Answers whether the database and the broker are reachable (HTTP 503 if either is not) and
how far behind the site is: the age of the oldest email still unsent, and how long the
most overdue review (identity or facility access) has been past its deadline. Ages only:
no names, no addresses, no ids. It also says whether each media server (Janus) answers;
a media server that is down does not make the site unhealthy (only video visits wait).
"""

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Min
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accounts.models import IdentityStatus, IdentitySubmission
from facilities.models import AccessRequest, AccessStatus

from .celery import app as celery_app
from .models import OutboundEmail

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 1.0


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        logger.warning("healthz: database unreachable: %s", type(exc).__name__)
        return False
    return True


def broker_ok() -> bool:
    """One connection attempt, no retries, about a second at most."""
    timeout = BROKER_TIMEOUT_SECONDS
    try:
        with celery_app.connection_for_write(
            connect_timeout=timeout,
            transport_options={"socket_connect_timeout": timeout, "socket_timeout": timeout},
        ) as broker:
            broker.ensure_connection(max_retries=0, timeout=timeout)
    except Exception as exc:  # any failure to reach the broker means it is down for us
        logger.warning("healthz: broker unreachable: %s", type(exc).__name__)
        return False
    return True


def _seconds_since(moment, now) -> int | None:
    return None if moment is None else max(0, int((now - moment).total_seconds()))


def oldest_unsent_email_age(*, now) -> int | None:
    oldest = OutboundEmail.objects.filter(sent_at__isnull=True).aggregate(oldest=Min("created_at"))[
        "oldest"
    ]
    return _seconds_since(oldest, now)


def oldest_overdue_review_age(*, now) -> int | None:
    """Seconds since the deadline of the review that is most overdue, identity reviews and
    facility access requests together; None when no review is overdue."""
    identity = IdentitySubmission.objects.filter(
        status=IdentityStatus.PENDING, due_at__lt=now
    ).aggregate(oldest=Min("due_at"))["oldest"]
    access = AccessRequest.objects.filter(status=AccessStatus.PENDING, due_at__lt=now).aggregate(
        oldest=Min("due_at")
    )["oldest"]
    deadlines = [due for due in (identity, access) if due is not None]
    return _seconds_since(min(deadlines), now) if deadlines else None


def media_servers_status() -> list[str]:
    """ "ok" or "down" for each media server, in the order of JANUS_URL."""
    from video import janus

    statuses = []
    for server in range(len(settings.JANUS_URL)):
        try:
            janus.server_info(server, timeout=BROKER_TIMEOUT_SECONDS)
        except janus.JanusError as exc:
            logger.warning("healthz: media server %s unreachable: %s", server, exc)
            statuses.append("down")
        else:
            statuses.append("ok")
    return statuses


@never_cache
@require_safe
def healthz(request):
    now = timezone.now()
    database = database_ok()
    broker = broker_ok()
    body = {
        "database": "ok" if database else "down",
        "broker": "ok" if broker else "down",
        "oldest_unsent_email_age_seconds": None,
        "oldest_overdue_review_age_seconds": None,
    }
    if database:
        try:
            body["oldest_unsent_email_age_seconds"] = oldest_unsent_email_age(now=now)
            body["oldest_overdue_review_age_seconds"] = oldest_overdue_review_age(now=now)
        except DatabaseError as exc:
            logger.warning("healthz: database failed mid-check: %s", type(exc).__name__)
            body["database"] = "down"
    body["media_servers"] = media_servers_status()
    healthy = body["database"] == "ok" and broker
    return JsonResponse(body, status=200 if healthy else 503)
