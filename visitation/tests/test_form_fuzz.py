"""Whatever people type, no form answers with a server error.

With the demo data loaded, each persona (a family, facility staff, a facility administrator,
an identity reviewer, someone not signed in) walks the site by its links and forms, and
every form it meets is sent back with hostile values in every field: empty, very long, not
a number, negative, impossible dates, markup, a NUL character (which PostgreSQL refuses in
text) and so on. Any answer of 500 or more fails the test, naming the form and the values.
It runs on SQLite and, in CI, on PostgreSQL.
"""

import re
from collections import Counter
from html import unescape
from io import StringIO
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.tests.factories import otp_login

pytestmark = pytest.mark.django_db(transaction=False)

HOSTILE = {
    "empty": "",
    "long": "x" * 5000,
    "word": "abc",
    "negative": "-1",
    "huge": "99999999999999999999",
    "impossible date": "2026-02-30",
    "impossible time": "2026-13-45T25:61:00+00:00",
    "markup": "<script>alert(1)</script>",
    "nul": "a\x00b",
    "unicode": "名前 🙂 \u202e",
}
# Forms that end the walk or change the language of every later page.
SKIP_ACTIONS = ("/accounts/logout/", "/i18n/setlang/", "/accounts/close/")
MAX_PAGES = 80

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.S | re.I)
OPTION = re.compile(r'<option\b[^>]*value="([^"]*)"', re.I)
FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.I)
ATTR = re.compile(r'([a-zA-Z_:-]+)="([^"]*)"')
LINK = re.compile(r'<a\b[^>]*href="([^"#]+)"', re.I)


def _attrs(text):
    return {name.lower(): unescape(value) for name, value in ATTR.findall(text)}


def forms(page, url):
    """(method, action, {field: value as the page has it}) of the page's forms."""
    found = []
    for head, body in FORM.findall(page):
        attrs = _attrs(head)
        action = urljoin(url, attrs.get("action") or url)
        fields = {}
        for select_head, options in SELECT.findall(body):
            name = _attrs(select_head).get("name")
            values = [value for value in OPTION.findall(options) if value]
            if name:
                fields[name] = unescape(values[0]) if values else ""
        for _tag, inner in FIELD.findall(body):
            field = _attrs(inner)
            name = field.get("name")
            if name and name != "csrfmiddlewaretoken":
                fields.setdefault(name, field.get("value", ""))
        found.append((attrs.get("method", "get").lower(), action, fields))
    return found


def _local(target):
    parts = urlsplit(target)
    if parts.netloc not in ("", "testserver") or parts.path.startswith(
        ("/static/", "/admin/", *SKIP_ACTIONS)
    ):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def next_pages(page, url):
    """Where the page leads: its links, and its GET forms sent as they are (an empty box
    gets a letter, so a search finds something)."""
    for href in LINK.findall(page):
        yield _local(urljoin(url, unescape(href)))
    for method, action, fields in forms(page, url):
        if method == "get" and fields:
            filled = {name: value or "a" for name, value in fields.items()}
            yield _local(f"{action}?{urlencode(filled)}")


def walk(client, start):
    """The pages a signed-in persona reaches from `start` by links, GET forms and POST forms
    sent as the page fills them, at most two of each shape (the same path with other
    numbers), so that fourteen date pages do not crowd out the rest."""
    seen, shapes, queue, pages = set(), Counter(), list(start), []
    while queue and len(pages) < MAX_PAGES:
        url = queue.pop(0)
        if url is None:
            continue
        parts = urlsplit(url)
        shape = re.sub(r"\d+", "N", parts.path) + "?" + ",".join(sorted(parse_qs(parts.query)))
        if url in seen or shapes[shape] >= 2:
            continue
        seen.add(url)
        shapes[shape] += 1
        response = client.get(url)
        assert response.status_code < 500, f"GET {url}: {response.status_code}"
        if response.status_code in (301, 302):
            queue.insert(0, _local(urljoin(url, response["Location"])))
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        pages.append((url, page))
        queue.extend(target for target in next_pages(page, url) if target and target not in seen)
        # A form sent as the page fills it leads on (a time held leads to the checkout).
        for method, action, fields in forms(page, url):
            if method == "post" and fields and _local(action):
                sent = client.post(action, {k: v or "a" for k, v in fields.items()})
                assert sent.status_code < 500, f"POST {action}: {sent.status_code}"
                if sent.status_code in (301, 302):
                    queue.append(_local(urljoin(action, sent["Location"])))
    return pages


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    settings.DEBUG = False


def persona(client, email, console):
    if email is None:
        client.logout()
        return client
    user = User.objects.get(email=email)
    if console:
        otp_login(client, user)
    else:
        client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("email", "console", "start"),
    [
        (
            "approved@demo.visits",
            False,
            ["/visits/", "/visits/book/", "/facilities/", "/accounts/"],
        ),
        ("staff@tx.demo.visits", True, ["/console/"]),
        ("admin@tx.demo.visits", True, ["/console/"]),
        ("reviewer@demo.visits", True, ["/console/"]),
        (None, False, ["/", "/accounts/signup/", "/accounts/password-reset/"]),
    ],
)
def test_no_form_answers_hostile_values_with_a_server_error(client, demo, email, console, start):
    client.raise_request_exception = False
    persona(client, email, console)
    failures, sent = [], 0
    pages = walk(client, start)
    for url, page in pages:
        for method, action, fields in forms(page, url):
            if urlsplit(action).path.startswith(SKIP_ACTIONS) or not fields:
                continue
            send = client.post if method == "post" else client.get
            for label, value in HOSTILE.items():
                response = send(action, dict.fromkeys(fields, value))
                sent += 1
                if response.status_code >= 500:
                    failures.append(
                        f"{method.upper()} {action} ({label}) from {url}: {response.status_code}"
                    )
            # The walk may have changed what the persona may see (a visit cancelled by an
            # empty form, say); sign in again so the next pages are still theirs.
            persona(client, email, console)
    assert sent > 20, f"only {sent} forms were tried: the walk found too little"
    assert failures == []
