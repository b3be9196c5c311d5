from django import template
from django.utils import timezone

from scheduling.models import VisitKind

from .. import rooms, terminals

register = template.Library()


@register.inclusion_tag("video/_join_box.html")
def join_box(visit, user_zone=""):
    """On My visits and the visit's page: the Join button from the room's opening, when it
    opens before that; for on-site visits, the booking code for the lobby terminal."""
    now = timezone.now()
    live = visit.status in rooms.LIVE and now < visit.ends_at
    opens_at = visit.starts_at - rooms.opens_before()
    return {
        "visit": visit,
        "live": live,
        "remote": visit.kind == VisitKind.REMOTE,
        "open": live and now >= opens_at,
        "opens_at": opens_at,
        "facility_zone": visit.facility.time_zone,
        "user_zone": user_zone,
        "code": terminals.booking_code(visit) if live and visit.kind == VisitKind.ONSITE else "",
    }
