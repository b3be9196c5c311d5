"""Pages served to a signed-in person are kept by no cache and no browser history
(Cache-Control: private, no-store), so signing out on a shared or lobby computer leaves
nothing of theirs behind the back button. Public pages keep their caching.

With the demo data and production settings, each persona walks the site by its links and
GET forms (nothing is sent that changes data) and every answer is checked."""

import re
from collections import Counter
from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from visitation.tests.test_form_fuzz import next_pages, persona

pytestmark = pytest.mark.django_db

MAX_PAGES = 120


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    settings.DEBUG = False


def admin_pages():
    """The Django admin's index and the list of every model it has."""
    return [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]


def crawl(client, start):
    """Every answer (path, response) reached from `start` by links and GET forms, at most
    two of each shape (the same path with other numbers)."""
    seen, shapes, queue, answers = set(), Counter(), list(start), []
    while queue and len(answers) < MAX_PAGES:
        path = queue.pop(0)
        if path is None or not path.startswith("/") or path in seen:
            continue  # tel: and mailto: links are not pages
        shape = re.sub(r"\d+", "N", path)
        if shapes[shape] >= 2:
            continue
        seen.add(path)
        shapes[shape] += 1
        response = client.get(path)
        answers.append((path, response))
        if response.status_code in (301, 302):
            queue.insert(0, response["Location"])
        elif response.status_code == 200 and "text/html" in response["Content-Type"]:
            queue.extend(next_pages(response.content.decode(), path))
    return answers


def private(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


@pytest.mark.parametrize(
    ("email", "console", "start", "expected"),
    [
        (
            "approved@demo.visits",
            False,
            ["/accounts/", "/visits/", "/facilities/"],
            ["/accounts/", "/accounts/identity/", "/accounts/details/", "/visits/"],
        ),
        ("new@demo.visits", False, ["/accounts/"], ["/accounts/identity/"]),
        ("staff@tx.demo.visits", True, ["/console/"], ["/console/visits/"]),
        ("admin@tx.demo.visits", True, ["/console/"], ["/console/visits/"]),
        ("reviewer@demo.visits", True, ["/console/"], ["/console/"]),
        ("operator@demo.visits", True, ["/accounts/"], admin_pages()),
    ],
)
def test_every_page_of_a_signed_in_person_is_private_and_not_stored(
    client, demo, email, console, start, expected
):
    persona(client, email, console)

    answers = crawl(client, [*start, *expected])

    assert set(expected) <= {path for path, _response in answers}
    assert [path for path, response in answers if response.status_code >= 400] == []
    assert [path for path, response in answers if not private(response)] == []


def test_public_pages_keep_their_caching(client, demo):
    for path in ("/", reverse("accounts:signup"), reverse("accounts:password_reset")):
        response = client.get(path)
        assert response.status_code == 200
        assert "no-store" not in response.get("Cache-Control", ""), path


def test_signing_out_ends_the_private_marking(client, demo):
    persona(client, "approved@demo.visits", False)
    assert private(client.get("/accounts/"))
    client.post(reverse("accounts:logout"))
    assert not private(client.get("/"))
