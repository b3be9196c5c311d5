"""The console's live board (/console/visits/<facility>/live/), the silent watch page and a
visit's recording. Scoped like every console page: another facility's visit is a 404."""

from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.console import console_required
from facilities.selectors import staff_facilities
from scheduling.selectors import visits_for_staff
from visitation.errors import DomainError

from . import janus, live, recordings, rooms, selectors, watching
from .forms import HoldForm, WatchForm
from .models import RecordingState
from .views import _allow_media_server


@never_cache
@console_required("staff")
def board(request, facility_id):
    facility_ = get_object_or_404(staff_facilities(user=request.user), pk=facility_id)
    now = timezone.now()
    media_up = selectors.media_server_up(facility=facility_)
    rows = live.board_rows(facility=facility_, now=now, media_up=media_up)
    context = {
        "facility": facility_,
        "rows": rows,
        "media_up": media_up,
        "now": now,
        "refresh_seconds": live.REFRESH_SECONDS,
    }
    return render(request, "video/live_board.html", context)


def _staff_visit(request, pk):
    return get_object_or_404(
        visits_for_staff(user=request.user).select_related("facility", "inmate"), pk=pk
    )


@never_cache
@console_required("staff")
def watch(request, pk):
    """GET: the reason form. POST with a reason: logged, then the silent watch page."""
    visit = _staff_visit(request, pk)
    now = timezone.now()
    session = live.watchable_session(visit=visit, now=now)
    form = WatchForm(request.POST or None)
    if session is None:
        messages.info(request, _("This visit is not under way: there is nothing to watch."))
        return redirect("console_live:live", facility_id=visit.facility_id)
    if request.method == "POST" and form.is_valid():
        credentials = watching.watch_start(
            actor=request.user, session=session, reason=form.cleaned_data["reason"], now=now
        )
        context = {
            "visit": visit,
            "facility": visit.facility,
            "call": {
                **credentials,
                "endsAt": visit.ends_at.isoformat(),
                "feedsUrl": request.path + "feeds/",
            },
        }
        return _allow_media_server(render(request, "video/watch.html", context))
    status = 400 if request.method == "POST" else 200
    context = {"visit": visit, "facility": visit.facility, "form": form}
    return render(request, "video/watch_reason.html", context, status=status)


@never_cache
@console_required("staff")
def feeds(request, pk):
    """The room's publishers (ids and sides) for the watch page to subscribe to."""
    visit = _staff_visit(request, pk)
    session = live.watchable_session(visit=visit, now=timezone.now())
    if session is None:
        return JsonResponse({"ended": True, "feeds": []})
    try:
        found = janus.room_feeds(session.server, room_id=session.room_id)
    except janus.JanusError:
        return JsonResponse({"ended": False, "feeds": [], "unreachable": True})
    sides = rooms.side_feeds(session.room_id)
    feeds = [{"id": f["id"], "display": sides[f["id"]]} for f in found or [] if f["id"] in sides]
    return JsonResponse({"ended": found is None, "feeds": feeds})


def _viewer_recording(request, pk):
    return get_object_or_404(
        recordings.recordings_for_viewer(user=request.user), session__visit_id=pk
    )


@never_cache
@console_required("staff")
def recording(request, pk):
    """The visit's recording, played in the browser; every viewing is logged."""
    recording_ = _viewer_recording(request, pk)
    if recording_.state != RecordingState.READY:
        raise Http404
    handle = recordings.recording_storage().open(recording_.file_name, "rb")
    recordings.recording_viewed(actor=request.user, recording=recording_)
    response = FileResponse(handle, content_type="video/mp4")
    response["Cache-Control"] = "no-store, private"
    response["Content-Disposition"] = f'inline; filename="visit-{pk}.mp4"'
    return response


@console_required("staff")
@require_POST
def recording_hold(request, pk):
    recording_ = _viewer_recording(request, pk)
    form = HoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the recording is kept."))
    else:
        try:
            recordings.recording_hold(
                actor=request.user, recording=recording_, note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The recording is kept until the hold is lifted."))
    return redirect("console_visits:visit", pk=pk)


@console_required("staff")
@require_POST
def recording_release(request, pk):
    recording_ = _viewer_recording(request, pk)
    recordings.recording_release(actor=request.user, recording=recording_)
    messages.success(
        request, _("The hold is lifted: the recording is deleted at the end of its retention.")
    )
    return redirect("console_visits:visit", pk=pk)
