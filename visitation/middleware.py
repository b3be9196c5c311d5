import logging
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control

from .logging import request_context, request_id_from

access_logger = logging.getLogger("visitation.request")


def _route(request) -> str:
    """The URL pattern that served the request, never the path itself: paths carry
    tokens (email verification, password reset) that must not reach the logs."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return "/" + match.route
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    return "-"


class RequestIdMiddleware:
    """Gives each request an id (the load balancer's X-Request-ID when it is sane, else a
    new one), tags every log line made while serving it, echoes the id in the response and
    writes the access line: method, route, status, duration, request id and user id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        request_id = request_id_from(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        with request_context(request, request_id):
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            route = _route(request)
            quiet = route == "/healthz" and response.status_code == 200
            access_logger.log(
                logging.DEBUG if quiet else logging.INFO,
                "method=%s route=%s status=%s duration_ms=%d",
                request.method,
                route,
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
        return response


class RequestSizeLimitMiddleware:
    """Refuses a request whose declared body is larger than settings.MAX_REQUEST_BYTES with
    a page that says so (413), before anything reads the body: a huge upload is not
    written to a temporary file first. (A body without Content-Length is not read by
    Django at all.)

    Closing the connection is the server's business: `Connection` is a hop-by-hop header
    that a WSGI application may not send. Django's development server refuses a response
    carrying it (a 500 instead of this page) and gunicorn drops it; its sync workers
    close every connection after answering."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.MAX_REQUEST_BYTES:
            response = TemplateResponse(
                request,
                "413.html",
                {
                    "limit_mb": settings.MAX_REQUEST_BYTES // 1_048_576,
                    "photo_mb": settings.IDENTITY_UPLOAD_MAX_BYTES // 1_048_576,
                },
                status=413,
            )
            return response.render()
        return self.get_response(request)


class RememberLanguageMiddleware:
    """Remember on a signed-in user the language of the page they are reading (chosen by
    the browser or with the switch, as LocaleMiddleware found it), so that their emails,
    reminders and calendar files come in the language they last used on the site. Writes
    only when it changed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = getattr(request, "LANGUAGE_CODE", "")
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and language in dict(settings.LANGUAGES)
            and user.language != language
        ):
            get_user_model().objects.filter(pk=user.pk).update(language=language)
            user.language = language
        return self.get_response(request)


class PrivatePagesMiddleware:
    """Every answer to a signed-in person (family, staff, reviewer, operator) is marked
    `Cache-Control: private, no-store`: no shared cache keeps it, and the browser does not
    either, so after signing out on a library or lobby computer the back button cannot
    show the last person's name, address and visits. Public pages keep their caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
