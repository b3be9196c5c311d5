"""Logs: one line per event on stdout, carrying the request id and the user id.

Every record gets `request_id` and `user_id` from the request being served (set by
`visitation.middleware.RequestIdMiddleware`), or `-` outside a request. A line never holds
a name, an email address or anything from an identity document: log ids and codes.

Security events (logins, lockouts, staff looking at documents, decisions) go through
`security_event`, which marks the line `security=1 event=<name>` so it can be filtered:

    security_event("identity_document_viewed", submission_id=submission.pk, kind="id")
"""

import json
import logging
import re
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import SimpleLazyObject, empty

security_logger = logging.getLogger("visitation.security")

_request_id: ContextVar[str] = ContextVar("request_id", default="-")
_request: ContextVar = ContextVar("request", default=None)

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9._:/<>-]+")
# Field names that would carry personal data. security_event refuses them outright.
PERSONAL_FIELDS = frozenset(
    {
        "email",
        "username",
        "name",
        "first_name",
        "last_name",
        "full_name",
        "password",
        "phone",
        "address",
        "street_address",
        "date_of_birth",
        "note",
    }
)


def request_id_from(header: str | None) -> str:
    """The id a load balancer gave the request, when it is a short plain token; else a new
    one. Anything else (spaces, quotes, newlines, a kilobyte of junk) is not trusted."""
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


@contextmanager
def request_context(request, request_id: str):
    """Tag every log record made while serving `request` with its id and its user."""
    request_token = _request.set(request)
    id_token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(id_token)
        _request.reset(request_token)


def current_request_id() -> str:
    return _request_id.get()


def current_user_id():
    """The id of the signed-in user of the current request, or None.

    Only a user the request has already loaded is reported: logging never queries the
    database for it (it may be the database that is failing)."""
    request = _request.get()
    if request is None:
        return None
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    return getattr(user, "pk", None)


def install_record_factory() -> None:
    """Stamp `request_id` and `user_id` on every log record when it is made, so every
    handler (stdout, error tracking, the tests' caplog) sees them. Safe to call twice."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "stamps_request", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = _request_id.get()
        user_id = current_user_id()
        record.user_id = "-" if user_id is None else user_id
        return record

    factory.stamps_request = True
    logging.setLogRecordFactory(factory)


class LineFormatter(logging.Formatter):
    """`<UTC time> level=<L> logger=<name> request_id=<id> user_id=<id> <message>`, with a
    traceback folded into the same line (newlines written as \\n)."""

    def format(self, record):
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            message = f"{message} exc={json.dumps(record.exc_text)}"
        if record.stack_info:
            message = f"{message} stack={json.dumps(self.formatStack(record.stack_info))}"
        timestamp = datetime.fromtimestamp(record.created, tz=UTC).isoformat(
            timespec="milliseconds"
        )
        line = (
            f"{timestamp} level={record.levelname} logger={record.name} "
            f"request_id={getattr(record, 'request_id', '-')} "
            f"user_id={getattr(record, 'user_id', '-')} {message}"
        )
        return line.replace("\r", "\\r").replace("\n", "\\n")


def _format_value(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"security_event fields take ids, codes and counts, not {type(value)}")
    if "@" in value:
        raise ValueError("security_event fields must not hold email addresses")
    return value if _PLAIN_VALUE.fullmatch(value) else json.dumps(value)


def security_event(name: str, *, level: int = logging.INFO, **fields) -> None:
    """Log a security event as one line marked `security=1 event=<name>`.

    Fields are ids, codes and counts (`account_id=7`, `reason="expired_id"`); a field named
    like personal data, or a value holding an email address, is a programming error."""
    if not _PLAIN_VALUE.fullmatch(name):
        raise ValueError(f"security event names are plain tokens, not {name!r}")
    personal = PERSONAL_FIELDS.intersection(fields)
    if personal:
        raise ValueError(f"security_event must not log personal data: {sorted(personal)}")
    pairs = "".join(f" {key}={_format_value(value)}" for key, value in fields.items())
    security_logger.log(
        level,
        "security=1 event=%s%s",
        name,
        pairs,
        extra={"security_event": name, "security_fields": fields},
    )


def _account_id_for(username: str | None):
    from django.contrib.auth import get_user_model

    if not username:
        return None
    User = get_user_model()
    lookup = {f"{User.USERNAME_FIELD}__iexact": username.strip()}
    return User._default_manager.filter(**lookup).values_list("pk", flat=True).first()


def on_user_logged_in(sender, request, user, **kwargs):
    security_event("login", account_id=user.pk)


def on_user_logged_out(sender, request, user, **kwargs):
    security_event("logout", account_id=getattr(user, "pk", None))


def on_user_login_failed(sender, credentials, request=None, **kwargs):
    security_event(
        "login_failed",
        level=logging.WARNING,
        account_id=_account_id_for(credentials.get("username")),
    )


def on_user_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    security_event("login_locked_out", level=logging.WARNING, account_id=_account_id_for(username))


def on_task_publish(sender=None, headers=None, **kwargs):
    """A task queued while serving a request carries that request's id to the worker."""
    if headers is not None and _request_id.get() != "-":
        headers.setdefault("request_id", _request_id.get())


def on_task_start(sender=None, task=None, **kwargs):
    request_id = task.request.get("request_id") if task is not None else None
    _request_id.set(request_id if request_id and _SANE_REQUEST_ID.fullmatch(request_id) else "-")


def on_task_end(sender=None, **kwargs):
    _request_id.set("-")


def on_celery_setup_logging(**kwargs):
    """Connected, this tells Celery to leave logging as Django's LOGGING set it up."""


def error_tracking_init(*, dsn: str, environment: str) -> None:
    """Send unhandled errors to Sentry when SENTRY_DSN is set. Off by default; sentry-sdk is
    not a requirement, so a deployment that wants it installs it."""
    try:
        import sentry_sdk
        from sentry_sdk.integrations.celery import CeleryIntegration
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError:
        raise ImproperlyConfigured(
            "SENTRY_DSN is set but sentry-sdk is not installed. Install it "
            "(pip install 'sentry-sdk[django,celery]==2.75.0') or unset SENTRY_DSN."
        ) from None
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # No user emails, addresses, cookies, form bodies or local variables: the forms
        # and stack frames of this site hold names, dates of birth and document data.
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=0,
    )
