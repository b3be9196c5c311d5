from dataclasses import asdict

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task
def enforce_review_deadlines():
    """The 24-hour rule, run by Celery beat every few minutes. Safe to run twice."""
    return asdict(services.review_deadlines_enforce(now=timezone.now()))
