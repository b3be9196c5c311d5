"""Watching a visit: an officer joins the room as a silent subscriber, for a logged reason.

The watch page joins the room only as a subscriber (it never asks for a camera or sends
media). Janus holds the line: the room takes two publishers (`publishers: 2`), so once
both sides are in nobody else can publish, and the room watch (rooms.room_watch, every
20 s) kicks anyone whose id is not one of the two sides' secret ids (rooms.feed_id), and
the watch page subscribes to those two ids only. A subscriber is not a
participant: the sides' pages and Janus's participant list show only the two of them.
"""

from datetime import datetime

from django.db import transaction

from . import selectors
from .models import VideoSession, VisitWatch, WatchReason

MONITOR = "monitor"


@transaction.atomic
def watch_start(*, actor, session: VideoSession, reason: str, now: datetime) -> dict:
    """Log who watches, why and when; returns the watch page's credentials."""
    VisitWatch.objects.create(session=session, staff=actor, reason=WatchReason(reason), at=now)
    return selectors.join_credentials(session=session, side=MONITOR, now=now)
