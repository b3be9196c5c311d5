"""Who may enter the console, and after which step: console users (reviewers and facility
staff) only, once they passed the second factor (accounts.second_factor). Every console
page, in any app, is behind `console_required`."""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import user_has_device

from facilities.selectors import is_facility_staff

from .models import User


@dataclass(frozen=True)
class ConsoleRoles:
    reviewer: bool
    staff: bool
    operator: bool = False  # the Django admin's users: here only the second-factor pages

    def allows(self, kind: str) -> bool:
        if kind == "reviewer":
            return self.reviewer
        if kind == "staff":
            return self.staff
        if kind == "second_factor":
            return self.reviewer or self.staff or self.operator
        return self.reviewer or self.staff


def console_roles(*, user: User) -> ConsoleRoles:
    """Which halves of the console a user may use; neither for home users. Operators
    (users of the Django admin) pass the same second factor here."""
    if not user.is_authenticated or not user.is_active:
        return ConsoleRoles(reviewer=False, staff=False)
    return ConsoleRoles(
        reviewer=user.is_reviewer, staff=is_facility_staff(user=user), operator=user.is_staff
    )


def second_factor_redirect(request, next_url: str | None = None):
    """Send a signed-in user who has not passed the second factor in this session to set
    up their authenticator (first time) or to enter a code, then on to `next_url` (this
    page unless given)."""
    step = "review:otp_verify" if user_has_device(request.user) else "review:otp_setup"
    next_url = next_url or request.get_full_path()
    return redirect(f"{reverse(step)}?{urlencode({'next': next_url})}")


# Set at sign-in by console_session_mark: whether the user works in the console.
CONSOLE_SESSION_KEY = "console_user"


def console_session_mark(*, user: User, session) -> None:
    """Note on a new session whether its user works in the console, so that every page's
    header links them there (and the family's account pages send them there) without a
    query per page. Connected to Django's user_logged_in signal (accounts.apps)."""
    session[CONSOLE_SESSION_KEY] = console_roles(user=user).allows("any")


def works_in_console(*, session) -> bool:
    """Whether this signed-in session is a reviewer's or facility staff's (as at sign-in)."""
    return bool(session.get(CONSOLE_SESSION_KEY))


def console_required(kind: str = "any", *, verified: bool = True):
    """Let a view answer only console users of the right kind ("reviewer", "staff",
    "any", or "second_factor": any of them or an operator), and by default only once they
    passed the second factor.

    Anonymous visitors go to sign in; signed-in people who may not use this page get a
    404, like a page that does not exist; console users not yet verified are sent to set
    up their authenticator (first time) or to enter a code. The roles are put on
    `request.console` for the templates.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            roles = console_roles(user=user)
            if not roles.allows(kind):
                raise Http404
            request.console = roles
            if verified and not user.is_verified():
                return second_factor_redirect(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
