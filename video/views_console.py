"""The console's video pages (/console/video/): enrolling and revoking terminals, people's
check-in PINs, the rooms of today's visits (with check-ins locked by wrong PINs), and the
facility's video settings (its administrators only)."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.console import console_required
from facilities.models import Inmate, Terminal
from facilities.selectors import staff_facilities
from visitation.errors import DomainError
from visitation.forms import add_domain_error

from . import rooms, selectors, services, terminals
from .forms import PinForm, VideoSettingsForm
from .models import TerminalDevice, VideoSession


@console_required("staff")
def facility(request, facility_id):
    facility_ = get_object_or_404(staff_facilities(user=request.user), pk=facility_id)
    return _page(request, facility_, PinForm())


def _page(request, facility_, pin_form, *, status=200):
    now = timezone.now()
    is_admin = (
        staff_facilities(user=request.user, administrator=True).filter(pk=facility_.pk).exists()
    )
    terminal_list = list(
        Terminal.objects.filter(facility=facility_)
        .select_related("housing_unit")
        .order_by("side", "name")
    )
    devices = {}
    for device in selectors.devices_for_staff(facility_ids=[facility_.pk]):
        devices.setdefault(device.terminal_id, []).append(device)
    for terminal_ in terminal_list:
        terminal_.enrolled = devices.get(terminal_.pk, [])
    start = selectors.facility_day_start(facility=facility_, now=now)
    sessions = (
        VideoSession.objects.filter(
            visit__facility=facility_, closes_at__gt=start, opens_at__lt=start + timedelta(days=1)
        )
        .select_related("visit__inmate", "visit__inmate_terminal")
        .order_by("opens_at")
    )
    context = {
        "facility": facility_,
        "is_admin": is_admin,
        "terminals": terminal_list,
        "sessions": sessions,
        "pin_form": pin_form,
        "now": now,
    }
    return render(request, "video/console_facility.html", context, status=status)


@never_cache
@console_required("staff")
@require_POST
def enrol(request, pk):
    terminal_ = get_object_or_404(
        Terminal.objects.filter(
            facility__in=staff_facilities(user=request.user, administrator=True)
        ),
        pk=pk,
    )
    try:
        code = terminals.enrolment_code_create(actor=request.user, terminal=terminal_)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("console_video:facility", facility_id=terminal_.facility_id)
    minutes = int(terminals.ENROLMENT_VALID.total_seconds() // 60)
    return render(
        request,
        "video/console_enrol.html",
        {
            "terminal": terminal_,
            "facility": terminal_.facility,
            "code": code,
            "minutes": minutes,
            "terminal_url": f"{settings.SITE_URL}{reverse('video:terminal')}",
        },
    )


@console_required("staff")
@require_POST
def revoke(request, pk):
    device = get_object_or_404(
        TerminalDevice.objects.filter(
            terminal__facility__in=staff_facilities(user=request.user, administrator=True)
        ).select_related("terminal"),
        pk=pk,
    )
    terminals.device_revoke(actor=request.user, device=device)
    messages.success(
        request,
        _("The kiosk enrolled as %(terminal)s is revoked: it now shows only the enrolment page.")
        % {"terminal": device.terminal.name},
    )
    return redirect("console_video:facility", facility_id=device.terminal.facility_id)


@console_required("staff")
@require_POST
def pin(request, facility_id):
    facility_ = get_object_or_404(staff_facilities(user=request.user), pk=facility_id)
    form = PinForm(request.POST)
    if form.is_valid():
        inmate = Inmate.objects.filter(
            facility=facility_, id_number__iexact=form.cleaned_data["id_number"].strip()
        ).first()
        if inmate is None:
            form.add_error("id_number", _("No one on this facility's roster has that ID number."))
        else:
            try:
                terminals.inmate_pin_set(
                    actor=request.user, inmate=inmate, pin=form.cleaned_data["pin"]
                )
            except DomainError as exc:
                form.add_error("pin", exc.message)
            else:
                messages.success(
                    request,
                    _("The check-in PIN of %(person)s is set.") % {"person": inmate.full_name},
                )
                return redirect("console_video:facility", facility_id=facility_.pk)
    return _page(request, facility_, form, status=400)


@console_required("staff")
def video_settings(request, facility_id):
    """The facility's video settings: its administrators see and change them; anyone else
    gets a 404, like a page that does not exist."""
    facility_ = get_object_or_404(
        staff_facilities(user=request.user, administrator=True), pk=facility_id
    )
    current = rooms.facility_settings(facility_)
    form = VideoSettingsForm(
        request.POST if request.method == "POST" else None,
        current=current,
        officers=selectors.recording_viewer_candidates(facility=facility_),
        viewers=selectors.recording_viewers_of(facility=facility_),
    )
    if form.is_valid():  # never for a page asked with GET (an unbound form)
        try:
            services.video_settings_save(
                actor=request.user, facility=facility_, **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("The video settings of %(facility)s are saved.") % {"facility": facility_.name},
            )
            return redirect("console_video:settings", facility_id=facility_.pk)
    return render(
        request,
        "video/console_settings.html",
        {"facility": facility_, "uses_defaults": current._state.adding, "form": form},
        status=400 if form.is_bound else 200,
    )
