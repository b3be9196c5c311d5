"""Guards over the whole project: no model change without its migration, no page that
answers with a server error to anyone, demo data that can be loaded twice."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

PERSONAS = ["anonymous", "home_user", "reviewer", "operator", "staff_a"]


@pytest.mark.django_db
def test_no_model_change_is_missing_its_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"Models changed without a migration:\n{out.getvalue()}")


def _url_names(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _url_names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def urls_without_arguments():
    """Every named URL that can be built with no arguments, from every app."""
    paths = set()
    for name in _url_names():
        try:
            paths.add(reverse(name))
        except NoReverseMatch:
            continue  # needs arguments: covered by the app's own tests
    return sorted(paths)


def test_the_url_walk_finds_pages_of_every_app():
    paths = urls_without_arguments()
    for expected in ("/", "/accounts/signup/", "/accounts/identity/", "/admin/"):
        assert expected in paths


@pytest.fixture
def operator(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(email="operator@example.com", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_answers_without_a_server_error(client, persona, request):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    else:
        request.getfixturevalue("db")
    client.raise_request_exception = False
    failures = []
    for path in urls_without_arguments():
        response = client.get(path)
        if response.status_code >= 500:
            failures.append(f"{path}: {response.status_code}")
    assert failures == []


def _row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.mark.django_db
def test_seed_demo_can_run_twice_without_adding_anything(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    first = _row_counts()
    assert first["accounts.User"] > 0
    call_command("seed_demo", stdout=StringIO())
    assert _row_counts() == first


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DEBUG on"):
        call_command("seed_demo", stdout=StringIO())
    assert _row_counts()["accounts.User"] == 0
