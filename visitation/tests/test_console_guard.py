"""Every console page, found by walking the URL configuration (not a list kept by hand),
answers each persona as the console's access rules say: anonymous visitors are sent to
sign in, home users get a 404, reviewers see no facility's visit pages, staff of another
facility get a 404 for facility A's objects, an officer gets a 404 for the administrators'
pages, and nobody gets a server error. URLs with arguments are built from facility A's
objects; a new console URL whose arguments this file cannot build fails the walk."""

from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.tests.factories import otp_login, pending_submission
from facilities.tests.factories import pending_access_request
from scheduling.tests.factories import ClosureFactory, LockdownFactory, VisitFactory
from video.models import TerminalDevice

CONSOLE_PREFIX = "console/"
# The staff pages only facility administrators may open (the officer gets a 404).
ADMINISTRATORS_PAGES = {
    *(
        f"console_visits:{name}"
        for name in (
            "config",
            "windows",
            "closures",
            "closure",
            "closure_end",
            "lockdowns",
            "lockdown",
            "lockdown_end",
            "terminals",
            "terminal",
            "terminal_service",
        )
    ),
    "console_video:settings",
    "console_video:terminal_enrol",
    "console_video:device_revoke",
}


def console_urls(resolver=None, prefix="", namespace=""):
    """(name, route, argument names) of every named URL under /console/."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from console_urls(entry, route, inner)
        elif isinstance(entry, URLPattern) and entry.name and route.startswith(CONSOLE_PREFIX):
            yield f"{namespace}{entry.name}", route, sorted(entry.pattern.converters)


@pytest.fixture
def objects(visit_site, home_user):
    """One object of facility A for each kind of console URL argument."""
    now = timezone.now()
    visit = VisitFactory(
        facility=visit_site.facility,
        inmate=visit_site.inmate,
        inmate_terminal=visit_site.terminals[0],
        visitor=home_user,
        starts_at=now + timedelta(days=2),
    )
    period = {"starts_at": now + timedelta(days=5), "ends_at": now + timedelta(days=6)}
    return {
        "facility": visit_site.facility,
        "visit": visit,
        "closure": ClosureFactory(facility=visit_site.facility, **period),
        "lockdown": LockdownFactory(housing_unit=visit_site.unit, **period),
        "terminal": visit_site.terminals[0],
        "identity": pending_submission(user=home_user),
        "access": pending_access_request(facility=visit_site.facility, user=home_user),
        "user": home_user,
        "device": TerminalDevice.objects.create(
            terminal=visit_site.terminals[0],
            token_hash="0" * 64,
            enrolled_by=home_user,
            enrolled_at=now,
        ),
    }


def arguments(name: str, names: list[str], objects) -> dict:
    """The URL's arguments from facility A's objects: `pk` names the object the URL is
    about, by the first word of its name (visit_move: a visit)."""
    short = name.split(":")[-1]
    built = {}
    for argument in names:
        if argument == "facility_id":
            built[argument] = objects["facility"].pk
        elif argument == "kind":
            built[argument] = "id" if short.startswith("identity") else "remote"
        elif argument == "pk":
            stem = short.split("_")[0]
            assert stem in objects, f"{name}: say in this test which object its pk names"
            built[argument] = objects[stem].pk
        else:
            pytest.fail(f"{name}: say in this test how to build its argument {argument!r}")
    return built


def answer(client, path):
    """GET the page; a POST-only page is asked with an empty POST."""
    response = client.get(path)
    if response.status_code == 405:
        response = client.post(path, {})
    return response


def walk(client, objects):
    for name, _route, names in console_urls():
        path = reverse(name, kwargs=arguments(name, names, objects))
        yield name, names, path, answer(client, path)


def test_the_walk_covers_both_halves_of_the_console_and_urls_with_arguments():
    names = {name for name, _route, _args in console_urls()}
    assert {"review:home", "review:identity_detail", "console_visits:board"} <= names
    assert {"console_visits:visit_move", "console_visits:terminal_service"} <= names
    assert names >= ADMINISTRATORS_PAGES


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in_from_every_console_page(client, objects):
    client.raise_request_exception = False
    wrong = [
        f"{name} {response.status_code}"
        for name, _args, _path, response in walk(client, objects)
        if response.status_code != 302 or "/accounts/login/" not in response["Location"]
    ]
    assert wrong == []


def test_home_users_get_a_404_from_every_console_page(client, objects, other_home_user):
    client.force_login(other_home_user)
    client.raise_request_exception = False
    wrong = [
        f"{name} {response.status_code}"
        for name, _args, _path, response in walk(client, objects)
        if response.status_code != 404
    ]
    assert wrong == []


def test_reviewers_see_no_facility_visit_page(client, objects, reviewer):
    otp_login(client, reviewer)
    client.raise_request_exception = False
    wrong = [
        f"{name} {response.status_code}"
        for name, _args, _path, response in walk(client, objects)
        if response.status_code >= 500
        or (name.startswith("console_visits:") and response.status_code != 404)
    ]
    assert wrong == []


def test_staff_of_another_facility_get_a_404_for_every_page_about_facility_a(
    client, objects, staff_b
):
    otp_login(client, staff_b)
    client.raise_request_exception = False
    wrong = [
        f"{name} {response.status_code}"
        for name, args, _path, response in walk(client, objects)
        if response.status_code >= 500 or (args and response.status_code != 404)
    ]
    assert wrong == []


def test_an_officer_gets_a_404_for_the_administrators_pages_and_no_server_error(
    client, objects, staff_a
):
    otp_login(client, staff_a)
    client.raise_request_exception = False
    wrong = [
        f"{name} {response.status_code}"
        for name, _args, _path, response in walk(client, objects)
        if response.status_code >= 500
        or (name in ADMINISTRATORS_PAGES and response.status_code != 404)
    ]
    assert wrong == []


def test_an_administrator_gets_no_server_error_from_any_console_page(client, objects, admin_a):
    otp_login(client, admin_a)
    client.raise_request_exception = False
    wrong = [
        f"{name} {response.status_code}"
        for name, _args, _path, response in walk(client, objects)
        if response.status_code >= 500
    ]
    assert wrong == []
