"""The family's join page and the enrolled terminal's pages (/terminal/).

The join page and the terminal's call page carry the Janus tokens and the room pin in
their HTML (never in a URL), and only these pages' Content Security Policy lets the
browser reach the media server.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from scheduling.models import Visit, VisitKind
from visitation.errors import DomainError

from . import recordings, rooms, selectors, terminals
from .forms import CheckInForm, EnrolForm, LobbyCheckInForm
from .models import RoomState


def _allow_media_server(response):
    """Let this page (and only this page) reach the media servers."""
    origins = selectors.media_origins()
    response._csp_update = {"connect-src": ["'self'", *origins], "media-src": ["'self'", "blob:"]}
    return response


@never_cache
@login_required
def join(request, pk):
    """The visitor's own remote visit: device check, notice, waiting room, the call."""
    visit = get_object_or_404(
        Visit.objects.select_related("facility", "inmate"), pk=pk, visitor=request.user
    )
    now = timezone.now()
    if visit.kind != VisitKind.REMOTE:
        raise Http404
    state = selectors.join_state(visit=visit, now=now)
    context = {
        "visit": visit,
        "state": state,
        "facility_zone": visit.facility.time_zone,
        "notice": rooms.facility_settings(visit.facility).notice,
        "recorded": rooms.facility_settings(visit.facility).record_visits,
        "media_up": True,
    }
    if state.kind == "open":
        context["media_up"] = selectors.media_server_up(facility=visit.facility)
        context["call"] = {
            **selectors.join_credentials(session=state.session, side="family", now=now),
            "endsAt": visit.ends_at.isoformat(),
            "autojoin": False,
            "endedUrl": reverse("video:join_ended", args=[visit.pk]),
        }
    return _allow_media_server(render(request, "video/join.html", context))


def _device(request):
    return terminals.device_for_token(request.COOKIES.get(terminals.COOKIE_NAME))


def _set_device_cookie(response, token: str):
    response.set_cookie(
        terminals.COOKIE_NAME,
        token,
        max_age=int(terminals.COOKIE_AGE.total_seconds()),
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Strict",
    )
    return response


@never_cache
def terminal(request):
    """The kiosk's home: the enrolment form for a browser that is not an enrolled terminal,
    else the terminal's next visits with check-in."""
    device = _device(request)
    if device is None:
        form = EnrolForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                _, token = terminals.terminal_enrol(code=form.cleaned_data["code"])
            except DomainError as exc:
                form.add_error("code", exc.message)
            else:
                return _set_device_cookie(redirect("video:terminal"), token)
        response = render(request, "video/terminal_enrol.html", {"form": form})
        if request.COOKIES.get(terminals.COOKIE_NAME):
            response.delete_cookie(terminals.COOKIE_NAME)
        return response
    return _terminal_home(request, device)


def _terminal_home(request, device, *, visit_form=None, form_visit_id=None, status=200):
    now = timezone.now()
    terminal_ = device.terminal
    visits = list(selectors.terminal_schedule(terminal=terminal_, now=now))
    sessions = selectors.sessions_by_visit(visits)
    rows = []
    for visit in visits:
        session = sessions.get(visit.pk)
        room_open = session is not None and session.state == RoomState.OPEN
        side = selectors.terminal_may_call(device=device, visit=visit, session=session)
        if visit_form is not None and form_visit_id == visit.pk:
            form = visit_form
        elif terminal_.side == terminal_.Side.LOBBY:
            form = LobbyCheckInForm(prefix=f"v{visit.pk}")
        else:
            form = CheckInForm(prefix=f"v{visit.pk}")
        rows.append(
            {
                "visit": visit,
                "room_open": room_open,
                "can_join": side is not None,
                "locked": bool(session and session.checkin_locked_at),
                "form": form if room_open and side is None else None,
            }
        )
    context = {
        "device": device,
        "terminal": terminal_,
        "lobby": terminal_.side == terminal_.Side.LOBBY,
        "rows": rows,
        "facility_zone": terminal_.facility.time_zone,
        "media_up": selectors.media_server_up(facility=terminal_.facility),
        "now": now,
        "refused_form": visit_form,  # its errors go in the page's error summary
    }
    return render(request, "video/terminal_home.html", context, status=status)


def _terminal_visit(device, pk, *, now) -> Visit:
    """A visit this terminal shows now; any other is a 404."""
    shown = selectors.terminal_schedule(terminal=device.terminal, now=now).values("pk")
    return get_object_or_404(
        Visit.objects.select_related("facility", "inmate").filter(pk__in=shown), pk=pk
    )


@never_cache
@require_POST
def terminal_check_in(request, pk):
    device = _device(request)
    if device is None:
        return redirect("video:terminal")
    visit = _terminal_visit(device, pk, now=timezone.now())
    lobby = device.terminal.side == device.terminal.Side.LOBBY
    form_class = LobbyCheckInForm if lobby else CheckInForm
    form = form_class(request.POST, prefix=f"v{visit.pk}")
    if form.is_valid():
        try:
            if lobby:
                visit = terminals.lobby_check_in(device=device, code=form.cleaned_data["code"])
            else:
                terminals.terminal_check_in(
                    device=device,
                    visit=visit,
                    id_number=form.cleaned_data["id_number"],
                    pin=form.cleaned_data["pin"],
                )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("video:terminal_call", pk=visit.pk)
    return _terminal_home(request, device, visit_form=form, form_visit_id=visit.pk, status=400)


@never_cache
def terminal_call(request, pk):
    """The terminal's side of the call: joins at once (the kiosk's camera is fixed)."""
    device = _device(request)
    if device is None:
        return redirect("video:terminal")
    now = timezone.now()
    visit = _terminal_visit(device, pk, now=now)
    session = rooms.session_for(visit)
    side = selectors.terminal_may_call(device=device, visit=visit, session=session)
    if side is None:
        return redirect("video:terminal")
    context = {
        "visit": visit,
        "side": side,
        "facility_zone": visit.facility.time_zone,
        "media_up": selectors.media_server_up(facility=visit.facility),
        "call": {
            **selectors.join_credentials(session=session, side=side, now=now, trusted=True),
            "endsAt": visit.ends_at.isoformat(),
            "autojoin": True,
            "endedUrl": reverse("video:terminal_ended", args=[visit.pk]),
        },
    }
    return _allow_media_server(render(request, "video/terminal_call.html", context))


def _ended_by_facility(visit: Visit, *, explanation: bool) -> JsonResponse:
    """Whether facility staff ended the visit, and why (for the call page's end screen)."""
    ended = rooms.ended_by_staff(visit)
    data = {"byFacility": ended}
    if ended:
        reason = visit.get_cancel_reason_display()
        text = _("The facility ended the visit. Reason: %(reason)s.") % {"reason": reason}
        if explanation and visit.cancel_explanation:
            text = f"{text} {visit.cancel_explanation}"
        data["text"] = text
    return JsonResponse(data)


@never_cache
@login_required
def join_ended(request, pk):
    visit = get_object_or_404(Visit, pk=pk, visitor=request.user)
    return _ended_by_facility(visit, explanation=True)


@never_cache
def terminal_ended(request, pk):
    device = _device(request)
    if device is None:
        raise Http404
    visit = get_object_or_404(
        Visit.objects.filter(
            Q(inmate_terminal=device.terminal) | Q(lobby_terminal=device.terminal)
        ),
        pk=pk,
    )
    return _ended_by_facility(visit, explanation=False)


@never_cache
@login_required
def recording_download(request, pk):
    """The family's copy of their own visit's recording, only where the facility allows
    it (off by default); each download is logged."""
    visit = get_object_or_404(Visit.objects.select_related("facility"), pk=pk, visitor=request.user)
    recording = recordings.recording_for_family(visit=visit)
    if recording is None:
        raise Http404
    handle = recordings.recording_storage().open(recording.file_name, "rb")
    recordings.recording_viewed(actor=request.user, recording=recording)
    response = FileResponse(handle, content_type="video/mp4", as_attachment=True)
    response["Content-Disposition"] = f'attachment; filename="visit-{visit.pk}.mp4"'
    response["Cache-Control"] = "no-store, private"
    return response
