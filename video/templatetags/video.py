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


@register.inclusion_tag("video/_visit_monitoring.html", takes_context=True)
def visit_monitoring(context, visit):
    """On the staff's visit page: who watched the visit, and its recording for those who
    may see it (with the hold for an investigation)."""
    from ..forms import HoldForm
    from ..live import watches_of
    from ..recordings import recordings_for_viewer

    user = context["request"].user
    recording = recordings_for_viewer(user=user).filter(session__visit=visit).first()
    return {
        "visit": visit,
        "facility": visit.facility,
        "watches": list(watches_of(visit=visit)),
        "recording": recording,
        "hold_form": HoldForm(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("video/_recording_notice.html")
def recording_notice(facility):
    """On the booking's confirm page and before joining: this facility records visits."""
    return {"records": rooms.facility_settings(facility).record_visits}


@register.inclusion_tag("video/_family_recording.html")
def family_recording(visit):
    """On the family's visit page: the download link where the facility allows it."""
    from ..recordings import recording_for_family

    return {"visit": visit, "recording": recording_for_family(visit=visit)}
