from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.selectors import identity_is_approved, identity_status_for, identity_submitted
from accounts.states import USState
from scheduling.forms import PersonSearchForm
from scheduling.selectors import inmates_bookable
from visitation.errors import DomainError
from visitation.forms import add_domain_error

from . import selectors, services
from .forms import AccessRequestForm, FacilityChoiceForm, StateForm


def _split_current(access_requests):
    """The latest request per facility first; the older ones as history."""
    current, earlier, seen = [], [], set()
    for access_request in access_requests:
        if access_request.facility_id in seen:
            earlier.append(access_request)
        else:
            seen.add(access_request.facility_id)
            current.append(access_request)
    return current, earlier


def _identity_required(request):
    return render(
        request,
        "facilities/identity_required.html",
        {"identity_status": identity_status_for(user=request.user)},
        status=403,
    )


@login_required
def mine(request):
    current, earlier = _split_current(selectors.access_requests_for_user(user=request.user))
    return render(
        request,
        "facilities/mine.html",
        {
            "current": current,
            "earlier": earlier,
            "can_ask": identity_submitted(user=request.user),
            "identity_status": identity_status_for(user=request.user),
        },
    )


@login_required
def add_state(request):
    if not identity_submitted(user=request.user):
        return _identity_required(request)
    form = StateForm(request.GET or None)
    if form.is_valid():
        return redirect("facilities:add_facility", state=form.cleaned_data["state"])
    return render(request, "facilities/add_state.html", {"form": form})


@login_required
def add_facility(request, state):
    if not identity_submitted(user=request.user):
        return _identity_required(request)
    if state not in USState.values:
        return redirect("facilities:add")
    form = FacilityChoiceForm(request.GET or None, state=state)
    if form.is_valid():
        return redirect("facilities:add_confirm", slug=form.cleaned_data["facility"].slug)
    return render(
        request,
        "facilities/add_facility.html",
        {"form": form, "state": state, "state_name": USState(state).label},
    )


@login_required
def add_confirm(request, slug):
    """Step 3: whom they want to visit there (found as in booking: the same search, so the
    same rules) and who they are to them, then the request."""
    if not identity_submitted(user=request.user):
        return _identity_required(request)
    facility = get_object_or_404(selectors.facilities_open(), slug=slug)
    form = AccessRequestForm(
        request.POST or None,
        facility=facility,
        initial={"person": request.GET.get("person")},
    )
    search = PersonSearchForm(request.GET if "q" in request.GET else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.access_request_create(
                user=request.user,
                facility=facility,
                inmate=form.cleaned_data["person"],
                relationship=form.cleaned_data["relationship"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _request_sent_message(request.user, facility))
            return redirect("facilities:mine")
    person = _chosen_person(form, request)
    people = None
    if person is None and search.is_valid():
        people = list(inmates_bookable(facility=facility, query=search.cleaned_data["q"]))
    return render(
        request,
        "facilities/add_confirm.html",
        {
            "facility": facility,
            "form": form,
            "search": search,
            "people": people,
            "person": person,
            "state_name": USState(facility.state).label,
            "identity_status": identity_status_for(user=request.user),
        },
    )


def _chosen_person(form, request):
    """The person picked from the search (?person=) or posted back, if one of the
    facility's active people; otherwise None, and the page shows the search."""
    value = request.POST.get("person") if request.method == "POST" else request.GET.get("person")
    if not value:
        return None
    try:
        return form.fields["person"].clean(value)
    except ValidationError:
        return None


def _request_sent_message(user, facility) -> str:
    if identity_is_approved(user=user):
        return _("Your request was sent to %(facility)s. The facility decides within 24 hours.") % {
            "facility": facility.name
        }
    return _(
        "Your request to visit %(facility)s is saved. The facility sees it as soon as your "
        "identity is approved, and decides within 24 hours of that. You do not need to ask "
        "again."
    ) % {"facility": facility.name}


@login_required
def withdraw(request, pk):
    access_request = get_object_or_404(selectors.access_requests_for_user(user=request.user), pk=pk)
    if request.method == "POST":
        try:
            services.access_request_withdraw(user=request.user, access_request_id=pk)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("You withdrew your request to visit %(facility)s.")
                % {"facility": access_request.facility.name},
            )
        return redirect("facilities:mine")
    return render(request, "facilities/withdraw.html", {"access_request": access_request})
