"""A request body over settings.MAX_REQUEST_BYTES is refused with a page that says so,
before anything reads it, on every server: the test client, and the development server's
own WSGI handler (`make run`), which refuses a response with a hop-by-hop header."""

import socket
import threading
from urllib.parse import urlencode

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.urls import reverse

from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_default_limit_takes_two_photos_of_the_largest_size(settings):
    assert settings.MAX_REQUEST_BYTES > 2 * settings.IDENTITY_UPLOAD_MAX_BYTES


def test_a_body_declared_larger_than_the_limit_gets_a_clear_413_page(client, settings):
    settings.MAX_REQUEST_BYTES = 21 * 1_048_576
    settings.IDENTITY_UPLOAD_MAX_BYTES = 10 * 1_048_576
    response = client.post(
        reverse("accounts:login"),
        data=b"x",
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(2 * 1024**3),
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "What you sent is too large" in page
    assert "at most 21 MB at a time" in page
    assert "each ID photo or selfie can be up to 10 MB" in page
    assert "Nothing was saved" in page
    assert not response.has_header("Connection")  # hop-by-hop: the server's to send
    assert "Content-Security-Policy" in response


def test_a_form_just_under_the_limit_goes_through_and_just_over_does_not(
    client, home_user, settings
):
    body = urlencode({"username": home_user.email, "password": PASSWORD})
    form = "application/x-www-form-urlencoded"
    settings.MAX_REQUEST_BYTES = len(body)
    assert client.post(reverse("accounts:login"), body, content_type=form).status_code == 302
    client.logout()
    settings.MAX_REQUEST_BYTES = len(body) - 1
    assert client.post(reverse("accounts:login"), body, content_type=form).status_code == 413


def test_a_content_length_that_is_not_a_number_is_left_to_django(client):
    response = client.get(reverse("accounts:login"), CONTENT_LENGTH="lots")
    assert response.status_code == 200


def test_the_page_is_in_the_visitors_language(client, settings):
    settings.MAX_REQUEST_BYTES = 10
    response = client.post(
        reverse("accounts:login"),
        {"username": "someone@example.com", "password": "long enough"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert 'lang="es"' in page and "Lo que envió es demasiado grande" in page


def development_server_exchange(raw_request: bytes) -> bytes:
    """Send `raw_request` to the development server's request handler (what `manage.py
    runserver` runs for each connection) over a local socket pair, and return all it
    answers until it closes the connection."""
    server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler, bind_and_activate=False)
    server.server_name, server.server_port = "testserver", 80
    server.setup_environ()
    server.set_app(get_wsgi_application())
    ours, theirs = socket.socketpair()
    handler = threading.Thread(
        target=WSGIRequestHandler, args=(theirs, ("203.0.113.7", 50000), server)
    )
    handler.start()
    try:
        ours.sendall(raw_request)
        ours.shutdown(socket.SHUT_WR)  # no second request on this connection
        answer = b""
        while chunk := ours.recv(65536):
            answer += chunk
    finally:
        handler.join(timeout=30)
        ours.close()
        theirs.close()
        server.server_close()
    return answer


def test_the_development_server_answers_an_upload_over_the_limit_with_the_413_page(settings):
    """A 30 MB identity upload under `make run` (DEBUG on, runserver)."""
    settings.DEBUG = True
    settings.MAX_REQUEST_BYTES = 21 * 1_048_576
    body = b"x" * (30 * 1_048_576)
    head = (
        "POST /accounts/identity/ HTTP/1.1\r\n"
        "Host: testserver\r\n"
        "Content-Type: multipart/form-data; boundary=frontier\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()

    answer = development_server_exchange(head + body)

    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 413 Request Entity Too Large", answer[:300]
    assert b"A server error occurred" not in answer
    assert "What you sent is too large" in rest.decode()
    assert "at most 21 MB at a time" in rest.decode()
