import io
import logging

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.forms.models import model_to_dict
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from visitation.addresses import client_address
from visitation.encryption import UnreadableFile
from visitation.errors import DomainError
from visitation.forms import add_domain_error
from visitation.logging import current_request_id

from . import selectors, services
from .console import console_roles, works_in_console
from .forms import (
    CloseAccountForm,
    DetailsForm,
    IdentityForm,
    LoginForm,
    PasswordResetForm,
    SetPasswordForm,
    SignupForm,
)
from .models import IdentityStatus, IdentitySubmission
from .second_factor import second_factor_enrolment_start

SIGNUP_EMAIL_SESSION_KEY = "signup_email"
logger = logging.getLogger(__name__)


def signup(request):
    """The same answer whether the email is new or already has an account ("check your
    email"): what happens next is in the email (see services.user_signup)."""
    if request.user.is_authenticated:
        return redirect("accounts:home")
    posted = request.method == "POST"
    form = SignupForm(request.POST if posted else None)
    if posted and form.is_valid():
        try:
            services.user_signup(
                **form.cleaned_data,
                language=get_language(),
                address=client_address(request),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            request.session[SIGNUP_EMAIL_SESSION_KEY] = form.cleaned_data["email"].strip()
            return redirect("accounts:signup_sent")
    return render(request, "accounts/signup.html", {"form": form})


def signup_sent(request):
    email = request.session.get(SIGNUP_EMAIL_SESSION_KEY, "")
    return render(request, "accounts/signup_sent.html", {"email": email})


def verify_email(request, token):
    try:
        user = services.user_verify_email(token=token)
    except DomainError as error:
        return render(
            request, "accounts/verify_failed.html", {"message": error.message}, status=400
        )
    if not request.user.is_authenticated:
        messages.success(
            request,
            _("Thank you, your email address %(email)s is confirmed. Sign in to continue.")
            % {"email": user.email},
        )
        return redirect("accounts:login")
    messages.success(
        request, _("Thank you, your email address %(email)s is confirmed.") % {"email": user.email}
    )
    return redirect("accounts:home")


@login_required
@require_POST
def resend_verification(request):
    if request.user.email_verified_at is None:
        try:
            services.user_send_verification(user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("We sent a new link to %(email)s.") % {"email": request.user.email}
            )
    return redirect("accounts:home")


def _to_console(request):
    """Reviewers and facility staff work in the console: a staff account has no family
    identity to show or upload."""
    if works_in_console(session=request.session):
        return redirect("review:home")
    return None


@login_required
def home(request):
    if elsewhere := _to_console(request):
        return elsewhere
    submissions = list(selectors.identity_submissions_for(user=request.user))
    return render(
        request,
        "accounts/home.html",
        {"current": submissions[0] if submissions else None, "history": submissions[1:]},
    )


@login_required
def details(request):
    user = request.user
    posted = request.method == "POST"
    form = DetailsForm(
        request.POST if posted else None,
        initial=model_to_dict(user, fields=list(DetailsForm.base_fields)),
        identity_locked=selectors.identity_details_locked(user=user),
    )
    if posted and form.is_valid():
        try:
            services.user_details_update(user=user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Your details are saved."))
            return redirect("accounts:home")
    return render(request, "accounts/details.html", {"form": form})


@login_required
def identity(request):
    if elsewhere := _to_console(request):
        return elsewhere
    current = selectors.identity_current(user=request.user)
    if current and current.status in (IdentityStatus.PENDING, IdentityStatus.APPROVED):
        return redirect("accounts:home")
    draft = current if current and current.status == IdentityStatus.DRAFT else None
    initial = {"id_type": draft.id_type, "id_expiry": draft.id_expiry} if draft else None
    posted = request.method == "POST"
    form = IdentityForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        draft=draft,
        initial=initial,
    )
    if posted and form.is_valid():
        try:
            services.identity_draft_save(user=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Your photos are saved. Check them, then submit them for review.")
            )
            return redirect("accounts:home")
    context = {
        "form": form,
        "draft": draft,
        "disapproved": selectors.identity_last_disapproved(user=request.user),
    }
    return render(request, "accounts/identity.html", context)


@login_required
@require_POST
def identity_submit(request):
    try:
        services.identity_submit(user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Submitted. We will review your identity within 24 hours."))
    return redirect("accounts:home")


@login_required
def identity_document(request, pk, kind):
    """Serve one identity photo to its owner. Reviewers see them through the console."""
    submission = get_object_or_404(IdentitySubmission.objects.filter(user=request.user), pk=pk)
    return document_response(request, submission, kind)


def document_response(request, submission, kind):
    """The photo, decrypted and checked whole before the first byte is sent, then streamed
    with no-store. A photo the site cannot decrypt (its key is not in DOCUMENT_KEYS, or the
    stored file was changed) is a page saying so and one log line for the operators."""
    field = {"id": submission.id_image, "selfie": submission.selfie_image}.get(kind)
    if not field:
        raise Http404
    try:
        with field.storage.open(field.name, "rb") as handle:
            photo = handle.read()
    except FileNotFoundError:
        raise Http404 from None
    except UnreadableFile as error:
        logger.error(
            "private file unreadable: submission_id=%s kind=%s reason=%s",
            submission.pk,
            kind,
            error,
        )
        response = render(
            request,
            "accounts/document_unreadable.html",
            {"request_id": current_request_id()},
            status=503,
        )
        response["Cache-Control"] = "no-store"
        return response
    response = FileResponse(io.BytesIO(photo), content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="{kind}-{submission.pk}.jpg"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """Without a `next`, families go to their account, console users to the console."""
        if works_in_console(session=self.request.session):
            return reverse("review:home")
        return super().get_default_redirect_url()


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The emailed link to choose a password (reset or staff invitation). Console users
    and operators are then signed in and sent to set up their authenticator: only a
    session that came through their mailbox may add one."""

    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        if not console_roles(user=user).allows("second_factor"):
            return response
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        second_factor_enrolment_start(user=user, session=self.request.session, now=timezone.now())
        messages.success(self.request, _("Your password is set."))
        return redirect("review:otp_setup")


@login_required
def close_account(request):
    """A home user deletes their data: what goes and what stays, then their password."""
    user = request.user
    try:
        services.user_close_check(user=user)
    except DomainError as error:
        refusal = error.message
    else:
        refusal = None
    posted = request.method == "POST" and refusal is None
    form = CloseAccountForm(request.POST if posted else None, user=user)
    if posted and form.is_valid():
        try:
            services.user_close(user=user)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            logout(request)
            messages.success(
                request, _("Your account is closed and your personal data is removed.")
            )
            return redirect("accounts:login")
    context = {
        "form": form,
        "refusal": refusal,
        "summary": services.account_closure_preview(user=user),
    }
    return render(request, "accounts/close_account.html", context)
