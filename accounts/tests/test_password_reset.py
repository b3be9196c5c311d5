import re

import pytest
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from accounts.tests.pages import field_error, text_of

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new long passphrase 7"


def ask_for_reset(client, email, capture):
    with capture(execute=True):
        return client.post(reverse("accounts:password_reset"), {"email": email})


def reset_link(message) -> str:
    match = re.search(r"http://testserver(/accounts/password-reset/\S+/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_reset_email_is_sent_through_the_outbox_after_commit(
    client, home_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("accounts:password_reset"), {"email": "Home@Example.com"})
    assert mailoutbox == []
    for callback in callbacks:
        callback()
    assert response.status_code == 302
    assert "If the address has an account, a link to set a new password is on its way." in (
        text_of(client.get(response.url))
    )
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["home@example.com"]
    assert mailoutbox[0].subject == "Set a new password"
    assert "The link works for 3 hours and only once." in mailoutbox[0].body


def test_following_the_link_sets_a_new_password(
    client, home_user, mailoutbox, django_capture_on_commit_callbacks
):
    ask_for_reset(client, "home@example.com", django_capture_on_commit_callbacks)
    form_page = client.get(reset_link(mailoutbox[0]), follow=True)
    assert "Choose a new password" in text_of(form_page)
    assert '<label class="usa-label" for="id_new_password1">' in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password is changed" in text_of(response)
    home_user.refresh_from_db()
    assert home_user.check_password(NEW_PASSWORD)
    assert not home_user.check_password(PASSWORD)
    signed_in = client.post(
        reverse("accounts:login"), {"username": "home@example.com", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302


def test_new_password_must_pass_the_same_rules(
    client, home_user, mailoutbox, django_capture_on_commit_callbacks
):
    ask_for_reset(client, "home@example.com", django_capture_on_commit_callbacks)
    form_page = client.get(reset_link(mailoutbox[0]), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "short1", "new_password2": "short1"}
    )
    assert "at least 12 characters" in field_error(response, "new_password2")
    home_user.refresh_from_db()
    assert home_user.check_password(PASSWORD)


def test_a_used_link_says_it_has_expired(
    client, home_user, mailoutbox, django_capture_on_commit_callbacks
):
    ask_for_reset(client, "home@example.com", django_capture_on_commit_callbacks)
    link = reset_link(mailoutbox[0])
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    response = client.get(link, follow=True)
    assert "This link has expired or was already used." in text_of(response)


def test_unknown_email_gets_the_same_answer_and_no_email(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    response = ask_for_reset(client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert mailoutbox == []
