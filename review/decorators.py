from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import user_has_device

from . import selectors


def console_required(kind: str = "any", *, verified: bool = True):
    """Let a view answer only console users of the right kind ("reviewer", "staff" or
    "any"), and by default only once they passed the second factor.

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
            roles = selectors.console_roles(user=user)
            if not roles.allows(kind):
                raise Http404
            request.console = roles
            if verified and not user.is_verified():
                step = "review:otp_verify" if user_has_device(user) else "review:otp_setup"
                return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
