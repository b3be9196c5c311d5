from django.conf import settings


def site(request):
    return {"SITE_URL": settings.SITE_URL, "DEBUG": settings.DEBUG}


def console(request):
    """`console_user`: whether the signed-in person works in the staff console (a reviewer
    or facility staff), for the header's links."""
    from accounts.console import works_in_console

    session = getattr(request, "session", None)
    return {"console_user": session is not None and works_in_console(session=session)}
