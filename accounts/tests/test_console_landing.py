"""Reviewers, officers and administrators land in the console after signing in, the header
links them there, and they never get the family's identity pages (a staff account has no
family identity to upload)."""

import pytest
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from accounts.tests.pages import text_of

pytestmark = pytest.mark.django_db

CONSOLE = "/console/"


@pytest.fixture(params=["reviewer", "staff_a", "admin_a"])
def console_user(request):
    return request.getfixturevalue(request.param)


def sign_in(client, user, **extra):
    return client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD, **extra}
    )


def test_a_console_user_goes_to_the_console_after_signing_in(client, console_user):
    response = sign_in(client, console_user)

    assert response.status_code == 302
    assert response.url == CONSOLE


def test_a_home_user_still_goes_to_their_account(client, home_user):
    assert sign_in(client, home_user).url == reverse("accounts:home")


def test_a_next_page_asked_for_is_kept(client, staff_a):
    wanted = reverse("console_visits:facilities")

    assert sign_in(client, staff_a, next=wanted).url == wanted


@pytest.mark.parametrize("name", ["index", "accounts:home", "accounts:identity"])
def test_a_console_user_never_gets_the_family_identity_pages(client, console_user, name):
    client.force_login(console_user)

    response = client.get(reverse(name), follow=True)

    assert (CONSOLE, 302) in response.redirect_chain
    assert "Upload your ID" not in text_of(response)


def test_the_header_of_a_family_page_links_a_console_user_to_the_console(client, staff_a):
    client.force_login(staff_a)

    page = client.get(reverse("accounts:details")).text

    assert f'<a href="{CONSOLE}">Console</a>' in page
    assert reverse("visits:book") not in page


def test_a_home_users_header_has_no_console_link(client, home_user):
    client.force_login(home_user)

    page = client.get(reverse("accounts:details")).text

    assert f'href="{CONSOLE}"' not in page
    assert reverse("visits:book") in page
