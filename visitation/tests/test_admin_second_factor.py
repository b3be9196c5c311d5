"""The Django admin asks for the same second factor as the console: a session signed in
with a password alone gets the console's code page for every admin URL, and comes back to
the page it asked for with a code from the authenticator app or a backup code."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor
from accounts.tests.factories import (
    UserFactory,
    current_code,
    set_password_by_link,
    totp_device,
)
from accounts.tests.pages import text_of

pytestmark = pytest.mark.django_db

VERIFY = reverse("review:otp_verify")
SETUP = reverse("review:otp_setup")


@pytest.fixture
def operator(db):
    user = UserFactory(email="operator@example.com", is_staff=True, is_superuser=True)
    totp_device(user)
    return user


def every_admin_url(operator):
    """The admin's index, each app's page, each model's list and add page, an object's
    change, history and delete pages, the operator's own password pages, and a URL the
    admin does not have."""
    urls = [
        reverse("admin:index"),
        reverse("admin:password_change"),
        reverse("admin:password_change_done"),
        reverse("admin:jsi18n"),
        reverse("admin:autocomplete"),
        reverse("admin:view_on_site", args=[1, operator.pk]),
        "/admin/no-such-page/",
    ]
    for model in admin.site._registry:
        label = f"{model._meta.app_label}_{model._meta.model_name}"
        urls += [
            reverse("admin:app_list", args=[model._meta.app_label]),
            reverse(f"admin:{label}_changelist"),
            reverse(f"admin:{label}_add"),
        ]
    for name in ("change", "history", "delete"):
        urls.append(reverse(f"admin:accounts_user_{name}", args=[operator.pk]))
    urls.append(reverse("admin:auth_user_password_change", args=[operator.pk]))
    return sorted(set(urls))


def test_a_password_alone_gets_the_code_page_for_every_admin_url(client, operator):
    client.force_login(operator)
    urls = every_admin_url(operator)
    assert len(urls) > 40

    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == f"{VERIFY}?next={url.replace('/', '%2F')}", url
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Enter your code" in text_of(page)
    assert "Lost your phone? Enter one of your backup codes." in text_of(page)


def test_a_password_alone_cannot_change_anything_in_the_admin(client, operator):
    client.force_login(operator)
    url = reverse("admin:accounts_user_change", args=[operator.pk])

    response = client.post(url, {"email": "taken.over@example.com", "is_superuser": "on"})

    assert response.status_code == 302
    assert response.url.startswith(VERIFY)
    operator.refresh_from_db()
    assert operator.email == "operator@example.com"


def test_the_admin_sign_in_page_leads_to_the_code_page_once_the_password_is_given(client, operator):
    client.force_login(operator)
    users = reverse("admin:accounts_user_changelist")

    response = client.get(reverse("admin:login"), {"next": users})

    assert response.status_code == 302
    assert response.url == f"{VERIFY}?next={users.replace('/', '%2F')}"


def test_the_authenticator_code_opens_the_admin_page_asked_for(client, operator):
    client.force_login(operator)
    users = reverse("admin:accounts_user_changelist")
    device = TOTPDevice.objects.get(user=operator)

    response = client.post(VERIFY, {"code": current_code(device), "next": users})

    assert response.status_code == 302
    assert response.url == users
    page = client.get(users)
    assert page.status_code == 200
    assert "operator@example.com" in page.text
    assert page["Cache-Control"] and "no-store" in page["Cache-Control"]


def test_a_backup_code_opens_the_admin_once(client, operator):
    codes = second_factor.second_factor_backup_codes_new(user=operator)
    client.force_login(operator)

    response = client.post(VERIFY, {"code": codes[0], "next": reverse("admin:index")}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert "You signed in with a backup code. 9 backup codes are left." in text_of(response)
    client.logout()
    client.force_login(operator)
    again = client.post(VERIFY, {"code": codes[0], "next": reverse("admin:index")})
    assert again.status_code == 200
    assert "That backup code did not work." in text_of(again)
    assert client.get(reverse("admin:index")).status_code == 302


def test_an_operator_without_an_authenticator_is_sent_to_set_one_up(client):
    operator = UserFactory(email="new.operator@example.com", is_staff=True)
    client.force_login(operator)

    response = client.get(reverse("admin:index"), follow=True)

    assert response.redirect_chain[0][0].startswith(SETUP)
    assert response.status_code == 403  # only through a link emailed to them
    assert "right after following the link we emailed you" in text_of(response)


def test_an_operator_sets_up_the_authenticator_from_the_emailed_link_and_reaches_the_admin(
    client,
):
    operator = UserFactory(email="new.operator@example.com", is_staff=True, is_superuser=True)

    chose = set_password_by_link(client, operator)
    assert chose.status_code == 302
    assert chose.url == SETUP
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=operator)
    page = client.post(SETUP, {"code": current_code(device)})

    assert page.status_code == 200
    assert f'href="{reverse("admin:index")}"' in page.text  # "Continue" leads to the admin
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_home_user_is_still_not_let_in(client, home_user):
    client.force_login(home_user)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
