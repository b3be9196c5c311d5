"""The Django admin asks for the same second factor as the console.

An operator's password is the most valuable one here, so a password alone opens no admin
page: a session that has not passed the second factor is sent, from every admin URL, to
the console's code page (a code from the authenticator app, or one of the backup codes)
or, the first time, to set up the app, and comes back to the page it asked for. The check,
the devices and the backup codes are the console's own (accounts.console,
accounts.second_factor, review.views).
"""

from functools import wraps

from django.contrib import admin
from django.urls import reverse

from accounts.console import second_factor_redirect


def _password_only(request) -> bool:
    """An operator signed in whose session has not passed the second factor."""
    user = request.user
    return user.is_active and user.is_staff and not user.is_verified()


class SecondFactorAdminSite(admin.AdminSite):
    def has_permission(self, request):
        return super().has_permission(request) and request.user.is_verified()

    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        @wraps(guarded)
        def second_factor_first(request, *args, **kwargs):
            signing_out = request.path == reverse("admin:logout", current_app=self.name)
            if _password_only(request) and not signing_out:
                return second_factor_redirect(request)
            return guarded(request, *args, **kwargs)

        return second_factor_first

    def login(self, request, extra_context=None):
        if _password_only(request):
            return second_factor_redirect(
                request,
                request.GET.get("next") or reverse("admin:index", current_app=self.name),
            )
        return super().login(request, extra_context)
