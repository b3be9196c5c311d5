"""The staff console. Each view: who may act (console_required and a scoped queryset),
a form, one service, render or redirect."""

from base64 import b32encode

import django_otp
import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import second_factor
from accounts.console import console_required
from accounts.models import IdentityStatus
from accounts.rules import age_on
from accounts.selectors import identity_status_for
from accounts.views import document_response
from facilities import services as facility_services
from facilities.models import AccessStatus
from visitation.errors import DomainError
from visitation.forms import add_domain_error
from visitation.paging import page_of

from . import selectors, services, timeline
from .forms import (
    AccessDecisionForm,
    AccessRevokeForm,
    CodeForm,
    IdentityDecisionForm,
    UserSearchForm,
)
from .models import DocumentView

PAGE_SIZE = 25


def _next_or_home(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "review:home" if request.console.allows("any") else "admin:index"


def _age(person):
    if person.date_of_birth is None:
        return None
    return age_on(person.date_of_birth, timezone.localdate())


def _page(request, queryset):
    return page_of(Paginator(queryset, PAGE_SIZE), request.GET.get("page"))


def _queue_page(request, template, queue_for):
    """A queue of pending decisions, oldest first, a page at a time; ?overdue=1 keeps only
    the overdue ones."""
    overdue_only = request.GET.get("overdue") == "1"
    now = timezone.now()
    queue = queue_for(user=request.user, now=now, overdue_only=overdue_only)
    return render(
        request,
        template,
        {"page": _page(request, queue), "overdue_only": overdue_only, "now": now},
    )


@console_required()
def home(request):
    now = timezone.now()
    context = {}
    if request.console.reviewer:
        queue = selectors.identity_queue(user=request.user, now=now)
        context["identity_pending"] = queue.count()
        context["identity_overdue"] = queue.filter(due_at__lt=now).count()
    if request.console.staff:
        queue = selectors.access_queue(user=request.user, now=now)
        context["access_pending"] = queue.count()
        context["access_overdue"] = queue.filter(due_at__lt=now).count()
    return render(request, "review/home.html", context)


# The second factor -------------------------------------------------------------------


def _code_accepted(form, check, **kwargs):
    """What `check` returns for the form's code, or None when it refuses the code (its
    message then shown on the form)."""
    try:
        return check(token=form.cleaned_data["code"], **kwargs)
    except DomainError as error:
        add_domain_error(form, error, default_field="code")
        return None


def _backup_codes_page(request, codes, *, continue_to):
    """New backup codes, shown once and kept out of every cache."""
    response = render(
        request,
        "review/backup_codes_new.html",
        {"codes": codes, "continue_to": resolve_url(continue_to)},
    )
    response["Cache-Control"] = "no-store"
    return response


@console_required("second_factor", verified=False)
def otp_setup(request):
    """First sign-in: add the console to an authenticator app, confirm with a code. Only
    in a session that came through a link emailed to the user, so a password alone cannot
    add a phone to an account."""
    if second_factor.has_authenticator(user=request.user):
        return redirect("review:otp_verify")
    if not second_factor.second_factor_enrolment_open(
        user=request.user, session=request.session, now=timezone.now()
    ):
        minutes = int(second_factor.ENROLMENT_WINDOW.total_seconds() // 60)
        return render(
            request, "review/otp_setup_by_link.html", {"enrol_minutes": minutes}, status=403
        )
    form = CodeForm(request.POST or None)
    enrolment = (
        request.method == "POST"
        and form.is_valid()
        and _code_accepted(
            form, second_factor.second_factor_confirm, user=request.user, session=request.session
        )
    )
    if enrolment:
        django_otp.login(request, enrolment.device)
        messages.success(request, _("Your authenticator app is set up."))
        return _backup_codes_page(
            request, enrolment.backup_codes, continue_to=_next_or_home(request)
        )
    device = second_factor.second_factor_device_pending(user=request.user)
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "review/otp_setup.html",
        {
            "form": form,
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "qr_data_uri": segno.make(device.config_url, error="m").svg_data_uri(scale=5),
            "next": request.GET.get("next", ""),
        },
    )


@console_required("second_factor", verified=False)
def otp_verify(request):
    """Every sign-in: enter the current code, or a backup code, before any personal data
    is shown."""
    if request.user.is_verified():
        return redirect(_next_or_home(request))
    if not django_otp.user_has_device(request.user):
        return redirect("review:otp_setup")
    form = CodeForm(request.POST or None, backup=True)
    device = (
        request.method == "POST"
        and form.is_valid()
        and _code_accepted(form, second_factor.second_factor_verify, user=request.user)
    )
    if device:
        django_otp.login(request, device)
        if isinstance(device, StaticDevice):
            left = second_factor.backup_codes_left(user=request.user)
            messages.warning(
                request,
                ngettext(
                    "You signed in with a backup code. %(count)d backup code is left.",
                    "You signed in with a backup code. %(count)d backup codes are left.",
                    left,
                )
                % {"count": left},
            )
        return redirect(_next_or_home(request))
    return render(
        request, "review/otp_verify.html", {"form": form, "next": request.GET.get("next", "")}
    )


@console_required("second_factor")
def backup_codes(request):
    """How many backup codes are left; a new set replaces them all."""
    if request.method == "POST":
        codes = second_factor.second_factor_backup_codes_new(user=request.user)
        return _backup_codes_page(request, codes, continue_to="review:backup_codes")
    return render(
        request,
        "review/backup_codes.html",
        {"left": second_factor.backup_codes_left(user=request.user)},
    )


# Identity review ----------------------------------------------------------------------


@console_required("reviewer")
def identity_queue(request):
    return _queue_page(request, "review/identity_queue.html", selectors.identity_queue)


@console_required("reviewer")
def identity_detail(request, pk):
    now = timezone.now()
    submission = get_object_or_404(
        selectors.with_overdue(
            selectors.identity_submissions_for_reviewer(user=request.user), now=now
        ),
        pk=pk,
    )
    form = None
    if submission.status == IdentityStatus.PENDING:
        form = IdentityDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if "proceed" not in request.POST:
                return render(
                    request,
                    "review/identity_confirm.html",
                    {"submission": submission, "form": form, "summary": form.summary()},
                )
            try:
                services.identity_decide(
                    reviewer=request.user,
                    submission=submission,
                    approve=form.approve,
                    reason=form.cleaned_data["reason"],
                    sub_reason=form.cleaned_data["sub_reason"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _("Decision saved for %(name)s. They will get an email.")
                    % {"name": submission.user.full_name},
                )
                return redirect("review:identity_queue")
    elif request.method == "POST":
        messages.error(request, _("This submission has already been decided."))
        return redirect("review:identity_detail", pk=submission.pk)
    person = submission.user
    history = selectors.identity_history(user=request.user, person=person)
    today = timezone.localdate()
    return render(
        request,
        "review/identity_detail.html",
        {
            "submission": submission,
            "person": person,
            "age": _age(person),
            "id_expired": bool(submission.id_expiry and submission.id_expiry < today),
            "form": form,
            "events": timeline.identity_timeline(history),
            "now": now,
        },
    )


@console_required("reviewer")
def identity_document(request, pk, kind):
    """Serve one identity photo to a reviewer, and log that they saw it."""
    if kind not in DocumentView.Document.values:
        raise Http404
    submission = get_object_or_404(
        selectors.identity_submissions_for_reviewer(user=request.user), pk=pk
    )
    response = document_response(request, submission, kind)
    if response.status_code == 200:
        services.document_view_record(viewer=request.user, submission=submission, document=kind)
    return response


# Facility access ----------------------------------------------------------------------


@console_required("staff")
def access_queue(request):
    return _queue_page(request, "review/access_queue.html", selectors.access_queue)


def _staff_access_request(request, pk):
    """One request at the staff member's facilities; any other is a 404."""
    return get_object_or_404(
        selectors.with_overdue(
            selectors.access_requests_with_trail(user=request.user), now=timezone.now()
        ),
        pk=pk,
    )


def _access_page(request, access_request, *, decide_form=None, revoke_form=None):
    now = timezone.now()
    if access_request.status == AccessStatus.PENDING:
        decide_form = decide_form or AccessDecisionForm()
    if access_request.status == AccessStatus.APPROVED:
        revoke_form = revoke_form or AccessRevokeForm()
    return render(
        request,
        "review/access_detail.html",
        {
            "access_request": access_request,
            "person": access_request.user,
            "age": _age(access_request.user),
            "identity_status": identity_status_for(user=access_request.user),
            "events": timeline.access_timeline(access_request),
            "decide_form": decide_form,
            "revoke_form": revoke_form,
            "now": now,
        },
    )


@console_required("staff")
def access_detail(request, pk):
    access_request = _staff_access_request(request, pk)
    if request.method != "POST":
        return _access_page(request, access_request)
    form = AccessDecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["outcome"] == "approve"
        try:
            facility_services.access_request_decide(
                actor=request.user,
                access_request=access_request,
                approve=approve,
                reason="" if approve else form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                (
                    _("Access approved for %(name)s.")
                    if approve
                    else _("Access denied for %(name)s.")
                )
                % {"name": access_request.user.full_name},
            )
            return redirect("review:access_queue")
    return _access_page(request, access_request, decide_form=form)


@console_required("staff")
@require_POST
def access_revoke(request, pk):
    access_request = _staff_access_request(request, pk)
    form = AccessRevokeForm(request.POST)
    if form.is_valid():
        try:
            facility_services.access_request_revoke(
                actor=request.user,
                access_request=access_request,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Access revoked for %(name)s. They will get an email.")
                % {"name": access_request.user.full_name},
            )
            return redirect("review:access_detail", pk=access_request.pk)
    return _access_page(request, access_request, revoke_form=form)


# People -------------------------------------------------------------------------------


@console_required()
def user_search(request):
    form = UserSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = _page(request, selectors.users_search(user=request.user, query=query)) if query else None
    return render(
        request,
        "review/user_search.html",
        {"form": form, "query": query, "page": page, "extra": urlencode({"q": query}) + "&"},
    )


@console_required()
def user_detail(request, pk):
    person = get_object_or_404(selectors.users_for_console(user=request.user), pk=pk)
    context = {
        "person": person,
        "identity_status": identity_status_for(user=person),
        "age": _age(person),
    }
    if request.console.reviewer:
        history = selectors.identity_history(user=request.user, person=person)
        context["identity_submissions"] = history
        context["identity_events"] = timeline.identity_timeline(history)
    if request.console.staff:
        context["access_requests"] = [
            (access_request, timeline.access_timeline(access_request))
            for access_request in selectors.access_requests_with_trail(user=request.user)
            .filter(user=person)
            .order_by("-created_at", "-pk")
        ]
    return render(request, "review/user_detail.html", context)
