import logging
import sys
import types

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from visitation.logging import (
    LineFormatter,
    current_request_id,
    error_tracking_init,
    on_task_publish,
    request_context,
    security_event,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.INFO)
    return caplog


def lines(caplog):
    """What stdout would show: every record through the site's formatter."""
    formatter = LineFormatter()
    return [formatter.format(record) for record in caplog.records]


def access_lines(caplog):
    return [r for r in caplog.records if r.name == "visitation.request"]


def security_records(caplog, event):
    return [r for r in caplog.records if getattr(r, "security_event", None) == event]


def sign_in(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_each_response_carries_a_new_request_id(client):
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/accounts/login/")["X-Request-ID"]
    assert len(first) == 32
    assert first != second


def test_the_load_balancers_request_id_is_kept(client, logs):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="lb-7f3a.9:1")
    assert response["X-Request-ID"] == "lb-7f3a.9:1"
    assert access_lines(logs)[-1].request_id == "lb-7f3a.9:1"


@pytest.mark.parametrize(
    "header", ["two words", 'quote"d', "x" * 129, "line\\nbreak", "ünïcode", "a=b"]
)
def test_a_request_id_that_is_not_a_plain_token_is_replaced(client, header):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID=header)
    assert response["X-Request-ID"] != header
    assert len(response["X-Request-ID"]) == 32


def test_access_line_names_the_url_pattern_never_the_token_in_the_path(client, logs):
    token = "eyJ1IjoxLCJlIjoiZGFuYUBleGFtcGxlLmNvbSJ9:1tXyZ:abcdefgh"
    client.get(f"/accounts/verify/{token}/")
    (line,) = access_lines(logs)
    assert line.getMessage().startswith("method=GET route=/accounts/verify/<str:token>/ status=400")
    assert all(token not in text for text in lines(logs))


def test_access_line_has_the_signed_in_users_id_and_no_email(client, home_user, logs):
    client.force_login(home_user)
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 200
    (line,) = access_lines(logs)
    assert line.user_id == home_user.pk
    assert line.request_id == response["X-Request-ID"]
    formatted = LineFormatter().format(line)
    assert f"user_id={home_user.pk} " in formatted
    assert home_user.email not in formatted


def test_anonymous_requests_log_no_user(client, logs):
    client.get("/accounts/login/")
    assert access_lines(logs)[-1].user_id == "-"


def test_login_is_a_security_event_with_the_account_id(client, home_user, logs):
    response = sign_in(client, "home@example.com", PASSWORD)
    assert response.status_code == 302
    (event,) = security_records(logs, "login")
    assert event.getMessage() == f"security=1 event=login account_id={home_user.pk}"
    assert event.request_id == response["X-Request-ID"]
    assert event.user_id == home_user.pk


def test_failed_login_is_marked_without_the_email_tried(client, home_user, logs):
    sign_in(client, "Home@Example.com", "not the password")
    (event,) = security_records(logs, "login_failed")
    assert event.levelno == logging.WARNING
    assert event.getMessage() == f"security=1 event=login_failed account_id={home_user.pk}"
    assert event.user_id == "-"
    assert all("example.com" not in text.lower() for text in lines(logs))


def test_failed_login_for_an_unknown_email_has_no_account(client, logs):
    sign_in(client, "nobody@example.com", "whatever it is")
    (event,) = security_records(logs, "login_failed")
    assert event.getMessage() == "security=1 event=login_failed account_id=-"
    assert all("nobody" not in text for text in lines(logs))


def test_lockout_is_marked_once_the_failure_limit_is_reached(client, home_user, logs, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "home@example.com", "wrong password")
    assert security_records(logs, "login_locked_out") == []
    sign_in(client, "home@example.com", "wrong password")
    (event,) = security_records(logs, "login_locked_out")
    assert event.getMessage() == f"security=1 event=login_locked_out account_id={home_user.pk}"
    assert all("home@example.com" not in text for text in lines(logs))


def test_logout_is_a_security_event(client, home_user, logs):
    client.force_login(home_user)
    client.post(reverse("accounts:logout"))
    (event,) = security_records(logs, "logout")
    assert event.getMessage() == f"security=1 event=logout account_id={home_user.pk}"


def test_security_event_for_staff_actions(logs):
    security_event("identity_document_viewed", submission_id=12, kind="selfie", late=True)
    (event,) = security_records(logs, "identity_document_viewed")
    assert event.getMessage() == (
        "security=1 event=identity_document_viewed submission_id=12 kind=selfie late=1"
    )
    assert event.security_fields == {"submission_id": 12, "kind": "selfie", "late": True}


def test_security_event_quotes_values_with_spaces(logs):
    security_event("identity_decided", submission_id=3, reason="invalid picture")
    (event,) = security_records(logs, "identity_decided")
    assert event.getMessage().endswith('reason="invalid picture"')


@pytest.mark.parametrize(
    "fields",
    [{"email": "x"}, {"first_name": "Dana"}, {"note": "called her"}, {"actor": "dana@example.com"}],
)
def test_security_event_refuses_personal_data(fields, logs):
    with pytest.raises(ValueError):
        security_event("identity_decided", **fields)
    assert logs.records == []


def test_a_traceback_stays_on_one_line(logs):
    request = RequestFactory().get("/")
    with request_context(request, "req-42"):
        try:
            raise RuntimeError("first line\nsecond line")
        except RuntimeError:
            logging.getLogger("visitation.test").exception("it broke")
    (text,) = lines(logs)
    assert "\n" not in text
    assert " request_id=req-42 user_id=- it broke exc=" in text
    assert "RuntimeError: first line\\nsecond line" in text


def test_outside_a_request_there_is_no_request_id(logs):
    logging.getLogger("visitation.test").info("from a command")
    assert logs.records[0].request_id == "-"
    assert current_request_id() == "-"


def test_a_task_queued_by_a_request_carries_its_id_to_the_worker():
    headers = {}
    with request_context(RequestFactory().get("/"), "req-99"):
        on_task_publish(headers=headers)
    assert headers == {"request_id": "req-99"}
    outside = {}
    on_task_publish(headers=outside)
    assert outside == {}


def test_sentry_dsn_without_sentry_sdk_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)
    with pytest.raises(ImproperlyConfigured, match="pip install 'sentry-sdk"):
        error_tracking_init(dsn="https://key@errors.example.org/1", environment="test")


def test_error_tracking_sends_no_personal_data(monkeypatch):
    options = {}
    modules = {
        "sentry_sdk": types.ModuleType("sentry_sdk"),
        "sentry_sdk.integrations": types.ModuleType("sentry_sdk.integrations"),
        "sentry_sdk.integrations.celery": types.ModuleType("sentry_sdk.integrations.celery"),
        "sentry_sdk.integrations.django": types.ModuleType("sentry_sdk.integrations.django"),
    }
    modules["sentry_sdk"].init = lambda **kwargs: options.update(kwargs)
    modules["sentry_sdk.integrations.celery"].CeleryIntegration = lambda: "celery"
    modules["sentry_sdk.integrations.django"].DjangoIntegration = lambda: "django"
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    error_tracking_init(dsn="https://key@errors.example.org/1", environment="staging")
    assert options["dsn"] == "https://key@errors.example.org/1"
    assert options["environment"] == "staging"
    assert options["send_default_pii"] is False
    assert options["max_request_body_size"] == "never"
    assert options["include_local_variables"] is False
