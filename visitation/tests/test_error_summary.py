"""One error summary for every form of the site: at the top of the page, before the
heading, and a title starting with "Error:" (the GOV.UK pattern); none on a page whose
form was not refused."""

import re

import pytest
from django.urls import reverse

from review.tests.factories import otp_login

pytestmark = pytest.mark.django_db


def title_of(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.text, re.S)[1].strip()


def main_starts_with_the_summary(response) -> bool:
    main = response.text.split('<main id="main-content"', 1)[1].split(">", 1)[1]
    return main.lstrip().startswith('<div class="usa-alert usa-alert--error"')


def test_a_refused_sign_in_starts_with_the_summary_and_an_error_title(client, home_user):
    page = client.get(reverse("accounts:login"))
    refused = client.post(reverse("accounts:login"), {"username": home_user.email, "password": "x"})

    assert title_of(page) == "Sign in | Video visits"
    assert title_of(refused) == "Error: Sign in | Video visits"
    assert main_starts_with_the_summary(refused)
    assert refused.text.count('id="error-summary"') == 1
    assert not main_starts_with_the_summary(page)


def test_a_refused_signup_lists_every_error_once_at_the_top(client):
    refused = client.post(reverse("accounts:signup"), {})

    assert title_of(refused).startswith("Error: ")
    assert main_starts_with_the_summary(refused)
    assert refused.text.count('id="error-summary"') == 1


def test_a_console_form_refused_starts_with_the_summary_too(client, admin_a, facility_a):
    otp_login(client, admin_a)
    url = reverse("console_visits:config", args=[facility_a.pk])

    page = client.get(url)
    refused = client.post(url, {"durations": "twenty"})

    assert not title_of(page).startswith("Error:")
    assert title_of(refused).startswith("Error: Visit settings")
    assert main_starts_with_the_summary(refused)
    assert "Visit lengths offered, in minutes: Give whole minutes" in re.sub(
        r"<[^>]+>|\s+", " ", refused.text.split('id="error-summary"')[1]
    ).replace("  ", " ")
